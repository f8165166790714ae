"""A signed consent form is kept only as a PDF, PNG or JPEG, judged by its bytes, not its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coresponder.core.models import AuditEntry
from coresponder.privacy import events
from coresponder.privacy.models import Consent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
REFUSED = "The signed document must be a PDF, PNG or JPEG file; this file is none of them."


def upload(client, person, agencies, name: str, content: bytes, content_type: str):
    return client.post(
        f"/people/{person.pk}/consents/",
        {
            "kind": "general",
            "data_classes": ["clinical"],
            "recipient_agencies": [agencies["hospital"].pk],
            "purpose": "treatment",
            "starts_on": timezone.localdate().isoformat(),
            "given_by": "person",
            "form_kind": "uploaded",
            "form_document": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def stored_files() -> set[Path]:
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    ("name", "content", "kept_as"),
    [
        ("signed.pdf", PDF, ".pdf"),
        ("scan.png", PNG, ".png"),
        ("photo.jpg", JPEG, ".jpg"),
        ("photo-of-form", JPEG, ".jpg"),
        ("scan.pdf", PNG, ".png"),
    ],
    ids=["pdf", "png", "jpeg", "jpeg-without-suffix", "png-named-pdf"],
)
def test_a_pdf_png_or_jpeg_is_kept_under_the_name_its_bytes_give(
    client, crew, person, sign_in, agencies, name, content, kept_as
):
    # given
    sign_in(crew["clinician"])

    # when
    response = upload(client, person, agencies, name, content, "application/octet-stream")

    # then
    assert response.status_code == 302
    consent = Consent.objects.get(form_kind="uploaded")
    assert Path(consent.form_document.name).suffix == kept_as
    served = client.get(f"/people/{person.pk}/consents/{consent.pk}/document/")
    assert b"".join(served.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("signed.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("scan.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/png"),
        ("form.jpg", b"MZ\x90\x00\x03\x00\x00\x00", "image/jpeg"),
        ("form.pdf", b"PDF-1.7 but not at the start", "application/pdf"),
        ("form.docx", b"PK\x03\x04\x14\x00\x06\x00", "application/msword"),
    ],
    ids=["html-named-pdf", "svg-named-png", "exe-named-jpg", "pdf-word-not-first", "docx"],
)
def test_any_other_file_is_refused_and_nothing_is_stored(
    client, crew, person, sign_in, agencies, name, content, content_type
):
    # given
    sign_in(crew["clinician"])
    files_before = stored_files()
    consents_before = list(Consent.objects.values_list("pk", flat=True))
    recorded_before = AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count()

    # when
    response = upload(client, person, agencies, name, content, content_type)

    # then it says why, and neither the consent nor the file is kept
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert list(Consent.objects.values_list("pk", flat=True)) == consents_before
    assert stored_files() == files_before
    assert AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count() == recorded_before
