"""What a customer's answer to a reminder says: an intent, a date, an amount, a reason.

Spanish first (Chile, Mexico, Colombia, Peru, Argentina: usted, tú and vos, without
accents, with typos and WhatsApp shorthand), then English. Rules of our own, no model and no
paid service: every rule is a regular expression on the normalised text, and the decision
between intents is a short, explicit order (see ``_decide``). Pure Python, no Odoo import.

``interpret(text, today, lang)`` returns a ``Reading``; ``today`` is the date the message was
written, in the customer's time zone, against which "el viernes" or "a fin de mes" resolve.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta

INTENTS = ("promise", "paid", "dispute", "plan", "callback", "optout", "other")
# the codes of cobranza.dispute's reason a reply can name
DISPUTE_REASONS = ("not_received", "wrong_amount", "quality", "other")
CHANNELS = ("email", "sms", "whatsapp", "call")
MAX_TEXT = 100 * 1024  # characters read: beyond, the message is cut (and says so)
# a promise without a date waits this long (what a collector would propose)
DEFAULT_PROMISE_DAYS = 7

# codes of the notes a reading carries (the Odoo side translates them)
NOTES = ("empty", "truncated", "unknown_language", "impossible_date", "past_date", "no_date")


@dataclass(frozen=True)
class Reading:
    intent: str = "other"
    confidence: float = 0.0
    date: date | None = None          # promised date (promise), date paid (paid), or None
    amount: float | None = None
    currency: str | None = None       # ISO code when the text names one
    reason: str | None = None         # dispute only
    channel: str | None = None        # the channel asked for (callback) or refused (optout)
    optout: tuple = ()                # channels the customer asks to stop, whatever the intent
    installments: int | None = None   # plan only, when the text says how many
    invoice_refs: tuple = ()          # what looks like an invoice number in the text
    language: str | None = None       # "es", "en" or None (not recognised)
    notes: tuple = ()                 # ((code, detail), ...)

    def as_dict(self):
        return asdict(self)


# ---------------------------------------------------------------------- matching
def _token_end(source, i):
    """Where the token of a regular expression's source that starts at ``i`` ends: an escape,
    a class ("[^a-z]"), else one character."""
    if source[i] == "\\":
        return i + 2
    if source[i] != "[":
        return i + 1
    i += 2 if source[i + 1:i + 2] == "^" else 1
    i += 1 if source[i:i + 1] == "]" else 0
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _alternatives(source):
    """The top-level alternatives of a regular expression's source."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(source):
        char = source[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i = _token_end(source, i)
    parts.append(source[start:])
    return parts


def _group_end(source, start):
    """The index of the parenthesis closing the group opened at ``start``."""
    depth, i = 0, start
    while i < len(source):
        if source[i] == "(":
            depth += 1
        elif source[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i = _token_end(source, i)
    raise ValueError(source)


def _letter_first(alternative, depth=3):
    """``(?:a|b)c`` as ``ac|bc`` and ``(?:a|b)?c`` as ``ac|bc|c`` (the same matches, tried in
    the same order): alternatives that start with a letter are skipped at once by the engine
    when that letter is not there."""
    if depth == 0 or not alternative.startswith("(?:"):
        return [alternative]
    end = _group_end(alternative, 0)
    rest = alternative[end + 1:]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    if rest[:1] in ("?", "*", "+", "{"):
        return [alternative]
    heads = _alternatives(alternative[3:end])
    if len(heads) * len(rest) > 1500:  # not worth a pattern that long
        return [alternative]
    found = []
    for head in heads + ([""] if optional else []):
        found.extend(_letter_first(head + rest, depth - 1))
    return found


def _first_character(alternative):
    """The character an alternative must start with, and the length of its spelling; None
    when it does not start with one given character."""
    if alternative[:1] == "\\" and len(alternative) > 1 and not alternative[1].isalnum():
        char, size = alternative[1], 2
    elif alternative[:1] and alternative[0] not in "\\[(.^$*+?{|)":
        char, size = alternative[0], 1
    else:
        return None, 0
    if alternative[size:size + 1] in ("?", "*", "+", "{"):
        return None, 0
    return char, size


def _by_first_character(alternatives, depth=3):
    """Alternatives grouped by their first character ("pago|pagare|deposito" as
    "p(?:ago|agare)|deposito"): alternatives that start with different characters never
    match at the same position, so the order that matters (the first alternative first
    among those that start alike) is kept; those that start otherwise stay where they were."""
    found, run = [], {}

    def flush():
        for char, rests in run.items():
            if len(rests) == 1:
                found.append(re.escape(char) + rests[0])
            else:
                inner = _by_first_character(rests, depth - 1) if depth > 1 else rests
                found.append(re.escape(char) + "(?:" + "|".join(inner) + ")")
        run.clear()

    for alternative in alternatives:
        char, size = _first_character(alternative)
        if char is None:
            flush()
            found.append(alternative)
        else:
            run.setdefault(char, []).append(alternative[size:])
    flush()
    return found


class Union:
    """Patterns searched as one alternation of them would be: the leftmost match, and at the
    same position the first pattern's (what ``a|b`` does); ``finditer`` as ``re``'s."""

    def __init__(self, *patterns):
        self.patterns = patterns

    def search(self, text, pos=0):
        if len(self.patterns) == 1:
            return self.patterns[0].search(text, pos)
        found = None
        for pattern in self.patterns:
            match = pattern.search(text, pos)
            if match and (found is None or match.start() < found.start()):
                found = match
        return found

    def finditer(self, text):
        if len(self.patterns) == 1:
            yield from self.patterns[0].finditer(text)
            return
        pending = [pattern.search(text) for pattern in self.patterns]
        pos = 0
        while True:
            found = None
            for index, match in enumerate(pending):
                if match is not None and match.start() < pos:
                    match = pending[index] = self.patterns[index].search(text, pos)
                if match is not None and (found is None or match.start() < found.start()):
                    found = match
            if found is None:
                return
            yield found
            pos = max(found.end(), found.start() + 1)


class Rule(Union):
    """A rule's alternatives ("a|b|c"), searched as their alternation would be, but compiled
    as a few patterns: consecutive alternatives that start at a word boundary share it
    (``\\b(?:a|b)``), grouped by their first letter, so the regular expression engine tries
    them at the start of words only and skips at once those whose first letter is not there;
    an alternative that starts otherwise is a pattern of its own. No group is captured."""

    def __init__(self, *parts):
        self.pattern = "|".join(parts)
        groups = []
        for alternative in _alternatives(self.pattern):
            bounded = alternative.startswith("\\b")
            if bounded:
                alternative = "|".join(_letter_first(alternative[2:]))
            if bounded and groups and groups[-1][0]:
                groups[-1][1].append(alternative)
            else:
                groups.append((bounded, [alternative]))
        super().__init__(*(
            re.compile(r"\b(?:" + "|".join(_by_first_character(_alternatives("|".join(alts)))) + ")"
                       if bounded else "|".join(alts))
            for bounded, alts in groups))
        assert not any(p.groups for p in self.patterns), "a rule captures no group"


def one_of(words, longest_first=True):
    """An alternation of words (the longest first, else in their order), grouped by their
    first letters."""
    words = sorted(words, key=len, reverse=True) if longest_first else list(words)
    return "|".join(_by_first_character([re.escape(w) for w in words]))


def rx(*parts):
    return Rule(*parts)


# ---------------------------------------------------------------------- text
# Where the customer's own words end, whichever client quoted the reminder. Each rule looks at
# one line (or a few lines after it): reading stays linear in the length of the text.
QUOTED_LINE = re.compile(r"[ \t]*>")
SEPARATOR = re.compile(
    r"[ \t]*[*_]*(?:-{2,}[ \t]*(?:mensaje original|original message|mensaje reenviado|forwarded message|reenviado|forwarded)\b"
    r"|(?:begin forwarded message|inicio del mensaje reenviado|mensaje reenviado|forwarded message)[ \t]*:"
    r"|_{5,}[ \t]*$)",
    re.IGNORECASE)
SIGNATURE = re.compile(
    r"[ \t]*(?:--[ \t]*$|(?:enviado desde mi|sent from my|enviado desde (?:outlook|gmail|yahoo|correo|samsung|android|iphone|ipad)"
    r"|sent from (?:outlook|gmail|yahoo|mail|samsung|android|iphone|ipad)|get outlook for|obtener outlook para|descargar? outlook para"
    r"|enviado con|sent with (?:blackberry|spark|superhuman))\b)",
    re.IGNORECASE)
# "El lun, 30 nov 2026 a las 10:15, Cobranza <cobranza@empresa.cl> escribió:", "On Mon, Nov 30,
# 2026 at 10:15 AM Cobranza <...> wrote:", also wrapped over two or three lines; it names a
# time, a year or a day/month
ATTRIBUTION_START = re.compile(r"[ \t]*[*_]*(?:el|on)\s", re.IGNORECASE)
ATTRIBUTION = re.compile(r"[ \t]*[*_]*(?:el|on)\s.{0,300}?\b(?:escribi[oó]|wrote)[ \t]*:[*_]*[ \t]*", re.IGNORECASE)
ATTRIBUTION_DATE = re.compile(r"\d{1,2}:\d\d|\d{4}|\d{1,2}/\d{1,2}")
ATTRIBUTION_LINES = 3
# Outlook's header block: "De: …" then, within a few lines, "Enviado:", "Para:", "Asunto:"...
HEADER_FROM = re.compile(r"[ \t]*[*_]*(?:de|from)[*_]*[ \t]*:[*_]*[ \t]*\S", re.IGNORECASE)
HEADER_FIELD = re.compile(
    r"[ \t]*[*_]*(enviado(?: el)?|sent|fecha|date|para|to|asunto|subject|cc|cco|bcc)[*_]*[ \t]*:", re.IGNORECASE)
HEADER_GROUPS = {"enviado": "date", "enviado el": "date", "sent": "date", "fecha": "date", "date": "date",
                 "para": "to", "to": "to", "asunto": "subject", "subject": "subject", "cc": "cc", "cco": "cc",
                 "bcc": "cc"}
HEADER_LINES = 8  # the header fields looked for after "De:"


def _attribution(lines, index):
    """Whether the line at ``index`` starts an attribution ("El …, X escribió:"), maybe
    wrapped over the next lines."""
    if not ATTRIBUTION_START.match(lines[index]):
        return False
    candidate = ""
    for line in lines[index:index + ATTRIBUTION_LINES]:
        candidate = (candidate + " " + line.strip()) if candidate else line
        if len(candidate) > 400:
            return False
        if ATTRIBUTION.fullmatch(candidate.rstrip()) and ATTRIBUTION_DATE.search(candidate):
            return True
    return False


def _header_block(lines, index):
    """Whether the line at ``index`` ("De: …", "From: …") opens a mail client's header block:
    the date, the addressee or the subject follow within a few lines."""
    if not HEADER_FROM.match(lines[index]):
        return False
    groups = set()
    for line in lines[index + 1:index + 1 + HEADER_LINES]:
        match = HEADER_FIELD.match(line)
        if match:
            groups.add(HEADER_GROUPS[re.sub(r"\s+", " ", match.group(1).lower())])
    has_address = "@" in lines[index]
    return bool(groups & {"date", "to"}) and (len(groups) >= 2 or has_address)


# the lines where one of the rules above may start (those the rules then look at)
CUT_CANDIDATE = re.compile(
    r"^[ \t]*(?:>|[*_]*(?:-|_|el\s|on\s|de|from|enviado|sent|get|obtener|descarga|begin|inicio|mensaje|forwarded))",
    re.IGNORECASE | re.MULTILINE)


def own_words(text):
    """The customer's own words: from the first quoted line ("> "), the attribution of the
    quoted message ("El …, X escribió:", "On …, X wrote:"), the original or forwarded
    message's separator, a mail client's header block ("De:/Enviado:/Para:/Asunto:") or the
    signature ("-- ", "Enviado desde mi iPhone"), the rest is dropped."""
    lines = (text or "").splitlines()
    joined = "\n".join(lines)
    index = position = 0
    for candidate in CUT_CANDIDATE.finditer(joined):
        index += joined.count("\n", position, candidate.start())
        position = candidate.start()
        line = lines[index]
        if (QUOTED_LINE.match(line) or SEPARATOR.match(line) or SIGNATURE.match(line)
                or _attribution(lines, index) or _header_block(lines, index)):
            return "\n".join(lines[:index]).strip()
    return joined.strip()


# WhatsApp shorthand and usual spellings, spelled out: the word -> what customers write (once
# accents are removed: "mñn" is "mnn"); the point after "fact." goes with it
SHORTHAND = {
    "por favor": ("xfa", "x fa", "xfav", "x fav", "xfavor", "x favor", "porfa", "porfavor", "pls", "plz"),
    "porque": ("xq", "pq", "porq", "xk"),
    "que": ("q", "k", "qe"),
    "por": ("x",),
    "tambien": ("tb", "tmb", "tbn", "tmbn"),
    "despues": ("dsp", "dps", "desp"),
    "manana": ("mnn", "mna", "maniana", "manana"),
    "horas": ("hrs", "hr"),
    "whatsapp": ("wsp", "wpp", "wap", "wasap", "wasa", "whatsap", "whats", "wa", "guasap", "ws"),
    "mensaje": ("mje", "msj", "msje", "mnsj"),
    "correo": ("e-mail", "email", "mail", "correo electronico"),
    "transferencia": ("transfe", "transf", "trasferencia", "tranferencia", "transferencia"),
    "transfiero": ("trasfiero", "tranfiero", "transfiero"),
    "de": ("d",),
    "verdad": ("vdd", "vd"),
    "senor": ("sra", "sr", "srta"),
    "factura": ("fact", "fac", "fra"),
    "cuenta": ("ctas", "cta"),
}
# what customers write, and the same followed by a point -> what it says
_SPELLED = {form + point: word + ("" if word == "factura" else point)
            for word, forms in SHORTHAND.items() for form in forms for point in ("", ".")}
# one pass, the longest form first ("x fa" before "x"); a word boundary first, so that
# matching is tried at the start of words only
_SHORTHAND = re.compile(r"\b(" + one_of(f for f in _SPELLED if not f.endswith(".")) + r")\b(\.?)")
_REPEATED_LETTERS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r" [ \t]+|\t[ \t]*")  # the runs "[ \t]+" that are not one space already


def _spell_out(text):
    """``text`` with ``SHORTHAND`` spelled out (split around the forms, which are looked up)."""
    parts = _SHORTHAND.split(text)
    if len(parts) > 1:
        forms = [form + point for form, point in zip(parts[1::3], parts[2::3])]
        parts[1::3] = [_SPELLED[form] for form in forms]
        parts[2::3] = [""] * len(forms)
    return "".join(parts)


def normalise(text):
    """Lower case, no accents (ñ kept as n), WhatsApp shorthand spelled out, letters
    repeated for emphasis reduced, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.lower())
    if not text.isascii():
        marks = {ord(c): None for c in set(text) if unicodedata.combining(c)}
        if marks:
            text = text.translate(marks)
    text = text.replace("’", "'").replace("´", "'")
    text = _REPEATED_LETTERS.sub(r"\1", text)          # siii, pagueee
    text = _spell_out(text)
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------------- language
ES_WORDS = set("""que de la el en y los las por con para no ya le les me nos usted ustedes su pago pague pagar
factura gracias hola buenas buenos dias tardes el lunes martes miercoles jueves viernes sabado domingo manana
hoy favor mes semana cuotas quincena cuando este esta fin monto recibi llego estoy tengo puedo voy vamos somos
te vos sos tenes podes transferencia deposito cuenta envio mando comprobante ayer senor listo dale buenisimo
queria quiero necesito mas tambien pero porque ahora ahorita""".split())
EN_WORDS = set("""the and to of i we you it is are will be on by for this that pay paid payment invoice please
thanks thank hi hello next week monday tuesday wednesday thursday friday tomorrow today can could would send
sent received call me my our have has not don't didn't end month wire transfer already""".split())
OTHER_WORDS = set("""obrigado obrigada voce nao pagamento semana fatura vou estou merci bonjour nous vous je
paiement facture danke bitte rechnung zahlung ich wir sie nicht grazie fattura pagamento""".split())


def language(words, hint=None):
    counts = Counter(words)
    es = sum(n for w, n in counts.items() if w in ES_WORDS)
    en = sum(n for w, n in counts.items() if w in EN_WORDS)
    other = sum(n for w, n in counts.items() if w in OTHER_WORDS)
    if other > max(es, en):
        return None
    if es == en == 0:
        return hint if hint in ("es", "en") and words else None
    if es == en:
        return hint if hint in ("es", "en") else "es"
    return "es" if es > en else "en"


# ---------------------------------------------------------------------- numbers
NUMBER_WORDS = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "primero": 1, "primer": 1, "1ro": 1, "1ero": 1, "1er": 1, "first": 1,
}
NUM = r"(\d{1,3}|" + one_of(NUMBER_WORDS) + r")"


def number(token):
    token = token.strip()
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token)


# ---------------------------------------------------------------------- dates
WEEKDAYS = {
    "lunes": 0, "lun": 0, "martes": 1, "miercoles": 2, "mie": 2, "mier": 2, "jueves": 3, "jue": 3,
    "viernes": 4, "vie": 4, "sabado": 5, "sab": 5, "domingo": 6, "dom": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
MONTHS = {
    "enero": 1, "ene": 1, "febrero": 2, "feb": 2, "marzo": 3, "mar": 3, "abril": 4, "abr": 4, "mayo": 5,
    "may": 5, "junio": 6, "jun": 6, "julio": 7, "jul": 7, "agosto": 8, "ago": 8, "septiembre": 9,
    "setiembre": 9, "sep": 9, "sept": 9, "set": 9, "octubre": 10, "oct": 10, "noviembre": 11, "nov": 11,
    "diciembre": 12, "dic": 12,
    "january": 1, "jan": 1, "february": 2, "march": 3, "april": 4, "apr": 4, "june": 6, "july": 7,
    "august": 8, "aug": 8, "september": 9, "october": 10, "november": 11, "december": 12, "dec": 12,
}
WEEKDAY = r"(" + one_of(WEEKDAYS) + r")"
MONTH = r"(" + one_of(MONTHS) + r")"
# a weekday abbreviation only counts after a word that introduces a date
SHORT_WEEKDAYS = {"lun", "mie", "mier", "jue", "vie", "sab", "dom", "mon", "tue", "tues", "wed", "thu",
                  "thur", "thurs", "fri", "sat", "sun"}


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def weekday_date(weekday, today, past=False, next_week=False):
    if past:
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if next_week:  # "el viernes de la semana que viene": that weekday of next week
        return today + timedelta(days=7 - today.weekday() + weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def day_of_month(day, today, past=False):
    """"el 30": this month's 30th if it is still ahead (behind, for a past payment), else the
    next (previous) month's; None when that month has no such day."""
    candidate = today.replace(day=1)
    if past:
        if day > today.day:
            candidate = add_months(candidate, -1)
    elif day < today.day:
        candidate = add_months(candidate, 1)
    if day > calendar.monthrange(candidate.year, candidate.month)[1]:
        return None
    return candidate.replace(day=day)


def full_date(day, month, year, today, past=False):
    """A day and a month (and maybe a year): None if that date does not exist."""
    if year is not None:
        year = year + 2000 if year < 100 else year
    else:
        year = today.year
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if not past and candidate < today:
            year += 1
        elif past and candidate > today:
            year -= 1
    try:
        return date(year, month, day)
    except ValueError:
        return None


INTRO = r"(?:el|este|esta|para el|hasta el|antes del|antes de el|a mas tardar el|al|del|on|by|this|until|before|next)"
DATE_PATTERNS = [
    # "pasado mañana" before "mañana"
    ("after_tomorrow", Rule(r"\bpasado manana\b|\bday after tomorrow\b")),
    ("tomorrow", Rule(r"\bmanana(?<!la manana)(?<!esta manana)(?<!por manana)(?<!de manana)(?<!las manana)\b"
                      r"|\btomorrow\b|\btmrw\b|\btmr\b")),
    ("today", Rule(r"\b(?:hoy|today|tonight|esta tarde|esta noche|hoy mismo|al tiro|ahorita|ahora mismo)\b")),
    ("yesterday", Rule(r"\b(?:ayer|yesterday|anteayer|antier)\b")),
    ("in_days", re.compile(r"\b(?:en|dentro de|in|within|de aqui a)\s+" + NUM + r"\s+(dias?|semanas?|days?|weeks?)\b")),
    ("ago_days", re.compile(r"\bhace\s+" + NUM + r"\s+(dias?|semanas?)\b|\b" + NUM + r"\s+(days?|weeks?) ago\b")),
    ("month_end", Rule(r"\b(?:a |para |hasta |antes de |al )?(?:fin|fines|final|finales|ultimo dia) de(?:l| este)? mes\b"
                       r"|\bend of (?:the |this )?month\b|\bmonth[- ]end\b|\bfin de mes\b")),
    ("fortnight", Rule(r"\b(?:proxima|siguiente|esta|la|en la|a la|para la) quincena\b|\bquincena\b")),
    ("mid_month", Rule(r"\b(?:a )?mediados de(?:l)? mes\b|\bmid[- ]month\b")),
    # a day/month not after a digit, a slash, a point, a comma, "$" or "-" (the first digit
    # first: the engine looks for digits only)
    ("numeric", re.compile(r"(\d(?<![\d/.,$-]\d)\d?)[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?(?![\d/]|[.,]\d)")),
    ("day_month", re.compile(r"\b(\d{1,2}|" + one_of((k for k, v in NUMBER_WORDS.items() if v <= 31 and k not in ("a", "un", "una", "uno", "one")), longest_first=False)
                             + r")(?:ro|ero|er|th|st|nd|rd)?\s+(?:de\s+)?" + MONTH + r"\b(?:\.?\s*(?:de |del )?(\d{4}))?")),
    ("month_day", re.compile(r"\b" + MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?")),
    ("weekday_day", re.compile(r"\b" + WEEKDAY + r"\.?\s+(\d{1,2})\b(?!\s*(?:de\s+)?" + MONTH + r"\b)(?![.,:]?\d|\s*(?:mil|k|%|hs|horas|am|pm|hrs|h\b))")),
    ("day", re.compile(r"\b(?:" + one_of(("el", "para el", "hasta el", "antes del", "a mas tardar el", "al", "del", "este", "the", "by the", "on the", "dia"), longest_first=False) + r")\s+(?:dia\s+)?"
                       r"(\d{1,2}|primero|1ro|1ero)(?:st|nd|rd|th)?\b(?![.,]?\d|\s*(?:%|mil|k\b|cuotas?|pagos?|partes|meses|dias|de (?:cada|los|las|mis|sus)|hs|horas|am|pm|h\b|:))")),
    ("weekday", re.compile(r"\b(?:(?:" + one_of(("el", "este", "esta", "para el", "hasta el", "antes del", "on", "by", "this", "next", "proximo", "otro", "el proximo", "hasta el proximo"), longest_first=False) + r")\s+)?"
                           + WEEKDAY + r"\b(?:\s+(que viene|proximo|de la (?:semana )?(?:que viene|proxima)|de la otra semana|de la proxima semana|de la siguiente semana|pasado|anterior))?")),
]
PAST_MARKERS = re.compile(r"\b(pasado|anterior|last|ago)\b")
# words without which an expression of that kind cannot be there: its pattern is not run
DATE_WORDS = {
    "after_tomorrow": ("pasado manana", "day after tomorrow"), "tomorrow": ("manana", "tomorrow", "tmr"),
    "today": ("hoy", "today", "tonight", "esta tarde", "esta noche", "al tiro", "ahorita", "ahora mismo"),
    "yesterday": ("ayer", "yesterday", "antier"), "in_days": ("dia", "semana", "day", "week"),
    "ago_days": ("hace", "ago"), "month_end": ("mes", "month"), "fortnight": ("quincena",),
    "mid_month": ("mes", "month"), "numeric": ("/", "-"),
}


def find_dates(text, today, past=False):
    """Every date the text names, in order: ``[(position, date or None, kind, detail)]`` where
    a None date names an impossible date ("el 31 de febrero"). An expression overlapping one
    of an earlier kind (``DATE_PATTERNS``' order) is not read."""
    return _dates(_date_expressions(text, today), today, past)


def _dates(expressions, today, past):
    """``find_dates`` of the expressions ``_date_expressions`` found."""
    values = {}  # the same words say the same date
    dates = []
    for start, kind, match, detail, value in expressions:
        if past:
            key = (kind, detail, match.groups())
            value = values[key] if key in values else values.setdefault(key, _resolve(kind, match, today, True))
        dates.append((start, value, kind, detail))
    return dates


def _date_expressions(text, today):
    """``[(position, kind, match, words, date)]``: what ``find_dates`` reads, the date as a
    promise would take it (whether an expression is a date at all does not depend on that)."""
    found = []
    values = {}
    taken = bytearray(len(text))  # the characters an earlier expression took
    for kind, pattern in DATE_PATTERNS:
        if kind in DATE_WORDS and not any(word in text for word in DATE_WORDS[kind]):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if taken.find(1, start, end) != -1:
                continue
            detail = match.group(0)
            key = (kind, detail, match.groups())
            value = values[key] if key in values else values.setdefault(key, _resolve(kind, match, today, False))
            if value is False:
                continue
            taken[start:end] = b"\x01" * (end - start)
            found.append((start, kind, match, detail, value))
    found.sort(key=lambda f: f[0])
    return found


def _resolve(kind, match, today, past):  # noqa: C901 - one branch per kind of expression
    """The date of one expression; None when impossible, False when not a date after all."""
    if kind == "after_tomorrow":
        return today + timedelta(days=2)
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "today":
        return today
    if kind == "yesterday":
        return today - timedelta(days=2 if match.group(0) in ("anteayer", "antier") else 1)
    if kind in ("in_days", "ago_days"):
        groups = [g for g in match.groups() if g]
        count = number(groups[0])
        if not count:
            return False
        days = count * (7 if groups[1].startswith(("semana", "week")) else 1)
        return today - timedelta(days=days) if kind == "ago_days" else today + timedelta(days=days)
    if kind == "month_end":
        return month_end(today)
    if kind == "fortnight":
        return today.replace(day=15) if today.day < 15 else month_end(today)
    if kind == "mid_month":
        return today.replace(day=15) if today.day <= 15 else add_months(today.replace(day=1), 1).replace(day=15)
    if kind == "numeric":
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else None
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return False
        return full_date(day, month, year, today, past)
    if kind == "day_month":
        day = number(match.group(1))
        if not day or day > 31:
            return False
        return full_date(day, MONTHS[match.group(2)], int(match.group(3)) if match.group(3) else None, today, past)
    if kind == "month_day":
        day = int(match.group(2))
        if match.group(1) in ("mar", "may", "set", "sun", "sat") or not 1 <= day <= 31:
            return False  # "mar 3": too often not a date
        return full_date(day, MONTHS[match.group(1)], int(match.group(3)) if match.group(3) else None, today, past)
    if kind == "weekday_day":
        day = int(match.group(2))
        if not 1 <= day <= 31:
            return False
        return day_of_month(day, today, past)
    if kind == "day":
        day = number(match.group(1))
        if not day or not 1 <= day <= 31:
            return False
        return day_of_month(day, today, past)
    if kind == "weekday":
        name = match.group(1)
        text = match.group(0)
        if name in SHORT_WEEKDAYS and text.strip() == name:
            return False  # "mar", "sun" alone: not a date
        suffix = match.group(2) or ""
        is_past = past or bool(PAST_MARKERS.search(suffix))
        next_week = "semana" in suffix and not is_past
        return weekday_date(WEEKDAYS[name], today, past=is_past, next_week=next_week)
    return False


# ---------------------------------------------------------------------- amounts
CURRENCIES = [
    (r"usd|us\$|dolares|dollars|dolar|dollar|u\$s", "USD"),
    (r"clp|lucas|luca", "CLP"), (r"mxn", "MXN"), (r"cop", "COP"), (r"ars|mangos", "ARS"),
    (r"pen|soles|sol|s/\.?", "PEN"), (r"eur|euros", "EUR"),
]
# on lower-case text (see find_amount)
AMOUNT = re.compile(
    r"(?P<pre>us\$|u\$s|s/\.?|\$|usd|clp|mxn|cop|pen|ars)?\s?"
    r"(?P<num>\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?!\s*(?:/|-)\s*\d)"
    r"\s?(?P<mult>mil(?:lones?)?\b|millon(?:es)?\b|k\b|m\b|lucas?\b|palos?\b)?"
    r"\s?(?P<post>usd|dolares|dollars|pesos|soles|clp|mxn|cop|pen|ars|mangos|lucas?)?")
_AMOUNT_BARE = AMOUNT.groupindex["num"]  # the last group of a number without sign nor word


def parse_number(raw, decimal_comma=None):
    """"150.000" → 150000, "1,200.50" → 1200.5, "85.500,50" → 85500.5. With a single kind of
    separator, a group of three digits is thousands; otherwise it is the decimal mark."""
    raw = "".join(raw.split())  # "150 000", and a line break between the groups
    if "." in raw and "," in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
    elif "." in raw or "," in raw:
        sep = "." if "." in raw else ","
        parts = raw.split(sep)
        if all(len(p) == 3 for p in parts[1:]) and len(parts[0]) <= 3:
            decimal = None if not (decimal_comma is not None and len(parts) == 2 and (sep == ",") == decimal_comma
                                   and parts[0] == "0") else sep
        else:
            decimal = sep
    else:
        decimal = None
    if decimal is None:
        return float(raw.replace(".", "").replace(",", ""))
    thousands = "," if decimal == "." else "."
    return float(raw.replace(thousands, "").replace(decimal, "."))


def find_amount(text, decimal_comma=None):
    """The first amount of money the text names: ``(value, currency)``; a bare number only
    counts with a currency sign, a currency word or a multiplier ("150 mil")."""
    text = text.lower()  # what AMOUNT's case-insensitive reading was
    for match in AMOUNT.finditer(text):
        if match.lastindex == _AMOUNT_BARE and match.start("pre") < 0:
            continue  # a bare number (most numbers, read quickly)
        pre, post, mult = match.group("pre"), match.group("post"), (match.group("mult") or "").lower()
        if not (pre or post or mult):
            continue
        start = match.start("num")
        before = text[max(0, start - 12):start]
        if re.search(r"(?:cuotas?|factura|fac|n[°º]|#|nro|numero|inv|(?<!\bs)/)\s*$", before):
            continue
        value = parse_number(match.group("num"), decimal_comma)
        if mult.startswith(("mil",)) and not mult.startswith("millon"):
            value *= 1000 if mult == "mil" else 1_000_000
        elif mult.startswith(("millon", "palo", "m")) and mult != "mil":
            value *= 1_000_000
        elif mult == "k":
            value *= 1000
        elif mult.startswith("luca"):
            value *= 1000
        if value <= 0:
            continue
        marker = " ".join(filter(None, [pre, post, mult]))
        currency = next((code for words, code in CURRENCIES
                         if re.search(r"(?:^|\s)(?:" + words + r")(?:\s|$)", marker)), None)
        return value, currency
    return None, None


# ---------------------------------------------------------------------- invoice numbers
_DIGIT = re.compile(r"\d")
# (each alternative starts with letters then a digit, "/", "-", "_" or a space and a digit:
# the lookahead says so before the alternatives are tried). A document's prefix, a space and
# its zero-padded folio, as Odoo names documents ("FAC 000123", "FA-A 00001-00000012"): five
# digits at least, so that "al 0800" or "al 011 4567..." (a phone) is no reference.
INVOICE_REF = re.compile(
    r"\b(?=[A-Z]{1,6}(?:[\d/_-]| \d))([A-Z]{1,6}(?:/[A-Z]{1,6})?/\d{4}/\d{1,8}|[A-Z]{1,4}\d{0,4}-\d{2,10}(?:-\d{1,10})?|[A-Z] \d{4}-\d{4,8}|"
    r"[A-Z]{1,5}(?:-[A-Z])? 0\d{4,10}(?:-\d{1,10})?|[A-Z]{1,5}[-_]?\d{3,10})\b")
# on lower-case text; "\s*(?:n°\s*)?(?::\s*)?" rather than "\s*(?:n°)?\s*:?\s*" (the same
# words): a long run of spaces is not read again and again by three "\s*" in a row. A folio
# may be short ("la factura 12") or a point of sale and a number ("factura 00001-00000012");
# not a date, a term or an amount ("la factura 15 de marzo", "factura 30 días", "factura 12.500").
INVOICE_NUMBER = re.compile(r"\b(?:" + one_of(("factura", "facturas", "invoice", "invoices", "boleta", "documento", "doc", "folio"), longest_first=False)
                            + r")(?:\s+electr[oó]nica)?\s*(?:(?:n[°º.o]?|nro\.?|n[uú]mero|no\.?|#)\s*)?(?::\s*)?"
                            r"(\d{1,12}(?:-\d{1,12})?)\b(?![.,]\d)(?!\s*(?:%|(?:d[ií]as?|days?|mil|lucas|pesos)\b))"
                            r"(?!\s+de\s+(?:" + one_of(MONTHS) + r")\b)")


_NOT_A_REFERENCE = re.compile(r"(?:USD|CLP|MXN|COP|PEN|ARS|EUR|S)\d+")  # an amount


def invoice_refs(text):
    if not _DIGIT.search(text):
        return ()  # every reference has a digit
    refs = [found.replace(" ", "") for found in dict.fromkeys(INVOICE_REF.findall(text.upper()))
            if any(ch.isdigit() for ch in found) and not _NOT_A_REFERENCE.fullmatch(found.replace(" ", "").replace("-", ""))]
    refs += INVOICE_NUMBER.findall(text.lower())
    return tuple(dict.fromkeys(refs))


# ---------------------------------------------------------------------- intents


PAY_PAST = rx(
    r"\bya (?:te |le |les |se |lo |la |los |las |nos |me )?(?:lo |la |les |le )?(?:habia |habiamos |he |hemos )?(?:pague|pagamos|pagado|pagaron|pago el|pago la|pago todo|cancele|cancelamos|cancelado|cancelaron|"
    r"deposite|depositamos|depositado|depositaron|transferi|transferimos|transferido|transfirieron|consigne|consignamos|consignado|"
    r"abone|abonamos|abonado|yapee|plinee|pase (?:los|las|el|la|lo)|pasamos (?:los|las|el|la|lo)|"
    r"(?:hice|hicimos|realice|realizamos|efectue|efectuamos|envie|enviamos|mande|mandamos)\s(?:\w+\s){0,2}(?:pago|deposito|transferencia|consignacion|abono|plata|dinero|giro|cheque|yape|plin|comprobante)|"
    r"quedo pag\w*|quedo cancelad\w*|esta pag[oa]|esta pagad\w*|estan pagad\w*|esta cancelad\w*|estan cancelad\w*|esta hech[ao] (?:el|la) (?:pago|transferencia|deposito|consignacion)|salio el pago|se pago|se cancelo|se hizo|se realizo|se efectuo|se envio|se transfirio|se deposito|se consigno|se abono|"
    r"tienen (?:el|la) (?:pago|transferencia|deposito)|les llego|le llego|te llego|debe(?:ria)?n? (?:haber|estar) (?:llegado|reflejad))\b",
    r"^\W*(?:pagado|pagada|cancelado|cancelada|listo,? pagado|pagad[oa] \w+)\b|\bpagad[oa] (?:ayer|hoy|anoche|el|por|via|con)\b|\b(?:habiamos|hemos|he|habia) (?:pagado|cancelado|transferido|depositado|abonado|consignado)\b|\bquedo pago\b|\besta pago\b",
    r"\b(?:pague|pagamos ayer|cancele|deposite|transferi|consigne|abone|yapee|plinee|realice (?:el|la|un)|efectue (?:el|la|un)|"
    r"hice (?:el|la|un|una)\s?(?:pago|deposito|transferencia|consignacion|abono|yape|plin)|hicimos (?:el|la|un|una)\s?(?:pago|deposito|transferencia|consignacion|abono)|"
    r"se (?:hizo|realizo|efectuo|envio|pago|transfirio|deposito|consigno|abono|cancelo)(?: el| la| un| una)?\s?(?:pago|deposito|transferencia|consignacion|abono|factura|total|monto|saldo)?|"
    r"(?:esta|estan|fue|fueron|quedo|quedaron|ya esta|ya estan)\s(?:\w+\s)?(?:pagad|cancelad|abonad|saldad|realizad|efectuad|hech)\w*|realizamos (?:el|la|un) (?:pago|deposito|transferencia)|"
    r"efectuamos (?:el|la|un) (?:pago|deposito|transferencia))\b(?! (?:el|la) (?:pedido|orden|contrato|servicio|po)\b)",
    r"\b(?:adjunto|adjuntamos|envio|te envio|le envio|les envio|les mando|te mando|le mando|aqui (?:esta|va)|ahi (?:va|esta)|les comparto|comparto|adjunta|mando|mandamos|va)\s(?:el |la |los |las |mi |nuestro )?"
    r"(?:comprobante|voucher|recibo|constancia de (?:pago|transferencia|deposito)|soporte|captura|pantallazo|screenshot|print|boucher|ticket|foto del (?:deposito|pago)|comprobantes)",
    r"\b(?:already paid|i paid|we paid|(?:sent|mailed|wired|paid|transferred) (?:it|the check|a check|the cheque|the money|the funds|you)\b|(?:was|were|has been|have been) (?:sent|wired|transferred|mailed)\b|i've paid|we've paid|have paid|has been paid|have been paid|was paid|were paid|is paid|paid (?:it|this|that|the|in full|yesterday|last|on|already)|"
    r"payment (?:was|has been) (?:made|sent|processed|done|completed|wired)|(?:sent|made|wired|transferred|processed) (?:the |you the |a |our )?(?:payment|transfer|money|funds|wire)|"
    r"(?:see|find) (?:the )?(?:attached|attachment)|attached (?:is |you'll find |please find )?(?:the |our |my )?(?:receipt|proof|remittance|confirmation|payment)|proof of payment|remittance)",
)
PAST_TIME = rx(r"\b(?:ayer|anteayer|antier|anoche|la semana pasada|el mes pasado|hace \w+ (?:dias|semanas)|esta manana|hoy temprano|el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo) pasado|yesterday|last week|ago)\b")
PAY_AMBIGUOUS = rx(r"\b(?:pagamos|depositamos|transferimos|consignamos|abonamos|cancelamos (?:la|las) factura)\b")
# a present tense that means the future ("le pago el viernes"), after a pronoun, a date word
# or the start of a clause ("el pronto pago" is a noun)
PRESENT_PAY = (r"(?:lo |la |les |le |te |se )?(?:pago|pagamos|deposito|depositamos|transfiero|transferimos|cancelo|cancelamos|abono|abonamos|consigno|consignamos|"
               r"yapeo|plineo|giro|liquido|liquidamos|saldo|saldamos)\b(?! (?:de|del|que|fue|esta|ya|sigue|es|son)\b)")
PAY_FUTURE = rx(  # only ever asked whether it matches: its alternatives' order is free
    r"\b(?:yo|ya|le|te|les|se|lo|la|los|las|y|e|manana|hoy|lunes|martes|miercoles|jueves|viernes|sabado|domingo"
    r"|mes|quincena|semana|\d{1,2}|tarde|noche|tiro|ahorita|orita|luego|despues|pronto|entonces|igual|seguro|nosotros|dias|proximo|pasado|viene)\s"
    + PRESENT_PAY,
    r"\b(?:te|le|les)? ?(?:mando|envio|mandamos|enviamos) (?:la plata|el dinero|el pago|la transferencia|el deposito|el cheque|los|las|\$|\d)",
    r"\b(?:el pago|la transferencia|el deposito|la consignacion|el cheque) (?:queda|va|sale|saldra|se hace|esta|estaria|estara) (?:para|el|la|a salir)\b|\bprogram\w* (?:el|la) (?:pago|transferencia|deposito|consignacion) para\b",
    r"\b(?:pagare|pagaremos|pagaria|pagariamos|depositare|depositaremos|transferire|transferiremos|abonare|abonaremos|cancelare|cancelaremos|"
    r"consignare|consignaremos|liquidare|liquidaremos|girare|giraremos|enviare|enviaremos|saldare|saldaremos|regularizare|regularizaremos)\b",
    r"\bse (?:efectuara|realizara|hara|pagara|cancelara|depositara|transferira|abonara|consignara|liquidara|programara|girara|enviara|saldara)\b",
    r"\b(?:sera|seran|quedara|quedaran|queda|quedan|estara|estaran) (?:\w+ )?(?:pagad|cancelad|liquidad|transferid|depositad|abonad|consignad|programad|saldad|agendad)",
    r"\bse (?:programo|agendo|calendarizo|agenda|programa|hace|realiza|efectua|deposita|transfiere|consigna|paga|cancela) (?:para|el|la|los|las)\b|\b(?:programad[oa]|agendad[oa]|calendarizad[oa]) (?:para|el)\b|\bnomina de (?:proveedores|pagos)\b",
    r"\b(?:la|lo) (?:hacemos|hago|haremos|hare)\b",
    r"\b(?:voy|vamos|va|van|iba|ibamos|vo) a (?:pagar|depositar|transferir|cancelar|abonar|consignar|hacer|realizar|efectuar|enviar|mandar|girar|yapear|plinear|regularizar|ponerme al dia|poner al dia|liquidar|saldar|pasar)",
    r"\b(?:te|le|les) (?:hago|hacemos|haremos|hare|pasamos|giro|deposito|transfiero|yapeo|plineo)\b|\b(?:te|le|les) paso (?:la|el|los|las) (?:plata|dinero|pago|transferencia|\$|\d)",
    r"\b(?:hago|hacemos|hare|haremos|realizo|realizamos|realizaremos|efectuo|efectuamos|efectuaremos) (?:el|la|un|una) (?:pago|deposito|transferencia|consignacion|abono|giro|yape|plin)",
    r"\b(?:estare|estaremos|estaria|estariamos|quedo|quedamos) (?:pagando|depositando|transfiriendo|abonando|consignando|cancelando|regularizando|liquidando|al dia)\b",
    r"\b(?:me pongo|nos ponemos|pongo|ponemos|me pondre|nos pondremos) al dia\b|\bregularizo\b|\bregularizamos\b|\bsin falta\b|\bte lo pago\b|\bse lo pago\b|\bse los pago\b",
    r"\b(?:puedo|podemos|podre|podremos|puedes|podrias) (?:pagar|depositar|transferir|cancelar|abonar|consignar)\b(?! (?:en|de a|por) (?:cuotas|partes|pagos|abonos))",
    r"\b(?:tendra|tendran|tendras) (?:el|la|su|tu) (?:pago|plata|dinero|transferencia|deposito)\b|\b(?:estara|estaria) (?:el|la|su) (?:pago|transferencia|deposito)",
    r"\b(?:i'll|i will|we'll|we will|i'm going to|we're going to|going to|gonna|i can|we can|i'd|will|should) (?:\w+ )?(?:pay|send|wire|transfer|settle|make the payment|get (?:it|the payment|you)|process|release|issue|mail|have it)",
    r"\bpayment (?:will|should) (?:be|go|arrive|reach)|\bwill be (?:paid|mailed|sent|processed|wired|transferred|released|settled)\b|\bscheduled (?:for|on)\b|\bexpect (?:the |our )?payment\b|\bpay(?:ing)? (?:it |this |the invoice |you )?(?:on|by|tomorrow|next|this|today|end)\b",
    r"\b(?:listo|ok|dale|de acuerdo|perfecto|bueno|va|claro|entendido|si|ya)[,.!]?\s(?:el|para el|manana|hoy|este)\b",
    r"[,.;:!¡¿(]\s*" + PRESENT_PAY,
    r"^" + PRESENT_PAY,
)
NEGATED_PAY = rx(r"\bno (?:voy|vamos) a (?:pagar|depositar|transferir|cancelar)|\bno (?:pienso|pensamos) pagar|\bno (?:le |les |te )?(?:pago|pagamos|pagaremos|pagare)\b"
                 r"|\b(?:won't|will not|not going to) pay\b|\bno puedo pagar\b|\bno podemos pagar\b|\bno (?:tengo|tenemos) (?:como|con que|plata|dinero|fondos|la plata)"
                 r"|\bcomo (?:voy|vamos|quieren|quiere|pretenden) (?:a )?(?:pagar|que pague)|\bhasta (?:que )?no (?:las |los |la |lo )?(?:cambien|tengamos|tenerla|tenerlo|reciba|recibamos|arreglen)")
# a payment a customer waits for ("cuando me paguen", "Dios le pague"): not one made
SUBJUNCTIVE = re.compile(r"(?:\bque|\bq|\bdios|\bcuando|\bapenas|\bhasta|\bsi|\bni bien|\bcuanto antes)(?: \w+){0,2} $")
CANCELLED_ORDER = re.compile(r"\b(?:orden|pedido|contrato|servicio|po|suscripcion|compra|oc)\b(?: \w+){0,3} $")

DISPUTE = {
    "not_received": rx(
        r"\bno (?:me |nos |le |les )?(?:la |lo |las |los )?(?:ha |han |hemos |he )?(?:recibi|recibimos|recibido|recibio|llegaron|ha llegado|han llegado|entregaron|entrego|entregado|despacharon)\b",
        r"\bno (?:me |nos |le |les )llego\b|\bno llego (?:el|la|los|las|ningun|ninguna|nada|nunca|todavia|aun)\b|\b(?:pedido|factura|producto|mercaderia|mercancia|equipo|paquete|envio) no (?:me |nos )?(?:ha )?(?:llego|llegado)",
        r"\bnunca (?:me |nos |le )?(?:la |lo |las |los )?(?:llego|llegaron|recibi|recibimos|entregaron|despacharon|vino|vinieron|instalaron)\b|\b(?:recibi|recibimos|llego|llegaron) nunca\b",
        r"\bno tenemos registro de (?:haber )?recibid",
        r"\b(?:todavia|aun|aca|aqui) no (?:me |nos )?(?:llega|llegan|llego|ha llegado|recibimos|recibo|tenemos|nos llega)\b",
        r"\b(?:falta|faltan|faltaron|falto) (?:la |el |los |las )?(?:entrega|mercaderia|mercancia|productos?|unidades|cajas|parte del pedido|items?)\b",
        r"\bno (?:nos |me )?(?:han |ha )?(?:prestado|hecho|realizado|instalado) el servicio\b",
        r"\b(?:never|haven't|have not|didn't|did not|not yet) (?:\w+ )?(?:received|arrived|delivered|got|get|receive|arrive)\b|\bnot (?:been )?(?:received|delivered)\b|\bnever (?:came|showed up)\b|\bwhere is (?:my|our|the) (?:order|delivery)\b"),
    "wrong_amount": rx(
        r"\b(?:monto|importe|valor|precio|cobro|total|cifra|saldo|cantidad|tarifa|iva|cargo|calculo)\b[\w\s]{0,25}?\b(?:esta|es|estan|son|viene|vino|aparece|sale)?\s?(?:mal\b|errad|equivocad|incorrect|diferente|distinto|inflad|alterad|superior|mayor al)",
        r"\b(?:monto|importe|valor|precio|cobro|total|cifra|saldo|cantidad) (?:no (?:es|corresponde|coincide|cuadra|calza)|que no corresponde)\b",
        r"\b(?:cobraron|cobraste|cobro|cobran|cobrando|facturaron|facturo|facturado|cobrado) (?:\w+ )?(?:de mas|doble|dos veces|mal|demasiado|mas de lo|por duplicado|de nuevo|otra vez|intereses|recargo|\d+ unidades)\b",
        r"\b(?:doble cobro|cobro doble|cobro duplicado|factura duplicada|duplicad[oa]|dos veces la misma|misma factura dos veces|me estan cobrando algo que|no (?:cuadra|calza|coincide)|solo (?:pedimos|pedi|compramos|recibimos) \d+|no se acordo|no acordamos|no se pacto|no pactamos|superior al (?:cotizado|acordado|pactado))\b",
        r"\bno (?:se )?(?:aplicaron|aplico|aplicaste|aplicado|incluyeron|incluye|incluyo|consideraron|considera|descontaron|desconto|descontado|respetaron|respeto|tiene|tienen|reflejaron|reflejan|refleja) (?:\w+ )?(?:el |la |los |las |nuestro |mi )?(?:descuento|nota de credito|abono|rebaja|bonificacion|precio|tarifa|anticipo|pago parcial|devolucion)",
        r"\b(?:el precio|la tarifa|el valor) (?:acordad|pactad|cotizad|de la cotizacion|de la orden)|\b(?:deberia|debia|tendria que) (?:ser|salir|quedar|costar)|\bnos cobraron\b|\bme cobraron\b|\bno es (?:ese|este) (?:el )?(?:monto|valor|precio|total)|\bno debo \d+",
        r"\b(?:wrong (?:amount|price|total|rate)|(?:amount|price|total|invoice|rate) is (?:wrong|incorrect|off|too high)|overcharg|charged (?:twice|double|us twice|me twice|more|too much)|double[- ](?:charge|billed|billing)|billed twice|incorrect (?:amount|price|total)|"
        r"discount (?:was|is)n?'?t? ?(?:not )?(?:applied|included)|(?:should|supposed to) (?:be|have been)|doesn'?t match|does not match|price we agreed|agreed (?:price|on)|duplicate invoice)"),
    "quality": rx(
        r"\b(?:llego|llegaron|vino|vinieron|venia|venian|esta|estan|estaba|estaban|salio|salieron|recibimos|recibi|entregaron)\b[\w\s]{0,20}?\b(?:danad|rot[oa]s?\b|defectuos|vencid|malo|mala|malos|malas|incomplet|abiert|mojad|quebrad|roto|rayad|golpead|fallad|en mal estado|mal hecho|equivocad|diferente)",
        r"\b(?:defectuos|defectos?|no funciona|no funcionan|no funciono|no sirve|no sirven|dejo de funcionar|se (?:rompio|daño|dano|quemo)|fallando|con fallas|mal estado|mala calidad|pesima calidad|mal servicio|servicio pesimo|servicio deficiente|mal trabajo|trabajo mal hecho|quedo mal|no quedo bien)\b",
        r"\bel (?:servicio|trabajo|mantenimiento|producto|equipo|software|sistema)\b[\w\s]{0,25}?\b(?:no (?:funciono|funciona|sirvio|sirve|se termino|se completo|quedo|se presto|se hizo|cumplio)|fue (?:malo|pesimo|deficiente|incompleto)|esta incompleto|quedo incompleto|nunca funciono)",
        r"\b(?:garantia|devolucion|devolvimos|devolver|cambio del producto|reclamo de calidad|no cumple|no cumplio|incumpli)",
        r"\b(?:damaged|broken|defective|faulty|doesn'?t work|didn'?t work|does not work|did not work|not working|stopped working|poor quality|bad quality|returned (?:the|it|them)|(?:service|work|job) was (?:not|never|poor|bad|incomplete|terrible)|wrong (?:item|product|goods|model|size)|incomplete (?:order|delivery|work))"),
    "other": rx(
        r"\bno (?:es|son) (?:nuestra|nuestras|mia|mias|nuestro|mio|de nosotros|para nosotros|nuestra factura)\b|\bno (?:nos |me )?corresponde\b|\besta factura no\b|\bno (?:reconozco|reconocemos)\b|\bno procede\b|\bno yo\b|\bno nosotros\b",
        r"\bno (?:hicimos|hice|realizamos|pedimos|pedi|solicitamos|solicite|compramos|compre|contratamos|contrate|autorice|autorizamos|ordenamos|encargamos) (?:ese|esa|este|esta|el|la|ningun|ninguna|nada|eso|esos|esas|dicho)\b",
        r"\b(?:orden|pedido|contrato|servicio|compra|suscripcion)\b[\w\s]{0,15}?\b(?:fue |esta |quedo |se dio por |ya fue )?(?:cancelad|anulad|rescindid|terminad|dad[oa] de baja)|\bfactura\b[\w\s]{0,15}?\b(?:anulad|rescindid)",
        r"\b(?:cancelamos|cancele|anulamos|anule|rescindimos|dimos de baja|di de baja) (?:el|la|nuestro|nuestra|mi) (?:pedido|orden|contrato|servicio|suscripcion|compra|plan)\b",
        r"\b(?:no debemos|no debo nada|no le debo|no les debo|no les debemos|no tenemos deuda|no tengo deuda|no estamos de acuerdo|no estoy de acuerdo|disputa|objetamos|rechazamos (?:la|esta) factura|impugn|reclamo|reclamamos|error en la factura|factura (?:mal emitida|erronea|con error)|mal facturad|a otro (?:rut|nombre|ruc|nit|cuit|rfc))\b",
        r"\b(?:not ours|not our invoice|doesn'?t belong to us|does not belong to us|never ordered|didn'?t order|did not order|do not recognize|don'?t recognize|order was cancel+ed|cancel+ed (?:the |our )?(?:order|contract|subscription|service|po)|we don'?t owe|i don'?t owe|dispute|disagree|not responsible for)\b"),
}
PLAN = rx(
    r"\bcuotas\b|\ben (?:\d+|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|doce|varias|algunas) (?:cuotas?|pagos|partes|mensualidades|parcialidades|meses|quincenas|abonos)\b",
    r"\b(?:por partes|en partes|en pagos|en abonos|de a poco|de a pocos|poco a poco|parcialidades|pagos parciales|abonos parciales|abonos (?:mensuales|semanales|quincenales)|pagos (?:mensuales|semanales|quincenales)|mensualidades|ir abonando|ir pagando|vaya abonando|vaya pagando|cada (?:quincena|semana|mes)|mitad ahora|una parte ahora)\b",
    r"\b(?:convenio|plan de pagos?|plan de cuotas|acuerdo de pago|arreglo de pago|facilidades|financiar|financiamiento|financiacion|fraccionar|fraccionado|dividir (?:el pago|la deuda|el monto|el total|la factura|en)|refinanciar|repactar|repactacion|reprogramar (?:la deuda|el pago)|prorrogar|cuotear|cuotificar|diferir)\b",
    r"\b(?:installments?|instalments?|payment plan|payment arrangement|split (?:it|the payment|the invoice|the balance|the amount|this|in|into)|monthly payments|weekly payments|pay in (?:\w+ )?(?:parts|instalments|installments|payments)|partial payments|in (?:two|three|four|five|six|\d+) (?:payments|parts|months))\b",
)
INSTALLMENTS = re.compile(r"\b(?:en |in |de |a )?" + NUM + r" (?:(?:monthly|weekly|biweekly|equal|separate) )?(?:cuotas|pagos|partes|mensualidades|parcialidades|meses|quincenas|abonos|payments|installments|instalments|parts|months)\b")
CHANNEL_WORDS = [
    ("whatsapp", Rule(r"\b(?:whatsapp|chat)\b")),
    ("sms", Rule(r"\b(?:sms|mensajes? de texto|mensajitos?|texto|text messages?|texts?|texting)\b")),
    ("email", Rule(r"\b(?:correos?|email|emails|e-mails?|mails?|electronico)\b|@")),
    ("call", Rule(r"\b(?:llam\w*|telefono|telefonicamente|celular|fijo|call|calls|calling|phone|marc\w+)\b")),
]
EMAIL_OR_PHONE = r"(?:[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d\s-]{6,}\d)"
CALLBACK = rx(
    r"\b(?:llamenme|llameme|llamame|llamenos|llamen\b|llamar(?:me|nos)?\b|llamada|llamen a|me (?:pueden|puede|podrian|podria|puedes|podes|podrias) llamar|me llaman|me llamas|me llama\b|me marca\b|me marcan\b|marcame|marqueme|marquenme|marcar(?:me)?|llamen al|comuniquese|comuniquense|comunicate|comunicarse|contactar(?:me|nos)? (?:al|por|a|con)|contactenme|contacteme|contactame|me contacte|me contacten|nos contacten) ",
    r"\b(?:llamenme|llameme|llamame|llamenos|llamen|llamarme|marcame|marqueme|marquenme|contactenme|contacteme|contactame)\b",
    r"\b(?:prefiero|preferimos|preferiria|mejor|solo|solamente|unicamente) (?:que me |que nos |que )?(?:escrib|llam|por |al |a |en |el correo|whatsapp|correo|mensaje|sms|en la (?:tarde|manana)|despues|hablalo|hablen|contact)",
    r"\b(?:escribanme|escribame|escribime|escribeme|escribannos|mandenme|envienme) (?:por|al|a mi|un)",
    r"\b(?:hablen|hable|hablalo|hablelo|hablenlo|conversen|comuniquense|dirijanse|contacten) con\b|\b(?:el|la) (?:encargad[oa]|responsable) de (?:pagos|cobranza|tesoreria|finanzas|contabilidad)|\btesoreria\b|\b(?:te|le|les) paso (?:su|el|mi) (?:cel|celular|numero|telefono|contacto|correo|mail)",
    r"\b(?:despues|antes|luego|a partir) de las \d|\bentre (?:las )?\d{1,2}(?::\d\d)? y (?:las )?\d|\ben horario (?:de oficina|laboral)|\bpor la (?:tarde|manana)\b|\ben una hora\b",
    r"\b(?:comunicacion|correspondencia|informacion|notificacion)\w*\b[\w\s]{0,40}?" + EMAIL_OR_PHONE,
    r"\b(?:call me|give (?:me|us) a call|please call|can you call|could you call|call (?:us|back)|contact (?:me|my|our|us) (?:by|at|on|via)|reach me|prefer (?:email|whatsapp|text|sms|a call|calls|to be|you|that)|talk to (?:my|our)|speak (?:to|with)|(?:email|text|whatsapp) me instead|\w+ is fine|(?:after|before) \d{1,2} ?(?:pm|am)|direct (?:all )?(?:future )?(?:correspondence|communication|emails?))\b",
)
OPTOUT = rx(
    r"^\W*(?:stop|baja|basta|unsubscribe|alto|cancelar suscripcion|no mas|desuscribir(?:me)?|desuscribirse)\W*$",
    r"\b(?:stop|unsubscribe|desuscrib\w*)\b",
    r"\bdar(?:me|nos)? de baja\b|\b(?:me |nos )?(?:doy|damos) de baja\b|\bbaja (?:de|del|por favor|a mi|de mi)\b|\bsaca(?:r|me|nos|rme|rnos) de (?:la|su|sus|esta|este)|\bquit(?:en|ar)(?:me|nos) de\b|\belimin(?:en|ar) (?:mi|nuestro|este) (?:numero|correo|contacto|telefono|celular)\b|\bborr(?:en|ar) (?:mi|nuestro) (?:numero|correo|contacto)\b",
    r"\bno (?:me |nos |le |les )?(?:escriban|escribas|escribis|escriban mas|manden|mandes|mandan|envien|enviar|contacten|contactes|molesten|molestes|molestan|jodan|hostiguen|acosen|sigan|vuelvan a|llamen|llames|llamen mas|seguir|volver a)\b",
    r"\b(?:dejen|deje|deja|dejar|dejes|dejemos) de (?:escribir|mandar|enviar|llamar|molestar|contactar|acosar|hostigar|insistir|joder|escribirme|llamarme|mandarme|enviarme)",
    r"\bno (?:quiero|deseo|queremos|deseamos|acepto|aceptamos|autorizo|autorizamos) (?:recibir|mas|que (?:me|nos) (?:escriban|llamen|contacten|sigan|manden|envien)|ser contactad|este tipo de|sus mensajes|sus correos|mensajes|correos|whatsapp|llamadas)",
    r"\bno mas (?:mensajes|correos|whatsapp|sms|llamadas|recordatorios)\b|\babstener(?:se)? de\b|\bcancelar el envio\b|\bno (?:seguir|volver a) (?:enviando|mandando|escribiendo|contactando|llamando|comunicarse|contactar|escribir|llamar|enviar)",
    r"\bbasta (?:de|ya)\b|\b(?:es )?acoso\b|\bhostigamiento\b|\b(?:remove|take) me (?:off|from)\b|\bstop (?:texting|messaging|emailing|calling|contacting|sending|writing)\b|\b(?:do not|don'?t|never) (?:contact|text|email|call|message|write)\b|\bno more (?:messages|emails|texts|calls)\b|\bleave (?:me|us) alone\b|\bopt[- ]?out\b|\bharass",
)
QUESTION_OTHER = rx(r"\b(?:reenv|reenvi|me (?:pasa|pasan|pasas|envia|envian|mandan|manda|mandas) (?:la|el|los|las|nuevamente|otra vez|de nuevo)? ?(?:factura|cuenta|datos|numero|pdf|copia|link|enlace|estado)|cual es (?:la|el) (?:cuenta|numero|cbu|clabe|banco)|a que cuenta|a nombre de quien|datos (?:bancarios|de la cuenta|para (?:la )?transferencia)|quien (?:habla|es|escribe)|resend|send (?:me )?(?:a copy|the invoice|again)|which account|bank details|sigue\?|aplica\?)")
PREFERENCE = Rule(r"\b(?:prefiero|preferimos|mejor|solo|solamente|escrib\w+ (?:por|al)|por correo|al correo|prefer|instead|is fine|llam\w+ al|marc\w+ al|antes de las|despues de las|before|after)\b")


# "sin factura", unless the customer asks later on the line to resend it (see _missing_document)
MISSING_DOCUMENT = Rule(r"\b(?:sin|no tengo|no tenemos|no he visto|no vimos|no aparece) (?:la |el |ninguna )?(?:factura|pedido|mercaderia|mercancia|entrega|producto|guia)\b")


def _missing_document(text):
    """``MISSING_DOCUMENT`` not followed on its line by "reenv" (what ``(?!.*reenv)`` would
    say, with each line read once rather than once per match)."""
    line_end = last = -1
    for match in MISSING_DOCUMENT.finditer(text):
        end = match.end()
        if end > line_end:
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
            last = text.rfind("reenv", end, line_end)
        if last < end:
            return True
    return False


def _score_reasons(text):
    return [reason for reason, pattern in DISPUTE.items()
            if pattern.search(text) or reason == "not_received" and _missing_document(text)]


def _channels(text):
    return [channel for channel, pattern in CHANNEL_WORDS if pattern.search(text)]


def _optout_channels(text, channel_hint, match=False):
    """The channels the customer asks to stop: those named in the refusal, else the
    channel the message came through, else every channel ("all"). ``match``: the refusal
    when it was already looked for."""
    if match is False:
        match = OPTOUT.search(text)
    if not match:
        return ()
    tail = re.split(r"[,.;!?]|\bpero\b|\bbut\b|\bsino\b|\bmejor\b|\bprefiero\b", text[match.end():match.end() + 40])[0]
    window = match.group(0) + tail
    named = _channels(window)
    if re.search(r"\bllam|\bcall", match.group(0)):
        named = ["call"] + [c for c in named if c != "call"]
    if named:
        return tuple(dict.fromkeys(named))
    return (channel_hint,) if channel_hint in CHANNELS else ("all",)


def _payments_made(text):
    """The phrases that say a payment was made, without those a customer waits for ("cuando
    me paguen", "Dios le pague") or that cancel an order rather than pay an invoice."""
    found = []
    for match in PAY_PAST.finditer(text):
        before = text[max(0, match.start() - 30):match.start()]
        if not match.group(0).startswith("ya") and SUBJUNCTIVE.search(before) and re.match(r"\w*pague", match.group(0).split()[-1] if match.group(0).split() else ""):
            continue
        if "cancel" in match.group(0) and CANCELLED_ORDER.search(before + " "):
            continue
        found.append(match.group(0))
    return found


def _decide(text, today, has_attachments, dates=None, optout=False):  # noqa: C901 - the order of the rules
    """``(intent, confidence, reason)``: the rules in the order a collector reads a
    message: a contest, a payment already made, a request for a plan, a promise, a
    refusal to be contacted, a request to be called; else other. ``dates`` and ``optout``:
    ``find_dates(text, today)`` and ``OPTOUT.search(text)`` when already known."""
    if not text:
        return ("paid", 0.4, None) if has_attachments else ("other", 0.0, None)
    # each rule is read when the decision needs it (the same decision as reading them all)
    reasons = _score_reasons(text)
    made = _payments_made(text)
    strong_made = any(re.match(r"ya\b|adjunt|already|attached|proof|i paid|we paid|(?:see|find)", m) for m in made)
    if reasons:
        order = ("wrong_amount", "quality", "not_received", "other")
        reason = next(r for r in order if r in reasons)
        if not (strong_made and reason != "wrong_amount"):
            return "dispute", 0.85 if len(reasons) == 1 else 0.75, reason
    if made or (PAY_AMBIGUOUS.search(text) and PAST_TIME.search(text)):
        return "paid", 0.9 if strong_made else 0.8, None
    if dates is None:
        dates = find_dates(text, today)
    future_dates = any(d and d >= today and kind != "yesterday" for _pos, d, kind, _t in dates)
    plan = bool(PLAN.search(text))
    future_pay = bool(PAY_FUTURE.search(text))
    if plan and not (future_pay and future_dates and not re.search(r"cuotas|partes|convenio|plan|installment|abonos|pagos", text)):
        return "plan", 0.85, None
    negated = None
    if future_pay:
        negated = bool(NEGATED_PAY.search(text))
        if not negated and not (not future_dates and QUESTION_OTHER.search(text)):
            return "promise", 0.9 if future_dates else 0.75, None
    if optout is False:
        optout = OPTOUT.search(text)
    callbacks = any(not optout or m.end() <= optout.start() or m.start() >= optout.end() + 1
                    for m in CALLBACK.finditer(text))
    if optout and not (callbacks and PREFERENCE.search(text)):
        return "optout", 0.9, None
    if callbacks:
        return "callback", 0.8, None
    if future_dates and len(text.split(None, 6)) <= 6 and not QUESTION_OTHER.search(text) and not re.search(
            r"\b(?:reviso|revisamos|veo|vemos|aviso|confirmo|check|look|hablo|hablamos|pregunto)\b", text):
        # "el viernes", "mañana sin falta": an answer to "when will you pay?"
        return "promise", 0.6, None
    if plan and (NEGATED_PAY.search(text) if negated is None else negated):
        return "plan", 0.7, None
    return "other", 0.5, None


# What our reminders say and a customer does not, should a client quote them in a way own_words
# does not recognise: "si ya realizó el pago, por favor no considere este mensaje", "if you
# have already paid, please disregard this message" is never the customer's payment.
REMINDER_WORDS = Rule(
    r"\bsi (?:usted |ud |uds |ustedes )?ya (?:lo |la |los |las )?(?:ha |han )?(?:realizo|realizado|efectuo|efectuado|hizo|hecho|pago|pagado|programo|programado|"
    r"cancelo|cancelado|transfirio|transferido|deposito|depositado|regularizo|regularizado|abono|abonado)\b[^.\n!?]*",
    r"\ben caso de (?:que )?(?:ya )?(?:haber|haya|hayan) (?:realizado|efectuado|hecho|pagado|cancelado|programado)\b[^.\n!?]*",
    r"\bya pago\?",
    r"\b(?:por favor )?(?:ignore|ignorar|no considere|no tenga en cuenta|haga caso omiso de|omita|desestime) (?:este|esta|el presente|la presente) "
    r"(?:mensaje|correo|aviso|recordatorio|carta|email|notificacion)\b",
    r"\bif (?:you|your company) (?:have |has )?(?:already )?(?:paid|made (?:the|this|your|a) payment|sent (?:the|your|a) payment|"
    r"scheduled (?:the|this|your|a) payment|settled|remitted)\b[^.\n!?]*",
    r"\bif (?:the |your )?payment has (?:already )?been (?:made|sent|processed|scheduled)\b[^.\n!?]*",
    r"\balready paid\?",
    r"\b(?:please )?(?:disregard|ignore) this (?:message|email|e-mail|notice|reminder|letter)\b",
)


def without_reminder(text):
    """Normalised text without ``REMINDER_WORDS`` (each said as a space)."""
    parts, pos = [], 0
    for match in REMINDER_WORDS.finditer(text):
        parts.append(text[pos:match.start()])
        pos = match.end()
    if not parts:
        return text
    parts.append(text[pos:])
    return " ".join(parts).strip()


NOT_THEN = re.compile(r",? (?:no|not|can'?t|cannot|imposible)\b")  # "hoy no puedo"


def interpret(text, today, lang=None, channel=None, has_attachments=False):
    """Read a customer's reply. `text`: plain text (the quoted reminder is removed here);
    `today`: the date the message was written, in the customer's time zone; `lang`: the
    customer's language ("es_CL", "en_US"...), a hint; `channel`: where the reply came
    from (email, whatsapp...), the channel an unqualified opt-out refers to."""
    notes = []
    text = text or ""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        notes.append(("truncated", str(MAX_TEXT // 1024)))
    words_text = own_words(text)
    norm = normalise(words_text) if words_text.strip() else None
    if norm:
        said = without_reminder(norm)
        norm = said if said is norm or re.search(r"\w", said) else None  # nothing but our reminder
    if norm is None:
        notes.append(("empty", ""))
        intent, confidence, _reason = _decide("", today, has_attachments)
        return Reading(intent=intent, confidence=confidence, notes=tuple(notes))
    words = re.findall(r"[a-zñ']+", norm)
    hint = (lang or "")[:2].lower() or None
    found_lang = language(words, hint)
    optout_match = OPTOUT.search(norm)
    if found_lang is None:
        notes.append(("unknown_language", ""))
        if not optout_match:
            return Reading(intent="other", confidence=0.2, language=None, notes=tuple(notes),
                           invoice_refs=invoice_refs(words_text))
    expressions = _date_expressions(norm, today)
    dates = _dates(expressions, today, past=False)
    intent, confidence, reason = _decide(norm, today, has_attachments, dates=dates, optout=optout_match)

    # the date: the first one the text names that fits the intent
    promised = None
    if intent == "paid":
        dates = _dates(expressions, today, past=True)
    for pos, value, kind, detail in dates:
        if value is None:
            if not any(code == "impossible_date" for code, _detail in notes):  # the first one says it
                notes.append(("impossible_date", detail))
            continue
        if intent == "paid":
            if value <= today:
                promised = value
                break
            continue
        if NOT_THEN.match(norm, pos + len(detail)):
            continue  # "hoy no puedo, mañana le transfiero"
        if value < today or kind in ("yesterday", "ago_days"):
            if intent == "promise" and not any(code == "past_date" for code, _detail in notes):
                notes.append(("past_date", detail))
            continue
        promised = value
        break
    if intent == "promise" and promised is None and not any(n[0] in ("impossible_date", "past_date") for n in notes):
        notes.append(("no_date", ""))
    if intent not in ("promise", "paid", "callback"):
        promised = None

    decimal_comma = None if not lang else lang[-2:].upper() in ("CL", "CO", "AR", "ES", "UY", "VE", "EC", "BO", "PY", "CR")
    amount, currency = find_amount(norm, decimal_comma)
    installments = None
    if intent == "plan":
        match = INSTALLMENTS.search(norm)
        installments = number(match.group(1)) if match else None
        if installments is not None and not 2 <= installments <= 36:
            installments = None
    chosen = None
    if intent == "callback":
        named = _channels(norm)
        chosen = "call" if re.search(r"\bllam|\bcall|\btelefon|\bphone", norm) and not re.search(
            r"\bno (?:me |nos )?llamen|\bdon'?t call|\bno llamadas", norm) else next(
            (c for c in named if c != "call"), None)
    optout = _optout_channels(norm, channel, optout_match)
    if intent == "optout":
        chosen = optout[0] if optout and optout[0] != "all" else channel
    return Reading(
        intent=intent, confidence=confidence, date=promised, amount=amount, currency=currency,
        reason=reason, channel=chosen, optout=optout, installments=installments,
        invoice_refs=invoice_refs(words_text), language=found_lang, notes=tuple(notes),
    )


def promise_date(reading, today):
    """The date to propose for a promise: the one the customer named, else a week ahead."""
    return reading.date or today + timedelta(days=DEFAULT_PROMISE_DAYS)


# ---------------------------------------------------------------------- automatic replies
AUTO_SUBJECTS = re.compile(
    r"^\s*(?:auto(?:matic)?[- ]?(?:reply|response|respuesta)|respuesta autom[aá]tica|out of (?:the )?office|"
    r"fuera de (?:la )?oficina|ausente|ausencia|de vacaciones|on vacation|away from|abwesend|"
    r"r[ée]ponse automatique|absence|delivery status notification|undeliver|mail delivery)",
    re.IGNORECASE)


def is_auto_reply(headers, subject=""):
    """An out-of-office or other automatic answer (RFC 3834 ``Auto-Submitted``, Microsoft's
    ``X-Auto-Response-Suppress``/``X-Autoreply``, list ``Precedence``) or its usual subject."""
    headers = {k.lower(): (v or "").strip().lower() for k, v in (headers or {}).items()}
    if headers.get("auto-submitted", "no") not in ("", "no"):
        return True
    if headers.get("x-autoreply") or headers.get("x-autorespond") or headers.get("x-auto-reply"):
        return True
    if headers.get("precedence") in ("auto_reply", "bulk", "junk", "list"):
        return True
    if "oof" in headers.get("x-auto-response-suppress", "") and headers.get("x-ms-exchange-generated-message-source"):
        return True
    return bool(AUTO_SUBJECTS.match(subject or ""))
