"""Every write to accounts: one transaction, an acting user, one audit event."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, PermissionDenied
from coresponder.core.local_time import zone_named

from . import events
from .models import FHIR_SCOPE, Agency, ApiToken, Course, Role, RoleGrant, TrainingRecord, User
from .training import today_in

TOKEN_PREFIX = "cor"  # noqa: S105 - marks our tokens in logs and secret scanners


def _actor(acting_user: User | None) -> Actor:
    return Actor.of_user(acting_user) if acting_user is not None else Actor.system()


def create_user(
    *,
    username: str,
    full_name: str,
    agency: Agency,
    roles: Iterable[str],
    password: str,
    email: str = "",
    title: str = "",
    acting_user: User | None,
) -> User:
    roles = sorted(set(roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise DomainError(_("Unknown role."), fields={"roles": unknown})
    if not roles:
        raise DomainError(_("A user needs at least one role."), fields={"roles": []})
    candidate = User(username=username, full_name=full_name, email=email, agency=agency)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(
            _("The password is not acceptable."), fields={"password": list(error.messages)}
        ) from None
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise Conflict(_("That username is taken."), fields={"username": [username]})
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            full_name=full_name,
            agency=agency,
            title=title,
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in roles])
        events.user_created(user=user, actor=_actor(acting_user))
    return user


def set_time_zone(user: User, *, time_zone: str, acting_user: User, request=None) -> User:
    """The clock `user` reads and types times on; "" is the program's. A user sets their own."""
    if acting_user.pk != user.pk:
        raise PermissionDenied(_("Each user chooses their own time zone."))
    time_zone = time_zone.strip()
    if time_zone:
        try:
            zone_named(time_zone)
        except ValueError as error:
            raise DomainError(
                _("The time zone is not known."), fields={"time_zone": [str(error)]}
            ) from None
    if time_zone == user.program.time_zone:
        time_zone = ""  # the program's: follows the program if it ever changes
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.time_zone == time_zone:
            return locked
        locked.time_zone = time_zone
        locked.save(update_fields=["time_zone"])
        events.time_zone_set(user=locked, actor=_actor(acting_user), request=request)
    user.time_zone = time_zone
    return locked


def set_roles(user: User, *, roles: Iterable[str], acting_user: User | None) -> User:
    wanted = set(roles)
    if not wanted or not wanted <= set(Role.values):
        raise DomainError(_("Give one or more known roles."), fields={"roles": sorted(wanted)})
    with transaction.atomic():
        current = set(
            RoleGrant.objects.select_for_update().filter(user=user).values_list("role", flat=True)
        )
        added, removed = wanted - current, current - wanted
        RoleGrant.objects.filter(user=user, role__in=removed).delete()
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in added])
        events.roles_changed(
            user=user, actor=_actor(acting_user), added=sorted(added), removed=sorted(removed)
        )
    user.__dict__.pop("roles", None)
    return user


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_api_token(
    *, agency: Agency, name: str, acting_user: User | None, scopes: Sequence[str] = ()
) -> IssuedToken:
    """A token for a machine client of `agency`; `scopes` are its FHIR scopes (SMART style,
    checked by `interop.fhir.rest.scopes_problem`)."""
    name = name.strip()
    if not name:
        raise DomainError(
            _("Name the token after the system that will use it."),
            fields={"name": [_("This field is required.")]},
        )
    unknown = [scope for scope in scopes if not FHIR_SCOPE.match(str(scope))]
    if unknown:
        raise DomainError(
            _("A FHIR scope reads like patient/*.read or system/Patient.read."),
            fields={"scopes": [_("Not a scope: %(scope)s") % {"scope": str(unknown[0])[:80]}]},
        )
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    agency=agency,
                    name=name,
                    prefix=prefix,
                    key_hash=_hash_key(secret),
                    created_by=acting_user,
                    scopes=list(scopes),
                )
                events.api_token_created(token=token, actor=_actor(acting_user))
        except IntegrityError:
            continue  # prefix collision, one in four billion: draw again
        return IssuedToken(token=token, secret=secret)
    raise Conflict(_("Could not issue a token; try again."))


def revoke_api_token(token: ApiToken, *, acting_user: User | None) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("agency").get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(_("That token was already revoked."))
        token.revoked_at, token.revoked_by = timezone.now(), acting_user
        token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        events.api_token_revoked(token=token, actor=_actor(acting_user))
    return token


def authenticate_api_token(secret: str) -> ApiToken | None:
    """The active token this secret belongs to, or None. Constant-time on the hash."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.active().select_related("agency__program").filter(prefix=parts[1]).first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash_key(secret)):
        return None
    now = timezone.now()
    # Recording every use would write on every request; a minute's precision is enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


TRAINING_RECORDERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def record_training(
    user: User,
    *,
    course: str,
    completed_on: date,
    expires_on: date,
    provider: str,
    certificate_number: str = "",
    acting_user: User,
    request=None,
) -> TrainingRecord:
    """Record a course completed, a licence held or a certificate earned by `user`."""
    if acting_user is None or not acting_user.has_role(*TRAINING_RECORDERS):
        raise PermissionDenied(_("Only a supervisor or an administrator records training."))
    if user.agency.program_id != acting_user.agency.program_id:
        raise DomainError(
            _("That person is not on your program's staff."),
            fields={"user": [_("Choose a member of your program's staff.")]},
        )
    provider, certificate_number = provider.strip(), certificate_number.strip()
    problems: dict[str, list[str]] = {}
    if course not in Course.values:
        problems["course"] = [_("Choose a course from the list.")]
    if completed_on > today_in(user.program):
        problems["completed_on"] = [
            _("The completion date is in the future; record training once it is done.")
        ]
    if expires_on <= completed_on:
        problems["expires_on"] = [_("The expiry date must come after the completion date.")]
    if not provider:
        problems["provider"] = [_("Say who gave the course or issued the licence.")]
    elif len(provider) > TrainingRecord._meta.get_field("provider").max_length:
        problems["provider"] = [_("Shorten the provider to 200 characters.")]
    if len(certificate_number) > TrainingRecord._meta.get_field("certificate_number").max_length:
        problems["certificate_number"] = [_("Shorten the certificate number to 100 characters.")]
    if problems:
        raise DomainError(_("The training record was not saved."), fields=problems)
    try:
        with transaction.atomic():
            training_record = TrainingRecord.objects.create(
                user=user,
                course=course,
                completed_on=completed_on,
                expires_on=expires_on,
                provider=provider,
                certificate_number=certificate_number,
                recorded_by=acting_user,
            )
            events.training_recorded(
                training_record=training_record, actor=_actor(acting_user), request=request
            )
    except IntegrityError:
        raise Conflict(
            _("The training record was not saved."),
            fields={"completed_on": [_("This course is already recorded on that date.")]},
        ) from None
    return training_record
