from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import aging, simulation

TODAY = date(2026, 6, 15)
PROFILES = [
    simulation.Profile(f"c{i}", behaviour)
    for i, behaviour in enumerate(sorted(simulation.BEHAVIOURS) * 4)
]


def test_deterministic_for_a_seed():
    assert simulation.simulate(PROFILES, TODAY, seed=7) == simulation.simulate(PROFILES, TODAY, seed=7)
    assert simulation.simulate(PROFILES, TODAY, seed=7) != simulation.simulate(PROFILES, TODAY, seed=8)


def test_open_invoices_in_every_aging_bucket():
    plans = simulation.simulate(PROFILES, TODAY)
    buckets = {aging.bucket((TODAY - p.due_date).days) for p in plans if p.residual}
    assert buckets == set(aging.BUCKETS)


def test_punctual_customers_pay_around_the_due_date():
    punctual = {p.key for p in PROFILES if p.behaviour == "punctual"}
    plans = [p for p in simulation.simulate(PROFILES, TODAY) if p.customer in punctual and not p.residual]
    assert plans, "a punctual customer has paid invoices"
    delays = [(p.payments[-1].date - p.due_date).days for p in plans]
    assert sum(delays) / len(delays) < 5


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.dates(date(2020, 1, 1), date(2035, 1, 1)))
def test_payments_are_consistent(seed, today):
    for plan in simulation.simulate(PROFILES[:5], today, seed=seed):
        assert plan.amount > 0 and plan.amount % 1000 == 0
        assert plan.invoice_date <= today
        assert plan.due_date == plan.invoice_date + timedelta(days=30)
        assert 0 <= plan.paid <= plan.amount
        dates = [p.date for p in plan.payments]
        assert dates == sorted(dates)
        assert all(plan.invoice_date < d <= today and p.amount > 0 for d, p in zip(dates, plan.payments))
