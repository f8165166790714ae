"""Languages in words: a code a form, a CAD system or the directory stored ("es", "es-MX",
"ase") shown as its name ("Spanish"), and a name typed as words left as typed."""

from __future__ import annotations

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The languages the program's forms offer, and the sign-language codes Django's own list
# lacks (ASL is "ase" in ISO 639-3; the person form stored "asl" before).
NAMES = {
    "en": _("English"),
    "es": _("Spanish"),
    "vi": _("Vietnamese"),
    "zh": _("Chinese"),
    "ar": _("Arabic"),
    "ko": _("Korean"),
    "ru": _("Russian"),
    "so": _("Somali"),
    "asl": _("American Sign Language"),
    "ase": _("American Sign Language"),
    "other": _("Other"),
}


def language_name(value: str) -> str:
    """The name of a language code, or the value itself when it is not a code we know."""
    text = (value or "").strip()
    code = text.lower().replace("_", "-")
    if code in NAMES:
        return str(NAMES[code])
    info = LANG_INFO.get(code)
    if info is None and "-" in code:
        # A regional code Django does not list ("es-us") is its language's name.
        base = code.split("-", 1)[0]
        if base in NAMES:
            return str(NAMES[base])
        info = LANG_INFO.get(base)
    if info is not None and "name" in info:
        return gettext(info["name"])
    return text


def language_names(values) -> str:
    """Several languages, named, in their order, for a line of text."""
    return ", ".join(language_name(value) for value in values if str(value).strip())
