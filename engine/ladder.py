"""The collection ladder: what each customer gets on a given date, and why.

Pure functions over small immutable values; the Odoo models build the snapshots in sets and
execute the resulting actions. Nothing here touches a database.

Semantics (see README, "The daily run"):

* an invoice *targets* the highest level of its policy whose date (due date + offset) has
  come; levels before the due date (negative offsets) only while the invoice is not yet due;
* a level is never applied twice to an invoice and levels never go backwards: only targets
  above the level the invoice already reached count;
* a customer gets at most one level action per date: the highest target among its invoices
  wins, and the communication lists every invoice that reached a new level;
* excluded invoices (paid, blocked, on hold, legal, below tolerance, customer not chased)
  never take part;
* the customer's open credits (payments not yet matched, open credit notes) cover its
  chased invoices of their currency, oldest first (``engine.netting``): an invoice they cover
  entirely is out (``credit``), one they cover in part is chased for the rest, and the
  tolerance applies to that net amount; when they cover everything that is due, the
  customer is not chased and its accountant is asked to match them;
* the policy's minimum days between two contacts defers the whole customer.
"""

from functools import cached_property
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from math import log10
from typing import Optional

from . import netting

# Odoo 18's payment states of a customer invoice, as collections read them: said once here,
# the models' domains and SQL (utils.ledger_sql) name one of these sets, never a tuple of
# their own. "in_payment" is paid, the bank reconciliation pending (its receivable is
# already matched): the ledger, the KPIs and the behaviour count it as paid, nobody chases it.
# The customer can still pay it (portal, plan, promise); the cash-in forecast expects it.
PAYABLE_PAYMENT_STATES = ("not_paid", "partial")
# An *open customer invoice* for collections: its money is still owed (not paid, partly paid,
# or blocked: payment withheld, a collector can resume it). The aged receivables, the most
# overdue customers, the predicted dates and the records behind the dashboard read these.
ACTIONABLE_PAYMENT_STATES = PAYABLE_PAYMENT_STATES + ("blocked",)
PAID_PAYMENT_STATES = ("paid", "in_payment")
# What the daily run reads: the open invoices, and those in payment (so that it records them
# as such and stops their ladder).
OPEN_PAYMENT_STATES = ACTIONABLE_PAYMENT_STATES + ("in_payment",)
# The invoice's collection stage is "paid": paid, in payment, or cancelled by a credit note.
SETTLED_PAYMENT_STATES = PAID_PAYMENT_STATES + ("reversed",)

# Why an invoice is left out of the ladder (also the values of the Odoo selection field).
EXCLUSIONS = (
    "paid",
    "in_payment",
    "blocked",
    "no_chase",
    "dispute",
    "promise",
    "plan",
    "autopay",
    "legal",
    "tolerance",
    "credit",
)
# Why a customer with invoices to chase gets nothing today.
SKIPS = ("snoozed", "reply", "contacted_recently", "no_policy", "credit")
# Why a contact planned earlier does not go when its moment comes (the dispatcher asks ``recheck``).
RECHECKS = ("paid", "held", "no_chase", "snoozed", "reply")
# Why a customer with something due is not chased at all (stored on the customer).
CUSTOMER_EXCLUSIONS = ("credit",)
STAGES = ("not_due", "due", "overdue", "plan", "promise", "dispute", "autopay", "legal", "paid")
# What pauses an invoice's ladder: it is being settled another way (an automatic charge on its
# due date and its retries: ``engine.autopay.charges_it``).
HOLDS = ("dispute", "promise", "plan", "autopay")


@dataclass(frozen=True)
class Level:
    id: int
    offset_days: int
    automatic: bool = True
    legal: bool = False
    needs_collector: bool = False  # manual level, call task or legal hand-off


@dataclass(frozen=True)
class Policy:
    id: int
    levels: tuple  # of Level, any order
    tolerance: float = 0.0
    min_days_between_contacts: int = 0
    reply_wait_days: int = 0  # how long a customer's reply to review holds the ladder

    def ladder(self):
        return self._ladder

    @cached_property
    def _ladder(self):  # sorted once: a run asks a policy's ladder for every invoice
        return tuple(sorted(self.levels, key=lambda lvl: lvl.offset_days))


