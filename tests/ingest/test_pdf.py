"""pdf: the text layer, page by page; encrypted, truncated, damaged and scanned files."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from communique.errors import E_INGEST_CORRUPT, E_INGEST_EMPTY, E_INGEST_TOO_LARGE
from communique.ingest import IngestFailure, Limits, RawDoc, read_bytes, read_path

PAGES = [
    ["Communiqu\u00e9 No. 7 of the Northern Valdoria Front", "Ostrava-Nord, 5 March 2024"],
    ["Spokesman Teodor Marek (Kessel Bay) said: we will not yield."],
]
INFO = {
    "Title": "Communique No. 7",
    "Author": "Teodor Marek",
    "CreationDate": "D:20240305093000+01'00'",
}


def test_text_layer_and_metadata(tmp_path: Path, make_pdf) -> None:
    path = tmp_path / "c7.pdf"
    path.write_bytes(make_pdf(PAGES, INFO))
    result = read_path(path)
    assert result.failures == []
    assert result.docs == [
        RawDoc(
            text=(
                "Communiqu\u00e9 No. 7 of the Northern Valdoria Front\n"
                "Ostrava-Nord, 5 March 2024\n\n"
                "Spokesman Teodor Marek (Kessel Bay) said: we will not yield."
            ),
            meta={
                "format": "pdf",
                "title": "Communique No. 7",
                "author": "Teodor Marek",
                "created": "2024-03-05",
                "pages": 2,
            },
            source=str(path),
            format="pdf",
        )
    ]


def test_producer_junk_title_dropped(make_pdf) -> None:
    data = make_pdf([["The Front met."]], {"Title": "Microsoft Word - statement7.docx"})
    (doc,) = read_bytes(data, "x.pdf").docs
    assert doc.meta == {"format": "pdf", "pages": 1}


def test_no_text_layer_is_empty(make_pdf) -> None:
    result = read_bytes(make_pdf([[], []]), "scan.pdf")
    assert result.failures == [
        IngestFailure(
            "scan.pdf", E_INGEST_EMPTY, "no text layer (scanned PDF?); OCR is not supported"
        )
    ]


def _encrypt(data: bytes, user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_with_password_fails(make_pdf) -> None:
    data = _encrypt(make_pdf(PAGES), user="kessel", owner="bay")
    assert read_bytes(data, "locked.pdf").failures == [
        IngestFailure("locked.pdf", E_INGEST_CORRUPT, "PDF is encrypted")
    ]


def test_encrypted_with_empty_user_password_opens(make_pdf) -> None:
    # permissions-only encryption (an owner password): readable without a password
    data = _encrypt(make_pdf(PAGES), user="", owner="bay")
    (doc,) = read_bytes(data, "restricted.pdf").docs
    assert doc.text.startswith("Communiqu\u00e9 No. 7 of the Northern Valdoria Front\n")


def test_truncated(make_pdf) -> None:
    data = make_pdf(PAGES, INFO)
    assert read_bytes(data[: len(data) // 2], "cut.pdf").failures == [
        IngestFailure("cut.pdf", E_INGEST_CORRUPT, "PDF is truncated (no %%EOF marker at the end)")
    ]


def test_garbage_after_header(make_pdf) -> None:
    data = b"%PDF-1.4\n" + bytes(range(32, 127)) * 50 + b"\n%%EOF\n"
    (failure,) = read_bytes(data, "junk.pdf").failures
    assert failure.code == E_INGEST_CORRUPT
    assert failure.reason.startswith("PDF ")


def test_damaged_xref_recovered_quietly(make_pdf, caplog: pytest.LogCaptureFixture, capfd) -> None:
    # a wrong startxref pointer: pypdf rebuilds the table and would log two warnings
    good = make_pdf(PAGES)
    data = re.sub(rb"startxref\n\d+", b"startxref\n999999", good)
    assert data != good
    with caplog.at_level(logging.WARNING):
        (doc,) = read_bytes(data, "shifted.pdf").docs
    assert doc.text.endswith("we will not yield.")
    assert caplog.records == []
    assert capfd.readouterr() == ("", "")


def test_max_chars(make_pdf) -> None:
    data = make_pdf([["x" * 60]] * 3)
    result = read_bytes(data, "long.pdf", Limits(max_chars=100))
    assert result.failures == [
        IngestFailure(
            "long.pdf",
            E_INGEST_TOO_LARGE,
            "text is at least 124 characters, over the 100 limit (--max-chars)",
        )
    ]


def test_aes_without_cryptography_says_what_is_missing(make_pdf, monkeypatch) -> None:
    # pypdf needs the optional 'cryptography' package for AES; it is not a dependency here
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def needs_cryptography(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    data = _encrypt(make_pdf(PAGES), user="", owner="bay")
    assert read_bytes(data, "aes.pdf").failures == [
        IngestFailure(
            "aes.pdf",
            E_INGEST_CORRUPT,
            "PDF is encrypted (AES); opening it needs the optional 'cryptography' package",
        )
    ]
