"""Every naughty string through a free-text field: the API token's name."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import ApiToken
from coresponder.testing.naughty import (
    assert_shown_inert,
    check_naughty_strings,
    plain_text_rejection,
)

pytestmark = pytest.mark.django_db

NAME_MAX = ApiToken._meta.get_field("name").max_length


@pytest.mark.slow
def test_token_names_survive_every_naughty_string(client, admin_user, agencies, sign_in):
    # given
    sign_in(admin_user)
    agency = agencies["law_enforcement"]

    def submit(value: str):
        before = ApiToken.objects.count()
        response = client.post("/settings/api-tokens/", {"name": value, "agency": agency.pk})
        if ApiToken.objects.count() == before:
            return response, None
        return response, ApiToken.objects.order_by("-id").values_list("name", flat=True)[0]

    # when
    report = check_naughty_strings(submit=submit, expected_rejection=plain_text_rejection(NAME_MAX))

    # then
    assert len(report.stored) + len(report.refused) == 515
    page = client.get("/settings/api-tokens/").content.decode()
    assert_shown_inert(page, report.stored)
