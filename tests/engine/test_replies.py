"""The interpretation of customers' replies (engine.replies): rules, bad input, and the
accuracy on the labelled sets of tests/engine/data (the README shows the table)."""
import json
import signal
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize("name", ["replies_labelled.jsonl", "replies_heldout.jsonl"])
def test_labelled_replies_meet_the_targets(name):
    rows, table, shares = accuracy(name)
    print_table(name, rows, table, shares)
    assert len(rows) >= (300 if name == "replies_labelled.jsonl" else 150)
    for intent, target in TARGETS.items():
        assert table[intent]["precision"] >= target, (intent, table[intent])
    targets = DEVELOPMENT if name == "replies_labelled.jsonl" else HELD_OUT
    for measure in ("precision", "recall"):
        for intent, target in targets[measure].items():
            assert table[intent][measure] is not None and table[intent][measure] >= target, (intent, measure, table[intent])
    assert shares["reasons"] >= targets["reasons"], shares
    assert shares["dates"] >= 0.9, shares


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


# ---------------------------------------------------------------------- speed
class _TooSlow(Exception):
    pass


def _reading_time(text, limit):
    """Seconds one reading takes; infinite when it would take more than ``limit`` (the
    reading is stopped there: a quadratic reading of 100 KB takes minutes)."""
    if not hasattr(signal, "setitimer"):
        return replies_speed.time_reading(text)

    def stop(_signum, _frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return replies_speed.time_reading(text)
    except _TooSlow:
        return float("inf")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_reading_time_is_linear_in_the_length_of_the_text():
    """Every adversarial text of bench/replies_speed.py (one word said again and again,
    thousands of dates, quotes within quotes...) reads at 100 KB in less than 20 times its
    10 KB reading (the best of 3 timings of each; a 100 KB reading under 5 ms passes, the
    clock's noise would decide)."""
    small, large = replies_speed.adversarial(10 * 1024), replies_speed.adversarial(100 * 1024)
    slow = {}
    for name, text in small.items():
        base = min(replies_speed.time_reading(text) for _i in range(3))
        limit = max(20 * base, 0.005)
        best = float("inf")
        for _i in range(3):
            best = min(best, _reading_time(large[name], 2 * limit + 1))
            if best < limit or best == float("inf"):  # (twice the limit and more: no noise)
                break
        if best >= limit:
            slow[name] = f"10 KB {base:.4f} s, 100 KB {best:.4f} s"
    assert not slow, "\n".join(f"{name}: {timings}" for name, timings in slow.items())


# ---------------------------------------------------------------------- quoting
REMINDER_ES = ("Estimado cliente:\nLe recordamos que su factura F001-00458 por $150.000 vence el 30/11/2026.\n"
               "Si ya pagó, ignore este mensaje. Si usted ya realizó el pago, por favor ignore este mensaje.\n"
               "Saludos,\nCobranza Empresa")
REMINDER_EN = ("Dear customer,\nThis is a reminder that invoice INV/2026/00123 for $1,500.00 is due on 11/30/2026.\n"
               "If you have already paid, please disregard this message.\nBest regards,\nCollections")


def _quoted(lines):
    return "\n".join("> " + line if line else ">" for line in lines.splitlines())


# each mail client's way to put the reminder under the answer ({quoted}: the reminder with its
# "> " marks, {plain}: without)
CLIENTS = {
    "gmail es": "El lun, 30 nov 2026 a las 10:15, Cobranza Empresa (<cobranza@empresa.cl>) escribió:\n\n{quoted}",
    "gmail es wrapped": "El lun, 30 nov 2026 a las 10:15, Cobranza Empresa <\ncobranza@empresa.cl> escribió:\n\n{plain}",
    "gmail es wrapped in three": "El lun, 30 nov 2026 a las 10:15,\nCobranza Empresa\n<cobranza@empresa.cl> escribió:\n{plain}",
    "gmail es short": "El 30/11/2026 10:15, Cobranza escribió:\n{plain}",
    "gmail en": "On Mon, Nov 30, 2026 at 10:15 AM Cobranza <cobranza@empresa.cl> wrote:\n\n{quoted}",
    "gmail en wrapped": "On Mon, Nov 30, 2026 at 10:15 AM Cobranza <cobranza@empresa.cl>\nwrote:\n\n{plain}",
    "outlook es": ("________________________________\nDe: Cobranza Empresa <cobranza@empresa.cl>\n"
                   "Enviado: lunes, 30 de noviembre de 2026 10:15\nPara: Juan Pérez <juan@cliente.cl>\n"
                   "Asunto: Recordatorio de pago\n\n{plain}"),
    "outlook es without underscores": ("De: Cobranza Empresa [mailto:cobranza@empresa.cl]\n"
                                       "Enviado el: lunes, 30 de noviembre de 2026 10:15\nPara: Juan Pérez\n"
                                       "CC: Contabilidad\nAsunto: Recordatorio de pago\n\n{plain}"),
    "outlook en": ("________________________________\nFrom: Cobranza Empresa <cobranza@empresa.cl>\n"
                   "Sent: Monday, November 30, 2026 10:15 AM\nTo: John Smith <john@customer.com>\n"
                   "Subject: Payment reminder\n\n{plain}"),
    "outlook en without underscores": ("From: Cobranza Empresa\nSent: Monday, November 30, 2026 10:15 AM\n"
                                       "To: John Smith\nSubject: Payment reminder\n\n{plain}"),
    "outlook web": ("*De:* Cobranza Empresa <cobranza@empresa.cl>\n*Enviado:* lunes, 30 de noviembre de 2026 10:15\n"
                    "*Para:* Juan Pérez <juan@cliente.cl>\n*Asunto:* Recordatorio de pago\n\n{plain}"),
    "outlook web spaced": ("From: Cobranza Empresa <cobranza@empresa.cl>\n\nSent: Monday, November 30, 2026 10:15 AM\n\n"
                           "To: John Smith <john@customer.com>\n\nSubject: Payment reminder\n\n{plain}"),
    "outlook mac": ("From: Cobranza Empresa <cobranza@empresa.cl>\nDate: Monday, 30 November 2026 at 10:15\n"
                    "To: John Smith <john@customer.com>\nSubject: Payment reminder\n\n{plain}"),
    "apple mail": "Enviado desde mi iPhone\n\n> El 30 nov 2026, a las 10:15, Cobranza <cobranza@empresa.cl> escribió:\n>\n{quoted}",
    "apple mail quoted": "{quoted}",
    "thunderbird": "El 30/11/26 a las 10:15, Cobranza escribió:\n{quoted}",
    "original message": "-----Original Message-----\nFrom: Cobranza\nSent: Monday, November 30, 2026 10:15 AM\n{plain}",
    "mensaje original": "-----Mensaje original-----\nDe: Cobranza\n{plain}",
    "forwarded": "---------- Forwarded message ---------\nFrom: Cobranza <cobranza@empresa.cl>\n{plain}",
    "reenviado": "---------- Mensaje reenviado ---------\nDe: Cobranza <cobranza@empresa.cl>\n{plain}",
    "signature": "-- \nJuan Pérez\nGerente de Finanzas\n{plain}",
    "signature without space": "--\nJuan Pérez\n{plain}",
    "sent from my iphone": "Sent from my iPhone\n\n{plain}",
    "outlook for ios": "Obtener Outlook para iOS\n{plain}",
    "outlook for android": "Get Outlook for Android\n{plain}",
    "sent from outlook": "Sent from Outlook\n{plain}",
}
ANSWERS = {
    "Gracias, lo reviso con contabilidad y les aviso": ("other", None),
    "Le pago el viernes": ("promise", date(2026, 11, 27)),
}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("reminder", [REMINDER_ES, REMINDER_EN], ids=["es", "en"])
@pytest.mark.parametrize("answer", ANSWERS)
def test_only_the_answer_is_read_whatever_the_client_quoted(client, reminder, answer):
    text = answer + "\n\n" + CLIENTS[client].format(quoted=_quoted(reminder), plain=reminder)
    assert replies.own_words(text) == answer
    reading = read(text)
    assert (reading.intent, reading.date) == ANSWERS[answer]
    assert reading == read(answer)


@pytest.mark.parametrize("reminder", [REMINDER_ES, REMINDER_EN], ids=["es", "en"])
@pytest.mark.parametrize("answer", ANSWERS)
def test_the_reminder_never_says_the_customer_paid(answer, reminder):
    """Quoted in a way no rule recognises, the reminder's words are still not the customer's:
    "if you have already paid, please disregard this message" is no payment."""
    reading = read(answer + "\n\n" + reminder)
    assert reading.intent == ANSWERS[answer][0]
    if ANSWERS[answer][1]:
        assert reading.date == ANSWERS[answer][1]
    for said in ("Si ya realizó el pago, muchas gracias, y por favor no considere este mensaje.",
                 "¿Ya pagó? Muchas gracias, por favor ignore este mensaje.",
                 "If you have already made the payment, thank you, and please disregard this message.",
                 "Already paid? Thank you, please ignore this message."):
        assert read(said).intent == "other"
    assert read("ya pagué, si ya lo vieron avísenme").intent == "paid"  # the customer's own claim stays


@pytest.mark.parametrize("text", [
    "De acuerdo, pago el viernes",
    "de acuerdo, pago el viernes\nEnviado el pago el lunes",
    "De: nada, gracias. Le pago el viernes\nSaludos",
    "El viernes le pago\nel contador escribió: que está todo bien",
    "On Friday I will pay\nto the account you sent",
])
def test_the_customers_own_words_that_look_like_quotes_are_kept(text):
    assert replies.own_words(text) == text


def test_quoted_reminder_is_not_read():
    text = "Les pago el viernes.\n\nEl lun, 23 nov 2026 a las 9:00, Cobranza escribió:\n> no recibimos su pago"
    reading = read(text)
    assert reading.intent == "promise" and reading.date == date(2026, 11, 27)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
       st.sampled_from([None, "es_CL", "es_MX", "en_US", "pt_BR"]))
def test_any_text_reads_without_error_and_promises_look_ahead(text, today, lang):
    reading = replies.interpret(text, today, lang)
    assert reading.intent in replies.INTENTS
    assert 0 <= reading.confidence <= 1
    if reading.intent == "promise" and reading.date:
        assert reading.date >= today
    if reading.intent == "dispute":
        assert reading.reason in replies.DISPUTE_REASONS


# ---------------------------------------------------------------------- automatic replies
def test_auto_replies_are_recognised():
    assert replies.is_auto_reply({"Auto-Submitted": "auto-replied"})
    assert replies.is_auto_reply({"X-Autoreply": "yes"})
    assert replies.is_auto_reply({}, "Respuesta automática: Fuera de la oficina")
    assert replies.is_auto_reply({}, "Out of Office: back on Monday")
    assert not replies.is_auto_reply({"Auto-Submitted": "no"}, "Re: Recordatorio de pago")
