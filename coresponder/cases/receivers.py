"""Follow-up listens to calls and referrals; they do not know it exists. A completed
encounter is handed on by name instead (`encounters.follow_up`, registered in apps.py)."""

from django.dispatch import receiver

from coresponder.calls.signals import person_called
from coresponder.referrals.signals import referral_moved

from . import actions


@receiver(person_called, dispatch_uid="cases_note_call")
def note_call(sender, call, **kwargs):
    actions.note_call(call)


@receiver(referral_moved, dispatch_uid="cases_note_referral_move")
def note_referral_move(sender, referral, to_state, **kwargs):
    actions.note_referral_move(referral, to_state=to_state)
