from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import schedule
from engine.schedule import Installment, ScheduleError

TODAY = date(2026, 1, 31)


def test_monthly_dates_keep_the_day_and_clamp_to_month_end():
    dates = schedule.due_dates(date(2026, 1, 31), 4, "monthly")
    assert dates == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert schedule.due_dates(TODAY, 3, "biweekly")[-1] == TODAY + timedelta(weeks=4)


def test_remainder_goes_to_the_last_installment():
    plan = schedule.build(Decimal("100.00"), 3, TODAY, "monthly", 2)
    assert [i.amount for i in plan] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    clp = schedule.build(1000, 3, TODAY, "weekly", 0)
    assert [i.amount for i in clp] == [Decimal(333), Decimal(333), Decimal(334)]


def test_down_payment_comes_first():
    plan = schedule.build(Decimal("1000"), 2, TODAY + timedelta(days=30), "monthly", 2,
                          down_payment=Decimal("200"), today=TODAY)
    assert plan[0] == Installment(0, TODAY, Decimal("200.00"), True)
    assert [i.amount for i in plan[1:]] == [Decimal("400.00"), Decimal("400.00")]


@pytest.mark.parametrize("kwargs, code", [
    ({"count": 0}, "count"),
    ({"count": -2}, "count"),
    ({"count": schedule.MAX_INSTALLMENTS + 1}, "count"),
    ({"first": TODAY - timedelta(days=1)}, "first_date"),
    ({"down_payment": 1000}, "down_payment"),
    ({"down_payment": -1}, "down_payment"),
    ({"total": 0}, "total"),
    ({"frequency": "daily"}, "frequency"),
    ({"down_payment": 10, "first": TODAY}, "down_payment_date"),
])
def test_bad_input(kwargs, code):
    args = {"total": 1000, "count": 3, "first": TODAY + timedelta(days=5), "frequency": "monthly",
            "decimals": 2, "today": TODAY, **kwargs}
    with pytest.raises(ScheduleError) as error:
        schedule.build(**args)
    assert error.value.code == code


def test_allocation_oldest_first_with_overpayment():
    amounts = [Decimal(100), Decimal(100), Decimal(50)]
    assert schedule.allocate(amounts, Decimal(130)) == [Decimal(100), Decimal(30), Decimal(0)]
    assert schedule.allocate(amounts, Decimal(999)) == amounts
    assert schedule.allocate(amounts, Decimal(0)) == [0, 0, 0]


def test_plan_verdicts():
    plan = schedule.build(300, 3, TODAY, "monthly", 0)
    assert schedule.evaluate_plan(plan, 100, TODAY + timedelta(days=10), 5).state == "active"
    late = schedule.evaluate_plan(plan, 100, date(2026, 3, 6), 5)
    assert (late.state, late.overdue) == ("broken", (2,))
    assert schedule.evaluate_plan(plan, 100, date(2026, 3, 5), 5).state == "active", "within grace"
    assert schedule.evaluate_plan(plan, 300, date(2027, 1, 1), 5).state == "done"


def test_promise_verdicts():
    promised = date(2026, 2, 10)
    assert schedule.promise_verdict(promised, 2, 500, 1000, 1000, promised) == "open"
    assert schedule.promise_verdict(promised, 2, 500, 1000, 1000, promised + timedelta(days=3)) == "broken"
    assert schedule.promise_verdict(promised, 2, 500, 1000, 450, promised + timedelta(days=3)) == "kept"
    assert schedule.promise_verdict(promised, 2, 500, 1000, 600, promised + timedelta(days=1)) == "open"


def test_installment_reminders():
    due = date(2026, 2, 10)
    assert schedule.installment_reminder(due, due - timedelta(days=4)) is None
    assert schedule.installment_reminder(due, due - timedelta(days=3)) == -3
    assert schedule.installment_reminder(due, due) == 0
    assert schedule.installment_reminder(due, due + timedelta(days=10)) == 3


@settings(max_examples=300, deadline=None)
@given(total=st.decimals(min_value="0.01", max_value="99999999.99", places=2),
       count=st.integers(1, 60), decimals=st.sampled_from([0, 2, 3]),
       frequency=st.sampled_from(schedule.FREQUENCIES), offset=st.integers(0, schedule.MAX_FIRST_DAYS - 1),
       down_share=st.integers(0, 90))
