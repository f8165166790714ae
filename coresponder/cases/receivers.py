"""Follow-up listens to calls, encounters and referrals; they do not know it exists."""

from django.dispatch import receiver

from coresponder.calls.signals import person_called
from coresponder.encounters.signals import encounter_completed
from coresponder.referrals.signals import referral_moved

from . import actions


@receiver(encounter_completed, dispatch_uid="cases_open_for_encounter")
def open_for_encounter(sender, encounter, **kwargs):
    actions.open_case_for_encounter(encounter)


@receiver(person_called, dispatch_uid="cases_note_call")
def note_call(sender, call, **kwargs):
    actions.note_call(call)


@receiver(referral_moved, dispatch_uid="cases_note_referral_move")
def note_referral_move(sender, referral, to_state, **kwargs):
    actions.note_referral_move(referral, to_state=to_state)
