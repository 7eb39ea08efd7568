from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engine import aging, kpi


def month_rows(date_to, sales):
    """``[(days, sales), ...]`` of the count-back months ending on `date_to`."""
    months = kpi.countback_months(date_to, len(sales))
    return [((end - start).days + 1, amount) for (start, end), amount in zip(months, sales)]


def test_countback_months_walk_back_from_the_end_date():
    assert kpi.countback_months(date(2025, 6, 30), 3) == [
        (date(2025, 6, 1), date(2025, 6, 30)),
        (date(2025, 5, 1), date(2025, 5, 31)),
        (date(2025, 4, 1), date(2025, 4, 30)),
    ]
    assert kpi.countback_months(date(2025, 3, 10), 2) == [
        (date(2025, 3, 1), date(2025, 3, 10)),
        (date(2025, 2, 1), date(2025, 2, 28)),
    ]


def test_countback_with_calendar_months():
    months = month_rows(date(2025, 6, 30), [100_000, 80_000, 70_000])
    assert [days for days, _sales in months] == [30, 31, 30]
    # 30 + 31 + 32,000 / 70,000 x 30
    assert kpi.dso_countback(212_000, months) == pytest.approx(74.714, abs=1e-3)


def test_countback_with_30_day_months():
    months = [(30, 100_000), (30, 80_000), (30, 70_000)]
    assert kpi.dso_countback(212_000, months) == pytest.approx(73.714, abs=1e-3)


def test_countback_mid_month_counts_the_first_month_up_to_the_end_date():
    months = month_rows(date(2025, 6, 15), [50_000, 80_000])
    assert months == [(15, 50_000), (31, 80_000)]
    # 15 + 40,000 / 80,000 x 31
    assert kpi.dso_countback(90_000, months) == pytest.approx(30.5)
    # within the first (partial) month: 20,000 / 50,000 x 15
    assert kpi.dso_countback(20_000, months) == pytest.approx(6.0)


def test_countback_edges():
    months = [(30, 100.0), (31, 80.0)]
    assert kpi.dso_countback(500.0, months) == 61  # AR older than the sales history
    assert kpi.dso_countback(0.0, months) == 0.0
    assert kpi.dso_countback(-10.0, months) == 0.0
    assert kpi.dso_countback(100.0, months) == pytest.approx(30.0)  # exactly the first month
    assert kpi.dso_countback(150.0, [(30, 0.0), (31, 100.0)]) == 61  # no sales: whole month
    assert kpi.dso_countback(50.0, []) is None


def test_dso_standard():
    assert kpi.dso_standard(50_000, 150_000, 90) == pytest.approx(30.0)
    assert kpi.dso_standard(50_000, 0, 90) is None


def test_cei_hand_example():
    # (100 + 50 - 60) / (100 + 50 - 20) x 100
    assert kpi.cei(100, 50, 60, 20) == pytest.approx(69.2308, abs=1e-4)
    assert kpi.cei(100, 50, 20, 20) == pytest.approx(100.0)
    assert kpi.cei(0, 0, 0, 0) is None


def test_weighted_delay_counts_amounts():
    # (100 x 10 + 300 x -2) / 400
    assert kpi.weighted_delay([(100, 10), (300, -2)]) == pytest.approx(1.0)
    assert kpi.weighted_delay([]) is None


def test_aging_fills_every_bucket():
    result = kpi.aging([(100, -3), (50, 0), (20, 1), (30, 45), (40, 75), (60, 91), (5, 30)])
    assert result == {"not_due": 150, "1_30": 25, "31_60": 30, "61_90": 40, "over_90": 60}
    assert kpi.aging([]) == dict.fromkeys(aging.BUCKETS, 0.0)


def test_aging_keys_are_the_public_kpi_keys():
    # the keys of cobranza.kpi.compute(...)["aging"] and of the fields aging_<key>
    assert list(kpi.aging([(10, 200)])) == ["not_due", "1_30", "31_60", "61_90", "over_90"]


def test_change():
    assert kpi.change(120, 100) == pytest.approx(20.0)
    assert kpi.change(-50, -100) == pytest.approx(50.0)
    assert kpi.change(10, 0) is None
    assert kpi.change(None, 5) is None
    assert kpi.change(5, None) is None


