"""What a customer's answer repeats of the message it answers.

Mail clients quote the message they answer in their own ways; whatever they do, a line of
the answer that repeats a line of our own message is not the customer's: "if you have
already paid, please disregard this message" must never read as a payment. Pure Python.
"""
import re

MIN_LINE = 20  # shorter lines ("Gracias", "Saludos") are too common to be told apart
MAX_REFERENCE = 50_000  # characters of our message compared
_QUOTE_MARKS = re.compile(r"^[\s>|]+")
_SPACES = re.compile(r"\s+")


def _norm(line):
    return _SPACES.sub(" ", _QUOTE_MARKS.sub("", line)).strip().casefold()


def without_lines_of(text, reference):
    """`text` without the lines (of at least MIN_LINE characters, quote marks and spacing
    aside) that also stand in `reference`, wherever the client wrapped them. Linear in the
    length of `text` for a reference of bounded size."""
    if not text or not reference:
        return text or ""
    ours = _norm(" ".join(reference[:MAX_REFERENCE].splitlines()))
    kept = [line for line in text.splitlines() if len(norm := _norm(line)) < MIN_LINE or norm not in ours]
    return "\n".join(kept)
