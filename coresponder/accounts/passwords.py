"""How guessable a password is, measured by zxcvbn (NIST 800-63B lets a verifier refuse
passwords that are easy to guess; a length rule alone lets `123456789012` through)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn's time grows with the length; past this many characters a password is not the
# weak kind it looks for.
MEASURED_LENGTH = 64


class GuessabilityValidator:
    """Refuses a password whose zxcvbn score is below `min_score` (0–4; 3 is "safely
    unguessable: moderate protection from an offline attack"). zxcvbn's frequency lists
    ship inside the package: nothing is fetched."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        hints = [
            value
            for value in (
                getattr(user, "username", ""),
                getattr(user, "full_name", ""),
                getattr(user, "email", ""),
            )
            if value
        ]
        if zxcvbn(password[:MEASURED_LENGTH], user_inputs=hints)["score"] < self.min_score:
            raise ValidationError(self.message(), code="password_too_guessable")

    @staticmethod
    def message() -> str:
        return _(
            "This password is too easy to guess: digits alone, a keyboard pattern, or a "
            "common word with small changes. Use three or four uncommon words, or a longer "
            "phrase."
        )

    def get_help_text(self) -> str:
        return _("Your password must not be easy to guess, such as digits or a keyboard pattern.")
