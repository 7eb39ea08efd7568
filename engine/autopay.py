"""Automatic payment of installments with a saved payment method: when to charge, how much,
and what follows a charge. Pure functions, no Odoo import.

An installment the customer agreed to pay automatically is charged on its due date; a
declined charge is tried again on the days of the policy's retry schedule (days after the due
date); after the last attempt the installment falls back to the plan's ordinary reminders and
grace rules. Each attempt is one charge with its own key: an installment is never charged
twice for the same attempt, and never while an earlier charge still waits for its answer.
"""

from datetime import date, timedelta
from decimal import Decimal

DEFAULT_RETRY_DAYS = (1, 3, 7)
MAX_RETRIES = 5
MAX_RETRY_DAY = 60  # a retry later than two months after the due date is a new agreement
# A card valid until a month before the last charge it must pay: its holder is reminded this
# many days before that month begins (its last month), to save the new card in time.
EXPIRY_NOTICE_DAYS = 7

# The automatic-payment state of an installment (the Odoo selection mirrors these codes).
LINE_STATES = (
    "scheduled",  # to be charged on its date
    "charging",  # claimed by a worker: a charge is being made
    "retry",  # the last charge was declined: charged again on its next date
    "pending",  # the provider has not answered yet (or a person must check with it)
    "paid",  # charged and paid
    "fallback",  # no attempt left: back to the plan's ordinary reminders and grace
    "stopped",  # consent withdrawn, plan closed or paid by other means
)
# An installment in these states is paid by its saved method: no ordinary reminder asks for it.
AWAITING = ("scheduled", "charging", "retry", "pending")
# The state of one charge (one attempt).
CHARGE_STATES = ("charging", "pending", "done", "failed")
# What a payment transaction's state means for the charge that made it.
OUTCOMES = {
    "done": "done",
    "authorized": "pending",  # captured later by the provider
    "pending": "pending",
    "draft": "pending",  # no answer (yet)
    "cancel": "failed",
    "error": "failed",
}


class AutopayError(ValueError):
    """Invalid automatic-payment input; `code` tells the Odoo adapter which message to show."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def parse_retry_days(text):
    """``"1, 3, 7"`` -> ``(1, 3, 7)``: days after the due date, increasing, at most
    MAX_RETRIES, each between 1 and MAX_RETRY_DAY. Empty: no retry at all."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]
    try:
        days = tuple(int(part) for part in parts)
    except ValueError:
        raise AutopayError("retry_days") from None
    if len(days) > MAX_RETRIES or any(not 0 < day <= MAX_RETRY_DAY for day in days) \
            or any(b <= a for a, b in zip(days, days[1:])):
        raise AutopayError("retry_days")
    return days


def attempt_dates(due: date, retry_days=DEFAULT_RETRY_DAYS):
    """Every day an installment due on `due` is charged, the first attempt on the due date."""
    return [due] + [due + timedelta(days=day) for day in retry_days]


def first_attempt_date(due: date, today: date, retry_days=DEFAULT_RETRY_DAYS):
    """The first charge of an installment scheduled on `today`: its due date, or today when
    the due date passed but a retry day is still ahead (consent given late). None when every
    attempt day is past."""
    if due >= today:
        return due
    return today if attempt_dates(due, retry_days)[-1] >= today else None


def next_attempt_date(due: date, attempts: int, retry_days=DEFAULT_RETRY_DAYS, after=None):
    """After `attempts` declined charges, the day of the next one: the next day of the
    schedule, and later than `after` (the day of the last declined charge: a late attempt is
    never followed by another the same day), or None when the schedule is exhausted."""
    later = [day for day in attempt_dates(due, retry_days)[attempts:] if after is None or day > after]
    return later[0] if later else None


def charges_it(due: date, accepted: date, today: date, retry_days=DEFAULT_RETRY_DAYS, waiting=False):
    """Whether an invoice due on `due` is, on `today`, left to a consent to charge invoices
    accepted on `accepted`: it falls due from the consent on, and its last attempt is not past
    (or a charge of it still waits for the provider's answer). Its reminders wait meanwhile;
    after the last attempt it goes back to its ladder."""
    return due >= accepted and (waiting or today <= last_attempt_date(due, retry_days))


def last_attempt_date(due: date, retry_days=DEFAULT_RETRY_DAYS):
    """The last day an installment is charged: its grace starts only after it."""
    return attempt_dates(due, retry_days)[-1]


def charge_amount(remaining: Decimal, owed: Decimal, credit=Decimal(0)) -> Decimal:
    """What a charge takes: what is left of the installment (or invoice), never more than the
    covered invoices still owe (a customer who paid part by hand is not charged it again) less
    `credit`: what the customer paid that nobody matched yet, and what charges still waiting
    for their answer will pay (a transfer nobody matched yet is never charged again). Zero or
    less: nothing to charge."""
    return max(min(Decimal(remaining), Decimal(owed) - Decimal(credit)), Decimal(0))


def outcome(transaction_state):
    """The state of a charge whose transaction is in `transaction_state`."""
    return OUTCOMES.get(transaction_state, "pending")


def after_charge(result, due: date, attempts: int, retry_days=DEFAULT_RETRY_DAYS, today=None):
    """``(installment state, next charge date)`` after a charge ended in `result` (done,
    pending, failed), `attempts` charges failed so far including this one."""
    if result == "done":
        return "paid", None
    if result == "pending":
        return "pending", None
    day = next_attempt_date(due, attempts, retry_days, after=today)
    return ("retry", day) if day else ("fallback", None)


def valid_until(text):
    """``"2027-03"`` (the month printed on a card, as a month field sends it) -> the last day
    it is valid, ``date(2027, 3, 31)``; empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 2000 <= year <= 2099:  # a card's two-digit year
            raise ValueError(year)
        first = date(year, month, 1)
    except ValueError:
        raise AutopayError("valid_until") from None
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def expiry_notice_date(valid_until: date, last_charge=None, notice_days=EXPIRY_NOTICE_DAYS):
    """The day the holder of a method valid until `valid_until` is asked to replace it:
    `notice_days` before its last valid month begins, when it expires before `last_charge`
    (the day of the last charge it must pay; None: open-ended, as for invoices). None: it
    outlives every charge, or its expiry is unknown."""
    if valid_until is None or (last_charge is not None and valid_until >= last_charge):
        return None
    return valid_until.replace(day=1) - timedelta(days=notice_days)

