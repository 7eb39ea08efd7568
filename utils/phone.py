"""Phone numbers compared exactly: both sides in E.164 (``phonenumbers``)."""
import phonenumbers


def e164(number, region=None):
    """`number` in E.164 (``+56987654321``), read in `region` (a country code) when it has no
    international prefix; False when it is not a possible phone number."""
    if not number:
        return False
    try:
        parsed = phonenumbers.parse(number, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_possible_number(parsed):
        return False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def national_digits(number):
    """The national significant number of an E.164 `number` (its digits after the country
    code): what every written form of the number contains."""
    return str(phonenumbers.parse(number).national_number)
