from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import autopay
from engine.autopay import AutopayError

DUE = date(2026, 3, 10)


def test_retry_days_are_parsed_in_order():
    assert autopay.parse_retry_days("1, 3, 7") == (1, 3, 7)
    assert autopay.parse_retry_days(" 2;5 ") == (2, 5)
    assert autopay.parse_retry_days("") == ()


@pytest.mark.parametrize("text", ["3, 1", "1, 1", "0", "-1", "a", "61", "1,2,3,4,5,6"])
def test_retry_days_refuse_nonsense(text):
    with pytest.raises(AutopayError) as error:
        autopay.parse_retry_days(text)
    assert error.value.code == "retry_days"


def test_attempts_on_the_due_date_then_the_retry_days():
    assert autopay.attempt_dates(DUE) == [DUE, DUE + timedelta(1), DUE + timedelta(3), DUE + timedelta(7)]
    assert autopay.last_attempt_date(DUE) == DUE + timedelta(7)
    assert autopay.last_attempt_date(DUE, ()) == DUE


def test_first_attempt_is_the_due_date_or_today_while_retries_remain():
    assert autopay.first_attempt_date(DUE, DUE - timedelta(5)) == DUE
    assert autopay.first_attempt_date(DUE, DUE + timedelta(2)) == DUE + timedelta(2)
    assert autopay.first_attempt_date(DUE, DUE + timedelta(8)) is None


def test_a_declined_charge_is_retried_on_schedule_then_falls_back():
    assert autopay.after_charge("failed", DUE, 1) == ("retry", DUE + timedelta(1))
    assert autopay.after_charge("failed", DUE, 2) == ("retry", DUE + timedelta(3))
    assert autopay.after_charge("failed", DUE, 3) == ("retry", DUE + timedelta(7))
    assert autopay.after_charge("failed", DUE, 4) == ("fallback", None)
    assert autopay.after_charge("failed", DUE, 1, ()) == ("fallback", None)


def test_a_late_retry_is_never_in_the_past():
    assert autopay.after_charge("failed", DUE, 1, today=DUE + timedelta(2)) == ("retry", DUE + timedelta(2))


def test_done_and_pending_charges():
    assert autopay.after_charge("done", DUE, 0) == ("paid", None)
    assert autopay.after_charge("pending", DUE, 0) == ("pending", None)


def test_transaction_states_map_to_charge_outcomes():
    assert autopay.outcome("done") == "done"
    assert autopay.outcome("error") == autopay.outcome("cancel") == "failed"
    assert autopay.outcome("pending") == autopay.outcome("authorized") == autopay.outcome("draft") == "pending"
    assert set(autopay.OUTCOMES.values()) <= set(autopay.CHARGE_STATES)


def test_a_charge_never_takes_more_than_is_owed():
    assert autopay.charge_amount(Decimal("100"), Decimal("250")) == Decimal("100")
    assert autopay.charge_amount(Decimal("100"), Decimal("40")) == Decimal("40")
    assert autopay.charge_amount(Decimal("100"), Decimal("-5")) == Decimal("0")


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2),
       st.decimals(min_value=-10**6, max_value=10**6, places=2))
def test_charge_amount_is_bounded(remaining, owed):
    amount = autopay.charge_amount(remaining, owed)
    assert 0 <= amount <= max(remaining, 0)
    assert amount <= max(owed, 0)


@given(st.lists(st.integers(min_value=1, max_value=60), unique=True, max_size=5),
       st.integers(min_value=0, max_value=10))
def test_retries_are_increasing_and_end(days, attempts):
    days = tuple(sorted(days))
    assert autopay.parse_retry_days(", ".join(map(str, days))) == days
    state, day = autopay.after_charge("failed", DUE, attempts + 1, days)
    if attempts + 1 <= len(days):
        assert (state, day) == ("retry", DUE + timedelta(days[attempts]))
    else:
        assert (state, day) == ("fallback", None)
