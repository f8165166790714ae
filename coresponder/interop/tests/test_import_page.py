"""The import page (issue 17 item 3): a program administrator maps a CAD export's columns
with no code, checks it and imports it; no one else may, and a file the page cannot map is
refused with the reason and leaves nothing behind."""

from __future__ import annotations

import csv
import io
import tomllib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from coresponder.accounts.models import Agency, Program, Role
from coresponder.calls.models import Call
from coresponder.core.models import AuditEntry
from coresponder.demo.crisis_export import write_crisis_export
from coresponder.interop import csv_import, events
from coresponder.interop.classify import MAPPINGS_DIR, read_toml
from coresponder.interop.import_tasks import ProgressFile
from coresponder.interop.mapping_toml import mapping_from_toml, toml_text
from coresponder.interop.models import CallImport, CallMapping

pytestmark = pytest.mark.django_db

PAGE = "/imports/calls/"
ROWS = 120


@pytest.fixture
def crisis_file(tmp_path) -> bytes:
    return write_crisis_export(tmp_path / "crisis-calls.csv", ROWS).read_bytes()


@pytest.fixture
def police(agencies) -> Agency:
    return agencies[Agency.Kind.LAW_ENFORCEMENT]


@pytest.fixture
def admin(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def upload(client, agency, content: bytes, *, name="crisis-calls.csv", **fields):
    data = {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "agency": agency.pk,
        "encoding": "utf-8-sig",
        "delimiter": ",",
        "start": "",
        **fields,
    }
    return client.post(PAGE, data)


def mapped(program, **changes) -> dict:
    """The crisis export's columns, as an administrator picks them on the page."""
    return {
        "name": "City crisis calls",
        "description": "",
        "external_id": "EVENT_ID",
        "time_from": "parts",
        "time_column": "",
        "time_format": "",
        "part_year": "EVENT_YEAR",
        "part_month": "EVENT_MONTH",
        "part_day": "",
        "part_weekday": "EVENT_DOW",
        "part_hour": "EVENT_HOUR",
        "part_minute": "",
        "time_zone": program.time_zone,
        "source_from": "fixed",
        "source_value": "cad",
        "source_column": "",
        "place_from": "address",
        "address_column": "NEIGHBOURHOOD",
        "address_template": "",
        "latitude": "",
        "longitude": "",
        "summary": "Event type: {EVENT_TYPE}.",
        "classify_columns": ["EVENT_TYPE"],
        "rules_file": "call-types",
        "outcome_column": "APPREHENSION_MADE",
        **changes,
    }


def outcome_choices(client, url: str, fields: dict, chosen: dict[str, str]) -> dict:
    """Shows the outcome column's values, then picks a disposition for each."""
    response = client.post(url, {**fields, "action": "values"})
    assert response.status_code == 200
    form = response.context["form"]
    return {name: chosen[value] for name, value, _rows in form.value_fields["outcome"]}


def run(client, url: str, fields: dict, action: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {**fields, "action": action})


@pytest.mark.slow  # 10 s on a loaded machine: a check, an import and the dashboard
def test_an_administrator_maps_a_crisis_export_with_no_code_checks_and_imports_it(
    admin, admin_user, program, police, crisis_file
):
    # given a published crisis dataset's shape: year, month, weekday, hour, event type,
    # neighbourhood and a yes/no apprehension flag
    rows = list(csv.DictReader(io.StringIO(crisis_file.decode())))
    held = sum(row["APPREHENSION_MADE"] == "Yes" for row in rows)
    assert 0 < held < ROWS
    # when the administrator uploads it
    response = upload(admin, police, crisis_file)
    assert response.status_code == 302
    made = CallImport.objects.get(program=program)
    url = f"{PAGE}{made.pk}/"
    assert response.url == url
    page = admin.get(url)
    assert page.status_code == 200
    assert made.header == list(rows[0])
    assert "Neighbourhood" in page.content.decode()  # the first rows are shown
    # and picks the columns, and a disposition for each value of the outcome column
    fields = mapped(program)
    values = outcome_choices(admin, url, fields, {"YES": "emergency_hold", "NO": "other"})
    assert sorted(values.values()) == ["emergency_hold", "other"]
    fields |= values
    # and checks it
    response = run(admin, url, fields, "check")
    assert response.status_code == 302, response.context["form"].errors
    made.refresh_from_db()
    # then every row would import, known to the month, and nothing is imported yet
    assert (made.status, made.read, made.imported, made.rejected) == ("checked", ROWS, ROWS, 0)
    assert made.precision == "month"
    assert not Call.objects.filter(program=program).exists()
    checked = admin.get(url).content.decode()
    assert "Checked: nothing imported yet" in checked
    assert 'data-testid="precision">month<' in checked
    # when it imports it
    response = run(admin, url, fields, "import")
    assert response.status_code == 302
    made.refresh_from_db()
    # then the calls and their outcomes are there, as imported history of the month
    assert (made.status, made.imported, made.rejected) == ("imported", ROWS, 0)
    calls = Call.objects.filter(program=program)
    assert calls.count() == ROWS
    assert set(calls.values_list("received_precision", flat=True)) == {"month"}
    assert calls.filter(reported_disposition="emergency_hold").count() == held
    assert calls.filter(reported_disposition="other").count() == ROWS - held
    first = calls.get(external_id=rows[0]["EVENT_ID"])
    assert first.address == rows[0]["NEIGHBOURHOOD"]
    assert first.reported_outcome == f"APPREHENSION_MADE: {rows[0]['APPREHENSION_MADE']}"
    # and the import was audited as the command's is, by the administrator
    entry = AuditEntry.objects.get(action=events.CALLS_IMPORTED)
    assert (entry.actor_id, entry.detail["imported"]) == (admin_user.pk, ROWS)
    assert made.content == b""  # the file is not kept once imported
    done = admin.get(url).content.decode()
    assert 'name="action"' not in done  # nothing more to map
    # and the page links to the dashboard over the years imported, where they count
    years = sorted(row["EVENT_YEAR"] for row in rows)
    link = f"/outcomes/?period=custom&amp;from={years[0]}-01-01&amp;to={years[-1]}-12-31"
    assert f'href="{link}"' in done
    dashboard = admin.get(link.replace("&amp;", "&")).content.decode()
    assert f'data-testid="count-imported"><span class="stat__value">{ROWS}<' in dashboard
    # and the mapping is saved for the program, as the TOML the command line reads
    saved = CallMapping.objects.get(program=program)
    assert (saved.name, saved.saved_by) == ("City crisis calls", admin_user)
    mapping = mapping_from_toml(saved.toml, saved.name)
    assert mapping.received.parts == {
        "year": "EVENT_YEAR",
        "month": "EVENT_MONTH",
        "weekday": "EVENT_DOW",
        "hour": "EVENT_HOUR",
    }
    assert mapping.outcomes[0].values == {"YES": "emergency_hold", "NO": "other"}
    assert mapping.time_zone is None  # the program's
    download = admin.get(f"{PAGE}mappings/{saved.pk}.toml")
    assert download.status_code == 200
    assert tomllib.loads(download.content.decode()) == tomllib.loads(saved.toml)
    assert "City crisis calls" in admin.get(PAGE).content.decode()
    # and importing again is refused: it is done
    again = run(admin, url, fields, "import")
    assert again.status_code == 200
    assert Call.objects.filter(program=program).count() == ROWS


def test_a_check_lists_the_rejected_rows_with_line_and_reason(admin, program, police):
    # given a file whose second and fourth rows cannot stand
    content = (
        b"EVENT_ID,EVENT_YEAR,EVENT_MONTH,EVENT_DOW,EVENT_HOUR,EVENT_TYPE,NEIGHBOURHOOD,"
        b"APPREHENSION_MADE\n"
        b"E1,2021,March,Tuesday,14,Person in Crisis,North,No\n"
        b"E2,2021,Smarch,Tuesday,14,Person in Crisis,North,No\n"
        b"E3,2021,April,Friday,9,Overdose,South,Yes\n"
        b"E4,2021,April,Funday,9,Overdose,South,Yes\n"
    )
    upload(admin, police, content)
    made = CallImport.objects.get(program=program)
    url = f"{PAGE}{made.pk}/"
    fields = mapped(program)
    fields |= outcome_choices(admin, url, fields, {"YES": "emergency_hold", "NO": "none"})
    # when it is checked
    run(admin, url, fields, "check")
    made.refresh_from_db()
    # then the page lists those rows by line and reason, and their file downloads
    assert (made.read, made.imported, made.rejected) == (4, 2, 2)
    assert made.first_rejects == [
        [3, "EVENT_MONTH is not a month (1 to 12, or its name)."],
        [5, "EVENT_DOW is not a weekday (Monday to Sunday, or Mon to Sun)."],
    ]
    page = admin.get(url).content.decode()
    assert "EVENT_MONTH is not a month (1 to 12, or its name)." in page
    rejects = admin.get(f"{url}rejected.csv")
    assert rejects["Content-Disposition"] == 'attachment; filename="crisis-calls.rejected.csv"'
    lines = list(csv.reader(io.StringIO(rejects.content.decode())))
    assert [line[:3] for line in lines[1:]] == [
        ["3", "EVENT_MONTH is not a month (1 to 12, or its name).", "E2"],
        ["5", "EVENT_DOW is not a weekday (Monday to Sunday, or Mon to Sun).", "E4"],
    ]
    assert not Call.objects.filter(program=program).exists()


def test_starting_from_a_shipped_mapping_fills_the_form(admin, program, police, crisis_file):
    # given the crisis export, uploaded to start from the shipped police-crisis-data mapping
    response = upload(admin, police, crisis_file, start="shipped:police-crisis-data")
    made = CallImport.objects.get(program=program)
    # when the page shows the mapping
    form = admin.get(response.url).context["form"]
    # then each column and each value of the outcome column is chosen as the mapping says
    initial = form.initial
    assert (initial["time_from"], initial["part_year"], initial["part_weekday"]) == (
        "parts",
        "EVENT_YEAR",
        "EVENT_DOW",
    )
    assert initial["address_column"] == "NEIGHBOURHOOD"
    assert initial["outcome_column"] == "APPREHENSION_MADE"
    chosen = {value: initial[name] for name, value, _rows in form.value_fields["outcome"]}
    assert chosen == {"YES": "emergency_hold", "NO": "other"}
    # and checked as shown, it keeps the shipped mapping's own classify rule
    fields = {name: form[name].value() for name in form.fields}
    fields = {key: value for key, value in fields.items() if value is not None}
    response = run(admin, response.url, fields, "check")
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.imported) == ("checked", ROWS)
    saved = tomllib.loads(CallMapping.objects.get(name="police-crisis-data").toml)
    assert saved["classify"]["rules"] == [{"match": r"\bELOPEE\b", "concerns": ["welfare_check"]}]


