from __future__ import annotations

import pytest

from coresponder.accounts.models import Role

pytestmark = pytest.mark.django_db

HEADINGS = {
    Role.DISPATCHER: "Dispatch desk",
    Role.OFFICER: "Field — officer",
    Role.CLINICIAN: "Field — clinician",
    Role.EMT: "Field — EMS",
    Role.CASE_MANAGER: "Follow-up",
    Role.PARTNER: "Partner organisation",
    Role.SUPERVISOR: "Supervision",
    Role.EVALUATOR: "Evaluation",
    Role.ADMINISTRATOR: "Program administration",
}


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_its_own_home(client, make_user, sign_in, role):
    # given
    sign_in(make_user(role))

    # when
    page = client.get("/").content.decode()

    # then its own heading, and no other role's
    assert f">{HEADINGS[role]}</h2>" in page
    for other, heading in HEADINGS.items():
        if other != role:
            assert f">{heading}</h2>" not in page


@pytest.mark.parametrize(
    ("role", "sees_admin_links"),
    [(Role.ADMINISTRATOR, True), (Role.SUPERVISOR, False), (Role.OFFICER, False)],
)
def test_navigation_follows_the_role(client, make_user, sign_in, role, sees_admin_links):
    sign_in(make_user(role))

    page = client.get("/").content.decode()

    assert ('href="/settings/api-tokens/"' in page) is sees_admin_links
    assert ('href="/admin/"' in page) is sees_admin_links
    assert ('href="/imports/calls/"' in page) is sees_admin_links
    assert ('href="/people/matching-model/"' in page) is sees_admin_links
    assert 'aria-label="Main"' in page


def test_a_user_with_two_roles_sees_both_and_shared_sections_once(client, make_user, sign_in):
    sign_in(make_user(Role.SUPERVISOR, Role.CLINICIAN))

    page = client.get("/").content.decode()

    assert page.index(">Supervision</h2>") < page.index(">Field — clinician</h2>")
    assert page.count("Your colleagues at") == 1


def test_the_supervisor_sees_failed_sign_ins_of_their_own_agency(client, make_user, sign_in):
    # given one of the agency's users and one elsewhere fail to sign in
    supervisor = make_user(Role.SUPERVISOR)
    colleague = make_user(Role.CLINICIAN, agency=supervisor.agency)
    outsider = make_user(Role.OFFICER)
    client.post("/login/", {"username": colleague.username, "password": "wrong-password-9"})
    client.post("/login/", {"username": outsider.username, "password": "wrong-password-9"})

    # when
    sign_in(supervisor)
    page = client.get("/").content.decode()

    # then only the colleague's failure counts
    failed = page.split("failed attempts")[0].rsplit('class="stat__value">', 1)[1]
    assert failed.startswith("1<")


@pytest.mark.parametrize(("role", "status"), [(Role.ADMINISTRATOR, 200), (Role.SUPERVISOR, 302)])
def test_django_admin_is_for_administrators_only(client, make_user, sign_in, role, status):
    sign_in(make_user(role))

    response = client.get("/admin/")

    assert response.status_code == status
    if status == 200:
        assert "Program administration" in response.content.decode()


def test_the_admins_own_login_page_is_closed(client):
    response = client.get("/admin/login/")
    assert response["Location"] == "/login/?next=/admin/"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_pages_get_the_products_not_found_page(client, make_user, sign_in):
    sign_in(make_user(Role.OFFICER))

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_a_change_made_in_the_admin_is_audited(client, make_user, sign_in, agencies):
    from coresponder.core.models import AuditEntry

    admin = make_user(Role.ADMINISTRATOR)
    sign_in(admin)
    agency = agencies["hospital"]

    response = client.post(
        f"/admin/accounts/agency/{agency.pk}/change/",
        {
            "program": agency.program_id,
            "name": "Renamed Hospital",
            "kind": "hospital",
        },
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.changed")
    assert (entry.actor_username, entry.object_type, entry.object_id, entry.fields) == (
        admin.username,
        "accounts.agency",
        str(agency.pk),
        ["name"],
    )


def test_the_admin_names_its_icon_and_favicon_ico_leads_to_it(client, make_user, sign_in):
    # given an administrator
    sign_in(make_user(Role.ADMINISTRATOR))

    # when the admin is opened, and a browser asks for /favicon.ico as it does by default
    page = client.get("/admin/").content.decode()
    icon = client.get("/favicon.ico")

    # then the admin names the product's icon, and the default path leads to it
    assert '<link rel="icon" href="/static/core/favicon.svg" type="image/svg+xml">' in page
    assert (icon.status_code, icon["Location"]) == (301, "/static/core/favicon.svg")
    client.logout()
    signed_out = client.get("/favicon.ico")
    assert (signed_out.status_code, signed_out["Location"]) == (301, "/static/core/favicon.svg")
