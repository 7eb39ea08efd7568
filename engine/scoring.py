"""Payment behaviour: segment, expected delay, risk, rating, predicted payment date.

The models measure each customer's behaviour (settled invoices, delays, broken promises...)
into a :class:`Behaviour`; these functions decide what follows from it:

* segment: the first segment, in sequence order, whose thresholds all hold; customers with
  too little history go to the segment of new customers;
* expected delay: the customer's mean delay shrunk towards the mean of every customer
  (``weight`` pseudo-invoices of the prior), so that a short history counts little;
* risk: the probability of settling more than ``LATE_DAYS`` (30) days late, smoothed the same way (Beta
  prior), and its rating A-D;
* backtest: how well the expected delay would have predicted the invoices settled in a
  period, from what was known on each invoice date only, against "pays on the due date";
* channel effectiveness: share of contacts followed by a payment within 7 days, per segment
  and channel, and the best channel a customer may receive.
"""
import operator as op
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

METRICS = ("settled_count", "on_time_ratio", "avg_delay", "p90_delay", "max_delay",
           "overdue_amount", "overdue_days", "broken_promises", "broken_plans", "disputes")
RATIO_METRICS = ("on_time_ratio",)  # 0..1
COUNT_METRICS = ("settled_count", "broken_promises", "broken_plans", "disputes")
OPERATORS = ("min", "max")
RATINGS = ("A", "B", "C", "D")
LATE_DAYS = 30  # "late" for the risk: settled (or still open) more than 30 days after due (utils.ledger_sql)


