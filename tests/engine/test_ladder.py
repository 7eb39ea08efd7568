from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ladder
from engine.ladder import Customer, Invoice, Level, Policy

# The default policy's ladder: -3, 0, +1, +7, +15, +30, +60, +90 (legal).
OFFSETS = (-3, 0, 1, 7, 15, 30, 60, 90)
LEVELS = tuple(
    Level(id=100 + off, offset_days=off, legal=off == 90, needs_collector=off in (7, 90))
    for off in OFFSETS
)
POLICY = Policy(id=1, levels=LEVELS, tolerance=10.0, min_days_between_contacts=1)
DUE = date(2026, 3, 10)


def inv(id_=1, due=DUE, residual=100.0, reached=None, policy=POLICY, **kw):
    return Invoice(id=id_, due=due, residual=residual, policy=policy, reached_offset=reached, **kw)


def run_calendar(invoices, start, days, customer_kw=None):
    """Run the ladder every day, feeding back what it did; returns [(date, level offset)]."""
    by_id = {level.id: level for level in LEVELS}
    state = {i.id: i for i in invoices}
    last_contact = None
    contacts = []
    for n in range(days):
        today = start + timedelta(days=n)
        customer = Customer(1, tuple(state.values()), last_contact=last_contact, **(customer_kw or {}))
        result = ladder.decide([customer], today)
        assert len(result.actions) <= 1
        for action in result.actions:
            contacts.append((today, by_id[action.level_id].offset_days))
            last_contact = today
            for invoice_id, level_id in action.invoice_levels:
                state[invoice_id] = ladder.replace(
                    state[invoice_id], reached_offset=by_id[level_id].offset_days
                )
    return contacts


def test_one_invoice_walks_the_whole_ladder():
    contacts = run_calendar([inv()], DUE - timedelta(days=10), 120)
    assert contacts == [(DUE + timedelta(days=off), off) for off in OFFSETS]


def test_late_invoice_jumps_to_its_highest_level():
    late = inv(due=DUE - timedelta(days=20))
    result = ladder.decide([Customer(1, (late,))], DUE)
    assert [a.level_id for a in result.actions] == [115]
    assert result.invoices[late.id].next_level_id == 130
    assert result.invoices[late.id].next_date == DUE - timedelta(days=20) + timedelta(days=30)


def test_pre_due_level_only_before_due():
    assert ladder.target_level(inv(), DUE - timedelta(days=1)).offset_days == -3
    assert ladder.target_level(inv(), DUE).offset_days == 0
    # an invoice created on its due date never gets the "before due" reminder
    assert ladder.next_level(inv(), DUE - timedelta(days=5))[0].offset_days == -3
    assert ladder.next_level(inv(reached=-3), DUE - timedelta(days=1))[0].offset_days == 0


def test_highest_level_wins_and_lists_every_invoice_that_moved():
    old = inv(1, due=DUE - timedelta(days=16), reached=7)
    new = inv(2, due=DUE - timedelta(days=1), reached=0)
    quiet = inv(3, due=DUE - timedelta(days=3), reached=1)
    result = ladder.decide([Customer(1, (old, new, quiet))], DUE)
    (action,) = result.actions
    assert action.level_id == 115
    assert action.invoice_levels == ((1, 115), (2, 101))


def test_exclusions_are_never_mentioned():
    cases = {
        "paid": inv(1, payment_state="paid", residual=0.0),
        "in_payment": inv(2, payment_state="in_payment"),
        "blocked": inv(3, payment_state="blocked"),
        "dispute": inv(4, hold="dispute"),
        "legal": inv(5, legal=True),
        "tolerance": inv(6, residual=9.99),
    }
    result = ladder.decide([Customer(1, tuple(cases.values()))], DUE + timedelta(days=20))
    assert result.actions == ()
    for reason, invoice in cases.items():
        assert result.invoices[invoice.id].exclusion == reason
    no_chase = ladder.decide([Customer(1, (inv(),), no_chase=True)], DUE + timedelta(days=20))
    assert no_chase.actions == () and no_chase.invoices[1].exclusion == "no_chase"


