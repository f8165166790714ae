"""The values each outcome filter may take, in the program's words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, Program
from coresponder.calls.models import CONCERN_WORDS, RESPONSE_CHOICES, SOURCE_WORDS
from coresponder.dispatch.models import Team
from coresponder.people.models import Sex, VeteranStatus

from .facts import AGE_BANDS, OLDEST_BAND


def filter_choices(program: Program) -> dict[str, list[tuple[object, str]]]:
    return {
        "agency_id": list(
            Agency.objects.filter(program=program).order_by("name").values_list("pk", "name")
        ),
        "team_id": list(
            Team.objects.filter(program=program).order_by("name").values_list("pk", "name")
        ),
        "source": [(key.value, str(words)) for key, words in SOURCE_WORDS.items()],
        "concern": [(key.value, str(words)) for key, words in CONCERN_WORDS.items()],
        "response": [(value, str(words)) for value, words in RESPONSE_CHOICES],
        "age_band": [(band, band) for _, band in AGE_BANDS] + [(OLDEST_BAND, OLDEST_BAND)],
        "sex": [(value, str(words)) for value, words in Sex.choices],
        "veteran": [(value, str(words)) for value, words in VeteranStatus.choices],
        "outcome_source": [
            ("encounter", str(_("In Coresponder (an encounter)"))),
            ("imported", str(_("Imported (a CAD or an export)"))),
        ],
    }
