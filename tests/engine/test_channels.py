from hypothesis import given
from hypothesis import strategies as st

from engine import channels


def test_fallback_order_is_completed_and_cleaned():
    assert channels.fallback_order("sms, email") == ["sms", "email", "whatsapp"]
    assert channels.fallback_order("") == ["whatsapp", "sms", "email"]
    assert channels.fallback_order("fax,sms,sms") == ["sms", "whatsapp", "email"]


def test_fixed_mode_sends_every_ticked_channel_and_only_whatsapp_falls_back():
    possible = ["whatsapp", "sms", "email"]
    assert channels.chains("fixed", ["email", "whatsapp"], possible) == [
        ("level", ["email"]), ("level", ["whatsapp", "sms", "email"])]


def test_preferred_then_ticked_then_the_others():
    possible = ["whatsapp", "sms", "email"]
    assert channels.chains("preferred", ["email", "sms"], possible, preferred="sms") == [
        ("preferred", ["sms", "email", "whatsapp"])]
    # a preferred channel the level cannot send is ignored
    assert channels.chains("preferred", ["email"], ["email"], preferred="whatsapp") == [("level", ["email"])]


def test_best_channel_until_known_is_the_preferred_one():
    possible = ["whatsapp", "sms", "email"]
    assert channels.chains("best", ["email"], possible, preferred="sms") == [("preferred", ["sms", "email", "whatsapp"])]
    assert channels.chains("best", ["email"], possible, preferred="sms", best="whatsapp") == [
        ("best", ["whatsapp", "email", "sms"])]


@given(st.sampled_from(channels.MODES),
       st.lists(st.sampled_from(channels.MESSAGE_CHANNELS), unique=True),
       st.permutations(channels.MESSAGE_CHANNELS), st.integers(0, 3),
       st.sampled_from((None,) + channels.MESSAGE_CHANNELS), st.sampled_from((None,) + channels.MESSAGE_CHANNELS))
def test_chains_never_repeat_a_channel_and_use_only_possible_ones(mode, ticked, order, cut, preferred, best):
    possible = list(order[cut:])
    for reason, chain in channels.chains(mode, ticked, possible, preferred, best):
        assert reason in channels.REASONS
        assert len(chain) == len(set(chain))
        assert set(chain[1:]) <= set(possible)
        if mode != "fixed":
            assert set(chain) <= set(possible)
