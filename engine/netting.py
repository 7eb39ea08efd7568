"""The debt as the customer sees it: open invoices net of the credits it holds.

A customer's payments not yet matched to an invoice and its open credit notes are credits
in its favour. They are netted against its invoices **in the same currency only**, the
oldest credit against the oldest invoice first: exactly what matching them in the
accounting would do (Odoo's *Outstanding credits* on the oldest invoices). Pure functions,
no Odoo import.
"""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Credit:
    id: int            # the receivable journal item (credit note, payment, entry)
    currency: int
    amount: float      # open, in its currency, > 0
    date: date         # its date: the oldest credits are used first


@dataclass(frozen=True)
class Debt:
    id: int            # the invoice
    currency: int
    amount: float      # open, in its currency, > 0
    due: date


def allocate(debts, credits, precision=2):
    """``((credit id, debt id, amount), ...)``: the credits spread over the debts of their
    currency, oldest due debt and oldest credit first, amounts rounded to `precision`."""
    pairs = []
    for currency in sorted({c.currency for c in credits}):
        owed = [[d.id, d.amount] for d in sorted(debts, key=lambda d: (d.due, d.id)) if d.currency == currency]
        position = 0
        for credit in sorted((c for c in credits if c.currency == currency), key=lambda c: (c.date, c.id)):
            left = round(credit.amount, precision)
            while left > 0 and position < len(owed):
                debt = owed[position]
                used = round(min(left, debt[1]), precision)
                if used > 0:
                    pairs.append((credit.id, debt[0], used))
                left = round(left - used, precision)
                debt[1] = round(debt[1] - used, precision)
                if debt[1] <= 0:
                    position += 1
    return tuple(pairs)


def covered(pairs):
    """``{debt id: amount of it the credits cover}`` of an allocation."""
    result = {}
    for _credit, debt, amount in pairs:
        result[debt] = result.get(debt, 0.0) + amount
    return result


def net(residual, residual_currency, covered):
    """What is left to pay of an invoice (`residual` in the company's currency,
    `residual_currency` in its own) once `covered` (its own currency) is paid."""
    if not covered:
        return residual
    total = residual if residual_currency is None else residual_currency
    return 0.0 if covered >= total else residual * (total - covered) / total
