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
    allowed: bool
    at: datetime  # when the contact may happen (== the asked moment when allowed)
    reason: Optional[str] = None  # hours / holiday / weekly_cap / daily_cap / min_days / consent


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz or "UTC"))


def _week_count(history, day: date, kinds) -> int:
    """Contacts of `kinds` in the 7 days ending on `day` (a rolling week)."""
    start = day - timedelta(days=6)
    return sum(1 for when, channel in history if channel in kinds and start <= when.date() <= day)


def check(rule: Rule, channel: str, moment: datetime, tz: str, history=(), holidays=frozenset(),
          consent: bool = True, exempt: bool = False, horizon_days: int = 60) -> Verdict:
    """May `channel` reach the customer at `moment`? Otherwise the first allowed moment.

    `history`: ((aware datetime, channel), ...) of the customer's previous contacts;
    `holidays`: dates (in the customer's calendar) without contact; `exempt`: a business
    customer exempted from the consumer rules."""
    if exempt:
        return Verdict(True, moment)
    if channel in rule.consent_channels and not consent:
        return Verdict(False, moment, "consent")
    local = _local(moment, tz)
    first_reason = None
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        reason = _day_blocker(rule, channel, day, history, holidays)
        if reason is None:
            start = local if offset == 0 else None
            slot = _slot(rule, channel, day, tz, start)
            if slot is not None:
                if offset == 0 and slot == local:
                    return Verdict(True, moment)
                return Verdict(False, slot.astimezone(moment.tzinfo), first_reason or "hours")
            reason = "hours"
        first_reason = first_reason or reason
    return Verdict(False, moment, first_reason or "hours")


def _day_blocker(rule, channel, day, history, holidays) -> Optional[str]:
    if rule.skip_holidays and day in holidays and channel not in rule.unwindowed_channels:
        return "holiday"
    if rule.max_per_day and sum(1 for when, _c in history if when.date() == day) >= rule.max_per_day:
        return "daily_cap"
    if rule.min_days_between and history:
        last = max(when.date() for when, _c in history)
        if (day - last).days < rule.min_days_between:
            return "min_days"
    if channel in VOICE and rule.max_voice_per_week and \
            _week_count(history, day, VOICE) >= rule.max_voice_per_week:
        return "weekly_cap"
    if channel in WRITTEN and rule.max_written_per_week and \
            _week_count(history, day, WRITTEN) >= rule.max_written_per_week:
        return "weekly_cap"
    return None


def _slot(rule, channel, day, tz, start: Optional[datetime]) -> Optional[datetime]:
    """The first allowed local moment of `day` (not before `start`), or None."""
    zone = ZoneInfo(tz or "UTC")
    if channel in rule.unwindowed_channels:
        return start or datetime.combine(day, time(0, 0), zone)
    window = rule.windows.get(day.weekday())
    if not window:
        return None
    begin = datetime.combine(day, window[0], zone)
    end = datetime.combine(day, window[1], zone)
    candidate = max(begin, start) if start else begin
    return candidate if candidate < end else None