def test_a_mapping_the_parser_refuses_is_shown_against_its_field(
    admin, program, police, crisis_file
):
    # given the crisis export
    upload(admin, police, crisis_file)
    made = CallImport.objects.get(program=program)
    url = f"{PAGE}{made.pk}/"
    fields = mapped(program, time_from="column", time_column="EVENT_HOUR", time_format="%H")
    fields |= outcome_choices(admin, url, fields, {"YES": "emergency_hold", "NO": "other"})
    # when its time is said to be an hour alone
    response = run(admin, url, fields, "check")
    # then the format is refused for having no year, and nothing runs or is saved
    assert response.status_code == 400
    assert response.context["form"].errors["time_format"] == [
        "[received_at] format '%H' has no year (%Y or %y): a call needs at least its year."
    ]
    made.refresh_from_db()
    assert made.status == "mapping"
    assert not CallMapping.objects.exists()


def test_every_outcome_value_must_be_given_a_disposition(admin, program, police, crisis_file):
    upload(admin, police, crisis_file)
    made = CallImport.objects.get(program=program)
    url = f"{PAGE}{made.pk}/"
    # when the outcome column is chosen but its values are left unmapped
    response = run(admin, url, mapped(program), "check")
    # then each value's select asks for a choice
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["outcome_value_0"] == ["This field is required."]
    assert errors["outcome_value_1"] == ["This field is required."]
    made.refresh_from_db()
    assert made.status == "mapping"