def test_min_days_between_contacts_defers_the_customer():
    policy = Policy(id=1, levels=LEVELS, min_days_between_contacts=5)
    customer = Customer(1, (inv(policy=policy),), last_contact=DUE - timedelta(days=2))
    result = ladder.decide([customer], DUE)
    assert result.actions == ()
    assert result.skips == (ladder.Skip(1, "contacted_recently", DUE + timedelta(days=3)),)
    assert result.customers[1].next_date == DUE + timedelta(days=3)
    # the deferred level is sent as soon as allowed (then the higher one wins)
    contacts = run_calendar([inv(policy=policy)], DUE - timedelta(days=10), 41)
    assert contacts == [(DUE - timedelta(days=3), -3), (DUE + timedelta(days=2), 1),
                        (DUE + timedelta(days=7), 7), (DUE + timedelta(days=15), 15),
                        (DUE + timedelta(days=30), 30)]


def test_the_same_date_again_finds_the_same_next_date():
    """Contacted today, the customer's next date waits for the minimum days between contacts,
    also when the same date is evaluated again (nothing to write the second time)."""
    policy = Policy(id=1, levels=LEVELS, tolerance=10.0, min_days_between_contacts=3)
    first = ladder.decide([Customer(1, (inv(policy=policy),))], DUE)
    assert [a.level_id for a in first.actions] == [100]
    again = ladder.decide([Customer(1, (inv(policy=policy, reached=0),), last_contact=DUE)], DUE)
    assert not again.actions
    assert first.customers[1].next_date == again.customers[1].next_date == DUE + timedelta(days=3)


def test_snoozed_customer_waits():
    customer = Customer(1, (inv(),), snoozed_until=DUE + timedelta(days=4))
    result = ladder.decide([customer], DUE + timedelta(days=1))
    assert result.actions == () and result.skips[0].reason == "snoozed"
    assert result.customers[1].status == "waiting"


def test_customer_state_and_status():
    overdue = inv(1, due=DUE - timedelta(days=40), residual=300.0, reached=30)
    future = inv(2, due=DUE + timedelta(days=30), residual=200.0)
    result = ladder.decide([Customer(1, (overdue, future), risk=2.0)], DUE)
    state = result.customers[1]
    assert (state.total_due, state.total_overdue, state.oldest_overdue_days) == (500.0, 300.0, 40)
    assert state.status == "waiting"
    assert state.priority == ladder.priority(300.0, 40, 2.0) > ladder.priority(300.0, 40, 1.0)
    assert ladder.decide([Customer(1, (future,))], DUE).customers[1].status == "ok"
    call = ladder.decide([Customer(1, (inv(due=DUE - timedelta(days=7), reached=1),))], DUE)
    assert call.customers[1].status == "needs_action"
    done = ladder.decide([Customer(1, (inv(due=DUE - timedelta(days=100), reached=90),))], DUE)
    assert done.customers[1].status == "needs_action", "nothing automatic left to do"


def test_priority_grows_with_amount_age_and_risk():
    assert ladder.priority(0, 100) == 0
    assert ladder.priority(1000, 10) < ladder.priority(100000, 10)
    assert ladder.priority(1000, 10) < ladder.priority(1000, 90)
    assert ladder.priority(1000, 10, 0.5) < ladder.priority(1000, 10, 2.0)


def test_stage():
    assert ladder.stage(inv(), DUE - timedelta(days=1)) == "not_due"
    assert ladder.stage(inv(), DUE) == "due"
    assert ladder.stage(inv(), DUE + timedelta(days=1)) == "overdue"
    assert ladder.stage(inv(hold="plan"), DUE) == "plan"
    assert ladder.stage(inv(legal=True), DUE) == "legal"
    assert ladder.stage(inv(payment_state="paid", residual=0.0), DUE) == "paid"


