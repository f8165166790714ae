"""What referrals tell the rest of the program, without knowing who listens."""

from django.dispatch import Signal

# Sent inside the transaction of each move of a referral's loop (sending included), with
# `referral`, `from_state` and `to_state`. Follow-up listens to make and close tasks.
referral_moved = Signal()
