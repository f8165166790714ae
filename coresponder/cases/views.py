"""Follow-up case pages: the worklist, a supervisor's caseload, the case, its safety plan.

Reads go through `cases.access` (policy-checked and audited); every write is one action of
`cases.actions`, which asks the policy again. A refused write shows the case page again
with each refusal beside its field; a write that worked redirects (POST/redirect/GET).
Every form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.core.local_time import LocalDateTimeField, local_input
from coresponder.encounters import answers as instrument_answers
from coresponder.privacy.classification import DataClass

from . import access, actions
from .models import (
    CaseStatus,
    CloseReason,
    ContactMethod,
    ContactOutcome,
    GoalStatus,
)

CASE_WORKERS = access.CASE_WORKERS
MAX_NOTE = actions.MAX_NOTE  # the browser counts it (core/text_limit.js); the action holds it
GROUP_LABELS = {
    "": gettext_lazy("All"),
    "overdue": gettext_lazy("Overdue"),
    "due_today": gettext_lazy("Due today"),
    "new": gettext_lazy("New"),
    "flagged": gettext_lazy("Flagged"),
}
SORT_LABELS = {
    "due": gettext_lazy("Next due"),
    "opened": gettext_lazy("Opened"),
    "name": gettext_lazy("Name"),
    "contact": gettext_lazy("Last contact"),
}
CLASS_LABELS = {
    DataClass.OPERATIONAL: gettext_lazy("operational"),
    DataClass.CARE_COORDINATION: gettext_lazy("care coordination"),
    DataClass.CLINICAL: gettext_lazy("clinical"),
    DataClass.PUBLIC_SAFETY: gettext_lazy("public safety"),
}


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# Forms: they parse; the actions decide --------------------------------------------------


class ContactForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=ContactMethod.choices, initial=ContactMethod.PHONE
    )
    # No default: reaching the person closes tasks, so it is never logged by accident.
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[("", gettext_lazy("— choose —")), *ContactOutcome.choices],
        error_messages={"required": gettext_lazy("Say how the attempt went.")},
    )
    at = LocalDateTimeField(
        label=gettext_lazy("When"),
        required=False,
        help_text=gettext_lazy("Now, unless you log an earlier attempt."),
    )
    note = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=MAX_NOTE, widget=_textarea(2)
    )


class DoneForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How it was done (optional)"), required=False, max_length=300
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task"), required=False, max_length=200)
    due_at = LocalDateTimeField(label=gettext_lazy("Due"), required=False)
    assignee_id = forms.ChoiceField(label=gettext_lazy("For"), required=False)

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"].choices = [("", _("The case's queue")), *assignees]


class GoalForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Goal"), required=False, max_length=300)
    status = forms.ChoiceField(
        label=gettext_lazy("Progress"), choices=GoalStatus.choices, initial=GoalStatus.NOT_STARTED
    )
    progress_note = forms.CharField(
        label=gettext_lazy("Latest progress"),
        required=False,
        max_length=MAX_NOTE,
        widget=_textarea(2),
    )
    target_date = forms.DateField(
        label=gettext_lazy("Aim for"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=CaseStatus.choices)
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason (when closing)"),
        required=False,
        choices=[("", "—"), *CloseReason.choices],
    )
    note = forms.CharField(
        label=gettext_lazy("Closing note"), required=False, max_length=MAX_NOTE, widget=_textarea(2)
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the contact form's note and the goal form's status share the page.
        kwargs.setdefault("auto_id", "id_case_%s")
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    case = forms.UUIDField()
    case_manager = forms.ChoiceField(label=gettext_lazy("Case manager"))

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_manager"].choices = list(managers)


class SafetyPlanForm(forms.Form):
    """One text box a step of the Stanley–Brown plan (lists one item a line, contacts
    "name — phone" a line, as the field view takes them), and what changed."""

    def __init__(self, *args, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for question in instrument.questions:
            label = f"{question.number}. {question.text}" if question.number else question.text
            self.fields[question.key] = forms.CharField(
                label=label,
                required=False,
                widget=_textarea(4 if question.answer != "text" else 2),
                help_text=instrument_answers.HINTS.get(question.answer, ""),
            )
        self.fields["note"] = forms.CharField(
            label=gettext_lazy("What changed"), required=False, max_length=300
        )

    @classmethod
    def initial_from(cls, instrument, revision) -> dict:
        if revision is None:
            return {}
        return {
            q.key: instrument_answers.as_text(q.answer, revision.answers.get(q.key))
            for q in instrument.questions
        }

    def answers(self) -> dict:
        return instrument_answers.posted_answers(self.instrument, self.data)


def _show_errors(form: forms.Form, error: DomainError) -> None:
    """Each refusal beside its field; the rest, and the message, at the form's head."""
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


