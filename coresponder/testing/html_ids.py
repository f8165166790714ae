"""Pages whose HTML ids are unique.

A pytest plugin (listed in the root conftest): every HTML answer a test receives through
Django's test client is parsed, and an `id` given to two elements fails the test that
received it. A label's `for`, `aria-describedby` and a script's `getElementById` each
find the first element of an id, so a second one is a field that cannot be named or
reached (the case page once had two `id_note` and two `id_status`).
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self._template_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            # A <template>'s content is inert until cloned: its ids are not the page's.
            self._template_depth += 1
        elif self._template_depth:
            return
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1

    def handle_endtag(self, tag):
        if tag == "template" and self._template_depth:
            self._template_depth -= 1


def duplicate_ids(html: str) -> list[str]:
    """The ids given to more than one element of a page, in order of first use."""
    collector = _IdCollector()
    collector.feed(html)
    collector.close()
    return [value for value, count in collector.ids.items() if count > 1]


def _is_html(response) -> bool:
    return not response.streaming and response.get("Content-Type", "").startswith("text/html")


@pytest.fixture(autouse=True)
def pages_have_unique_ids(monkeypatch):
    """Check every HTML page a test receives through the test client."""
    receive = Client.request

    def checked(client, **environ):
        response = receive(client, **environ)
        if _is_html(response):
            charset = response.charset or "utf-8"
            duplicated = duplicate_ids(response.content.decode(charset, errors="replace"))
            if duplicated:
                method = environ.get("REQUEST_METHOD", "GET")
                path = environ.get("PATH_INFO", "")
                pytest.fail(
                    f"{method} {path} gives an id to more than one element: "
                    + ", ".join(duplicated),
                    pytrace=False,
                )
        return response

    monkeypatch.setattr(Client, "request", checked)