NOT_CSV = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
LATIN1 = "ÉVÉNEMENT,ANNÉE,MOIS\nE1,2021,3\n".encode("latin-1")
MISSING_FLAG = (
    b"EVENT_ID,EVENT_YEAR,EVENT_MONTH,EVENT_DOW,EVENT_HOUR,EVENT_TYPE,NEIGHBOURHOOD\n"
    b"E1,2021,March,Tuesday,14,Person in Crisis,North\n"
)


@pytest.mark.parametrize(
    ("content", "fields", "error"),
    [
        (NOT_CSV, {}, "The file is not a CSV text file (it holds NUL bytes"),
        (LATIN1, {}, "Line 1 is not utf-8-sig text (byte 0xC9). Choose the file&#x27;s encoding"),
        (
            MISSING_FLAG,
            {"start": "shipped:police-crisis-data"},
            "The file has no column &#x27;APPREHENSION_MADE&#x27;, which the mapping "
            "police-crisis-data reads.",
        ),
        (b"EVENT_ID\nE1\n", {}, "The header row has one column"),
        (b"", {}, "The submitted file is empty."),
    ],
    ids=["not csv", "wrong encoding", "missing column", "one column", "empty"],
)
def test_a_file_the_page_cannot_map_is_refused_and_nothing_is_stored(
    admin, program, police, content, fields, error
):
    # when the administrator uploads it
    response = upload(admin, police, content, **fields)
    # then the page says why, and nothing is stored or audited
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CallImport.objects.exists()
    assert not AuditEntry.objects.filter(action=events.CALL_FILE_UPLOADED).exists()


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    admin, program, police, crisis_file, settings
):
    settings.COR_IMPORT_UPLOAD_MAX_BYTES = 1000
    response = upload(admin, police, crisis_file)
    assert response.status_code == 400
    assert (
        f"The file is {len(crisis_file):,} bytes; this page takes at most 1,000."
        in response.content.decode()
    )
    assert not CallImport.objects.exists()


