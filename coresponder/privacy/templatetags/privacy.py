from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

# Whole sentences, so a translation never has to join a phrase to a clause.
RELATION_REASONS = {
    "on_call": gettext_lazy("You see this because you are on a call about this person."),
    "care_team": gettext_lazy("You see this because you are on this person's care team."),
    "follow_up_queue": gettext_lazy(
        "You see this because the person's case is in your agency's follow-up queue."
    ),
    "referral_recipient": gettext_lazy(
        "You see this because your agency received a referral for this person."
    ),
    "supervisor": gettext_lazy(
        "You see this because you supervise staff working with this person."
    ),
}


@register.filter
def seen_because(basis: str) -> str:
    """Why the viewer sees a section, as a sentence."""
    kind, _sep, detail = basis.partition(":")
    if kind == "role":
        return _("You see this because of your role.")
    if kind == "relation" and detail in RELATION_REASONS:
        return RELATION_REASONS[detail]
    if kind == "consent":
        return _("You see this because of the person's consent.")
    if kind == "break_glass":
        return _(
            "You see this because of an emergency access (break-the-glass), logged for review."
        )
    return _("You see this because of: %(basis)s.") % {"basis": basis}


@register.filter
def class_labels(classes) -> str:
    """Privacy class codes as their names, e.g. for what a consent shares."""
    from coresponder.privacy.classification import DataClass

    labels = dict(DataClass.choices)
    return ", ".join(str(labels.get(code, code)) for code in classes)
