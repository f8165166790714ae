"""What calls tell the rest of the program, without knowing who listens."""

from django.dispatch import Signal

# Sent inside the transaction that ties a call to a person (a new call naming them, or a
# person linked later), with `call`. Follow-up listens for repeat crises.
person_called = Signal()