def test_any_schedule_sums_exactly_and_dates_increase(total, count, decimals, frequency, offset, down_share):
    total = schedule.to_amount(total, decimals)
    if total <= 0:
        return
    down = schedule.to_amount(total * down_share / 100, decimals)
    if down >= total:
        return  # refused, see test_bad_input
    first = TODAY + timedelta(days=offset + 1)
    plan = schedule.build(total, count, first, frequency, decimals, down_payment=down, today=TODAY)
    assert sum(i.amount for i in plan) == total
    assert all(i.amount == i.amount.quantize(schedule.quantum(decimals)) for i in plan)
    assert all(a.due < b.due for a, b in zip(plan, plan[1:]))
    assert len(plan) == count + (1 if down else 0)
    regular = [i.amount for i in plan if not i.down_payment]
    assert max(regular) - min(regular) < count * schedule.quantum(decimals) + schedule.quantum(decimals)


def test_promise_minimum_rules():
    owed = [Decimal("49340"), Decimal("10000")]
    assert schedule.promise_minimum("oldest", owed, decimals=0) == Decimal(49340)
    assert schedule.promise_minimum("oldest", owed[1:], decimals=0) == Decimal(10000), "one invoice: all of it"
    assert schedule.promise_minimum("all", owed, decimals=0) == Decimal(59340)
    assert schedule.promise_minimum("percent", owed, 50, decimals=0) == Decimal(29670)
    assert schedule.promise_minimum("percent", owed, 150, decimals=0) == Decimal(59340), "never above the debt"
    assert schedule.promise_minimum("all", [], decimals=2) == Decimal(0)
    with pytest.raises(ValueError):
        schedule.promise_minimum("whatever", owed)


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1, max_size=8),
       st.integers(min_value=0, max_value=100))
@settings(max_examples=200, deadline=None)
def test_promise_minimum_is_ordered_and_bounded(residuals, percent):
    oldest = schedule.promise_minimum("oldest", residuals)
    total = schedule.promise_minimum("all", residuals)
    share = schedule.promise_minimum("percent", residuals, percent)
    assert Decimal(0) <= oldest <= total
    assert Decimal(0) <= share <= total
    assert total == sum(schedule.to_amount(r, 2) for r in residuals)


def test_dates_beyond_the_calendar_are_a_schedule_error():
    with pytest.raises(ScheduleError) as error:
        schedule.build(1000, 3, date(9999, 12, 31), "monthly", 2)
    assert error.value.code == "first_date_far"
    with pytest.raises(ScheduleError) as error:
        schedule.build(1000, 3, TODAY + timedelta(days=schedule.MAX_FIRST_DAYS + 1), "weekly", 2, today=TODAY)
    assert error.value.code == "first_date_far"
    assert schedule.build(1000, 3, TODAY + timedelta(days=schedule.MAX_FIRST_DAYS), "weekly", 2, today=TODAY)


def test_a_fee_is_prorated_to_what_each_invoice_owes():
    assert schedule.prorate(Decimal("20000"), [100000, 300000], 0) == [Decimal("5000"), Decimal("15000")]
    assert schedule.prorate(Decimal("10.00"), [1, 1, 1], 2) == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    for weights in ([], [0, 0], [5, -1]):
        with pytest.raises(ScheduleError):
            schedule.prorate(Decimal("10"), weights, 2)


@given(st.integers(1, 10**9), st.lists(st.integers(1, 10**8), min_size=1, max_size=12), st.sampled_from([0, 2]))
def test_prorated_shares_sum_exactly_and_follow_the_weights(cents, weights, decimals):
    total = Decimal(cents).scaleb(-decimals)
    shares = schedule.prorate(total, weights, decimals)
    assert sum(shares) == total and len(shares) == len(weights)
    unit = Decimal(1).scaleb(-decimals)
    for share, weight in zip(shares[:-1], weights[:-1]):
        assert 0 <= total * weight / sum(weights) - share < unit  # each rounded down to the unit
