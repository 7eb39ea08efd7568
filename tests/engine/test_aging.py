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
    assert aging.bucket(91) == "90_plus"


@given(st.integers(min_value=-1000, max_value=5000))
def test_bucket_matches_its_bounds(days):
    first, last = aging.bucket_bounds(aging.bucket(days))
    assert first is None or days >= first
    assert last is None or days <= last


@given(st.integers(min_value=-1000, max_value=5000), st.integers(min_value=0, max_value=500))
def test_buckets_are_monotone(days, more):
    order = aging.BUCKETS.index
    assert order(aging.bucket(days)) <= order(aging.bucket(days + more))
