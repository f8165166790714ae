"""Turns Django's and axes' authentication signals into audit events."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import events


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def audit_logged_in(sender, request, user, **kwargs):
    events.logged_in(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logged_out")
def audit_logged_out(sender, request, user, **kwargs):
    if user is not None:
        events.logged_out(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    events.login_failed(username=str(credentials.get("username", "")), request=request)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    events.locked_out(username=str(username or ""), request=request)