def test_a_file_in_another_encoding_is_read_in_the_one_chosen(admin, program, police):
    content = "ÉVÉNEMENT,ANNÉE,MOIS\nE1,2021,3\n".encode("latin-1")
    response = upload(admin, police, content, encoding="latin-1")
    assert response.status_code == 302
    assert CallImport.objects.get().header == ["ÉVÉNEMENT", "ANNÉE", "MOIS"]


@pytest.mark.parametrize(
    "role",
    [
        Role.DISPATCHER,
        Role.OFFICER,
        Role.CLINICIAN,
        Role.EMT,
        Role.CASE_MANAGER,
        Role.PARTNER,
        Role.SUPERVISOR,
        Role.EVALUATOR,
    ],
)
def test_no_one_but_an_administrator_uploads_maps_or_imports(
    role, make_user, admin, program, police, crisis_file
):
    # given a file an administrator uploaded
    upload(admin, police, crisis_file)
    made = CallImport.objects.get()
    url = f"{PAGE}{made.pk}/"
    other = Client()
    other.force_login(make_user(role))
    entries = AuditEntry.objects.count()
    # when someone of another role asks for the page, uploads, maps or downloads
    asked = [
        other.get(PAGE),
        upload(other, police, crisis_file),
        other.get(url),
        run(other, url, mapped(program), "import"),
        other.get(f"{url}status/"),
        other.get(f"{url}rejected.csv"),
        other.get(f"{url}mapping.toml"),
    ]
    # then each is refused, and nothing is stored, run or audited
    assert [response.status_code for response in asked] == [403] * len(asked)
    assert CallImport.objects.count() == 1
    made.refresh_from_db()
    assert made.status == "mapping"
    assert not Call.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_signed_out_the_page_asks_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_another_program_s_file_and_mappings_are_not_found(
    admin, program, police, crisis_file, make_user
):
    # given a file and a mapping of this program
    upload(admin, police, crisis_file, start="shipped:police-crisis-data")
    made = CallImport.objects.get()
    other_program = Program.objects.create(name="Elsewhere", slug="elsewhere")
    other_agency = Agency.objects.create(
        program=other_program, name="Elsewhere PD", kind=Agency.Kind.LAW_ENFORCEMENT
    )
    stranger = Client()
    stranger.force_login(make_user(Role.ADMINISTRATOR, agency=other_agency))
    # when another program's administrator asks for them
    url = f"{PAGE}{made.pk}/"
    asked = [stranger.get(url), stranger.get(f"{url}status/"), stranger.get(f"{url}mapping.toml")]
    # then they are not found
    assert [response.status_code for response in asked] == [404, 404, 404]
    assert "crisis-calls.csv" not in stranger.get(PAGE).content.decode()


