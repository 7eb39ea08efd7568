import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import links


def sign(payload, key=b"secret"):
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def test_round_trip():
    token = links.encode("m", 42, [9, 7, 9], 2000, sign)
    assert token.startswith("m.42.7-9.2000.")
    assert links.decode(token, sign, now=1999) == links.Link("m", 42, (7, 9), 2000)


def test_expired_at_the_second():
    token = links.encode("p", 1, [5], 2000, sign)
    with pytest.raises(links.LinkError) as error:
        links.decode(token, sign, now=2000)
    assert error.value.code == "expired"


@pytest.mark.parametrize("change", [
    lambda t: t.replace("m.42.", "m.43."),           # another customer
    lambda t: t.replace(".7-9.", ".7-8."),          # other invoices
    lambda t: t.replace(".7-9.", ".7-9-10."),       # one invoice more
    lambda t: t.replace(".2000.", ".99999."),       # a longer life
    lambda t: t.replace("m.", "p.", 1),             # another kind
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the signature itself
])
def test_any_change_is_tampering(change):
    token = links.encode("m", 42, [7, 9], 2000, sign)
    with pytest.raises(links.LinkError) as error:
        links.decode(change(token), sign, now=0)
    assert error.value.code == "tampered"


def test_other_key_is_tampering():
    token = links.encode("m", 42, [7], 2000, sign)
    with pytest.raises(links.LinkError) as error:
        links.decode(token, lambda p: sign(p, b"other"), now=0)
    assert error.value.code == "tampered"


@pytest.mark.parametrize("token", ["", "abc", "m.42..2000.x", "m.x.1.2000.s", "z.1.1.2000.s", "m.1.1.2000",
                                   "m.01.1.2000.s", "m.1.2-1.2000.s", "m.1.1-1.2000.s"])
def test_malformed(token):
    with pytest.raises(links.LinkError) as error:
        links.decode(token, sign, now=0)
    assert error.value.code == "malformed"


def test_refuses_to_sign_nothing():
    with pytest.raises(links.LinkError):
        links.encode("m", 42, [], 2000, sign)


@given(kind=st.sampled_from(links.KINDS), partner=st.integers(1, 10**9),
       ids=st.lists(st.integers(1, 10**9), min_size=1, max_size=30), expires=st.integers(1, 10**11))
def test_round_trip_property(kind, partner, ids, expires):
    token = links.encode(kind, partner, ids, expires, sign)
    assert all(c.isalnum() or c in ".-" for c in token)
    link = links.decode(token, sign, now=expires - 1)
    assert (link.kind, link.partner_id, set(link.ids)) == (kind, partner, set(ids))
