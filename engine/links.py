"""Signed, expiring links that let a customer without a portal login see and pay exactly
what a reminder is about. Pure functions; the signature function (an HMAC keyed with the
database secret) is given by the Odoo adapter.

A token reads ``<kind>.<partner id>.<ids>.<expiry>.<signature>``, e.g.
``m.42.7-9.1767225600.3f2a…``: kind ``m`` (invoices) or ``p`` (a payment plan), the
customer, the record ids joined by ``-``, the expiry as a UNIX timestamp (UTC).
Only digits, letters, dots and hyphens: it fits in a URL path and an SMS.
"""

import hmac
from dataclasses import dataclass
from typing import Callable, Tuple

KINDS = ("m", "p")


class LinkError(ValueError):
    """`code`: ``malformed`` / ``tampered`` / ``expired``."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Link:
    kind: str
    partner_id: int
    ids: Tuple[int, ...]
    expires: int


def _payload(kind, partner_id, ids, expires):
    """The signed text: ids in ascending order, once each (one spelling per link)."""
    return f"{kind}.{partner_id}.{'-'.join(str(i) for i in sorted(set(ids)))}.{expires}"


def encode(kind: str, partner_id: int, ids, expires: int, sign: Callable[[str], str]) -> str:
    """The token for `ids` of `kind` of customer `partner_id`, valid until `expires`."""
    ids = {int(i) for i in ids}
    if kind not in KINDS or not ids or partner_id <= 0 or any(i <= 0 for i in ids):
        raise LinkError("malformed")
    payload = _payload(kind, int(partner_id), ids, int(expires))
    return f"{payload}.{sign(payload)}"


def decode(token: str, sign: Callable[[str], str], now: int) -> Link:
    """The link a token grants, or LinkError. The signature is checked before the expiry,
    so only a genuine token is ever reported as expired."""
    parts = (token or "").split(".")
    if len(parts) != 5:
        raise LinkError("malformed")
    kind, partner, ids, expires, signature = parts
    try:
        link = Link(kind, int(partner), tuple(int(i) for i in ids.split("-")), int(expires))
    except ValueError:
        raise LinkError("malformed") from None
    payload = _payload(link.kind, link.partner_id, link.ids, link.expires)
    if kind not in KINDS or ".".join(parts[:4]) != payload:
        raise LinkError("malformed")
    expected = sign(payload)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise LinkError("tampered")
    if now >= link.expires:
        raise LinkError("expired")
    return link