def test_the_status_polled_while_it_runs_shows_how_far_it_has_gone(
    admin, program, police, crisis_file
):
    # given a check the worker is running, a thousand lines of four thousand in
    upload(admin, police, crisis_file)
    made = CallImport.objects.get()
    CallImport.objects.filter(pk=made.pk).update(status=CallImport.Status.RUNNING)
    progress = ProgressFile(made.pk)
    progress(1000, 4000)
    try:
        # when the page polls its status
        polled = admin.get(f"{PAGE}{made.pk}/status/", HTTP_HX_REQUEST="true")
        # then it shows the lines done and polls on
        body = polled.content.decode()
        assert '<progress max="4000" value="1000">' in body
        assert "Line 1000 of 4000." in body
        assert 'hx-trigger="every 1s"' in body
        assert "HX-Refresh" not in polled
        # and once the worker has ended, the page is reloaded whole
        CallImport.objects.filter(pk=made.pk).update(status=CallImport.Status.CHECKED)
        ended = admin.get(f"{PAGE}{made.pk}/status/", HTTP_HX_REQUEST="true")
        assert ended["HX-Refresh"] == "true"
        assert 'hx-trigger="every 1s"' not in ended.content.decode()
    finally:
        progress.remove()


@pytest.mark.parametrize("name", csv_import.shipped_mappings())
def test_a_mapping_written_as_toml_reads_back_as_the_same_table(name):
    table = read_toml(MAPPINGS_DIR / f"{name}.toml", "")
    text = toml_text(table, comment="A comment\nof two lines")
    assert tomllib.loads(text) == table
    assert mapping_from_toml(text, name) == csv_import.load_mapping(name)


def test_a_saved_mapping_may_name_only_shipped_rules_files():
    text = toml_text(
        {
            "external_id": {"column": "ID"},
            "received_at": {"column": "T", "format": "iso"},
            "source": {"value": "cad"},
            "address": {"column": "A"},
            "classify": {"columns": ["K"], "rules_file": "../../settings/base.py"},
        }
    )
    with pytest.raises(csv_import.MappingError, match="is not a shipped rules file"):
        mapping_from_toml(text, "sneaky")


def test_a_later_row_the_encoding_cannot_read_is_rejected_alone(admin, program, police):
    # given a UTF-8 file whose header and first rows read, and a row past them in Latin-1
    good = "".join(f"E{n},2021,March,Tuesday,14,Person in Crisis,North,No\n" for n in range(6))
    content = (
        "EVENT_ID,EVENT_YEAR,EVENT_MONTH,EVENT_DOW,EVENT_HOUR,EVENT_TYPE,NEIGHBOURHOOD,"
        "APPREHENSION_MADE\n" + good
    ).encode() + "E9,2021,May,Monday,1,Overdose,Montréal,Yes\n".encode("latin-1")
    upload(admin, police, content)
    made = CallImport.objects.get(program=program)
    url = f"{PAGE}{made.pk}/"
    fields = mapped(program)
    fields |= outcome_choices(admin, url, fields, {"YES": "emergency_hold", "NO": "other"})
    # when it is checked
    run(admin, url, fields, "check")
    made.refresh_from_db()
    # then that row alone is rejected, naming its column and byte
    assert (made.read, made.imported, made.rejected) == (7, 6, 1)
    assert made.first_rejects == [
        [
            8,
            "NEIGHBOURHOOD is not utf-8-sig text (byte 0xE9): set encoding in the mapping to "
            "the file's, such as cp1252 or latin-1.",
        ]
    ]
