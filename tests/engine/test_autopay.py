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


def test_a_late_retry_is_never_the_same_day_or_in_the_past():
    assert autopay.after_charge("failed", DUE, 1, today=DUE + timedelta(2)) == ("retry", DUE + timedelta(3))
    assert autopay.after_charge("failed", DUE, 1, today=DUE + timedelta(7)) == ("fallback", None)


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


def test_a_payment_nobody_matched_yet_is_never_charged_again():
    # the plan's invoices owe 900; the customer transferred 900 that nobody matched yet
    assert autopay.charge_amount(Decimal("300"), Decimal("900"), credit=Decimal("900")) == Decimal("0")
    # 800 of it: only what the invoices still owe beyond it
    assert autopay.charge_amount(Decimal("300"), Decimal("900"), credit=Decimal("800")) == Decimal("100")
    # a small credit left over elsewhere does not stop the installment
    assert autopay.charge_amount(Decimal("300"), Decimal("900"), credit=Decimal("10")) == Decimal("300")


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2),
       st.decimals(min_value=-10**6, max_value=10**6, places=2),
       st.decimals(min_value=0, max_value=10**6, places=2))
def test_charge_amount_is_bounded(remaining, owed, credit):
    amount = autopay.charge_amount(remaining, owed, credit)
    assert 0 <= amount <= max(remaining, 0)
    assert amount <= max(owed - credit, 0)


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


def test_the_month_on_the_card_is_valid_to_its_last_day():
    assert autopay.valid_until("2027-02") == date(2027, 2, 28)
    assert autopay.valid_until("2028-02") == date(2028, 2, 29)
    assert autopay.valid_until("2027-12") == date(2027, 12, 31)
    assert autopay.valid_until("") is None
    for wrong in ("2027-13", "27/03", "abc", "2027-00", "9999-12", "1999-01"):
        with pytest.raises(autopay.AutopayError):
            autopay.valid_until(wrong)


def test_a_card_that_expires_before_the_last_installment_is_reminded_before_its_last_month():
    card = date(2027, 3, 31)  # 03/27
    assert autopay.expiry_notice_date(card, last_charge=date(2027, 6, 10)) == date(2027, 2, 22)
    assert autopay.expiry_notice_date(card, last_charge=date(2027, 3, 15)) is None, "it pays the last one"
    assert autopay.expiry_notice_date(card, last_charge=None) == date(2027, 2, 22), "invoices: open-ended"
    assert autopay.expiry_notice_date(None, last_charge=date(2027, 6, 10)) is None, "expiry unknown"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)), st.integers(min_value=0, max_value=400))
def test_the_expiry_notice_comes_before_the_last_valid_month(month, days_later):
    card = autopay.valid_until(f"{month.year}-{month.month:02d}")
    notice = autopay.expiry_notice_date(card, card + timedelta(days=days_later))
    if days_later == 0:
        assert notice is None
    else:
        assert notice < card.replace(day=1) and (card.replace(day=1) - notice).days == autopay.EXPIRY_NOTICE_DAYS


def test_an_invoice_is_left_to_its_consent_until_its_last_attempt():
    accepted = DUE - timedelta(days=20)
    assert autopay.charges_it(DUE, accepted, DUE - timedelta(days=5)), "no reminder before its due date"
    assert autopay.charges_it(DUE, accepted, DUE + timedelta(days=7)), "nor while it is retried"
    assert not autopay.charges_it(DUE, accepted, DUE + timedelta(days=8)), "then its ladder again"
    assert autopay.charges_it(DUE, accepted, DUE + timedelta(days=30), waiting=True), "a charge waits for its answer"
    assert not autopay.charges_it(DUE, DUE + timedelta(days=1), DUE), "due before the consent: not charged"
    assert not autopay.charges_it(DUE, accepted, DUE + timedelta(days=1), retry_days=()), "no retry: one day"

