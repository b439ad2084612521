"""docx: paragraphs and tables in reading order, core properties; not-docx and damaged."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import pytest

from communique.errors import E_INGEST_CORRUPT, E_INGEST_EMPTY, E_INGEST_FORMAT, E_INGEST_TOO_LARGE
from communique.ingest import IngestFailure, Limits, RawDoc, read_bytes, read_path


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _statement(document) -> None:
    document.add_heading("Communique No. 7", level=1)
    document.add_paragraph("The Northern Valdoria Front addresses the people of Kessel Bay.")
    document.add_paragraph("")  # an empty paragraph: no extra blank lines
    paragraph = document.add_paragraph("Spokesman ")
    paragraph.add_run("Teodor Marek").bold = True
    paragraph.add_run(" said: we will not yield.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Demand"
    table.cell(0, 1).text = "Deadline"
    table.cell(1, 0).text = "Lift the checkpoints"
    table.cell(1, 1).text = "1 April"
    document.add_paragraph("Glory to the Front.")
    props = document.core_properties
    props.title = "Communique No. 7"
    props.author = "Teodor Marek"
    props.created = dt.datetime(2024, 3, 5, 9, 30)
    props.language = "en-GB"


def test_paragraphs_tables_and_properties(tmp_path: Path) -> None:
    path = tmp_path / "c7.docx"
    path.write_bytes(_docx(_statement))
    result = read_path(path)
    assert result.failures == []
    assert result.docs == [
        RawDoc(
            text=(
                "Communique No. 7\n\n"
                "The Northern Valdoria Front addresses the people of Kessel Bay.\n\n"
                "Spokesman Teodor Marek said: we will not yield.\n\n"
                "Demand\n\nDeadline\n\nLift the checkpoints\n\n1 April\n\n"
                "Glory to the Front."
            ),
            meta={
                "format": "docx",
                "title": "Communique No. 7",
                "author": "Teodor Marek",
                "lang": "en-GB",
                "created": "2024-03-05",
            },
            source=str(path),
            format="docx",
        )
    ]


def test_merged_cells_read_once() -> None:
    def build(document) -> None:
        table = document.add_table(rows=1, cols=3)
        merged = table.cell(0, 0).merge(table.cell(0, 1))
        merged.text = "Kessel Bay Council"
        table.cell(0, 2).text = "Port Alvin"

    (doc,) = read_bytes(_docx(build), "t.docx").docs
    assert doc.text == "Kessel Bay Council\n\nPort Alvin"


def test_docx_named_otherwise_is_sniffed() -> None:
    (doc,) = read_bytes(_docx(_statement), "upload.bin").docs
    assert doc.format == "docx"


def test_empty_document() -> None:
    assert read_bytes(_docx(lambda d: None), "blank.docx").failures == [
        IngestFailure("blank.docx", E_INGEST_EMPTY, "docx has no text")
    ]


def test_zip_that_is_not_docx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes/statement.txt", "The Front met.")
    assert read_bytes(out.getvalue(), "notes.docx").failures == [
        IngestFailure("notes.docx", E_INGEST_FORMAT, "ZIP archive that is not a .docx document")
    ]


def test_truncated_docx() -> None:
    data = _docx(_statement)
    assert read_bytes(data[: len(data) // 2], "cut.docx").failures == [
        IngestFailure(
            "cut.docx",
            E_INGEST_CORRUPT,
            "docx is not a readable ZIP archive (truncated or damaged)",
        )
    ]


def test_damaged_member() -> None:
    data = bytearray(_docx(_statement))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # flip bytes inside the compressed document.xml (after its local header)
    start = info.header_offset + 30 + len(info.filename) + 40
    data[start : start + 16] = bytes(16)
    (failure,) = read_bytes(bytes(data), "flipped.docx").failures
    assert failure.code == E_INGEST_CORRUPT
    assert failure.reason.startswith("docx ")


def test_invalid_xml_in_document() -> None:
    source = _docx(_statement)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            body = old.read(item.filename)
            if item.filename == "word/document.xml":
                body = body[: len(body) // 2]  # cut mid-element
            new.writestr(item, body)
    (failure,) = read_bytes(out.getvalue(), "badxml.docx").failures
    assert failure.code == E_INGEST_CORRUPT
    assert failure.reason.startswith("docx XML is damaged: ")


def test_zip_bomb_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>" + " " * 5_000_000)
    result = read_bytes(out.getvalue(), "bomb.docx", Limits(max_bytes=1_000_000))
    assert result.failures == [
        IngestFailure(
            "bomb.docx",
            E_INGEST_TOO_LARGE,
            "docx unpacks to 4.8 MB, over 4 x the 976.6 KB limit (--max-bytes)",
        )
    ]


@pytest.mark.parametrize("name", ["c7.docx", "c7"])
def test_same_text_whatever_the_name(name: str) -> None:
    (doc,) = read_bytes(_docx(_statement), name).docs
    assert doc.text.startswith("Communique No. 7\n\nThe Northern Valdoria Front")
