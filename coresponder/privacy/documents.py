"""What a signed consent document is, read from its first bytes (its "magic number").

The name and the content type a browser sends are the uploader's to choose; the bytes are
what a reader's PDF viewer or browser will act on. Only PDF, PNG and JPEG are kept: an HTML
or SVG file named `.pdf` would run script when opened from our origin.
"""

from __future__ import annotations

SIGNATURES = (
    (b"%PDF-", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
)
LONGEST = max(len(magic) for magic, _suffix in SIGNATURES)


def document_suffix(head: bytes) -> str | None:
    """The file name suffix the bytes say (`.pdf`, `.png`, `.jpg`), or None for anything else."""
    for magic, suffix in SIGNATURES:
        if head.startswith(magic):
            return suffix
    return None


def read_head(uploaded) -> bytes:
    """The first bytes of an uploaded file, leaving it ready to be read again from the start."""
    uploaded.seek(0)
    head = uploaded.read(LONGEST)
    uploaded.seek(0)
    return head