# Helpers for the case page -------------------------------------------------------------


def _case_or_404(user, case_id):
    try:
        return access.access_case_by_id(user, case_id)
    except NotFound:
        raise Http404 from None


def _plan_steps(instrument, answers: dict) -> list[dict]:
    """The plan's questions in order, each with its answer for reading."""
    return [
        {
            "key": q.key,
            "number": q.number,
            "text": q.text,
            "kind": q.answer,
            "shown": instrument_answers.shown(q.answer, answers.get(q.key)),
        }
        for q in instrument.questions
    ]


def _assignees(program_id) -> list[tuple[str, str]]:
    return [
        (str(user.pk), f"{user.full_name or user.username} — {user.agency.name}")
        for user in access.case_managers_of(program_id)
    ]


@dataclass
class TaskRow:
    task: Any
    form: DoneForm


def _case_page(
    request: HttpRequest, case_id, *, bound: dict | None = None, status: int = 200
) -> TemplateResponse:
    """The case as the reader may see it, with the forms their rights allow; `bound`
    holds a refused form (by name) to show with its errors."""
    user, bound = request.user, bound or {}
    try:
        view = access.view_case(user, case_id, channel="page:case", request=request)
    except NotFound:
        raise Http404 from None
    instrument = actions.safety_plan_instrument()
    current = view.current_safety_plan
    done_for = bound.get("done_task")
    tasks = [
        TaskRow(task, bound["done"] if done_for == task.id else DoneForm(prefix=f"done-{task.id}"))
        for task in view.open_tasks
    ]
    now = local_input(timezone.now())
    # The list starts at where the case is: a status is changed by choosing another.
    status_form = bound.get("status") or StatusForm(initial={"status": view.status})
    context = {
        "view": view,
        "rights": view.rights,
        "tasks": tasks,
        "done_tasks": [task for task in view.tasks if task.state != "open"],
        "contact_form": bound.get("contact") or ContactForm(initial={"at": now}),
        "task_form": bound.get("task") or TaskForm(assignees=_assignees(user.agency.program_id)),
        "goal_form": bound["goal"]
        if bound.get("goal") and not bound.get("goal_id")
        else GoalForm(),
        "goal_rows": [
            (
                goal,
                bound["goal"]
                if bound.get("goal_id") == goal.id
                else GoalForm(
                    prefix=f"goal-{goal.id}",
                    initial={
                        "text": goal.text,
                        "status": goal.status,
                        "progress_note": goal.progress_note,
                        "target_date": goal.target_date,
                    },
                ),
            )
            for goal in view.goals or []
        ],
        "goal_id": bound.get("goal_id"),
        "status_form": status_form,
        "plan_steps": _plan_steps(instrument, current.answers) if current else [],
        "timeline": [
            (entry, CLASS_LABELS.get(entry.data_class, entry.data_class)) for entry in view.timeline
        ],
        "may_take": view.case_manager_id is None and user.has_role(Role.CASE_MANAGER),
    }
    return TemplateResponse(request, "cases/case.html", context, status=status)


