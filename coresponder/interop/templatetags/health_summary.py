"""`{% health_summary person_id channel %}`: the person's imported EHR summary, for a page.

A tag, so that a page of a lower app (the person page, the encounter's field view) shows it
with one line of its template and without importing interop; the read goes through the gate
(`interop.fhir.summary`), which decides, projects and audits for the signed-in reader.
"""

from __future__ import annotations

from django import template

from coresponder.interop.fhir.summary import health_summary as read_summary

register = template.Library()


@register.inclusion_tag("interop/health_summary.html", takes_context=True)
def health_summary(context, person_id, channel: str):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not person_id:
        return {"summary": None}
    return {"summary": read_summary(user, person_id, channel=channel, request=request)}
