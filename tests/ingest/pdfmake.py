"""A minimal PDF writer for tests: Helvetica text on pages, an Info dictionary, exact xref.

Enough PDF for pypdf to find a text layer; no compression, one content stream per page.
"""

from __future__ import annotations


def _literal(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 here) with ``\\``, ``(`` and ``)`` escaped."""
    raw = text.encode("latin-1")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A PDF whose page ``i`` shows the lines ``pages[i]`` top to bottom.

    ``info`` goes into the document Info dictionary, e.g. ``{"Title": "...",
    "Author": "...", "CreationDate": "D:20240305120000Z"}``. A page with no lines has an
    empty content stream (no text layer).
    """
    objects: list[bytes] = []  # object n is objects[n - 1]
    n_pages = len(pages)
    font_id = 3
    first_page_id = 4  # then each page's content stream right after it
    kids = b" ".join(b"%d 0 R" % (first_page_id + 2 * i) for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n_pages)
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for i, lines in enumerate(pages):
        page_id = first_page_id + 2 * i
        ops = [b"BT", b"/F1 12 Tf", b"72 720 Td", b"14 TL"]
        for j, line in enumerate(lines):
            ops.append(_literal(line) + (b" Tj" if j == 0 else b" '"))
        ops.append(b"ET")
        stream = b"\n".join(ops) if lines else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font_id, page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_ref = b""
    if info:
        entries = b" ".join(
            b"/" + key.encode() + b" " + _literal(value) for key, value in info.items()
        )
        objects.append(b"<< " + entries + b" >>")
        info_ref = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1) + info_ref + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