# ---------------------------------------------------------------- invariants (hypothesis)
offsets = st.lists(st.integers(-15, 120), min_size=1, max_size=8, unique=True)
invoice_st = st.builds(
    dict,
    due_shift=st.integers(-200, 60),
    residual=st.sampled_from([0.0, 5.0, 100.0, 2500.5]),
    payment_state=st.sampled_from(["not_paid", "partial", "paid", "in_payment", "blocked"]),
    hold=st.sampled_from([None, None, None, "dispute", "promise", "plan"]),
    legal=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(offs=offsets, specs=st.lists(invoice_st, min_size=1, max_size=6),
       no_chase=st.booleans(), min_days=st.integers(0, 5), days=st.integers(1, 150))
def test_invariants_over_a_calendar(offs, specs, no_chase, min_days, days):
    levels = tuple(Level(id=1000 + o, offset_days=o) for o in offs)
    policy = Policy(id=1, levels=levels, tolerance=10.0, min_days_between_contacts=min_days)
    by_id = {lvl.id: lvl for lvl in levels}
    start = date(2026, 1, 1)
    state = {
        n: Invoice(id=n, due=start + timedelta(days=s["due_shift"]), residual=s["residual"],
                   policy=policy, payment_state=s["payment_state"], hold=s["hold"], legal=s["legal"])
        for n, s in enumerate(specs, start=1)
    }
    last_contact = None
    contact_days = []
    for n in range(days):
        today = start + timedelta(days=n)
        result = ladder.decide([Customer(7, tuple(state.values()), no_chase=no_chase,
                                       last_contact=last_contact)], today)
        assert len(result.actions) <= 1, "never two level actions for one customer on one date"
        for action in result.actions:
            contact_days.append(today)
            last_contact = today
            assert action.level_id == max(
                (lvl for _i, lvl in action.invoice_levels), key=lambda i: by_id[i].offset_days)
            for invoice_id, level_id in action.invoice_levels:
                invoice = state[invoice_id]
                level = by_id[level_id]
                assert ladder.exclusion(invoice, no_chase) is None, "never an excluded invoice"
                assert invoice.reached_offset is None or level.offset_days > invoice.reached_offset, \
                    "levels are monotone per invoice"
                assert level.offset_days >= 0 or today < invoice.due, "pre-due only before due"
                assert invoice.due + timedelta(days=level.offset_days) <= today
                state[invoice_id] = ladder.replace(invoice, reached_offset=level.offset_days)
        again = ladder.decide([Customer(7, tuple(state.values()), no_chase=no_chase, last_contact=last_contact)], today)
        assert not again.actions, "the same date again contacts nobody"
        assert again.customers[7].next_date == result.customers[7].next_date, "and finds the same next date"
    for earlier, later in zip(contact_days, contact_days[1:]):
        assert (later - earlier).days >= max(min_days, 1)


def test_broken_promise_escalates_one_level():
    waiting = inv(due=DUE - timedelta(days=9), reached=7)
    assert ladder.target_level(waiting, DUE) is None
    escalated = ladder.replace(waiting, escalate=True)
    assert ladder.target_level(escalated, DUE).offset_days == 15
    due_anyway = ladder.replace(escalated, reached_offset=1)
    assert ladder.target_level(due_anyway, DUE).offset_days == 15, "+7 is due: one level above"
    assert ladder.target_level(ladder.replace(escalated, reached_offset=90), DUE) is None, "top of the ladder"


def test_pause_snoozed_before_a_reply_to_read():
    today = DUE + timedelta(days=10)
    assert ladder.pause(today + timedelta(days=2), today, 5, today) == ladder.Skip(0, "snoozed", today + timedelta(days=2))
    assert ladder.pause(None, today - timedelta(days=1), 3, today) == ladder.Skip(0, "reply", today + timedelta(days=2))
    assert ladder.pause(None, today - timedelta(days=3), 3, today) is None, "the reply waited long enough"
    assert ladder.pause(today, None, 3, today) is None, "a snooze ends on its day"


@given(snoozed=st.one_of(st.none(), st.integers(-5, 5)), replied=st.one_of(st.none(), st.integers(-10, 0)),
       wait=st.integers(0, 7), no_chase=st.booleans())
def test_recheck_says_what_the_ladder_says(snoozed, replied, wait, no_chase):
    """The dispatcher's re-check of a planned contact leaves a customer alone exactly when the
    ladder would skip or exclude it today."""
    today = DUE + timedelta(days=20)
    snoozed_until = snoozed is not None and today + timedelta(days=snoozed) or None
    reply_since = replied is not None and today + timedelta(days=replied) or None
    policy = Policy(id=1, levels=LEVELS, reply_wait_days=wait)
    customer = Customer(1, (Invoice(1, DUE, 100.0, policy),), no_chase=no_chase, snoozed_until=snoozed_until,
                        reply_since=reply_since)
    decision = ladder.decide([customer], today)
    stop = ladder.recheck(True, False, no_chase, snoozed_until, reply_since, wait, today)
    assert (stop is None) == bool(decision.actions)
    if stop and stop[0] != "no_chase":
        assert decision.skips == (ladder.Skip(1, stop[0], stop[1]),)


def test_recheck_paid_and_held_first():
    today = DUE
    assert ladder.recheck(False, False, True, None, None, 0, today) == ("paid", None)
    assert ladder.recheck(True, True, True, None, None, 0, today) == ("held", None)
    assert ladder.recheck(None, False, False, None, None, 0, today) is None, "a contact about no invoice goes"
