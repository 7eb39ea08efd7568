from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import rules
from engine.rules import PRESETS, Rule

SANTIAGO = "America/Santiago"
UTC = ZoneInfo("UTC")


def at(tz, *args):
    return datetime(*args, tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize("country, tz, asked, allowed, expected", [
    # Chile: Mon-Sat 08-20 (Monday 2026-03-02)
    ("CL", SANTIAGO, (2026, 3, 2, 10, 0), True, (2026, 3, 2, 10, 0)),
    ("CL", SANTIAGO, (2026, 3, 2, 7, 30), False, (2026, 3, 2, 8, 0)),
    ("CL", SANTIAGO, (2026, 3, 2, 20, 0), False, (2026, 3, 3, 8, 0)),
    ("CL", SANTIAGO, (2026, 3, 7, 19, 59), True, (2026, 3, 7, 19, 59)),  # Saturday
    ("CL", SANTIAGO, (2026, 3, 8, 12, 0), False, (2026, 3, 9, 8, 0)),  # Sunday -> Monday
    # Colombia: Sat 08-15, never Sunday
    ("CO", "America/Bogota", (2026, 3, 7, 15, 30), False, (2026, 3, 9, 7, 0)),
    ("CO", "America/Bogota", (2026, 3, 6, 18, 59), True, (2026, 3, 6, 18, 59)),
    # Peru: no weekends
    ("PE", "America/Lima", (2026, 3, 7, 10, 0), False, (2026, 3, 9, 7, 0)),
    ("PE", "America/Lima", (2026, 3, 9, 6, 59), False, (2026, 3, 9, 7, 0)),
    # Mexico: every day 07-22
    ("MX", "America/Mexico_City", (2026, 3, 8, 21, 59), True, (2026, 3, 8, 21, 59)),
    ("MX", "America/Mexico_City", (2026, 3, 8, 22, 0), False, (2026, 3, 9, 7, 0)),
    # US: 08-21 local
    ("US", "America/New_York", (2026, 3, 8, 7, 0), False, (2026, 3, 8, 8, 0)),
    ("US", "America/Los_Angeles", (2026, 3, 8, 20, 59), True, (2026, 3, 8, 20, 59)),
])
def test_presets_hours(country, tz, asked, allowed, expected):
    verdict = rules.check(PRESETS[country], "sms", at(tz, *asked), tz)
    assert verdict.allowed is allowed
    assert verdict.at == at(tz, *expected)
    if not allowed:
        assert verdict.reason == "hours"


def test_time_zone_of_the_customer_and_daylight_saving():
    # New York switches to summer time on 2026-03-08 at 02:00: 08:00 local is 12:00 UTC after
    # the change and 13:00 UTC the day before.
    before = rules.check(PRESETS["US"], "call", datetime(2026, 3, 7, 12, 30, tzinfo=UTC), "America/New_York")
    assert (before.allowed, before.at) == (False, datetime(2026, 3, 7, 13, 0, tzinfo=UTC))
    after = rules.check(PRESETS["US"], "call", datetime(2026, 3, 8, 11, 30, tzinfo=UTC), "America/New_York")
    assert (after.allowed, after.at) == (False, datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    # the same UTC moment is fine in Santiago and too late in Tokyo
    moment = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert rules.check(PRESETS["CL"], "email", moment, SANTIAGO).allowed
    assert not rules.check(PRESETS["MX"], "email", moment, "Asia/Tokyo").allowed


def test_holidays_of_the_company_calendar():
    holiday = {date(2026, 5, 1)}  # a Friday
    verdict = rules.check(PRESETS["CL"], "sms", at(SANTIAGO, 2026, 5, 1, 10, 0), SANTIAGO, holidays=holiday)
    assert (verdict.allowed, verdict.reason) == (False, "holiday")
    assert verdict.at == at(SANTIAGO, 2026, 5, 2, 8, 0)
    assert rules.check(PRESETS["MX"], "sms", at("America/Mexico_City", 2026, 5, 1, 10, 0),
                       "America/Mexico_City", holidays=holiday).allowed, "Mexico has no holiday rule"
    letter = rules.check(PRESETS["CL"], "letter", at(SANTIAGO, 2026, 5, 1, 23, 0), SANTIAGO, holidays=holiday)
    assert letter.allowed, "letters are printed, not delivered at that hour"


def test_chile_weekly_caps_across_channels():
    monday = at(SANTIAGO, 2026, 3, 2, 10, 0)
    history = [(monday, "call")]
    call = rules.check(PRESETS["CL"], "call", monday + timedelta(days=3), SANTIAGO, history)
    assert (call.allowed, call.reason) == (False, "weekly_cap")
    assert call.at == at(SANTIAGO, 2026, 3, 9, 8, 0), "a rolling week after the call"
    # written channels: two a week, two days apart
    sms = rules.check(PRESETS["CL"], "sms", monday + timedelta(days=1), SANTIAGO, history)
    assert (sms.allowed, sms.reason, sms.at) == (False, "too_soon", at(SANTIAGO, 2026, 3, 4, 8, 0))
    history = [(monday, "email"), (monday + timedelta(days=2), "sms")]
    third = rules.check(PRESETS["CL"], "whatsapp", monday + timedelta(days=4), SANTIAGO, history)
    assert (third.allowed, third.reason, third.at) == (False, "weekly_cap", at(SANTIAGO, 2026, 3, 9, 8, 0))


def test_colombia_one_contact_a_day_and_consent():
    monday = at("America/Bogota", 2026, 3, 2, 9, 0)
    verdict = rules.check(PRESETS["CO"], "email", monday + timedelta(hours=2), "America/Bogota", [(monday, "email")])
    assert (verdict.reason, verdict.at) == ("daily_cap", at("America/Bogota", 2026, 3, 3, 7, 0))
    refused = rules.check(PRESETS["CO"], "whatsapp", monday, "America/Bogota", consent=False)
    assert (refused.allowed, refused.at, refused.reason) == (False, None, "consent")
    assert rules.check(PRESETS["CO"], "whatsapp", monday, "America/Bogota", consent=True).allowed


def test_us_seven_calls_in_seven_days():
    start = at("America/Chicago", 2026, 3, 2, 9, 0)
    history = [(start + timedelta(days=n // 2, hours=n % 2), "call") for n in range(7)]
    verdict = rules.check(PRESETS["US"], "call", start + timedelta(days=4), "America/Chicago", history)
    assert (verdict.allowed, verdict.reason) == (False, "weekly_cap")
    assert verdict.at == at("America/Chicago", 2026, 3, 9, 8, 0), "the 2nd call drops out of the week"
    assert rules.check(PRESETS["US"], "email", start + timedelta(days=4), "America/Chicago", history).allowed


def test_business_customers_can_be_exempted():
    sunday = at(SANTIAGO, 2026, 3, 8, 23, 0)
    assert not rules.check(PRESETS["CL"], "sms", sunday, SANTIAGO).allowed
    assert rules.check(PRESETS["CL"], "sms", sunday, SANTIAGO, exempt=True).allowed


def test_no_window_at_all_is_reported():
    closed = Rule(windows={})
    verdict = rules.check(closed, "sms", at(SANTIAGO, 2026, 3, 2, 10, 0), SANTIAGO, horizon_days=3)
    assert (verdict.allowed, verdict.at, verdict.reason) == (False, None, "hours")
    assert rules.check(Rule(windows={0: (time(9), time(10))}), "sms",
                       at(SANTIAGO, 2026, 3, 2, 9, 59), SANTIAGO).allowed


# ---------------------------------------------------------------- the customer's preferred hours
def test_preferred_hours_narrow_the_legal_window():
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo(SANTIAGO))
    verdict = rules.check(PRESETS["CL"], "email", monday_9, SANTIAGO, preferred=(time(15, 0), time(18, 0)))
    assert not verdict.allowed and verdict.reason == "hours"
    assert verdict.at.astimezone(ZoneInfo(SANTIAGO)).time() == time(15, 0)
    assert verdict.at.astimezone(ZoneInfo(SANTIAGO)).date() == monday_9.date()


def test_preferred_hours_never_widen_the_legal_window():
    monday_19 = datetime(2026, 3, 2, 19, 0, tzinfo=ZoneInfo(SANTIAGO))
    verdict = rules.check(PRESETS["CL"], "sms", monday_19, SANTIAGO, preferred=(time(18, 0), time(23, 0)))
    assert verdict.allowed
    late = monday_19.replace(hour=20, minute=30)
    verdict = rules.check(PRESETS["CL"], "sms", late, SANTIAGO, preferred=(time(18, 0), time(23, 0)))
    assert not verdict.allowed
    assert verdict.at.astimezone(ZoneInfo(SANTIAGO)).time() == time(18, 0)


def test_preferred_hours_outside_the_legal_ones_fall_back_to_the_law():
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo(SANTIAGO))
    verdict = rules.check(PRESETS["CL"], "email", monday_9, SANTIAGO, preferred=(time(21, 0), time(23, 0)))
    assert verdict.allowed


def test_preferred_hours_apply_without_contact_rules():
    sunday_8 = datetime(2026, 3, 1, 8, 0, tzinfo=ZoneInfo(SANTIAGO))
    verdict = rules.check(rules.OPEN, "email", sunday_8, SANTIAGO, preferred=(time(10, 0), time(12, 0)))
    assert not verdict.allowed
    assert verdict.at.astimezone(ZoneInfo(SANTIAGO)).time() == time(10, 0)
    exempt = rules.check(PRESETS["CL"], "email", sunday_8, SANTIAGO, exempt=True, preferred=(time(10, 0), time(12, 0)))
    assert exempt.at == verdict.at


@given(start=st.integers(0, 22), length=st.integers(1, 23), hour=st.integers(0, 23))
def test_preferred_hours_property(start, length, hour):
    """An allowed moment is always inside the legal window, and inside the preferred one
    whenever the two overlap that day."""
    end = min(start + length, 23)
    moment = datetime(2026, 3, 3, hour, 0, tzinfo=ZoneInfo(SANTIAGO))  # a Tuesday
    verdict = rules.check(PRESETS["CL"], "email", moment, SANTIAGO, preferred=(time(start), time(end)))
    local = verdict.at.astimezone(ZoneInfo(SANTIAGO)).time() if verdict.at else None
    assert local is None or time(8) <= local < time(20)
    if max(8, start) < min(20, end) and local is not None:
        assert time(start) <= local < time(end)


def test_verdict_names_its_kind():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert not rules.ALLOWED.deferred and not rules.ALLOWED.refused
    assert rules.Verdict(False, now, "hours").deferred
    assert rules.Verdict(False, None, "consent").refused
    assert set(rules.DEFER_REASONS) >= {"hours", "holiday", "weekly_cap", "daily_cap", "too_soon", "consent"}
