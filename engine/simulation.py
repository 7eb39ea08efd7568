"""Synthetic, deterministic invoice and payment histories.

Used by the demo data (a year of invoices whose payment delays depend on the customer's
behaviour) and by the benchmark scripts.  Plain Python: dates and integer amounts in the
smallest currency unit the caller chooses.
"""
import random
from dataclasses import dataclass
from datetime import date, timedelta

# Payment behaviours: mean delay (days after due), spread, chance an invoice stays unpaid,
# chance of a partial payment first.
BEHAVIOURS = {
    "new": (3, 4, 0.0, 0.0),
    "punctual": (-2, 3, 0.0, 0.0),
    "occasional": (9, 12, 0.03, 0.1),
    "delinquent": (38, 22, 0.1, 0.3),
    "high_risk": (85, 40, 0.35, 0.35),
}


@dataclass(frozen=True)
class Profile:
    """How one customer buys and pays."""

    key: str
    behaviour: str
    months: int = 12
    invoices_per_month: float = 1.2
    amount_min: int = 150_000
    amount_max: int = 2_500_000
    term_days: int = 30
    # a chronic debtor leaves some invoices unpaid for good; any other customer pays those
    # too in the end, twice as late as usual
    chronic: bool = True


@dataclass(frozen=True)
class Payment:
    date: date
    amount: int


@dataclass(frozen=True)
class InvoicePlan:
    customer: str
    invoice_date: date
    due_date: date
    amount: int
    payments: tuple  # of Payment, in date order; their sum never exceeds amount

    @property
    def paid(self):
        return sum(p.amount for p in self.payments)

    @property
    def residual(self):
        return self.amount - self.paid


def simulate(profiles, today, seed=42, round_to=1000):
    """Invoices of the last months for each profile, with the payments made up to `today`.

    Deterministic for a given seed.  Amounts are multiples of `round_to`.
    """
    rng = random.Random(seed)
    plans = []
    for profile in profiles:
        mean, spread, unpaid_rate, partial_rate = BEHAVIOURS[profile.behaviour]
        start = today - timedelta(days=30 * profile.months)
        day = start + timedelta(days=rng.randint(0, 20))
        gap = max(int(30 / profile.invoices_per_month), 5)
        while day <= today:
            amount = rng.randint(profile.amount_min, profile.amount_max) // round_to * round_to
            amount = max(amount, round_to)
            due = day + timedelta(days=profile.term_days)
            delay = max(int(rng.gauss(mean, spread)), -profile.term_days + 1)
            payments = []
            unpaid = rng.random() < unpaid_rate
            if unpaid and not profile.chronic:
                unpaid, delay = False, max(delay, 0) * 2 + 10
            if not unpaid:
                pay_day = due + timedelta(days=delay)
                if rng.random() < partial_rate:
                    # a part paid half-way between the invoice and the final payment
                    part = amount * rng.choice((3, 4, 5)) // 10 // round_to * round_to
                    first = day + timedelta(days=(pay_day - day).days // 2)
                    if part and day < first < pay_day and first <= today:
                        payments.append(Payment(first, part))
                if pay_day <= today:
                    payments.append(Payment(pay_day, amount - sum(p.amount for p in payments)))
            plans.append(InvoicePlan(profile.key, day, due, amount, tuple(payments)))
            day += timedelta(days=max(int(rng.gauss(gap, gap / 4)), 5))
    return plans
