from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import checks
from engine.checks import Check, CheckError

TODAY = date(2026, 3, 1)
SCHEDULE = [(date(2026, 4, 1), Decimal("333.33")), (date(2026, 5, 1), Decimal("333.33")),
            (date(2026, 6, 1), Decimal("333.34"))]


def _checks(**change):
    result = [Check(f"0000012{n}", amount, due) for n, (due, amount) in enumerate(SCHEDULE)]
    for index, values in change.items():
        n = int(index[1:])
        result[n] = Check(**{**result[n].__dict__, **values})
    return result


def test_one_check_per_installment_matching_the_schedule():
    checks.validate(_checks(), SCHEDULE, TODAY, 2)
    # dated before the due date is fine: the money arrives earlier
    checks.validate(_checks(c1={"date": date(2026, 4, 20)}), SCHEDULE, TODAY, 2)


@pytest.mark.parametrize("change, code, index", [
    ({"c1": {"amount": Decimal("300")}}, "amount", 1),
    ({"c2": {"date": date(2026, 6, 2)}}, "date", 2),
    ({"c0": {"date": TODAY - timedelta(1)}}, "date", 0),
    ({"c1": {"number": " "}}, "number", 1),
    ({"c2": {"number": "00000120"}}, "duplicate", 2),
])
def test_a_check_that_does_not_secure_its_installment(change, code, index):
    with pytest.raises(CheckError) as error:
        checks.validate(_checks(**change), SCHEDULE, TODAY, 2)
    assert (error.value.code, error.value.index) == (code, index)


def test_one_check_per_installment_no_more_no_less():
    for given_checks in ([], _checks()[:2], _checks() + _checks()[:1]):
        with pytest.raises(CheckError) as error:
            checks.validate(given_checks, SCHEDULE, TODAY, 2)
        assert error.value.code == "count"


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=-3, max_value=3))
def test_the_amount_must_match_to_the_last_unit(amount, delta):
    due = date(2026, 4, 1)
    check = Check("1", Decimal(amount + delta), due)
    if delta:
        with pytest.raises(CheckError):
            checks.validate([check], [(due, Decimal(amount))], TODAY, 0)
    else:
        checks.validate([check], [(due, Decimal(amount))], TODAY, 0)
