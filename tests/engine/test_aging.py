import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import aging


def test_bucket_edges():
    assert aging.bucket(-5) == "not_due"
    assert aging.bucket(0) == "not_due"
    assert aging.bucket(1) == "1_30"
    assert aging.bucket(30) == "1_30"
    assert aging.bucket(31) == "31_60"
    assert aging.bucket(60) == "31_60"
    assert aging.bucket(61) == "61_90"
    assert aging.bucket(90) == "61_90"
    assert aging.bucket(91) == "over_90"
    assert aging.bucket(10_000) == "over_90"


def test_definition():
    assert aging.BUCKETS == ("not_due", "1_30", "31_60", "61_90", "over_90")
    assert aging.bucket_bounds("not_due") == (None, 0)
    assert aging.bucket_bounds("31_60") == (31, 60)
    assert aging.bucket_bounds("over_90") == (91, None)
    assert [code for code, _label in aging.CHOICES] == list(aging.BUCKETS)
    assert set(aging.LABELS) == set(aging.BUCKETS)
    with pytest.raises(ValueError):
        aging.bucket_bounds("90_plus")


def test_buckets_follow_each_other():
    # every day overdue falls in exactly one bucket: each starts the day after the previous ends
    for previous, code in zip(aging.BUCKETS, aging.BUCKETS[1:]):
        assert aging.bucket_bounds(code)[0] == aging.bucket_bounds(previous)[1] + 1


@given(st.integers(min_value=-1000, max_value=5000))
def test_bucket_matches_its_bounds(days):
    first, last = aging.bucket_bounds(aging.bucket(days))
    assert first is None or days >= first
    assert last is None or days <= last


@given(st.integers(min_value=-1000, max_value=5000), st.integers(min_value=0, max_value=500))
def test_buckets_are_monotone(days, more):
    order = aging.BUCKETS.index
    assert order(aging.bucket(days)) <= order(aging.bucket(days + more))