def test_ratio_and_percent():
    assert kpi.ratio(1, 4) == 0.25
    assert kpi.ratio(1, 0) is None
    assert kpi.percent(1, 4) == 25.0
    assert kpi.percent(1, 0) is None


def test_period_ends_weeks_end_on_sunday():
    wednesday = date(2025, 6, 18)
    assert kpi.period_ends("week", wednesday, 3) == [date(2025, 6, 8), date(2025, 6, 15), wednesday]
    sunday = date(2025, 6, 15)
    assert kpi.period_ends("week", sunday, 2) == [date(2025, 6, 8), sunday]


def test_period_ends_months_and_quarters():
    assert kpi.period_ends("month", date(2025, 3, 10), 3) == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 10)]
    assert kpi.period_ends("quarter", date(2025, 5, 20), 3) == [
        date(2024, 12, 31), date(2025, 3, 31), date(2025, 5, 20)]
    assert kpi.period_ends("month", date(2025, 3, 10), 1) == [date(2025, 3, 10)]
    with pytest.raises(ValueError):
        kpi.period_ends("year", date(2025, 3, 10), 2)


def test_the_default_period_is_always_thirty_whole_days():
    second = date(2025, 3, 2)  # the 2nd of a month is not two days against a whole month
    assert kpi.PERIOD_KINDS[0] == "last_30"
    assert kpi.period_start("last_30", second) == date(2025, 2, 1)
    ends = kpi.period_ends("last_30", second, 3)
    assert ends == [date(2025, 1, 1), date(2025, 1, 31), second]
    starts = [kpi.period_start("last_30", end) for end in ends]
    assert all((end - start).days == 29 for start, end in zip(starts, ends))
    assert all(starts[i + 1] == ends[i] + timedelta(days=1) for i in range(2)), "back to back"


def test_period_start():
    assert kpi.period_start("week", date(2025, 6, 15)) == date(2025, 6, 9)  # Sunday -> Monday
    assert kpi.period_start("week", date(2025, 6, 9)) == date(2025, 6, 9)
    assert kpi.period_start("month", date(2025, 2, 28)) == date(2025, 2, 1)
    assert kpi.period_start("quarter", date(2025, 5, 20)) == date(2025, 4, 1)
    assert kpi.period_start("quarter", date(2025, 12, 31)) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        kpi.period_start("year", date(2025, 1, 1))


def test_month_days():
    assert kpi.month_days(date(2024, 2, 10)) == 29
    assert kpi.month_days(date(2025, 2, 10)) == 28


@given(st.sampled_from(kpi.PERIOD_KINDS), st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(1, 12))
def test_period_ends_are_increasing_and_start_their_period(kind, date_to, count):
    ends = kpi.period_ends(kind, date_to, count)
    assert len(ends) == count and ends[-1] == date_to
    assert ends == sorted(set(ends))
    for previous, end in zip(ends, ends[1:]):
        assert kpi.period_start(kind, end) == previous + timedelta(days=1)


amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False)
month_lists = st.lists(st.tuples(st.integers(1, 31), st.floats(-1e6, 1e9, allow_nan=False)), min_size=1, max_size=12)


@given(st.floats(-1e9, 1e10, allow_nan=False), month_lists)
def test_countback_is_never_negative(ar_end, months):
    assert kpi.dso_countback(ar_end, months) >= 0


@given(amounts, amounts, month_lists)
def test_countback_grows_with_the_ar(first, second, months):
    low, high = sorted((first, second))
    assert kpi.dso_countback(low, months) <= kpi.dso_countback(high, months) + 1e-9


@given(amounts, amounts, amounts, amounts)
def test_cei_at_most_100(opening, sales, closing, current):
    closing, current = max(closing, current), min(closing, current)
    assume(opening + sales - current > 0)
    assert kpi.cei(opening, sales, closing, current) <= 100.0 + 1e-9


@given(st.lists(st.tuples(st.floats(0, 1e9, allow_nan=False), st.integers(-100, 1000))))
def test_aging_sums_to_the_total(items):
    total = sum(amount for amount, _days in items)
    assert sum(kpi.aging(items).values()) == pytest.approx(total)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_month_days_to_is_the_length_of_each_count_back_month(date_to):
    # what a snapshot keeps (each month by its first day) gives the count-back's spans again
    for start, end in kpi.countback_months(date_to, 24):
        assert kpi.month_days_to(start, date_to) == (end - start).days + 1
