"""What encounters tell the rest of the program, without knowing who listens."""

from django.dispatch import Signal

# Sent inside the transaction that completes an encounter, with `encounter` and
# `acting_user`. Follow-up listens: some dispositions open a case.
encounter_completed = Signal()