@dataclass(frozen=True)
class Behaviour:
    settled_count: int = 0
    on_time_ratio: Optional[float] = None  # None when nothing settled
    avg_delay: Optional[float] = None  # amount-weighted days after due
    p90_delay: Optional[float] = None
    max_delay: Optional[float] = None
    overdue_amount: float = 0.0
    overdue_days: int = 0
    broken_promises: int = 0
    broken_plans: int = 0
    disputes: int = 0
    late_count: int = 0  # settled invoices settled more than LATE_DAYS after due
    open_late_count: int = 0  # open invoices already more than LATE_DAYS overdue
    open_overdue_count: int = 0  # open invoices past due
    open_overdue_days: int = 0  # Σ days past due of those

    def known_delay(self):
        """``(count, mean)``: the delays known on the date — each settled invoice at the
        average delay, each open one past due at the days it is already late (at least
        that late: leaving them out would flatter a customer whose invoices are not paid)."""
        count = self.settled_count + self.open_overdue_count
        total = (self.avg_delay or 0.0) * self.settled_count + self.open_overdue_days
        return count, (total / count if count else None)

    def value(self, metric):
        """The value of `metric` (one of METRICS)."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        return getattr(self, metric)


@dataclass(frozen=True)
class Threshold:
    metric: str  # one of METRICS
    operator: str  # "min" or "max"
    value: float


@dataclass(frozen=True)
class Segment:
    id: int
    thresholds: tuple = ()  # of Threshold
    new_customers: bool = False  # the segment of customers with too little history


def threshold_problems(thresholds):
    """``[(problem, metric), ...]`` of a segment's thresholds, each pair once:

    * ``operator``: unknown operator or metric;
    * ``ratio``: a ratio outside 0..1;
    * ``negative``: a negative value (no metric, days included, takes one);
    * ``contradiction``: a minimum above a maximum on the same metric.
    """
    problems = []
    mins, maxs = {}, {}
    for threshold in thresholds:
        metric, value = threshold.metric, threshold.value
        if metric not in METRICS or threshold.operator not in OPERATORS:
            problems.append(("operator", metric))
            continue
        if metric in RATIO_METRICS and not 0 <= value <= 1:
            problems.append(("ratio", metric))
        elif value < 0:
            problems.append(("negative", metric))
        if threshold.operator == "min":
            mins[metric] = max(value, mins.get(metric, value))
        else:
            maxs[metric] = min(value, maxs.get(metric, value))
    for metric in METRICS:
        if metric in mins and metric in maxs and mins[metric] > maxs[metric]:
            problems.append(("contradiction", metric))
    return list(dict.fromkeys(problems))


def holds(behaviour, threshold):
    """Whether `behaviour` meets `threshold`; a value of None (e.g. no settled invoice) or an
    unknown metric or operator never does."""
    if threshold.metric not in METRICS:
        return False
    value = behaviour.value(threshold.metric)
    if value is None:
        return False
    if threshold.operator == "min":
        return value >= threshold.value
    if threshold.operator == "max":
        return value <= threshold.value
    return False


def choose_segment(behaviour, segments, min_history):
    """``(segment id, reason)`` of `behaviour` among `segments` (in sequence order).

    Fewer than `min_history` known delays (settled invoices, and open ones past due: a
    customer who does not pay has a history too): the first segment of new customers
    ("new"); otherwise (or without such a segment) the first other segment whose thresholds
    all hold, one without thresholds taking everyone ("thresholds"); none: ``(None, "none")``.
    """
    segments = list(segments)
    if behaviour.known_delay()[0] < min_history:
        for segment in segments:
            if segment.new_customers:
                return segment.id, "new"
    for segment in segments:
        if not segment.new_customers and all(holds(behaviour, t) for t in segment.thresholds):
            return segment.id, "thresholds"
    return None, "none"


def shrunk_delay(count, mean, prior, weight):
    """The mean delay of `count` invoices shrunk towards `prior` by `weight` pseudo-invoices:
    ``(count*mean + weight*prior)/(count+weight)``; no history gives the prior, no prior the
    mean (or 0)."""
    if prior is None:
        return float(mean) if mean is not None else 0.0
    if mean is None or count <= 0:
        return float(prior)
    weight = max(weight, 0.0)
    return (count * mean + weight * prior) / (count + weight)


def risk_score(late, total, prior_rate, weight):
    """Beta-smoothed probability of settling more than 30 days late, in 0..1:
    ``(late + weight*prior_rate)/(total + weight)``."""
    prior_rate = prior_rate or 0.0
    weight = max(weight, 0.0)
    denominator = total + weight
    value = (late + weight * prior_rate) / denominator if denominator > 0 else prior_rate
    return min(max(value, 0.0), 1.0)


def rating(risk, limits):
    """A, B, C or D: the first of `limits` ``(a_max, b_max, c_max)`` that `risk` does not
    exceed; D above them all."""
    for letter, limit in zip(RATINGS, limits):
        if risk <= limit:
            return letter
    return RATINGS[-1]


def expected_date(due, expected_delay):
    """The due date plus the expected delay (rounded): when the customer is expected to pay,
    in the past once the customer is late against it. It moves only when the customer's
    expected delay does, not with the calendar."""
    return due + timedelta(days=round(expected_delay or 0.0))


def predicted_from_expected(expected, today):
    """The predicted payment date of an open invoice expected to be paid on `expected`: never
    before `today` (an overdue open invoice is predicted for today at the earliest)."""
    return max(expected, today)


COMPARISONS = {"=": op.eq, "<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}


def expected_condition(comparison, value, today):
    """The condition on the expected date of an open invoice equivalent to its predicted date
    (``predicted_from_expected``) compared by `comparison` (a key of COMPARISONS) with the
    date `value` on `today`: ``(comparison, date)``, True (any expected date) or False (none)."""
    compare = COMPARISONS[comparison]
    if comparison in (">", ">="):
        return True if compare(today, value) else (comparison, value)
    if not compare(today, value) and not (comparison == "=" and value > today):
        return False  # today is already later than `value`
    if comparison == "=" and value == today:
        return "<=", today
    return comparison, value


def predicted_date(due, expected_delay, today):
    """The due date plus the expected delay (rounded), never before `today`."""
    return predicted_from_expected(expected_date(due, expected_delay), today)


def _settled(invoices):
    """The rows of `invoices` that have a settled date and a delay."""
    return [row for row in invoices if row[3] is not None and row[4] is not None]


class _Known:
    """What is known of the partners' payments on a date, swept forward in time: the delays
    of the invoices settled before it (within a window) and, for those past due but not yet
    settled on it, the days they are already late (a delay of at least that much: leaving
    them out would make the known history look more punctual than it is)."""

    def __init__(self, rows, window_days):
        self.settled = sorted(_settled(rows), key=lambda row: row[3])
        self.due = sorted((row for row in rows if row[2] is not None), key=lambda row: row[2])
        self.window_days = window_days
        self.by_partner = defaultdict(lambda: [0, 0.0])  # settled: count, Σ delay
        self.total = [0, 0.0]
        self.open = defaultdict(lambda: [0, 0])  # past due, unsettled: count, Σ due ordinal
        self.open_total = [0, 0]
        self.done, self.open_rows = set(), set()
        self.added = self.removed = self.due_added = 0

    def advance(self, day):
        """Take in everything that happened before `day`."""
        while self.added < len(self.settled) and self.settled[self.added][3] < day:
            row = self.settled[self.added]
            self.done.add(id(row))
            if id(row) in self.open_rows:
                self.open_rows.discard(id(row))
                self._open(row, -1)
            self._settle(row, 1)
            self.added += 1
        if self.window_days is not None:
            start = day - timedelta(days=self.window_days)
            while self.removed < self.added and self.settled[self.removed][3] < start:
                self._settle(self.settled[self.removed], -1)
                self.removed += 1
        while self.due_added < len(self.due) and self.due[self.due_added][2] < day:
            row = self.due[self.due_added]
            if id(row) not in self.done:
                self.open_rows.add(id(row))
                self._open(row, 1)
            self.due_added += 1

    def mean(self, partner, day):
        """``(count, mean delay)`` of `partner` (None: all partners) known on `day`."""
        count, amount = self.by_partner.get(partner, (0, 0.0)) if partner is not None else self.total
        late, dues = self.open.get(partner, (0, 0)) if partner is not None else self.open_total
        count += late
        amount += late * day.toordinal() - dues
        return count, (amount / count if count else None)

    def _settle(self, row, sign):
        for sums in (self.by_partner[row[0]], self.total):
            sums[0] += sign
            sums[1] += sign * row[4]

    def _open(self, row, sign):
        for sums in (self.open[row[0]], self.open_total):
            sums[0] += sign
            sums[1] += sign * row[2].toordinal()


def _predictions(rows, date_from, date_to, weight, window_days):
    """``[(prediction, actual), ...]`` of the rows settled in [date_from, date_to], each
    predicted from what was known on its invoice date (one sweep forward in time)."""
    known = _Known(rows, window_days)
    queries = sorted((row for row in _settled(rows) if date_from <= row[3] <= date_to), key=lambda row: row[1])
    result = []
    for partner, invoice_date, _due, _settled_date, delay in queries:
        known.advance(invoice_date)
        count, mean = known.mean(partner, invoice_date)
        _all, prior = known.mean(None, invoice_date)
        result.append((shrunk_delay(count, mean, prior or 0.0, weight), delay))
    return result


def backtest(invoices, date_from, date_to, weight, window_days=None):
    """Errors of the expected delay on the invoices settled in [date_from, date_to].

    `invoices`: ``(partner_id, invoice_date, due_date, settled_date, delay)`` of the
    customer invoices (delay: amount-weighted payment delay in days; settled date and delay
    None for one still open). Each settled one is predicted from what was known on its
    invoice date only: the partner's invoices settled before it (within `window_days`, if
    given) and those already past due and unsettled then, counted with the days they were
    late (`_Known`); that mean is shrunk towards every partner's (0 without any). The naive
    prediction is a delay of 0 (pays on the due date). O(N log N).
    """
    pairs = _predictions(list(invoices), date_from, date_to, weight, window_days)
    count = len(pairs)
    if not count:
        return {"count": 0, "mae_days": None, "mae_naive_days": None,
                "within_7_days_pct": None, "improvement_pct": None, "bias_days": None}
    mae = sum(abs(pred - actual) for pred, actual in pairs) / count
    naive = sum(abs(actual) for _pred, actual in pairs) / count
    return {
        "count": count,
        "mae_days": mae,
        "mae_naive_days": naive,
        "within_7_days_pct": 100.0 * sum(abs(pred - actual) <= 7 for pred, actual in pairs) / count,
        "improvement_pct": 100.0 * (1 - mae / naive) if naive else None,
        "bias_days": sum(pred - actual for pred, actual in pairs) / count,
    }


def effectiveness(rows):
    """Contacts and contacts followed by a payment within 7 days, from `rows`
    ``(segment_id, channel, tone, paid_within_7d)``: ``{"by_channel": {(segment, channel):
    (contacts, paid)}, "by_tone": {(segment, channel, tone): (contacts, paid)}}``."""
    by_channel, by_tone = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for segment_id, channel, tone, paid in rows:
        for counts in (by_channel[(segment_id, channel)], by_tone[(segment_id, channel, tone)]):
            counts[0] += 1
            counts[1] += bool(paid)
    return {"by_channel": {key: tuple(value) for key, value in by_channel.items()},
            "by_tone": {key: tuple(value) for key, value in by_tone.items()}}


def best_channel(rates, allowed, min_contacts=30):
    """``(channel, "evidence")``: among the `allowed` channels (in preference order) with at
    least `min_contacts` contacts in `rates` ``{channel: (contacts, paid)}``, the one with the
    highest paid share, the earlier on a tie; ``(None, "too_little_evidence")`` without one."""
    rates = rates or {}
    best, best_rate = None, None
    for channel in allowed:
        contacts, paid = rates.get(channel, (0, 0))
        if contacts <= 0 or contacts < min_contacts:
            continue
        rate = paid / contacts
        if best_rate is None or rate > best_rate:
            best, best_rate = channel, rate
    return (best, "evidence") if best is not None else (None, "too_little_evidence")


def expected_delay(behaviour, prior, weight):
    """Days after the due date a customer is expected to pay: what is known of its delays
    (``Behaviour.known_delay``) shrunk toward `prior` by `weight` pseudo-invoices."""
    count, mean = behaviour.known_delay()
    return shrunk_delay(count, mean, prior, weight)


def priors(assignments):
    """``{segment id: (mean delay, late rate)}`` of the customers of each segment, and under
    ``None`` those of all customers: the priors their short histories are shrunk toward.
    `assignments`: ``{customer: (Behaviour, segment id)}``. The mean delay is that of every
    known delay (``Behaviour.known_delay``); the late rate counts invoices settled more than
    30 days late and open ones already that late."""
    sums = {}
    for behaviour, segment_id in assignments.values():
        count, mean = behaviour.known_delay()
        for key in (segment_id, None):
            total = sums.setdefault(key, [0.0, 0, 0, 0])
            if count:
                total[0] += count * mean
                total[1] += count
            total[2] += behaviour.late_count + behaviour.open_late_count
            total[3] += behaviour.settled_count + behaviour.open_late_count
    result = {key: (delay / count if count else None, late / invoices if invoices else None)
              for key, (delay, count, late, invoices) in sums.items()}
    result.setdefault(None, (None, None))
    return result


EFFECTIVE_CHANNELS = ("email", "sms", "whatsapp", "call", "letter", "visit")
EFFECTIVENESS_DAYS = 180
MIN_EVIDENCE = 30  # contacts a channel needs in a segment before it can be called the best
