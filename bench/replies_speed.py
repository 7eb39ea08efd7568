"""How long engine.replies takes to read adversarial answers, up to its 100 KB cap.

    python3 bench/replies_speed.py                 # 10 KB and 100 KB, and their ratio
    python3 bench/replies_speed.py 1024 102400     # other sizes (characters)

``adversarial(size)`` builds each hostile text at exactly ``size`` characters (one word said
again and again, one line without spaces, thousands of dates, amounts or invoice numbers,
quotes within quotes, mail headers...); ``time_reading(text)`` times one reading;
``worst(size)`` is the slowest of them, which ``make bench`` reports at 100 KB. A reading in
linear time takes about ten times longer at 100 KB than at 10 KB. Pure Python, no Odoo.
"""
import sys
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root is where engine is
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:  # a module of the addon (odoo.addons.account_cobranza.bench, as make bench imports it)
    from ..engine import replies
except ImportError:  # bench.replies_speed with the repository root on sys.path, or the script
    from engine import replies

TODAY = date(2026, 11, 24)
PARAGRAPH = (
    "Hola, buenas tardes. Les escribo por la factura F001-00458 de $150.000: ya hablé con "
    "contabilidad y la transferencia sale el viernes 15 de diciembre sin falta; si no les llega, "
    "me llaman al +56 9 1234 5678 o me escriben por wsp. Disculpen la demora, gracias. Juan\n")
# every rule's words at once: no pattern is skipped for want of its words
EVERYTHING = (
    "Hola, ya pagué la factura F001-00458 de $150.000 ayer, hace 2 días; mañana, pasado mañana o el "
    "viernes 15 de diciembre les transfiero el resto, a fin de mes, a mediados de mes, en la quincena, "
    "el 5/12, en 3 cuotas. No recibí la mercadería, llegó dañada y el monto está mal, no es nuestra. "
    "No me llamen, escríbanme por correo a juan@cliente.cl o al +56 9 1234 5678 después de las 3; no "
    "quiero recibir más mensajes. I will pay next Friday, paid 2 days ago, tomorrow, end of month, "
    "in 3 installments; call me. ¿Me reenvían la factura N° 3321? Sin factura, reenvíen. Dec 5, 2026\n")
OUTLOOK = (
    "________________________________\n"
    "De: Cobranza Empresa [mailto:cobranza@empresa.cl]\n"
    "Enviado: lunes, 30 de noviembre de 2026 10:15\n"
    "Para: Juan Pérez <juan@cliente.cl>\n"
    "Asunto: Recordatorio de pago factura F001-00458\n\n"
    "Estimado cliente, le recordamos que su factura vence el 30/11/2026. Si usted ya realizó "
    "el pago, por favor ignore este mensaje.\n\n")
# name -> the unit said again and again until the text has the size asked for
REPEATED = {
    "hoy": "hoy ",
    "pago": "pago ",
    "el": "el ",
    "de": "de ",
    "no": "no ",
    "que": "que ",
    "hoy newlines": "hoy\n",
    "short date": "el 5/12 ",
    "long date": "el viernes 15 de diciembre ",
    "day month year": "5 de diciembre de 2026 ",
    "weekday day": "viernes 5 ",
    "amounts": "$150.000 ",
    "thousands": "123 456 ",
    "invoices": "F001-00458 ",
    "invoice numbers": "factura N° 3321 ",
    "accents": "mañana señor acción pagó ",
    "whatsapp shorthand": "xfa q mñn wsp ",
    "paragraph": PARAGRAPH,
    "everything": EVERYTHING,
    "a": "a ",
    "y": "y ",
    "digit words": "1 ",
    "answer then outlook": "Le pago el viernes.\n\n" + OUTLOOK,
    "outlook headers": OUTLOOK,
    "nested quotes": "> > > > > hola\n",
    "quote marks": ">>>>> hola\n",
    "de lines": "De: acuerdo, pago el viernes\n",
    "from lines": "From: accounts payable\nre: invoice\n",
    "attribution-like": "el lunes a las 10:15 cobranza escribi\n",
    "underscores": "_____ hola ",
    "dashes": "-- pago ",
    "sin factura": "sin factura ",
    "monto": "monto ",
    "servicio": "el servicio ",
    "llego": "llego ",
    "hice": "hice ",
    "ya pague": "ya pague ",
    "que pague": "que me paguen ",
    "orden": "orden ",
    "comunicacion": "comunicacion ",
    "phone digits": "1 2 ",
    "emails": "a@b.cl ",
    "call me": "call me ",
    "no me llamen": "no me llamen ",
    "i will pay": "I will pay on Friday ",
    "punctuation": "!?., ",
    "spaces": " \t",
}


