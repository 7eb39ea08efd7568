"""Open credits netted against invoices (engine.netting) and what the ladder does with
them: hand-computed ledgers, then properties."""
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engine import ladder, netting
from engine.ladder import Customer, Invoice, Level, Policy

CLP, USD = 1, 2
POLICY = Policy(id=1, levels=(Level(10, -3), Level(11, 0), Level(12, 15)), tolerance=10.0)
DUE = date(2026, 3, 10)
TODAY = DUE + timedelta(days=20)


def inv(id_, residual, due=DUE, currency=CLP, **kw):
    return Invoice(id=id_, due=due, residual=residual, policy=POLICY, currency=currency, **kw)


def credit(id_, amount, currency=CLP, day=DUE):
    return netting.Credit(id=id_, currency=currency, amount=amount, date=day)


def plan(invoices, credits, today=TODAY, **kw):
    return ladder.decide([Customer(7, tuple(invoices), credits=tuple(credits), **kw)], today)


# ---------------------------------------------------------------------- allocation
def test_oldest_credit_to_the_oldest_invoice_in_its_currency():
    debts = [netting.Debt(1, CLP, 1000, date(2026, 1, 1)), netting.Debt(2, CLP, 500, date(2026, 2, 1)),
             netting.Debt(3, USD, 80, date(2025, 12, 1))]
    credits = [credit(20, 300, day=date(2026, 3, 5)), credit(21, 900, day=date(2026, 3, 1)), credit(22, 50, USD)]
    assert netting.allocate(debts, credits) == ((21, 1, 900), (20, 1, 100), (20, 2, 200), (22, 3, 50))
    assert netting.covered(netting.allocate(debts, credits)) == {1: 1000, 2: 200, 3: 50}


def test_a_credit_in_another_currency_never_nets():
    assert netting.allocate([netting.Debt(1, CLP, 1000, DUE)], [credit(20, 5000, USD)]) == ()


@given(st.lists(st.tuples(st.integers(1, 2), st.integers(1, 10_000), st.integers(0, 60)), max_size=12),
       st.lists(st.tuples(st.integers(1, 2), st.integers(1, 10_000), st.integers(0, 60)), max_size=6))
def test_an_allocation_never_takes_more_than_there_is(raw_debts, raw_credits):
    debts = [netting.Debt(i, cur, amount / 100, DUE + timedelta(days=d)) for i, (cur, amount, d) in enumerate(raw_debts)]
    credits = [credit(100 + i, amount / 100, cur, DUE + timedelta(days=d)) for i, (cur, amount, d) in enumerate(raw_credits)]
    pairs = netting.allocate(debts, credits)
    by_debt, by_credit = {d.id: d for d in debts}, {c.id: c for c in credits}
    for credit_id, debt_id, _amount in pairs:
        assert by_debt[debt_id].currency == by_credit[credit_id].currency
    for debt in debts:
        assert sum(a for _c, d, a in pairs if d == debt.id) <= debt.amount + 1e-9
    for item in credits:
        assert sum(a for c, _d, a in pairs if c == item.id) <= item.amount + 1e-9
    for currency in (1, 2):  # all of the smaller side is used
        owed = sum(d.amount for d in debts if d.currency == currency)
        held = sum(c.amount for c in credits if c.currency == currency)
        used = sum(a for c, _d, a in pairs if by_credit[c].currency == currency)
        assert abs(used - min(owed, held)) < 0.01 * (len(debts) + len(credits) + 1)


# ---------------------------------------------------------------------- the ladder
def test_an_overdue_invoice_covered_by_a_payment_not_matched_is_not_chased():
    result = plan([inv(1, 1000)], [credit(20, 1000)])
    assert result.actions == ()
    assert result.invoices[1].exclusion == "credit"
    assert [(s.partner_id, s.reason) for s in result.skips] == [(7, "credit")]
    state = result.customers[7]
    assert (state.exclusion, state.total_due, state.total_overdue) == ("credit", 0.0, 0.0)
    assert result.credits[7] == ((20, 1, 1000),)


def test_more_credit_than_debt_is_no_reminder():
    result = plan([inv(1, 1000)], [credit(20, 1500)])
    assert result.actions == () and result.customers[7].exclusion == "credit"


def test_partly_covered_the_reminder_is_for_the_net():
    result = plan([inv(1, 1000, due=DUE - timedelta(days=40)), inv(2, 600)], [credit(20, 1200)])
    assert result.invoices[1].exclusion == "credit"
    assert result.invoices[2].exclusion is None
    (action,) = result.actions
    assert action.invoice_ids == (2,)
    state = result.customers[7]
    assert (state.total_due, state.total_overdue, state.exclusion) == (400.0, 400.0, None)
    assert result.credits[7] == ((20, 1, 1000), (20, 2, 200))


def test_the_tolerance_applies_to_the_net():
    result = plan([inv(1, 1000)], [credit(20, 995)])
    assert result.invoices[1].exclusion == "tolerance"
    assert result.actions == ()


def test_a_credit_in_another_currency_leaves_the_invoice_chased_gross():
    result = plan([inv(1, 1000)], [credit(20, 5000, USD)])
    assert len(result.actions) == 1
    assert result.customers[7].total_overdue == 1000.0
    assert 7 not in result.credits


def test_an_invoice_in_another_currency_nets_in_its_own():
    # 100 USD worth 90,000 CLP in the company's books; 40 USD of credit
    result = plan([inv(1, 90_000, currency=USD, residual_currency=100)], [credit(20, 40, USD)])
    assert result.customers[7].total_overdue == 54_000.0


def test_held_invoices_take_no_credit():
    result = plan([inv(1, 1000, hold="dispute"), inv(2, 300)], [credit(20, 300)])
    assert result.invoices[1].exclusion == "dispute"
    assert result.invoices[2].exclusion == "credit"
    assert result.customers[7].exclusion == "credit"


def test_a_covered_overdue_invoice_and_a_pre_due_reminder():
    pre_due = inv(2, 300, due=TODAY + timedelta(days=3))
    result = plan([inv(1, 1000), pre_due], [credit(20, 1000)])
    (action,) = result.actions
    assert action.invoice_ids == (2,)
    assert result.customers[7].exclusion == "credit", "what is due is covered"
    assert not result.skips, "the customer got its pre-due reminder"
