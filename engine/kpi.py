"""Collection KPIs: the formulas, on amounts the models read from the ledger.

Every function takes plain numbers, dates and tuples and returns a number (or None when the
figure is undefined, e.g. no sales in the period), so that the definitions live in one
place, are unit-tested, and are the ones written in the help of the fields and the README.

* DSO (standard) = ending AR / credit sales of the period x days of the period.
* DSO (count-back) = walk back calendar months from the end date, subtracting each month's
  credit sales from the ending AR and counting its days; in the month where the AR left is
  smaller than its sales, add (AR left / that month's sales) x its days. The first month is
  the one of the end date, counted up to it.
* Best possible DSO = the count-back with only the AR not yet due.
* Average days delinquent (ADD) = DSO (count-back) - best possible DSO.
* CEI = (opening AR + credit sales - closing AR) / (opening AR + credit sales - closing
  current AR) x 100.
* Average payment delay = sum(amount x (paid date - due date)) / sum(amount); open overdue
  amounts count with the end date as their paid date.
"""
import calendar
from datetime import date, timedelta

from .aging import BUCKETS, bucket

# The dashboard's periods: the last 30 days (its default: always four whole weeks, so that the
# 2nd of a month is not two days compared with a whole month), the month or quarter to date,
# the week to date.
PERIOD_KINDS = ("last_30", "month", "quarter", "week")
ROLLING_DAYS = 30


def ratio(numerator, denominator):
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def percent(numerator, denominator):
    value = ratio(numerator, denominator)
    return None if value is None else value * 100.0


def dso_standard(ar_end, sales, days):
    """Ending AR over the credit sales of a period of `days` days, in days."""
    if sales <= 0:
        return None
    return ar_end / sales * days


def countback_months(date_to, count):
    """``[(start, end), ...]``: the calendar months walked back from `date_to`, most recent
    first; the first one ends on `date_to` (it is whole when `date_to` ends its month)."""
    months = []
    end = date_to
    for _index in range(count):
        start = end.replace(day=1)
        months.append((start, end))
        end = start - timedelta(days=1)
    return months


def dso_countback(ar_end, months):
    """Count-back DSO. `months`: ``[(days, credit sales), ...]``, most recent first. AR left
    after the months given counts them all (an AR older than the sales history)."""
    if ar_end <= 0:
        return 0.0
    left, days = ar_end, 0.0
    for month_days, sales in months:
        if sales <= 0:
            days += month_days
            continue
        if left <= sales:
            return days + left / sales * month_days
        left -= sales
        days += month_days
    return days if months else None


def cei(opening_ar, sales, closing_ar, closing_current_ar):
    """Collection effectiveness index, in percent."""
    collectible = opening_ar + sales - closing_current_ar
    if collectible <= 0:
        return None
    return (opening_ar + sales - closing_ar) / collectible * 100.0


def weighted_delay(items):
    """Amount-weighted average of `items` ``(amount, days late)`` (negative days: early)."""
    total = sum(amount for amount, _days in items)
    if total <= 0:
        return None
    return sum(amount * days for amount, days in items) / total


def aging(items):
    """``{bucket: amount}`` of open `items` ``(amount, days overdue)``; every bucket of
    ``engine.aging`` present (its codes are the keys of the public KPI dict)."""
    result = dict.fromkeys(BUCKETS, 0.0)
    for amount, days in items:
        result[bucket(days)] += amount
    return result


def change(current, previous):
    """Relative change from `previous` to `current`, in percent (None without a base)."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous) * 100.0


def period_ends(kind, date_to, count):
    """The last `count` ends of 30-day spans, weeks (Sunday), months or quarters up to
    `date_to`, oldest first; the last one is `date_to` itself (the period in progress)."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"unknown period {kind!r}")
    ends = [date_to]
    current = date_to
    for _index in range(count - 1):
        if kind == "last_30":
            current = current - timedelta(days=ROLLING_DAYS)
        elif kind == "week":
            current = current - timedelta(days=current.isoweekday() % 7 or 7)
        else:
            first = current.replace(day=1)
            if kind == "quarter":
                first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
            current = first - timedelta(days=1)
        ends.append(current)
    return ends[::-1]


def period_start(kind, end):
    """First day of the 30 days ending on `end`, or of the week (Monday), month or quarter
    that ends on or contains `end`."""
    if kind == "last_30":
        return end - timedelta(days=ROLLING_DAYS - 1)
    if kind == "week":
        return end - timedelta(days=end.weekday())
    if kind == "month":
        return end.replace(day=1)
    if kind == "quarter":
        return date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    raise ValueError(f"unknown period {kind!r}")


def month_days(day):
    return calendar.monthrange(day.year, day.month)[1]


def month_days_to(start, date_to):
    """Days of the calendar month beginning on `start` counted up to `date_to` (all of them
    when `date_to` is later): its length in a count-back walked from `date_to`."""
    if (start.year, start.month) == (date_to.year, date_to.month):
        return date_to.day
    return month_days(start)
