"""Phone numbers as people type them, held one way: E.164 with an optional extension.

Programs dial within the North American Numbering Plan (911, 988), so a ten-digit number
is taken as +1; a number written with its own "+" country code is kept as given. One plain
function, used by every form and action that takes a person's or a caller's phone.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .exceptions import Invalid

# "x123", "ext 123", "ext. 123", "extension 123", ", 123#" are all extensions.
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_ALLOWED = re.compile(r"^\+?[\d\s().\-/]+$")
NANP_AREA = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")
SERVICE_NUMBERS = frozenset({"211", "311", "411", "511", "611", "711", "811", "911", "988"})


class PhoneInvalid(Invalid):
    pass


def normalise_phone(text: str) -> str:
    """The number as "+13035550100" or "+13035550100 x12"; "" for nothing typed.
    Raises `PhoneInvalid` with a message saying what to fix."""
    text = (text or "").strip()
    if not text:
        return ""
    extension = ""
    found = _EXTENSION.search(text)
    if found:
        extension, text = found.group(1), text[: found.start()].strip()
    if not _ALLOWED.match(text):
        raise PhoneInvalid(
            _(
                "“%(text)s” is not a phone number: use digits, with spaces, dashes, dots or "
                "brackets between them, and “x” before an extension (303-555-0100 x12)."
            )
            % {"text": text[:40]}
        )
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not text.startswith("+1"):
        if not 8 <= len(digits) <= 15:
            raise PhoneInvalid(
                _("An international number has 8 to 15 digits after the “+”; this has %(n)s.")
                % {"n": len(digits)}
            )
        number = "+" + digits
    elif digits in SERVICE_NUMBERS and not extension:
        return digits
    else:
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) == 7:
            raise PhoneInvalid(
                _("Give the area code too: %(text)s has 7 digits, a phone number 10.")
                % {"text": text[:40]}
            )
        if len(digits) != 10:
            raise PhoneInvalid(
                _("A phone number has 10 digits (with the area code); %(text)s has %(n)s.")
                % {"text": text[:40], "n": len(digits)}
            )
        if not NANP_AREA.match(digits):
            raise PhoneInvalid(
                _(
                    "%(text)s is not a dialable number: an area code or an exchange (the "
                    "three digits after it) never starts with 0 or 1."
                )
                % {"text": text[:40]}
            )
        number = "+1" + digits
    return f"{number} x{extension}" if extension else number


def phone_for_display(number: str) -> str:
    """+13035550100 x12 as (303) 555-0100 x12; anything else as it is."""
    found = re.match(r"^\+1(\d{3})(\d{3})(\d{4})( x\d+)?$", number or "")
    if not found:
        return number
    area, exchange, line, extension = found.groups()
    return f"({area}) {exchange}-{line}{extension or ''}"
