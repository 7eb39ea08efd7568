"""Which message channels a level uses for a customer, and in which order to fall back.

A level ticks some of the message channels (email, SMS, WhatsApp) and says how to use them:
every ticked channel (``fixed``), or a single message on the customer's preferred channel
(``preferred``) or on the channel that works best for the customer's segment (``best``),
the others following the level's fallback order. Pure functions, no Odoo import.
"""

# How a contact reaches the customer (also the values of the Odoo selection field).
CHANNELS = ("email", "sms", "whatsapp", "call", "letter", "visit", "other")
MESSAGE_CHANNELS = ("email", "sms", "whatsapp")
# What the dispatcher does with a planned contact: one executor each (also the values of
# the Odoo selection field; empty for a contact a person made).
ACTIONS = ("email", "sms", "whatsapp", "activity", "letter", "fee", "legal")
# How far a message went after its executor (also the values of the Odoo selection field).
DELIVERY_STATUSES = ("sending", "queued", "retrying", "sent", "delivered", "read", "failed")
DEFAULT_FALLBACK = ("whatsapp", "sms", "email")
MODES = ("fixed", "preferred", "best")

# Why a contact goes through its channel (also the values of the Odoo selection field).
REASONS = ("level", "preferred", "best", "fallback", "person", "notice")


def fallback_order(text):
    """The level's fallback order ("whatsapp,sms,email"), completed with the default one."""
    order = [c.strip() for c in (text or "").split(",") if c.strip() in MESSAGE_CHANNELS]
    order = list(dict.fromkeys(order))
    return order + [c for c in DEFAULT_FALLBACK if c not in order]


def chains(mode, ticked, possible, preferred=None, best=None):
    """The chains of channels to try, each a channel then its fallbacks, with the reason
    of the first one: ``[(reason, [channel, fallback, ...]), ...]``.

    `ticked`: the level's message channels; `possible`: the channels the level can send,
    in fallback order (a template exists, WhatsApp is configured); `preferred` / `best`:
    the customer's preferred channel and its segment's best one, if any.

    * fixed: one chain per ticked channel; only WhatsApp (a paid service that may refuse a
      template) falls back, to the other possible channels;
    * preferred / best: a single chain that starts with that channel when it is possible,
      then the ticked channels, then the other possible ones.
    """
    if mode == "fixed":
        return [("level", [channel] + ([c for c in possible if c != channel] if channel == "whatsapp" else []))
                for channel in ticked]
    first = best if mode == "best" and best in possible else preferred if preferred in possible else None
    reason = "best" if first and first == best and mode == "best" else "preferred" if first else "level"
    head = [first] if first else []
    rest = [c for c in possible if c in ticked and c not in head] + [c for c in possible if c not in ticked and c not in head]
    chain = head + rest
    return [(reason, chain)] if chain else []