def _back(case_id, anchor: str = "") -> HttpResponse:
    url = reverse("cases:case", kwargs={"case_id": case_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


# The worklist --------------------------------------------------------------------------


@dataclass
class Tab:
    key: str
    label: str
    count: int
    current: bool
    url: str


def _query(**params) -> str:
    from urllib.parse import urlencode

    kept = {key: value for key, value in params.items() if value}
    return f"?{urlencode(kept)}" if kept else ""


@require_role(*CASE_WORKERS)
def worklist(request: HttpRequest) -> TemplateResponse:
    user = request.user
    group = request.GET.get("group", "")
    group = group if group in access.GROUPS else ""
    sort = request.GET.get("sort", "due")
    sort = sort if sort in access.SORTS else "due"
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    found = access.worklist(
        user,
        group=group,
        sort=sort,
        status=status,
        page=page,
        request=request,
        channel="page:worklist",
    )
    here = reverse("cases:worklist")
    pager = {
        "previous": here + _query(group=group, sort=sort, status=status, page=found.page - 1)
        if found.page > 1
        else "",
        "next": here + _query(group=group, sort=sort, status=status, page=found.page + 1)
        if found.page < found.pages
        else "",
    }
    tabs = [
        Tab(
            key,
            str(label),
            found.total if key == "" else found.counts[key],
            key == group,
            reverse("cases:worklist") + _query(group=key, sort=sort, status=status),
        )
        for key, label in GROUP_LABELS.items()
    ]
    return TemplateResponse(
        request,
        "cases/worklist.html",
        {
            "worklist": found,
            "pager": pager,
            "tabs": tabs,
            "group": group,
            "group_label": GROUP_LABELS[group],
            "sort": sort,
            "sorts": list(SORT_LABELS.items()),
            "status": status,
            "statuses": [("", _("Any open status"))]
            + [(value, label) for value, label in CaseStatus.choices if value != "closed"],
            "may_take": user.has_role(Role.CASE_MANAGER),
            "is_supervisor": user.has_role(Role.SUPERVISOR),
            "here": request.get_full_path(),
        },
    )


@require_role(Role.CASE_MANAGER)
@require_POST
def take(request: HttpRequest, case_id) -> HttpResponse:
    """A case manager takes an unassigned case from their agency's queue."""
    case = _case_or_404(request.user, case_id)
    try:
        actions.assign_case(
            case, case_manager=request.user, acting_user=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Case %(number)s is yours.") % {"number": case.number})
    back = request.POST.get("next", "")
    if back.startswith("/cases/") and "//" not in back:
        return redirect(back)
    return redirect("cases:worklist")


# The caseload --------------------------------------------------------------------------


@dataclass
class LoadRow:
    load: Any
    percent: float  # of the busiest case manager's open cases, for the bar
    overdue_percent: float


def _caseload_page(request, *, form: AssignForm | None = None, status: int = 200):
    user = request.user
    loads, queue = access.caseload(user)
    unassigned = access.unassigned_queue(user, request=request)
    busiest = max((load.open_cases for load in loads), default=0) or 1
    rows = [
        LoadRow(
            load,
            round(100 * load.open_cases / busiest, 1),
            round(100 * min(load.overdue_tasks, load.open_cases) / busiest, 1),
        )
        for load in loads
    ]
    managers = [
        (str(manager.pk), f"{manager.full_name or manager.username} — {manager.agency.name}")
        for manager in access.case_managers_of(user.agency.program_id)
    ]
    return TemplateResponse(
        request,
        "cases/caseload.html",
        {
            "rows": rows,
            "queue": queue,
            "unassigned": unassigned,
            "managers": managers,
            "form": form,
        },
        status=status,
    )


@require_role(Role.SUPERVISOR)
def caseload(request: HttpRequest) -> TemplateResponse:
    return _caseload_page(request)


@require_role(Role.SUPERVISOR)
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    user = request.user
    managers = {str(m.pk): m for m in access.case_managers_of(user.agency.program_id)}
    form = AssignForm(request.POST, managers=[(pk, pk) for pk in managers])
    if not form.is_valid():
        messages.error(request, _("Choose a case and a case manager."))
        return _caseload_page(request, form=form, status=400)
    case = _case_or_404(user, form.cleaned_data["case"])
    manager = managers[form.cleaned_data["case_manager"]]
    try:
        actions.assign_case(case, case_manager=manager, acting_user=user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return _caseload_page(request, form=form, status=error.status)
    messages.success(
        request,
        _("Case %(number)s assigned to %(name)s.")
        % {"number": case.number, "name": manager.full_name or manager.username},
    )
    return redirect("cases:caseload")


# The case ------------------------------------------------------------------------------


@login_required
def case_detail(request: HttpRequest, case_id) -> TemplateResponse:
    return _case_page(request, case_id)


def _case_write(view_function):
    """A POST to a case: the case through access (404 when not to be seen, whatever the
    role, so a forbidden case's existence never shows), then the view; the action asks
    the policy again."""

    @login_required
    @require_POST
    def wrapped(request, case_id, *args, **kwargs):
        case = _case_or_404(request.user, case_id)
        return view_function(request, case, *args, **kwargs)

    wrapped.__name__ = view_function.__name__
    wrapped.__doc__ = view_function.__doc__
    return wrapped


@_case_write
def log_contact(request: HttpRequest, case) -> HttpResponse:
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.log_contact(
                case,
                actions.ContactIn(data["method"], data["outcome"], data["note"], data["at"]),
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Contact logged."))
            return _back(case.pk, "contacts")
    return _case_page(request, case.pk, bound={"contact": form}, status=400)


@_case_write
def complete_task(request: HttpRequest, case, task_id) -> HttpResponse:
    try:
        task = access.task_of_case(case, task_id)
    except NotFound:
        raise Http404 from None
    form = DoneForm(request.POST, prefix=f"done-{task.pk}")
    if form.is_valid():
        try:
            actions.complete_task(
                task, acting_user=request.user, note=form.cleaned_data["note"], request=request
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Task done: %(task)s.") % {"task": task.title})
            return _back(case.pk, "tasks")
    return _case_page(request, case.pk, bound={"done": form, "done_task": task.pk}, status=400)


@_case_write
def add_task(request: HttpRequest, case) -> HttpResponse:
    form = TaskForm(request.POST, assignees=_assignees(case.program_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_task(
                case,
                actions.TaskIn(
                    data["title"],
                    data["due_at"],
                    int(data["assignee_id"]) if data["assignee_id"] else None,
                ),
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Task added."))
            return _back(case.pk, "tasks")
    return _case_page(request, case.pk, bound={"task": form}, status=400)


@_case_write
def set_goal(request: HttpRequest, case, goal_id=None) -> HttpResponse:
    goal = None
    if goal_id is not None:
        try:
            goal = access.goal_of_case(case, goal_id)
        except NotFound:
            raise Http404 from None
    form = GoalForm(request.POST, prefix=f"goal-{goal_id}" if goal_id else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_goal(
                case,
                text=data["text"],
                status=data["status"],
                progress_note=data["progress_note"],
                target_date=data["target_date"],
                goal=goal,
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Goal saved."))
            return _back(case.pk, "goals")
    return _case_page(request, case.pk, bound={"goal": form, "goal_id": goal_id}, status=400)


@_case_write
def change_status(request: HttpRequest, case) -> HttpResponse:
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = actions.set_status(
                case,
                status=data["status"],
                reason=data["reason"],
                note=data["note"],
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("The case is now %(status)s.") % {"status": changed.get_status_display().lower()},
            )
            return _back(case.pk)
    return _case_page(request, case.pk, bound={"status": form}, status=400)


@_case_write
def clear_flag(request: HttpRequest, case) -> HttpResponse:
    try:
        actions.clear_flag(
            case, flag=request.POST.get("flag", ""), acting_user=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Flag cleared."))
    return _back(case.pk)


# The safety plan -----------------------------------------------------------------------


def _plan_or_404(request, case_id, channel: str) -> access.SafetyPlanView:
    try:
        return access.view_safety_plan(request.user, case_id, channel=channel, request=request)
    except NotFound:
        raise Http404 from None


@login_required
def revise_safety_plan(request: HttpRequest, case_id) -> HttpResponse:
    """The plan's form, filled from the current revision; saving makes a new revision."""
    case = _case_or_404(request.user, case_id)
    if not access.case_rights(request.user, case).clinical:
        return TemplateResponse(request, "core/forbidden.html", status=403)
    instrument = actions.safety_plan_instrument()
    status = 200
    if request.method == "POST":
        form = SafetyPlanForm(request.POST, instrument=instrument)
        if form.is_valid():
            try:
                revision = actions.revise_safety_plan(
                    case.person,
                    answers=form.answers(),
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                    request=request,
                )
            except DomainError as error:
                _show_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Safety plan saved as revision %(number)s.") % {"number": revision.number},
                )
                return _back(case.pk, "safety-plan")
        else:
            status = 400
    # Reading the plan to fill the form (or to show it again) is a read: audited.
    plan = _plan_or_404(request, case.pk, "page:safety_plan_form")
    if request.method != "POST":
        form = SafetyPlanForm(
            initial=SafetyPlanForm.initial_from(instrument, plan.current), instrument=instrument
        )
    return TemplateResponse(
        request,
        "cases/safety_plan_form.html",
        {"plan": plan, "form": form, "steps": [form[q.key] for q in instrument.questions]},
        status=status,
    )


@login_required
def print_safety_plan(request: HttpRequest, case_id) -> TemplateResponse:
    """A clean page to print and give the person: the six steps, what is worth living
    for, the 988 line; no navigation. An audited read of the plan."""
    plan = _plan_or_404(request, case_id, "page:safety_plan_print")
    instrument = actions.safety_plan_instrument()
    current = plan.current
    steps = _plan_steps(instrument, current.answers) if current else []
    return TemplateResponse(
        request,
        "cases/safety_plan_print.html",
        {
            "plan": plan,
            "current": current,
            "steps": [step for step in steps if step["number"]],
            "worth": next((step for step in steps if not step["number"]), None),
        },
    )
