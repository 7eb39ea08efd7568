"""The interpretation of customers' replies (engine.replies): rules, bad input, and the
accuracy on the labelled sets of tests/engine/data (the README shows the table)."""
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bench import replies_speed
from engine import replies

DATA = Path(__file__).parent / "data"
LANGS = {"CL": "es_CL", "MX": "es_MX", "CO": "es_CO", "PE": "es_PE", "AR": "es_AR", "US": "en_US"}
TARGETS = {"promise": 0.9, "paid": 0.9, "dispute": 0.9, "optout": 0.9}  # precision, both sets
# The development set (the rules were written on it): every intent read back at 0.9 or more.
DEVELOPMENT = {"precision": dict.fromkeys(replies.INTENTS, 0.9), "recall": dict.fromkeys(replies.INTENTS, 0.9),
               "reasons": 0.9}
# The held-out set (added after the rules): these floors describe the figures it reaches, less
# about one reply of margin. They were not tuned: its rows were not read, and no rule was
# written or changed on them; a better reading should raise them.
HELD_OUT = {
    "precision": {"promise": 0.9, "paid": 0.9, "dispute": 0.9, "plan": 0.9, "callback": 0.83, "optout": 0.9,
                  "other": 0.44},
    "recall": {"promise": 0.92, "paid": 0.88, "dispute": 0.68, "plan": 0.86, "callback": 0.6, "optout": 0.8,
               "other": 0.93},
    "reasons": 0.68,
}
# The fresh set (replies_fresh.jsonl, 360 replies: two sets of 180, f-* and g-*, by two other
# authors): written after the rules were frozen (engine/replies.py as of 82cb6e9), without
# reading the engine, its tests or the other sets; no rule was written or changed after it.
# These floors describe what it reaches, less about one reply of margin: the honest figure of
# the reading (see the README).
FRESH = {
    "precision": {"promise": 0.96, "paid": 0.92, "dispute": 0.95, "plan": 0.95, "callback": 0.93, "optout": 0.95,
                  "other": 0.37},
    "recall": {"promise": 0.83, "paid": 0.82, "dispute": 0.59, "plan": 0.86, "callback": 0.72, "optout": 0.72,
               "other": 0.95},
    "reasons": 0.5,
    "dates": 0.8,
}
TUESDAY = date(2026, 11, 24)


def read(text, today=TUESDAY, lang="es_CL", **kw):
    return replies.interpret(text, today, lang, **kw)


def accuracy(name):
    """Precision and recall per intent, share of exact promised dates and of exact amounts."""
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    hits, proposed, labelled = Counter(), Counter(), Counter()
    dated = exact = amounts = exact_amounts = reasons = exact_reasons = 0
    for row in rows:
        got = replies.interpret(row["text"], date.fromisoformat(row["date"]), LANGS[row["country"]],
                                channel=row["channel"])
        proposed[got.intent] += 1
        labelled[row["intent"]] += 1
        hits[row["intent"]] += got.intent == row["intent"]
        if row["intent"] == "promise" and row["promised_date"]:
            dated += 1
            exact += got.intent == "promise" and str(got.date) == row["promised_date"]
        if row["intent"] == "dispute":
            reasons += 1
            exact_reasons += got.reason == row["reason"]
        if row.get("amount") and row["intent"] in ("promise", "paid"):
            amounts += 1
            exact_amounts += got.amount is not None and abs(got.amount - row["amount"]) < 0.01
    # an intent never proposed has no correct proposal: precision 0 when replies carry it;
    # an intent neither labelled nor proposed is not measured (None)
    table = {intent: {
        "n": labelled[intent],
        "precision": hits[intent] / proposed[intent] if proposed[intent] else (0.0 if labelled[intent] else None),
        "recall": hits[intent] / labelled[intent] if labelled[intent] else None,
    } for intent in replies.INTENTS}
    return rows, table, {"dates": exact / dated, "dated": dated, "reasons": exact_reasons / reasons,
                         "amounts": exact_amounts / amounts if amounts else 1.0}


def print_table(name, rows, table, shares):
    print(f"\n{name}: {len(rows)} replies")
    print("| intent | replies | precision | recall |\n|---|---|---|---|")
    for intent, row in table.items():
        figures = ["—" if row[key] is None else f"{row[key]:.2f}" for key in ("precision", "recall")]
        print(f"| {intent} | {row['n']} | {figures[0]} | {figures[1]} |")
    print(f"exact promised dates {shares['dates']:.0%} of {shares['dated']}; dispute reasons "
          f"{shares['reasons']:.0%}; amounts of promises and payments {shares['amounts']:.0%}")


