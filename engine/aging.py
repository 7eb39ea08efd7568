"""Aging buckets of receivables ("por vencer", 1-30, 31-60, 61-90, more than 90 days).

The one definition of the buckets: their codes in order, their bounds in days overdue and
their English labels. The KPI fields and dictionaries, the aged receivables report, the
statement, the dashboard and the SQL of ``utils.ledger_sql`` are all built from it (the
models translate the labels: they are the selection of the aged receivables' age).
"""

# (code, last day overdue in the bucket, inclusive, None: open-ended, English label), in
# order; each bucket starts the day after the previous one ends, the first one takes every
# amount not yet overdue (0 days overdue or less).
DEFINITION = (
    ("not_due", 0, "Not Due"),
    ("1_30", 30, "1-30 Days"),
    ("31_60", 60, "31-60 Days"),
    ("61_90", 90, "61-90 Days"),
    ("over_90", None, "Over 90 Days"),
)
BUCKETS = tuple(code for code, _last, _label in DEFINITION)
LABELS = {code: label for code, _last, label in DEFINITION}
CHOICES = [(code, label) for code, _last, label in DEFINITION]  # as an Odoo selection


def _bounds():
    bounds, first = {}, None
    for code, last, _label in DEFINITION:
        bounds[code] = (first, last)
        first = last + 1 if last is not None else None
    return bounds


BOUNDS = _bounds()  # code -> (first, last) days overdue, inclusive; None where open-ended


def bucket(days_overdue):
    """Bucket of an amount `days_overdue` days past its due date (<= 0: not yet overdue)."""
    return next(code for code in BUCKETS if BOUNDS[code][1] is None or days_overdue <= BOUNDS[code][1])


def bucket_bounds(code):
    """``(first, last)`` days overdue of a bucket, inclusive; ``None`` where it is open-ended."""
    if code not in BOUNDS:
        raise ValueError(f"unknown aging bucket {code!r}")
    return BOUNDS[code]