@dataclass(frozen=True)
class Invoice:
    id: int
    due: date
    residual: float  # company currency, > 0 while open
    policy: Optional[Policy]
    reached_offset: Optional[int] = None  # offset of the highest level already applied
    payment_state: str = "not_paid"
    hold: Optional[str] = None  # dispute / promise / plan / autopay
    legal: bool = False
    escalate: bool = False  # a broken promise: the next level is due at once
    currency: Optional[int] = None  # the invoice's currency (credits net in it only)
    residual_currency: Optional[float] = None  # open amount in that currency (None: `residual`)

    def debt(self):
        """The invoice as a debt credits may cover (``engine.netting``)."""
        return netting.Debt(self.id, self.currency, self.residual if self.residual_currency is None
                            else self.residual_currency, self.due)

    def net(self, covered=0.0):
        """The open amount (company currency) left once `covered` (its currency) is paid."""
        return netting.net(self.residual, self.residual_currency, covered)


@dataclass(frozen=True)
class Customer:
    id: int
    invoices: tuple  # of Invoice
    no_chase: bool = False
    snoozed_until: Optional[date] = None
    last_contact: Optional[date] = None
    risk: float = 1.0
    open_task: bool = False  # a collector task of the ladder is due
    reply_since: Optional[date] = None  # the oldest reply of the customer waiting for review
    credits: tuple = ()  # of netting.Credit: payments and credit notes not yet matched


@dataclass(frozen=True)
class InvoiceState:
    """What the Odoo invoice stores after an evaluation."""

    stage: str
    exclusion: Optional[str]
    next_level_id: Optional[int]
    next_date: Optional[date]


@dataclass(frozen=True)
class Action:
    partner_id: int
    level_id: int
    policy_id: int
    # every invoice that reached a new level, with the level it reached
    invoice_levels: tuple  # of (invoice id, level id)

    @property
    def invoice_ids(self):
        return tuple(inv for inv, _lvl in self.invoice_levels)


@dataclass(frozen=True)
class Skip:
    partner_id: int
    reason: str
    until: Optional[date] = None


@dataclass(frozen=True)
class CustomerState:
    """What the Odoo customer stores after an evaluation."""

    total_due: float
    total_overdue: float
    oldest_overdue_days: int
    next_date: Optional[date]
    status: str  # needs_action / waiting / ok
    priority: int
    exclusion: Optional[str] = None  # why what is due is not chased (CUSTOMER_EXCLUSIONS)


@dataclass(frozen=True)
class Decision:
    """What the ladder decides for a set of customers on a date."""

    actions: tuple = ()
    skips: tuple = ()
    invoices: dict = field(default_factory=dict)  # invoice id -> InvoiceState
    customers: dict = field(default_factory=dict)  # partner id -> CustomerState
    # partner id -> ((credit id, invoice id, amount in the invoice's currency), ...)
    credits: dict = field(default_factory=dict)


def exclusion(invoice: Invoice, no_chase: bool = False, covered: float = 0.0) -> Optional[str]:
    """Why `invoice` is out of the ladder, or None when it is chased. `covered`: the part of
    it the customer's open credits cover (its currency)."""
    if invoice.payment_state in ("paid", "reversed") or invoice.residual <= 0:
        return "paid"
    if invoice.payment_state == "in_payment":
        return "in_payment"
    if invoice.payment_state == "blocked":
        return "blocked"
    if invoice.legal:
        return "legal"
    if invoice.hold in HOLDS:
        return invoice.hold
    if no_chase:
        return "no_chase"
    net = invoice.net(covered)
    if net <= 0:
        return "credit"
    if invoice.policy is not None and net < invoice.policy.tolerance:
        return "tolerance"
    return None


def net_credits(customer: Customer):
    """``(credit pairs, {invoice id: covered})``: the customer's credits over the invoices
    it can be chased for (not paid, held, blocked, with legal or not chased)."""
    if not customer.credits:
        return (), {}
    open_ = [inv.debt() for inv in customer.invoices if exclusion(inv, customer.no_chase) in (None, "tolerance")]
    pairs = netting.allocate(open_, customer.credits)
    return pairs, netting.covered(pairs)


