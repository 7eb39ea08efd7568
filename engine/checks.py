"""Post-dated checks securing a payment plan: the checks a customer hands over, checked
against the plan's schedule. Pure functions, no Odoo import.

One check per installment still to pay, in the order of the schedule: the check's amount is
the installment's (to the last cent), its cash-in date neither before today nor after the
installment's due date, its number given and never repeated.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class CheckError(ValueError):
    """A check that does not secure its installment; `code` names the rule, `index` the check
    (0-based, None for the whole set)."""

    def __init__(self, code, index=None):
        super().__init__(code)
        self.code = code
        self.index = index


@dataclass(frozen=True)
class Check:
    number: str
    amount: Decimal
    date: date


def validate(checks, installments, today: date, decimals: int):
    """Raise CheckError unless `checks` secure `installments` (``(due, amount)`` pairs of the
    unpaid installments, in order) one for one."""
    if not checks or len(checks) != len(installments):
        raise CheckError("count")
    quantum = Decimal(1).scaleb(-decimals)
    seen = set()
    for index, (check, (due, amount)) in enumerate(zip(checks, installments)):
        number = (check.number or "").strip()
        if not number:
            raise CheckError("number", index)
        if number in seen:
            raise CheckError("duplicate", index)
        seen.add(number)
        if Decimal(check.amount).quantize(quantum) != Decimal(amount).quantize(quantum):
            raise CheckError("amount", index)
        if not today <= check.date <= due:
            raise CheckError("date", index)
