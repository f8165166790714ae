"""What the field view's browser tests share: signing in, opening the page, reading
what reached the server."""

from __future__ import annotations

from coresponder.core.models import AuditEntry
from coresponder.encounters import events
from coresponder.encounters.models import Section
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

PHONE = (360, 780)


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def open_field(page, base_url: str, encounter) -> None:
    page.goto(f"{base_url}/encounters/{encounter.pk}/field/")


def saves_of(encounter, kind: str) -> list[AuditEntry]:
    """The audit entries of saves of one section: one per save the server took."""
    return [
        entry
        for entry in AuditEntry.objects.filter(action=events.SECTION_SAVED).order_by("seq")
        if entry.detail.get("encounter") == str(encounter.pk)
        and entry.detail.get("section") == kind
    ]


def stored(encounter, kind: str) -> Section | None:
    return Section.objects.filter(encounter=encounter, kind=kind).first()


def draft_key(user, encounter, kind: str) -> str:
    return f"coresponder:draft:{user.pk}:{encounter.pk}:{kind}"


def shoot(page, name: str) -> None:
    page.screenshot(path=screenshot_dir() / f"field-{name}.png", full_page=True)


def fits(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
