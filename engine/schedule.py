"""Payment plans and promises: exact installment schedules, allocation of what was paid,
and the verdicts (done, broken, kept) on a date. Pure functions, no Odoo import.

Amounts are Decimals quantized to the currency's number of decimals, so that a schedule
always sums to its total to the last cent (or peso).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Optional

FREQUENCIES = ("weekly", "biweekly", "monthly")
MAX_INSTALLMENTS = 60
MAX_FIRST_DAYS = 366  # the first installment is due within a year
MAX_PROMISE_DAYS = 366  # a promise without a policy limit: within a year


class ScheduleError(ValueError):
    """Invalid plan input; `code` tells the Odoo adapter which translated message to show."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Installment:
    sequence: int
    due: date
    amount: Decimal
    down_payment: bool = False


def quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def to_amount(value, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def add_months(day: date, months: int, anchor_day: Optional[int] = None) -> date:
    """`day` plus `months`, keeping the anchor day of month (clamped to the month's end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor_day or day.day, last))


def due_dates(first: date, count: int, frequency: str):
    if frequency not in FREQUENCIES:
        raise ScheduleError("frequency", frequency=frequency)
    try:
        if frequency == "weekly":
            return [first + timedelta(weeks=n) for n in range(count)]
        if frequency == "biweekly":
            return [first + timedelta(weeks=2 * n) for n in range(count)]
        return [add_months(first, n, first.day) for n in range(count)]
    except (OverflowError, ValueError):  # beyond the calendar (year 9999)
        raise ScheduleError("first_date_far") from None


def split(total: Decimal, count: int, decimals: int):
    """`count` equal amounts summing exactly to `total`; the remainder goes to the last."""
    if count <= 0:
        raise ScheduleError("count")
    q = quantum(decimals)
    base = (total / count).quantize(q, rounding=ROUND_DOWN)
    amounts = [base] * count
    amounts[-1] = total - base * (count - 1)
    return amounts


def prorate(total: Decimal, weights, decimals: int):
    """`total` shared in proportion to `weights` (what each invoice owes), each share to the
    currency's unit, summing exactly to `total`: the rounding remainder goes to the last."""
    weights = [Decimal(str(w)) for w in weights]
    if not weights or any(w < 0 for w in weights) or not sum(weights):
        raise ScheduleError("total")
    q = quantum(decimals)
    whole = sum(weights)
    shares = [(total * w / whole).quantize(q, rounding=ROUND_DOWN) for w in weights[:-1]]
    return shares + [total - sum(shares, Decimal(0))]


def build(total, count: int, first: date, frequency: str, decimals: int,
          down_payment=0, down_payment_date: Optional[date] = None, today: Optional[date] = None):
    """The installments of a plan: an optional down payment, then `count` installments."""
    total = to_amount(total, decimals)
    down = to_amount(down_payment or 0, decimals)
    if total <= 0:
        raise ScheduleError("total")
    if not 0 < count <= MAX_INSTALLMENTS:
        raise ScheduleError("count")
    if down < 0 or down >= total:
        raise ScheduleError("down_payment")
    if today is not None and first < today:
        raise ScheduleError("first_date")
    if today is not None and first > today + timedelta(days=MAX_FIRST_DAYS):
        raise ScheduleError("first_date_far")
    if frequency not in FREQUENCIES:
        raise ScheduleError("frequency", frequency=frequency)
    result = []
    if down:
        down_date = down_payment_date or today or first
        if down_date >= first:
            raise ScheduleError("down_payment_date")
        result.append(Installment(0, down_date, down, True))
    dates = due_dates(first, count, frequency)
    for n, (due, amount) in enumerate(zip(dates, split(total - down, count, decimals)), start=1):
        result.append(Installment(n, due, amount))
    return result


def minimum_down_payment(total, percent, decimals: int) -> Decimal:
    """The least down payment a segment asks: `percent` of `total`, to the currency's unit."""
    return to_amount(Decimal(str(total)) * Decimal(str(percent or 0)) / 100, decimals)


def allocate(amounts, paid) -> list:
    """How much of each installment (oldest first) the amount `paid` covers."""
    left = Decimal(paid)
    covered = []
    for amount in amounts:
        part = min(amount, max(left, Decimal(0)))
        covered.append(part)
        left -= part
    return covered


@dataclass(frozen=True)
class PlanVerdict:
    state: str  # active / done / broken
    paid: tuple  # per installment
    overdue: tuple  # sequences of installments overdue beyond the grace days


def evaluate_plan(installments, paid, today: date, grace_days: int) -> PlanVerdict:
    amounts = [inst.amount for inst in installments]
    covered = allocate(amounts, paid)
    if sum(covered) >= sum(amounts):
        return PlanVerdict("done", tuple(covered), ())
    overdue = tuple(
        inst.sequence for inst, part in zip(installments, covered)
        if part < inst.amount and today > inst.due + timedelta(days=grace_days)
    )
    return PlanVerdict("broken" if overdue else "active", tuple(covered), overdue)


PROMISE_MINIMUMS = ("oldest", "all", "percent")


def promise_minimum(rule: str, residuals, percent=0, decimals: int = 2) -> Decimal:
    """The least a promise must cover for the reminders of the invoices it names to wait.

    `residuals`: what each named invoice owes, oldest first. ``oldest``: the whole oldest
    invoice (everything, when it names one); ``all``: everything they owe; ``percent``: that
    share of everything (never more than everything)."""
    amounts = [to_amount(residual, decimals) for residual in residuals]
    total = sum(amounts, Decimal(0))
    if rule == "all":
        return total
    if rule == "oldest":
        return amounts[0] if amounts else Decimal(0)
    if rule == "percent":
        share = to_amount(total * Decimal(str(percent)) / 100, decimals)
        return min(max(share, Decimal(0)), total)
    raise ValueError(f"unknown promise minimum {rule!r}")


def promise_verdict(promised: date, grace_days: int, amount, residual_before, residual_now,
                    today: date) -> str:
    """open until the promised date plus grace; then kept when the debt fell by `amount`."""
    if Decimal(str(residual_before)) - Decimal(str(residual_now)) >= Decimal(str(amount)):
        return "kept"
    if today > promised + timedelta(days=grace_days):
        return "broken"
    return "open"


def installment_reminder(due: date, today: date, offsets=(-3, 0, 3)) -> Optional[int]:
    """The reminder offset (before due, due, overdue) an unpaid installment reaches today."""
    days = (today - due).days
    reached = [off for off in offsets if off <= days]
    return max(reached) if reached else None
