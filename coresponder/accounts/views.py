"""Signing in and out, the second factor, and API tokens. Thin: forms in, actions out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError
from coresponder.core.spreadsheet import safe_csv_writer

from . import actions, events
from .forms import (
    ApiTokenForm,
    CodeForm,
    ComplianceFilterForm,
    LoginForm,
    TimeZoneForm,
    TrainingRecordForm,
)
from .middleware import stamp_new_session
from .models import ApiToken, Role, RoleGrant, User
from .training import (
    STAFF_ROLES,
    WARN_DAYS,
    PersonCompliance,
    Status,
    compliance,
    requirements_in_words,
    today_in,
)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None:
            login(request, user)  # rotates the session key
            stamp_new_session(request)
            if settings.COR_REQUIRE_MFA:
                request.session["cor_next"] = _safe_next(request)
                return redirect("accounts:second_factor")
            return redirect(_safe_next(request))
        form.add_error(
            None,
            _(
                "That username and password do not match. "
                "After 5 failed attempts the account is locked for 15 minutes."
            ),
        )
    return TemplateResponse(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Asks for the code; a user with no authenticator yet enrols one here first."""
    user = request.user
    if user.is_verified():
        return redirect("web:home")
    device = _confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_token refuses a code already used (it remembers the last time step).
        if device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                events.second_factor_enrolled(user=user, request=request)
            otp_login(request, device)
            request.session.cycle_key()
            events.second_factor_verified(user=user, request=request)
            return redirect(request.session.pop("cor_next", None) or "web:home")
        form.add_error(
            "code",
            _("That code is not right, or was already used. Wait for the next code and try again."),
        )
    if request.method == "POST" and form.errors:
        # Every refused code is audited, so guessing at codes shows in the log.
        events.second_factor_failed(user=user, enrolling=enrolling, request=request)
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        import segno

        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, dark="#0b2545", light="#ffffff", omitsize=False
        )
        context["secret"] = _base32(device.bin_key)
    return TemplateResponse(
        request, "accounts/second_factor.html", context, status=400 if form.errors else 200
    )


def _base32(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_role(Role.ADMINISTRATOR)
def api_tokens(request: HttpRequest) -> HttpResponse:
    program = request.user.program
    form = ApiTokenForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.create_api_token(
                agency=form.cleaned_data["agency"],
                name=form.cleaned_data["name"],
                acting_user=request.user,
                scopes=form.cleaned_data["scopes"].split(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for messages in error.fields.get("scopes", []):
                form.add_error("scopes", messages)
        else:
            # Its own page, not the list: the secret is shown this once and never again.
            return TemplateResponse(
                request,
                "accounts/api_token_issued.html",
                {"issued": issued},
                headers={"Cache-Control": "no-store"},
            )
    tokens = ApiToken.objects.for_program(program).select_related("agency", "created_by")
    return TemplateResponse(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens},
        status=400 if form.errors else 200,
    )


@require_role(Role.ADMINISTRATOR)
@require_POST
def revoke_api_token(request: HttpRequest, prefix: str) -> HttpResponse:
    token = ApiToken.objects.for_program(request.user.program).filter(prefix=prefix).first()
    if token is None:
        messages.error(request, _("No such token."))
    else:
        try:
            actions.revoke_api_token(token, acting_user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Token revoked. Clients using it are refused from now on."))
    return redirect("accounts:api_tokens")


@login_required
def time_zone(request: HttpRequest) -> HttpResponse:
    """The user's own clock: the program's time zone, or another they work from."""
    user = request.user
    form = TimeZoneForm(
        request.POST or None,
        initial={"time_zone": user.time_zone},
        program_zone=user.program.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_time_zone(
                user, time_zone=form.cleaned_data["time_zone"], acting_user=user, request=request
            )
        except DomainError as error:
            form.add_error("time_zone", " ".join(error.fields.get("time_zone", [error.message])))
        else:
            messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": user.zone})
            return redirect("accounts:time_zone")
    return TemplateResponse(
        request,
        "accounts/time_zone.html",
        {"form": form, "program_zone": user.program.time_zone},
        status=400 if form.errors else 200,
    )


TRAINING_OVERSEERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _program_staff(program):
    """Active users of the program holding a staff role; never another program's."""
    return User.objects.filter(
        agency__program=program,
        is_active=True,
        pk__in=RoleGrant.objects.filter(role__in=STAFF_ROLES).values("user_id"),
    )


def _compliance_of(request: HttpRequest) -> tuple[list[PersonCompliance], dict, dict]:
    """The filtered compliance list, the counts before the status filter, and the context."""
    program = request.user.program
    filters = ComplianceFilterForm(request.GET or None, program=program)
    staff = (
        _program_staff(program)
        .select_related("agency")
        .prefetch_related("role_grants", "training_records")
        .order_by("agency__name", "full_name", "username")
    )
    status = ""
    if filters.is_valid():
        if filters.cleaned_data["agency"] is not None:
            staff = staff.filter(agency=filters.cleaned_data["agency"])
        status = filters.cleaned_data["status"]
    today = today_in(program)
    people = compliance(
        (
            (user, [grant.role for grant in user.role_grants.all()], user.training_records.all())
            for user in staff
        ),
        today,
    )
    counts = dict.fromkeys(Status.values, 0)
    for person in people:
        counts[person.status] += 1
    if status:
        people = [person for person in people if person.status == status]
    return people, counts, {"filters": filters, "today": today, "warn_days": WARN_DAYS}


@require_role(*TRAINING_OVERSEERS)
def training_compliance(request: HttpRequest) -> HttpResponse:
    """Who holds the training their roles need; a form to record more."""
    staff = _program_staff(request.user.program).order_by("full_name", "username")
    form = TrainingRecordForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_training(
                data["user"],
                course=data["course"],
                completed_on=data["completed_on"],
                expires_on=data["expires_on"],
                provider=data["provider"],
                certificate_number=data["certificate_number"],
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for name, problems in error.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(
                request,
                _("Training recorded for %(name)s.") % {"name": str(data["user"])},
            )
            return redirect(request.get_full_path())
    people, counts, context = _compliance_of(request)
    return TemplateResponse(
        request,
        "accounts/training_compliance.html",
        {
            **context,
            "form": form,
            "people": people,
            "counts": counts,
            "requirements": requirements_in_words(),
            "query": request.GET.urlencode(),
        },
        status=400 if form.errors else 200,
    )


@require_role(*TRAINING_OVERSEERS)
def training_compliance_csv(request: HttpRequest) -> HttpResponse:
    """The compliance list as shown, one row per person and required qualification."""
    people, _counts, context = _compliance_of(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"training-compliance-{context['today'].isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = safe_csv_writer(response)
    writer.writerow(
        [
            "person",
            "username",
            "agency",
            "roles",
            "status",
            "qualification",
            "standing",
            "expires on",
            "reason",
        ]
    )
    for person in people:
        user = person.user
        who = [
            user.full_name or user.username,
            user.username,
            user.agency.name,
            ", ".join(person.roles),
            person.status,
        ]
        for item in person.checks or [None]:
            what = (
                [item.qualification, item.standing, item.expires_on, item.reason]
                if item is not None
                else ["", "", "", ""]
            )
            writer.writerow([*who, *what])
    return response
