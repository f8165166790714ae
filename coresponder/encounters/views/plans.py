"""Response plan pages: clinicians draft, supervisors approve.

The page shows what `access.plans_for` lets the reader see (and audits): the whole plan to
readers of the person's clinical class, the safety summary to readers of public safety
only, nothing to anyone else. Every write goes through `actions.save_plan` and
`actions.approve_plan`, which ask the policy again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.people.access import OpenedPerson, open_person
from coresponder.privacy.classification import DataClass

from .. import actions
from ..access import PlanView, plan_for_action, plans_for
from ..models import PlanState

MAX_CONTACTS = 12


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(forms.Form):
    """Parses the page's input; the action decides what is a good plan."""

    safety_concerns = forms.CharField(
        label=gettext_lazy("Safety concerns"),
        required=False,
        widget=_textarea(),
        help_text=gettext_lazy("Weapons, violence, medical risks: what responders must know."),
    )
    triggers = forms.CharField(
        label=gettext_lazy("Triggers to avoid"), required=False, widget=_textarea()
    )
    calming = forms.CharField(
        label=gettext_lazy("What calms (de-escalation)"), required=False, widget=_textarea()
    )
    baseline = forms.CharField(
        label=gettext_lazy("Baseline behaviour"), required=False, widget=_textarea()
    )
    escalated = forms.CharField(
        label=gettext_lazy("Escalated behaviour"), required=False, widget=_textarea()
    )
    strategies = forms.CharField(
        label=gettext_lazy("Response strategies"),
        required=False,
        widget=_textarea(4),
        help_text=gettext_lazy("One per line, the first to try first."),
    )
    review_by = forms.DateField(
        label=gettext_lazy("Review by"),
        required=False,
        help_text=gettext_lazy("After this date the plan is flagged as overdue for review."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    @classmethod
    def initial_from(cls, plan: PlanView | None) -> dict:
        if plan is None:
            return {}
        content = plan.content
        return {
            **{name: content.get(name, "") for name in actions.PLAN_TEXT_FIELDS},
            "strategies": "\n".join(content.get("strategies", [])),
            "review_by": plan.review_by if plan.state == PlanState.DRAFT else None,
        }

    def plan_in(self, contacts: list[dict]) -> actions.PlanIn:
        data = self.cleaned_data
        return actions.PlanIn(
            review_by=data["review_by"],
            strategies=[line for line in data["strategies"].splitlines() if line.strip()],
            contacts=contacts,
            **{name: data[name] for name in actions.PLAN_TEXT_FIELDS},
        )


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    role = forms.CharField(label=gettext_lazy("Role"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=60)


ContactFormSet = forms.formset_factory(
    ContactForm, extra=2, max_num=MAX_CONTACTS, validate_max=True
)


def _contacts(formset) -> list[dict]:
    """The rows with anything written in them; an empty row is no contact."""
    return [
        {key: form.cleaned_data.get(key, "") for key in ("name", "role", "phone")}
        for form in formset.forms
        if any(form.cleaned_data.get(key) for key in ("name", "role", "phone"))
    ]


def _open(request, person_id, channel: str) -> OpenedPerson:
    """Who the person is (an audited read of their identity); 404 when not to be seen."""
    try:
        return open_person(
            request.user,
            person_id,
            channel=channel,
            request=request,
            classes={DataClass.OPERATIONAL.value},
        )
    except NotFound:
        raise Http404 from None


def _plan_page(
    request, opened: OpenedPerson, *, refused=None, refusal: str = "", status: int = 200
) -> TemplateResponse:
    """The plan page; `refused` names the draft whose approval was refused, for `refusal`
    to be shown beside its button."""
    user = request.user
    plans = plans_for(user, opened.row, channel="page:plan", request=request, drafts=True)
    approved = next((plan for plan in plans if plan.state == PlanState.APPROVED), None)
    drafts = [plan for plan in plans if plan.state == PlanState.DRAFT]
    return TemplateResponse(
        request,
        "encounters/plan.html",
        {
            "person": opened.view,
            "plan": approved,
            "drafts": drafts,
            "may_draft": actions.may_draft_plan(user, opened),
            "may_approve": user.has_role(*actions.PLAN_APPROVERS) and any(p.whole for p in plans),
            "refused": refused,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def plan(request: HttpRequest, person_id) -> TemplateResponse:
    return _plan_page(request, _open(request, person_id, "page:plan"))


@login_required
def draft(request: HttpRequest, person_id, plan_id=None) -> HttpResponse:
    """A new draft (revising the approved plan when there is one), or a draft changed."""
    opened = _open(request, person_id, "page:plan_form")
    if not actions.may_draft_plan(request.user, opened):
        return TemplateResponse(request, "core/forbidden.html", status=403)
    editing = None
    if plan_id is not None:
        try:
            editing = plan_for_action(request.user, plan_id, person=opened.row)
        except NotFound:
            raise Http404 from None
        if editing.state != PlanState.DRAFT:
            messages.error(request, _("Only a draft plan changes; revise the plan as a new draft."))
            return redirect("encounters:plan", person_id=opened.view.id)
    if request.method == "POST":
        form = PlanForm(request.POST)
        contacts = ContactFormSet(request.POST, prefix="contacts")
        contact_errors: list[str] = []
        status = 400
        if form.is_valid() and contacts.is_valid():
            try:
                saved = actions.save_plan(
                    opened.row,
                    form.plan_in(_contacts(contacts)),
                    plan=editing,
                    acting_user=request.user,
                    request=request,
                )
            except DomainError as error:
                contact_errors, status = _show_errors(form, error), error.status
            else:
                messages.success(
                    request, _("Draft saved. A supervisor approves it before it is in force.")
                )
                page = reverse("encounters:plan", kwargs={"person_id": opened.view.id})
                return redirect(f"{page}#plan-{saved.pk}")
    else:
        # Reading the plan to fill the form is a read like any other: audited.
        shown = plans_for(
            request.user, opened.row, channel="page:plan_form", request=request, drafts=True
        )
        if editing is not None:
            source = next((p for p in shown if p.id == editing.pk), None)
        else:
            source = next((p for p in shown if p.state == PlanState.APPROVED), None)
        initial = PlanForm.initial_from(source)
        form = PlanForm(initial=initial)
        contacts = ContactFormSet(
            prefix="contacts", initial=source.content.get("contacts", []) if source else None
        )
        contact_errors, status = [], 200
    return TemplateResponse(
        request,
        "encounters/plan_form.html",
        {
            "person": opened.view,
            "form": form,
            "contacts": contacts,
            "contact_errors": contact_errors + list(contacts.non_form_errors()),
            "editing": editing,
            "revising": editing is None and request.method == "GET" and bool(form.initial),
        },
        status=status,
    )


def _show_errors(form: PlanForm, error: DomainError) -> list[str]:
    """Each refusal beside its field; those about contacts returned for the contact rows."""
    contact_errors = []
    for name, problems in error.fields.items():
        for problem in problems:
            if name == "contacts":
                contact_errors.append(problem)
            else:
                form.add_error(name if name in form.fields else None, problem)
    form.add_error(None, error.message)
    return contact_errors


@require_role(*actions.PLAN_APPROVERS)
@require_POST
def approve(request: HttpRequest, person_id, plan_id) -> HttpResponse:
    opened = _open(request, person_id, "page:plan")
    try:
        chosen = plan_for_action(request.user, plan_id, person=opened.row)
    except NotFound:
        raise Http404 from None
    try:
        actions.approve_plan(chosen, acting_user=request.user, request=request)
    except DomainError as error:
        return _plan_page(
            request, opened, refused=chosen.pk, refusal=error.message, status=error.status
        )
    messages.success(request, _("Plan approved; it is now the plan in force."))
    return redirect("encounters:plan", person_id=opened.view.id)
