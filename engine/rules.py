"""Legal contact rules: when a debtor may be contacted, and the first allowed moment otherwise.

Pure functions over small values; time zones come from the standard library (zoneinfo), so
daylight-saving changes are handled by the customer's zone rules. All datetimes given to and
returned by these functions are timezone-aware.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

VOICE = frozenset({"call", "visit"})
WRITTEN = frozenset({"email", "sms", "whatsapp", "letter"})


@dataclass(frozen=True)
class Rule:
    """One country's contact rules (hours in the customer's local time)."""

    # weekday (0 = Monday) -> (start, end) local times; a missing weekday: no contact that day
    windows: dict = field(default_factory=dict)
    skip_holidays: bool = True
    max_voice_per_week: int = 0  # 0: no cap
    max_written_per_week: int = 0
    max_per_day: int = 0
    min_days_between: int = 0
    consent_channels: frozenset = frozenset()  # channels allowed only with the customer's consent
    # channels exempt from the hours (a letter is printed, not delivered at that time)
    unwindowed_channels: frozenset = frozenset({"letter"})


@dataclass(frozen=True)
class Verdict:
    """The contact rules' answer for one contact: allowed now, deferred to `at`, or refused."""

    allowed: bool
    at: Optional[datetime]  # when the contact may happen (the asked moment when allowed;
    # None when it never may: no consent, or no allowed moment within the horizon)
    reason: Optional[str] = None  # one of DEFER_REASONS

    @property
    def deferred(self) -> bool:
        """Not now, but at `at`."""
        return not self.allowed and self.at is not None

    @property
    def refused(self) -> bool:
        """Never: the channel is not allowed (no consent), or no moment is within reach."""
        return not self.allowed and self.at is None


# Why the contact rules defer or refuse a contact (also the values of the Odoo selection).
DEFER_REASONS = ("hours", "holiday", "weekly_cap", "daily_cap", "too_soon", "consent")
ALLOWED = Verdict(True, None)


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz or "UTC"))


def _week_count(history, day: date, kinds) -> int:
    """Contacts of `kinds` in the 7 days ending on `day` (a rolling week)."""
    start = day - timedelta(days=6)
    return sum(1 for when, channel in history if channel in kinds and start <= when.date() <= day)


def check(rule: Rule, channel: str, moment: datetime, tz: str, history=(), holidays=frozenset(),
          consent: bool = True, exempt: bool = False, horizon_days: int = 60,
          preferred: Optional[tuple] = None) -> Verdict:
    """May `channel` reach the customer at `moment`? Otherwise the first allowed moment.

    `history`: ((aware datetime, channel), ...) of the customer's previous contacts;
    `holidays`: dates (in the customer's calendar) without contact; `exempt`: a business
    customer exempted from the consumer rules; `preferred`: (start, end) local times the
    customer chose to be contacted in, narrowing the legal hours (never widening them; when
    they do not overlap a day's legal hours, the legal hours apply)."""
    if exempt and not preferred:
        return Verdict(True, moment)
    if exempt:
        rule = OPEN
    if channel in rule.consent_channels and not consent:
        return Verdict(False, None, "consent")
    local = _local(moment, tz)
    history = [(_local(when, tz), kind) for when, kind in history]  # the customer's calendar
    first_reason = None
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        reason = _day_blocker(rule, channel, day, history, holidays)
        if reason is None:
            start = local if offset == 0 else None
            slot = _slot(rule, channel, day, tz, start, preferred)
            if slot is not None:
                if offset == 0 and slot == local:
                    return Verdict(True, moment)
                return Verdict(False, slot.astimezone(moment.tzinfo), first_reason or "hours")
            reason = "hours"
        first_reason = first_reason or reason
    return Verdict(False, None, first_reason or "hours")


def _day_blocker(rule, channel, day, history, holidays) -> Optional[str]:
    if rule.skip_holidays and day in holidays and channel not in rule.unwindowed_channels:
        return "holiday"
    if rule.max_per_day and sum(1 for when, _c in history if when.date() == day) >= rule.max_per_day:
        return "daily_cap"
    if rule.min_days_between and history:
        last = max(when.date() for when, _c in history)
        if (day - last).days < rule.min_days_between:
            return "too_soon"
    if channel in VOICE and rule.max_voice_per_week and \
            _week_count(history, day, VOICE) >= rule.max_voice_per_week:
        return "weekly_cap"
    if channel in WRITTEN and rule.max_written_per_week and \
            _week_count(history, day, WRITTEN) >= rule.max_written_per_week:
        return "weekly_cap"
    return None


def _slot(rule, channel, day, tz, start: Optional[datetime], preferred=None) -> Optional[datetime]:
    """The first allowed local moment of `day` (not before `start`), or None."""
    zone = ZoneInfo(tz or "UTC")
    if channel in rule.unwindowed_channels:
        return start or datetime.combine(day, time(0, 0), zone)
    window = rule.windows.get(day.weekday())
    if not window:
        return None
    if preferred and max(window[0], preferred[0]) < min(window[1], preferred[1]):
        # the customer's hours inside the legal ones; if they do not overlap, the legal ones
        window = (max(window[0], preferred[0]), min(window[1], preferred[1]))
    begin = datetime.combine(day, window[0], zone)
    end = datetime.combine(day, window[1], zone)
    candidate = max(begin, start) if start else begin
    return candidate if candidate < end else None


def _days(days, start, end):
    return {day: (time(*start), time(*end)) for day in days}


MON_FRI, MON_SAT, ALL_WEEK = range(5), range(6), range(7)

# No legal limit at all: what applies to a customer without contact rules who chose hours.
OPEN = Rule(windows=_days(ALL_WEEK, (0, 0), (23, 59)), skip_holidays=False)

# Consumer-debt contact rules by country (see README, "Contact rules"; figures from the laws
# cited there). Business customers may be exempted per customer.
PRESETS = {
    # Ley 19.496 art. 37 / Ley 21.320: Mon-Sat 08-20, no holidays; calls and visits once a
    # week; other channels twice a week, two days apart.
    "CL": Rule(windows=_days(MON_SAT, (8, 0), (20, 0)), max_voice_per_week=1,
               max_written_per_week=2, min_days_between=2),
    # Ley 2300 de 2023: Mon-Fri 07-19, Sat 08-15, no Sundays or holidays; one contact a day;
    # only channels the debtor authorised.
    "CO": Rule(windows={**_days(MON_FRI, (7, 0), (19, 0)), **_days([5], (8, 0), (15, 0))},
               max_per_day=1, consent_channels=frozenset({"sms", "whatsapp", "call", "visit"})),
    # Ley 29571 art. 62: Mon-Fri 07-20, no weekends or holidays.
    "PE": Rule(windows=_days(MON_FRI, (7, 0), (20, 0))),
    # CONDUSEF 2014: 07-22 in the debtor's time zone, every day.
    "MX": Rule(windows=_days(ALL_WEEK, (7, 0), (22, 0)), skip_holidays=False),
    # Regulation F: 08-21 local; 7 calls in 7 days (the "none within 7 days after a
    # conversation" rule is the collector's to respect when logging a reached call).
    "US": Rule(windows=_days(ALL_WEEK, (8, 0), (21, 0)), skip_holidays=False, max_voice_per_week=7),
}
