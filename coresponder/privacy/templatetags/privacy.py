from django import template
from django.utils.translation import gettext as _

register = template.Library()

RELATION_WORDS = {
    "on_call": _("you are on a call about this person"),
    "care_team": _("you are on this person's care team"),
    "follow_up_queue": _("the person's case is in your agency's follow-up queue"),
    "referral_recipient": _("your agency received a referral for this person"),
    "supervisor": _("you supervise staff working with this person"),
}


@register.filter
def basis_label(basis: str) -> str:
    """Why the viewer sees a section, in words."""
    kind, _sep, detail = basis.partition(":")
    if kind == "role":
        return _("your role")
    if kind == "relation":
        return RELATION_WORDS.get(detail, detail)
    if kind == "consent":
        return _("the person's consent")
    if kind == "break_glass":
        return _("emergency access (break-the-glass), logged for review")
    return basis


@register.filter
def class_labels(classes) -> str:
    """Privacy class codes as their names, e.g. for what a consent shares."""
    from coresponder.privacy.classification import DataClass

    labels = dict(DataClass.choices)
    return ", ".join(str(labels.get(code, code)) for code in classes)