@pytest.mark.parametrize("name, targets, size", [
    ("replies_labelled.jsonl", DEVELOPMENT, 300), ("replies_heldout.jsonl", HELD_OUT, 150),
    ("replies_fresh.jsonl", FRESH, 360)])
def test_labelled_replies_meet_the_targets(name, targets, size):
    rows, table, shares = accuracy(name)
    print_table(name, rows, table, shares)
    assert len(rows) >= size
    for intent, target in TARGETS.items():
        assert table[intent]["precision"] >= target, (intent, table[intent])
    for measure in ("precision", "recall"):
        for intent, target in targets[measure].items():
            assert table[intent][measure] is not None and table[intent][measure] >= target, (intent, measure, table[intent])
    assert shares["reasons"] >= targets["reasons"], shares
    assert shares["dates"] >= targets.get("dates", 0.9), shares


def test_an_intent_never_proposed_has_no_precision(monkeypatch):
    monkeypatch.setattr(replies, "interpret", lambda *args, **kw: replies.Reading(intent="other"))
    _rows, table, _shares = accuracy("replies_labelled.jsonl")
    assert table["promise"]["precision"] == 0.0 and table["promise"]["recall"] == 0.0
    assert table["other"]["recall"] == 1.0


# ---------------------------------------------------------------------- dates
@pytest.mark.parametrize("text, expected", [
    ("le pago el viernes", date(2026, 11, 27)),
    ("el martes le transfiero", date(2026, 12, 1)),          # today is Tuesday: next week's
    ("el lunes que viene deposito", date(2026, 11, 30)),
    ("el próximo lunes te pago", date(2026, 11, 30)),
    ("mañana le pago", date(2026, 11, 25)),
    ("pasado mañana les deposito", date(2026, 11, 26)),
    ("en 15 días pago", date(2026, 12, 9)),
    ("transfiero el 30", date(2026, 11, 30)),
    ("le pago el 10", date(2026, 12, 10)),                    # the 10th is behind: December's
    ("a fin de mes cancelo", date(2026, 11, 30)),
    ("la próxima quincena le pago", date(2026, 11, 30)),
    ("le pago el 5 de diciembre", date(2026, 12, 5)),
    ("pago el 5/12", date(2026, 12, 5)),                      # day first
    ("le pago el 3 de enero", date(2027, 1, 3)),
    ("hoy no puedo, mañana le transfiero", date(2026, 11, 25)),
    ("I'll pay on Friday", date(2026, 11, 27)),
    ("we will pay by the 30th", date(2026, 11, 30)),
])
def test_promised_dates_resolve_against_the_message_date(text, expected):
    reading = read(text)
    assert reading.intent == "promise"
    assert reading.date == expected


def test_a_fortnight_before_the_15th_is_the_15th():
    assert read("le pago en la quincena", today=date(2026, 11, 3)).date == date(2026, 11, 15)


def test_a_past_date_is_a_claim_not_a_promise():
    reading = read("le pagué el lunes")
    assert reading.intent == "paid"
    assert reading.date == date(2026, 11, 23)


def test_an_impossible_date_is_said_and_not_proposed():
    reading = read("le pago el 31 de febrero")
    assert reading.intent == "promise"
    assert reading.date is None
    assert ("impossible_date", "31 de febrero") in reading.notes


# ---------------------------------------------------------------------- values
@pytest.mark.parametrize("text, lang, amount, currency", [
    ("te transfiero $150.000 el viernes", "es_CL", 150000, None),
    ("pago 150 mil mañana", "es_CO", 150000, None),
    ("I will pay 1,200.50 USD tomorrow", "en_US", 1200.5, "USD"),
    ("le deposito $15,000.00 el viernes", "es_MX", 15000, None),
    ("abono S/ 2,350.00 mañana", "es_PE", 2350, "PEN"),
    ("le pago $ 85.500,50 el lunes", "es_AR", 85500.5, None),
    ("te paso 20 lucas el viernes", "es_CL", 20000, "CLP"),
])
def test_amounts_in_the_customers_format(text, lang, amount, currency):
    reading = read(text, lang=lang)
    assert reading.amount == pytest.approx(amount)
    assert reading.currency == currency


