"""sniff: the format by content; the name only breaks ties."""

from __future__ import annotations

import codecs

import pytest

from communique.errors import E_INGEST_EMPTY, E_INGEST_FORMAT, IngestError
from communique.ingest import sniff

STATEMENT = "The Northern Valdoria Front rejects the so-called peace plan of Governor Ilse Varga.\n"
MAIL = (
    "From: Teodor Marek <press@nvf.example>\r\n"
    "To: newsroom@valdoria-post.example\r\n"
    "Subject: Communique No. 7\r\n"
    "Date: Tue, 05 Mar 2024 10:00:00 +0100\r\n"
    "\r\n"
    "Body.\r\n"
)

FORMAT_CASES = [
    # plain statement, no markup, any name
    (STATEMENT.encode(), "statement.txt", "txt"),
    # same text, unknown name: still text
    (STATEMENT.encode(), "<bytes>", "txt"),
    # plain text is valid Markdown: the .md name breaks the tie
    (STATEMENT.encode(), "statement.md", "md"),
    # heading + bold: Markdown by content even when named .txt
    (b"# Communique No. 7\n\nThe **Front** demands release.\n", "c.txt", "md"),
    # one Markdown feature (a link) and no .txt name: Markdown
    (b"See [the full text](https://nvf.example/7) of the demands.\n", "c", "md"),
    # one Markdown-looking line in a .txt file: the name keeps it txt
    (b"# 1 of 3\nThe Front met in Ostrava-Nord.\n", "c.txt", "txt"),
    # full HTML page
    (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "page", "html"),
    # HTML named .txt: content wins
    (b"<html><head><title>T</title></head><body>x</body></html>", "page.txt", "html"),
    # HTML fragment starting with a paragraph tag
    (b"<p>The Front <b>will</b> march.</p>", "frag", "html"),
    # XHTML with an XML declaration
    (
        b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"></html>',
        "x.xhtml",
        "html",
    ),
    # text mentioning a tag in prose is not HTML
    (b"Use the <b> tag sparingly, said the editor.\n", "note.txt", "txt"),
    # PDF header
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "x.bin", "pdf"),
    # PDF header after junk (allowed in the first 1024 bytes)
    (b"\r\n\r\n%PDF-1.4\n", "x", "pdf"),
    # ZIP with word/ parts: docx, whatever the name
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml....word/document.xml", "x.zip", "docx"),
    # ZIP named .docx (parts beyond the head): docx, the reader checks the parts
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "report.docx", "docx"),
    # e-mail headers
    (MAIL.encode(), "message", "eml"),
    # e-mail with an mbox "From " line first
    (b"From press@nvf.example Tue Mar  5 10:00:00 2024\n" + MAIL.encode(), "m.mbox", "eml"),
    # only two mail headers: e-mail when named .eml ...
    (b"From: a@b.example\nSubject: Hi\n\nBody\n", "m.eml", "eml"),
    # ... plain text otherwise (a statement may open with "Subject:")
    (b"From: the Central Committee\nSubject: the strike\n\nBody\n", "m.txt", "txt"),
    # JSON Lines
    (b'{"text": "a", "meta": {}}\n{"text": "b"}\n', "batch", "jsonl"),
    # JSON Lines whose first line is too long for the head: the name decides
    (b'{"text": "aaaa', "batch.jsonl", "jsonl"),
    # UTF-8 BOM before text
    (codecs.BOM_UTF8 + STATEMENT.encode(), "s.txt", "txt"),
    # UTF-16 LE with BOM (NUL bytes are fine here)
    (codecs.BOM_UTF16_LE + STATEMENT.encode("utf-16-le"), "s.txt", "txt"),
    # UTF-16 BE without a BOM: recognised by the NUL pattern
    (STATEMENT.encode("utf-16-be"), "s.txt", "txt"),
    # UTF-32 with BOM holding HTML
    (codecs.BOM_UTF32_LE + "<html><body>x</body></html>".encode("utf-32-le"), "p", "html"),
    # cp1252 text (invalid UTF-8) is still text
    ("Déclaration du Front — « Non ».\n".encode("cp1252"), "d.txt", "txt"),
    # prose that mentions a PDF header is not a PDF
    (b"Save the file as PDF (the header reads %PDF-) before sending.\n", "note.txt", "txt"),
    # whitespace only: txt (the reader reports it empty)
    (b"  \n\n ", "blank.txt", "txt"),
]


@pytest.mark.parametrize(("head", "name", "expected"), FORMAT_CASES)
def test_sniff_format(head: bytes, name: str, expected: str) -> None:
    assert sniff(head, name) == expected


ERROR_CASES = [
    # PNG image
    (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "poster.txt",
        E_INGEST_FORMAT,
        "PNG image, not a supported document format",
    ),
    # JPEG image
    (
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        "photo",
        E_INGEST_FORMAT,
        "JPEG image, not a supported document format",
    ),
    # ELF executable
    (
        b"\x7fELF\x02\x01\x01\x00",
        "a.out",
        E_INGEST_FORMAT,
        "executable (ELF), not a supported document format",
    ),
    # Windows executable
    (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        "setup.exe",
        E_INGEST_FORMAT,
        "Windows executable, not a supported document format",
    ),
    # gzip
    (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        "corpus.gz",
        E_INGEST_FORMAT,
        "gzip archive, not a supported document format",
    ),
    # legacy Word .doc (OLE compound file)
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
        "old.doc",
        E_INGEST_FORMAT,
        "legacy Office file (.doc/.xls/.msg), not a supported document format; save it as .docx",
    ),
    # RTF
    (
        b"{\\rtf1\\ansi Front}",
        "x.rtf",
        E_INGEST_FORMAT,
        "RTF document, not a supported document format; save it as .docx or .txt",
    ),
    # a ZIP that is not a docx
    (
        b"PK\x03\x04\x14\x00\x00\x00notes/a.txt",
        "bundle.zip",
        E_INGEST_FORMAT,
        "ZIP archive that is not a .docx document",
    ),
    # an Excel workbook
    (
        b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml..xl/workbook.xml",
        "t.xlsx",
        E_INGEST_FORMAT,
        "Excel workbook (.xlsx), not a supported document format",
    ),
    # random bytes with NULs
    (
        bytes(range(256)) * 4,
        "junk.txt",
        E_INGEST_FORMAT,
        "binary data (NUL bytes), not a supported document format",
    ),
    # control characters without NULs
    (
        b"\x01\x02\x03\x04ab\x05\x06\x07\x08cd\x0e\x0f\x10\x11",
        "junk",
        E_INGEST_FORMAT,
        "binary data (control characters), not a supported document format",
    ),
    # SVG is an image
    (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "logo.svg",
        E_INGEST_FORMAT,
        "SVG image, not a supported document format",
    ),
    # other XML
    (
        b'<?xml version="1.0"?><rss version="2.0"></rss>',
        "feed.xml",
        E_INGEST_FORMAT,
        "XML document (not HTML), not a supported document format",
    ),
    # a pretty-printed JSON document named .json
    (
        b'{\n  "text": "a"\n}\n',
        "one.json",
        E_INGEST_FORMAT,
        'a JSON document; expected JSON Lines (one {"text": ...} per line)',
    ),
    # nothing at all
    (b"", "empty.txt", E_INGEST_EMPTY, "file is empty (0 bytes)"),
]


@pytest.mark.parametrize(("head", "name", "code", "message"), ERROR_CASES)
def test_sniff_refuses(head: bytes, name: str, code: str, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        sniff(head, name)
    assert caught.value.code == code
    assert caught.value.message == message