def stage(invoice: Invoice, today: date) -> str:
    """The collection stage shown on the invoice."""
    if invoice.payment_state in SETTLED_PAYMENT_STATES or invoice.residual <= 0:
        return "paid"
    if invoice.legal:
        return "legal"
    if invoice.hold in HOLDS:
        return invoice.hold
    if today < invoice.due:
        return "not_due"
    return "due" if today == invoice.due else "overdue"


def target_level(invoice: Invoice, today: date) -> Optional[Level]:
    """The highest level of the invoice's policy due on `today` and not yet reached."""
    if invoice.policy is None:
        return None
    days = (today - invoice.due).days
    target = None
    for level in invoice.policy.ladder():
        if level.offset_days > days:
            break
        if level.offset_days < 0 and days >= 0:
            continue  # reminders before the due date only while it is not due
        target = level
    if target is not None and invoice.reached_offset is not None \
            and target.offset_days <= invoice.reached_offset:
        target = None
    if invoice.escalate and days >= 0:
        # a broken promise: one level above what the ladder would do today
        floor = target.offset_days if target else invoice.reached_offset
        for level in invoice.policy.ladder():
            if level.offset_days >= 0 and (floor is None or level.offset_days > floor):
                return level
    return target


def next_level(invoice: Invoice, today: date):
    """(level, date) of the next level the invoice will reach after `today`, if any."""
    if invoice.policy is None:
        return None, None
    days = (today - invoice.due).days
    floor = invoice.reached_offset
    for level in invoice.policy.ladder():
        if floor is not None and level.offset_days <= floor:
            continue
        if level.offset_days <= days:
            continue  # due already (it is today's target, or skipped for a higher one)
        if level.offset_days < 0 and invoice.due <= today:
            continue
        return level, invoice.due + timedelta(days=level.offset_days)
    return None, None


def priority(overdue: float, oldest_days: int, risk: float = 1.0) -> int:
    """Worklist priority: grows with the amount overdue, its age and the segment's risk."""
    if overdue <= 0:
        return 0
    amount_score = 10.0 * log10(1.0 + overdue)
    age_score = min(max(oldest_days, 0), 365) / 3.0
    return int(round(max(risk, 0.0) * (amount_score + age_score)))


def customer_status(overdue, open_task, collector_action, ladder_exhausted):
    """needs_action: a collector has something to do today; waiting: the ladder goes on by
    itself; ok: nothing overdue."""
    if not overdue:
        return "ok"
    if open_task or collector_action or ladder_exhausted:
        return "needs_action"
    return "waiting"


def pause(snoozed_until: Optional[date], reply_since: Optional[date], reply_wait_days: int,
          today: date) -> Optional[Skip]:
    """Why a customer with something to chase is left alone today, as a ``Skip`` (without its
    customer id) with the day it may be contacted again: snoozed, or its reply waiting for a
    person to read it (`reply_wait_days` after it came). None when it may be contacted."""
    if snoozed_until and snoozed_until > today:
        return Skip(0, "snoozed", snoozed_until)
    reply_until = reply_since and reply_since + timedelta(days=reply_wait_days)
    if reply_until and reply_until > today:
        # the customer answered: nobody sends the next reminder before a person read it
        return Skip(0, "reply", reply_until)
    return None


def recheck(invoices_open: Optional[bool], invoices_held: bool, no_chase: bool, snoozed_until: Optional[date],
            reply_since: Optional[date], reply_wait_days: int, today: date) -> Optional[tuple]:
    """Whether a contact planned earlier still goes when its moment comes: the ladder's own
    reasons to leave a customer alone, asked again. `invoices_open`: whether any invoice the
    contact names is still open (None: it names none); `invoices_held`: all those open are in
    a dispute, a promise or a plan. Returns ``(reason, day)`` (one of ``RECHECKS``; the day
    for a pause) or None when it goes."""
    if invoices_open is False:
        return "paid", None
    if invoices_held:
        return "held", None
    if no_chase:
        return "no_chase", None
    paused = pause(snoozed_until, reply_since, reply_wait_days, today)
    return (paused.reason, paused.until) if paused else None