def _fill(unit, size):
    return (unit * (size // len(unit) + 1))[:size]


def _long_line(size):
    return _fill("pagoelviernes", size)


def _digits(size):
    return _fill("1234567890", size)


def _letters(size):
    return "a" * size


def _word_then(word, space, last="x"):
    """``word``, then ``space`` up to the last character, ``last``."""
    def build(size):
        return (word + space * size)[:size - len(last)] + last
    return build


def _sin_factura(size):
    end = " reenvíen"
    return _fill("sin factura ", size - len(end)) + end


def _answer_then_quote(size):
    answer = "Le pago el viernes.\n\n"
    return answer + _fill("> Estimado cliente, si ya pagó, ignore este mensaje.\n", size - len(answer))


BUILT = {
    "long line": _long_line,
    "digits": _digits,
    "one letter": _letters,
    "factura then spaces": _word_then("factura", " ", "1234"),
    "factura then newlines": _word_then("factura", "\n", "1234"),
    "5 then newlines": _word_then("pago el 5", "\n", "de diciembre"),
    "de: then spaces": _word_then("De:", " "),
    "sin factura then reenvien": _sin_factura,
    "comunicacion then digits": _word_then("comunicacion ", "1 ", "x"),
    "answer then quote": _answer_then_quote,
}


def adversarial(size):
    """``{name: text}``: every adversarial text, each exactly ``size`` characters long."""
    texts = {name: _fill(unit, size) for name, unit in REPEATED.items()}
    texts.update((name, build(size)) for name, build in BUILT.items())
    assert all(len(text) == size for text in texts.values()), "a text of the wrong size"
    return texts


def ordinary(size=1024):
    """An ordinary answer (a customer's paragraph said again) of ``size`` characters: what the
    adversarial ones are compared with."""
    return _fill(PARAGRAPH, size)


def time_reading(text, lang="es_CL", today=TODAY):
    """Seconds one reading of ``text`` takes."""
    start = time.perf_counter()
    replies.interpret(text, today, lang)
    return time.perf_counter() - start


def worst(size, repeat=1):
    """``(name, seconds)``: the slowest adversarial text at ``size`` characters (the best of
    ``repeat`` timings of each)."""
    timings = {name: min(time_reading(text) for _i in range(repeat))
               for name, text in adversarial(size).items()}
    name = max(timings, key=timings.get)
    return name, timings[name]


def main(argv):
    sizes = [int(arg) for arg in argv] or [10 * 1024, 100 * 1024]
    texts = {size: adversarial(size) for size in sizes}
    header = ["text"] + [f"{size / 1024:g} KB (s)" for size in sizes]
    if len(sizes) > 1:
        header.append(f"ratio {sizes[-1] / 1024:g}/{sizes[0] / 1024:g} KB")
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    worst_row = None
    for name in texts[sizes[0]]:
        timings = [min(time_reading(texts[size][name]) for _i in range(3)) for size in sizes]
        row = [name] + [f"{seconds:.4f}" for seconds in timings]
        if len(sizes) > 1:
            row.append(f"{timings[-1] / max(timings[0], 1e-9):.1f}")
        print("| " + " | ".join(row) + " |", flush=True)
        if worst_row is None or timings[-1] > worst_row[1]:
            worst_row = (name, timings[-1])
    print(f"\nworst at {sizes[-1] / 1024:g} KB: {worst_row[0]} in {worst_row[1]:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