def test_invoice_numbers_named_in_the_text():
    assert read("la factura INV/2026/00123 llegó dañada").invoice_refs == ("INV/2026/00123",)
    assert "F001-00458" in read("pago la F001-00458 el viernes").invoice_refs
    assert "3321" in read("la factura N° 3321 se paga el lunes").invoice_refs


@pytest.mark.parametrize("text, refs", [
    # folios and document numbers, as Latin-American documents are named
    ("le pago la factura 12 el viernes", ("12",)),
    ("el folio 12 lo pago mañana", ("12",)),
    ("la Factura Electrónica N° 000123 está pagada", ("000123",)),
    ("FAC 000123 la pago el lunes", ("FAC000123",)),
    ("la F-1234 se paga mañana", ("F-1234",)),
    ("pago la factura 00001-00000012 el viernes", ("00001-00000012",)),
    ("pago la FA-A 00001-00000012 el viernes", ("FA-A00001-00000012",)),
    # not a folio: a date, a term, an amount, a phone number
    ("le pago la factura 15 de marzo", ()),
    ("la factura 30 días vence hoy", ()),
    ("la factura 12.500 la pago el lunes", ()),
    ("llámeme al 011 4567-8901 o al 0800 555 1234", ()),
])
def test_folios_named_in_the_text(text, refs):
    assert read(text, lang="es_CL").invoice_refs == refs


@pytest.mark.parametrize("text, reason", [
    ("no recibí la factura", "not_received"),
    ("el monto está mal", "wrong_amount"),
    ("llegó todo dañado", "quality"),
    ("esa factura no es nuestra", "other"),
])
def test_dispute_reasons(text, reason):
    reading = read(text)
    assert (reading.intent, reading.reason) == ("dispute", reason)


def test_plan_installments():
    reading = read("¿puedo pagar en 3 cuotas?")
    assert (reading.intent, reading.installments) == ("plan", 3)


def test_optout_names_the_channel_and_a_preference_is_a_callback():
    assert read("no me escriban más", channel="email").optout == ("email",)
    assert read("dejen de mandarme whatsapp", channel="email").optout == ("whatsapp",)
    reading = read("no me llamen, escríbanme por correo", channel="whatsapp")
    assert (reading.intent, reading.channel, reading.optout) == ("callback", "email", ("call",))
    # a promise that also refuses calls: the promise, and the refusal kept
    reading = read("el viernes les pago, no me llamen más")
    assert (reading.intent, reading.optout) == ("promise", ("call",))


# ---------------------------------------------------------------------- bad input
def test_empty_huge_and_unknown_messages():
    assert read("").intent == "other" and ("empty", "") in read("").notes
    assert read("", has_attachments=True).intent == "paid"  # only a file: most often a receipt
    huge = "le pago el viernes. " + "bla " * 40000
    reading = read(huge)
    assert reading.intent == "promise" and reading.notes[0][0] == "truncated"
    unknown = read("Obrigado, vou pagar amanhã")
    assert unknown.intent == "other" and ("unknown_language", "") in unknown.notes


def test_an_amount_split_over_lines_reads_without_error():
    assert read("le pago $1\n000\n000 el viernes").amount == 1_000_000


# ---------------------------------------------------------------------- linear reading
def _reading_steps(text):
    """The Python steps (calls, lines, returns: ``sys.settrace`` events) one reading of
    `text` takes: a count, the same on any machine and under any load."""
    count = 0

    def tracer(_frame, _event, _arg):
        nonlocal count
        count += 1
        return tracer

    sys.settrace(tracer)
    try:
        replies.interpret(text, replies_speed.TODAY, "es_CL")
    finally:
        sys.settrace(None)
    return count


def test_reading_work_is_linear_in_the_length_of_the_text():
    """Every adversarial text of bench/replies_speed.py (one word said again and again,
    thousands of dates, quotes within quotes...) reads at 50 KB in less than 20 times the
    steps of its 5 KB reading (a linear reading: about 10 times; a reading trying its rules at
    every position of every match: about 100). Counted, not timed: speed lives in the
    benchmark, where ``make bench`` times the worst 100 KB reading against a 1 KB one (the
    regular expressions' own work, inside each step, shows there)."""
    small, large = replies_speed.adversarial(5 * 1024), replies_speed.adversarial(50 * 1024)
    steps = {name: (_reading_steps(text), _reading_steps(large[name])) for name, text in small.items()}
    slow = {name: pair for name, pair in steps.items() if pair[1] > 20 * max(pair[0], 50)}
    assert not slow, f"readings not linear (steps at 5 KB, at 50 KB): {slow}"
