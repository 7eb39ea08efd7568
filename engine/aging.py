"""Aging buckets of receivables ("por vencer", 1-30, 31-60, 61-90, more than 90 days)."""

BUCKETS = ("not_due", "1_30", "31_60", "61_90", "90_plus")
BUCKET_LIMITS = ((0, "not_due"), (30, "1_30"), (60, "31_60"), (90, "61_90"))


def bucket(days_overdue):
    """Bucket of an amount `days_overdue` days past its due date (<= 0: not yet overdue)."""
    for limit, key in BUCKET_LIMITS:
        if days_overdue <= limit:
            return key
    return "90_plus"


def bucket_bounds(key):
    """``(first, last)`` days overdue of a bucket; ``None`` where it is open-ended."""
    previous = None
    for limit, name in BUCKET_LIMITS:
        if name == key:
            return (previous + 1 if previous is not None else None, limit)
        previous = limit
    if key == "90_plus":
        return (previous + 1, None)
    raise ValueError(f"unknown aging bucket {key!r}")