def decide(customers, today: date) -> Decision:
    """Decide today's actions for `customers` (iterable of Customer)."""
    actions, skips, invoice_states, customer_states, credit_pairs = [], [], {}, {}, {}
    for customer in customers:
        targets = []
        total_due = total_overdue = 0.0
        oldest = 0
        next_dates = []
        chased_overdue = False
        credit_covers_due = chased_due = False
        action = None
        pairs, covered = net_credits(customer)
        for invoice in customer.invoices:
            excluded = exclusion(invoice, customer.no_chase, covered.get(invoice.id, 0.0))
            inv_stage = stage(invoice, today)
            if inv_stage != "paid":
                net = invoice.net(covered.get(invoice.id, 0.0))
                total_due += net
                if invoice.due < today and net > 0:
                    total_overdue += net
                    oldest = max(oldest, (today - invoice.due).days)
            credit_covers_due = credit_covers_due or (excluded == "credit" and invoice.due <= today)
            if excluded:
                invoice_states[invoice.id] = InvoiceState(inv_stage, excluded, None, None)
                continue
            chased_overdue = chased_overdue or invoice.due < today
            chased_due = chased_due or invoice.due <= today
            target = target_level(invoice, today)
            if target is not None:
                targets.append((invoice, target))
            nxt, nxt_date = next_level(invoice, today)
            if target is not None:
                nxt, nxt_date = target, today
            if nxt_date is not None:
                next_dates.append(nxt_date)
            invoice_states[invoice.id] = InvoiceState(
                inv_stage, None, nxt.id if nxt else None, nxt_date
            )
        skip = None
        if targets:
            policy = max(targets, key=lambda it: it[1].offset_days)[0].policy
            paused = pause(customer.snoozed_until, customer.reply_since, policy.reply_wait_days, today)
            if paused:
                skip = replace(paused, partner_id=customer.id)
            elif customer.last_contact and policy.min_days_between_contacts > 0:
                allowed = customer.last_contact + timedelta(days=policy.min_days_between_contacts)
                if allowed > today:
                    skip = Skip(customer.id, "contacted_recently", allowed)
            if skip:
                skips.append(skip)
                next_dates = [max(d, skip.until) for d in next_dates]
                for invoice, _target in targets:
                    state = invoice_states[invoice.id]
                    invoice_states[invoice.id] = InvoiceState(
                        state.stage, None, state.next_level_id, skip.until
                    )
            else:
                top_invoice, top = max(targets, key=lambda it: it[1].offset_days)
                action = Action(
                    partner_id=customer.id,
                    level_id=top.id,
                    policy_id=top_invoice.policy.id,
                    invoice_levels=tuple(
                        (inv.id, lvl.id) for inv, lvl in sorted(targets, key=lambda it: it[0].id)
                    ),
                )
                actions.append(action)
                for invoice, target in targets:
                    reached = replace(invoice, reached_offset=target.offset_days)
                    nxt, nxt_date = next_level(reached, today)
                    state = invoice_states[invoice.id]
                    invoice_states[invoice.id] = InvoiceState(
                        state.stage, None, nxt.id if nxt else None, nxt_date
                    )
                next_dates = [
                    s.next_date for inv in customer.invoices
                    if (s := invoice_states[inv.id]).next_date is not None
                ]
        # the next contact waits for the policy's minimum days since the last one (today's
        # included): the same date evaluated again finds the same next date
        contacted = today if action is not None else customer.last_contact
        floor_policy = policy if targets else next((inv.policy for inv in customer.invoices if inv.policy), None)
        if contacted and floor_policy and floor_policy.min_days_between_contacts > 0:
            floor = contacted + timedelta(days=floor_policy.min_days_between_contacts)
            next_dates = [max(d, floor) for d in next_dates]
        next_date = min(next_dates) if next_dates else None
        status = customer_status(
            overdue=total_overdue > 0,
            open_task=customer.open_task,
            collector_action=action is not None and top.needs_collector,
            ladder_exhausted=chased_overdue and next_date is None,
        )
        # credits cover what is due: nobody chases the customer, its accountant matches them
        covered_due = credit_covers_due and not chased_due
        if covered_due and action is None:
            skips.append(Skip(customer.id, "credit"))
        customer_states[customer.id] = CustomerState(
            total_due=total_due,
            total_overdue=total_overdue,
            oldest_overdue_days=oldest,
            next_date=next_date,
            status=status,
            priority=priority(total_overdue, oldest, customer.risk),
            exclusion="credit" if covered_due else None,
        )
        if pairs:
            credit_pairs[customer.id] = pairs
    return Decision(tuple(actions), tuple(skips), invoice_states, customer_states, credit_pairs)
