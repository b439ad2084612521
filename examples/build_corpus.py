#!/usr/bin/env python3
"""Build the fictional example corpus in ``examples/corpus/`` from ``examples/sources/``.

Every statement in the corpus is fictional (invented organizations, people, places and
conflicts). Each source file in ``examples/sources/`` holds one statement: a small header of
``key: value`` lines, a line ``---``, then the statement text exactly as a reader of the
output file should recover it. This script renders each source into its target format and
then reads every output back to check that the text survived.

Header keys (all optional unless noted):

``file`` (required)
    Output name inside ``corpus/``. The extension picks the writer: ``.txt``, ``.md``,
    ``.html``, ``.pdf``, ``.docx``, ``.eml``, ``.jsonl``. For ``.jsonl`` several sources
    name the same file and ``line`` orders them.
``issuer``, ``date``, ``doc_type``, ``exhibits``, ``repost_of``
    Used for the README table (``date`` is the real publication date, ISO).
``title``
    Title for HTML ``<title>``, PDF/DOCX document properties, default e-mail subject.
``encoding``
    ``utf-8`` (default), ``utf-8-sig`` (UTF-8 with a BOM) or ``cp1252``.
``newline``
    ``lf`` (default) or ``crlf``.
``copy_of``
    Name of another source (without ``.txt``) whose body is reused byte for byte: an exact
    duplicate under another file name or format.
``site``
    HTML template: ``cfk``, ``moi`` or ``nvf``.
``from``, ``to``, ``subject``, ``email_date``, ``message_id``, ``list_id``, ``list_footer``,
``html_alternative``
    E-mail headers and options.
``meta.*``
    Keys copied into the ``meta`` object of a JSONL line.
``pdf_footer``
    ``yes`` adds a "Page n of m" footer to each PDF page (extraction noise).

The build is deterministic: fixed dates in document properties, fixed zip timestamps,
fixed MIME boundaries and Message-IDs. Re-running it produces byte-identical files.

Usage::

    python examples/build_corpus.py          # build and verify
    python examples/build_corpus.py --check  # verify only (no writing)
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
CORPUS = HERE / "corpus"
EXPECTED = HERE / "expected.json"

PRODUCER = "communique examples/build_corpus.py"


# --------------------------------------------------------------------------- sources


@dataclass
class Source:
    name: str
    headers: dict[str, str]
    body: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.headers["file"]

    @property
    def ext(self) -> str:
        return Path(self.file).suffix.lower().lstrip(".")


def parse_source(path: Path) -> Source:
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise SystemExit(f"{path}: no '---' line after the header")
    headers: dict[str, str] = {}
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key.startswith("meta."):
            meta[key[5:]] = value
        else:
            headers[key] = value
    if "file" not in headers:
        raise SystemExit(f"{path}: header has no 'file:'")
    body = body.strip("\n") + "\n"
    return Source(path.stem, headers, body, meta)


def load_sources() -> list[Source]:
    sources = [parse_source(p) for p in sorted(SOURCES.glob("*.txt"))]
    by_name = {s.name: s for s in sources}
    for s in sources:
        if "copy_of" in s.headers:
            s.body = by_name[s.headers["copy_of"]].body
    return sources


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip("\n")) if p.strip()]


ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN = re.compile(r"[A-Za-z]")


def is_rtl(block: str) -> bool:
    return bool(ARABIC.search(block)) and len(ARABIC.findall(block)) > 3 * len(LATIN.findall(block))


def squash(text: str) -> str:
    """Whitespace-insensitive form used to compare a rendered file with its source."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def fixed_datetime(s: Source, hour: int = 9) -> datetime:
    y, m, d = (int(x) for x in s.headers["date"].split("-"))
    return datetime(y, m, d, hour, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- txt / md


def encode_text(s: Source, text: str) -> bytes:
    if s.headers.get("newline", "lf") == "crlf":
        text = text.replace("\n", "\r\n")
    return text.encode(s.headers.get("encoding", "utf-8"))


def write_plain(s: Source) -> bytes:
    return encode_text(s, s.body)


# --------------------------------------------------------------------------- html

SITES = {
    "cfk": {
        "site": "Council of the Faithful of Kessen",
        "nav": ["Home", "Press Releases", "Statements", "Sermons", "Publications", "Contact"],
        "footer": "&copy; 2014&ndash;2025 Central Media Office of the Council of the Faithful "
        'of Kessen. All rights reserved. | <a href="/rss">RSS</a> | <a href="/privacy">Privacy</a>',
        "lang": "en",
        "domain": "faithfulkessen.example",
    },
    "moi": {
        "site": "Ministry of the Interior &ndash; Republic of Valdoria",
        "nav": [
            "Ministry",
            "Press Centre",
            "Public Safety",
            "Citizens' Services",
            "Laws",
            "Contacts",
        ],
        "footer": "Ministry of the Interior of the Republic of Valdoria &middot; 12 Chancery "
        "Square, Corvenna &middot; Press Office: +000 00 000 000 &middot; "
        '<a href="/accessibility">Accessibility</a> &middot; <a href="/cookies">Cookies</a>',
        "lang": "en",
        "domain": "interior.gov.vd.example",
    },
    "nvf": {
        "site": "NVF &mdash; Voice of the Highlands",
        "nav": ["Communiqu&eacute;s", "Archive", "Martyrs", "Languages", "Support"],
        "footer": "Voice of the Highlands &mdash; media archive of the Northern Valdoria Front. "
        "Mirrors: voice-highlands.example, vh-mirror.example",
        "lang": "en",
        "domain": "voice-highlands.example",
    },
}

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="date" content="{date}">
<meta name="author" content="{author}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<title>{title} | {site_plain}</title>
<link rel="stylesheet" href="/static/css/site.css">
<script>
  window.dataLayer = window.dataLayer || [];
  function track(){{dataLayer.push(arguments);}}
  track('page', '{slug}', {{section: 'press'}});
</script>
<script src="/static/js/menu.min.js" defer></script>
</head>
<body>
<div id="cookie-banner" class="banner">This site uses cookies to improve your experience.
<button onclick="document.getElementById('cookie-banner').remove()">Accept</button></div>
<header class="site-header">
  <a class="logo" href="/">{site}</a>
  <nav class="main-nav">
    <ul>
{nav}
    </ul>
  </nav>
  <form class="search" action="/search"><input name="q" placeholder="Search"></form>
</header>
<div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/press">Press</a> &rsaquo; {title}</div>
<main class="layout">
<article class="post" id="post-{slug}">
{article}
<div class="share">Share: <a href="#">Print</a> | <a href="#">E-mail</a> | <a href="#">Copy link</a></div>
</article>
<aside class="sidebar">
  <h3>Latest</h3>
  <ul>
{related}
  </ul>
  <h3>Subscribe</h3>
  <p>Receive releases by e-mail. <a href="/subscribe">Sign up</a></p>
</aside>
</main>
<footer class="site-footer">
  <p>{footer}</p>
</footer>
<script>
  document.querySelectorAll('.main-nav a').forEach(function (a) {{
    if (a.href === location.href) a.classList.add('active');
  }});
</script>
</body>
</html>
"""

ENTITY_MAP = {
    "\u2019": "&rsquo;",
    "\u2018": "&lsquo;",
    "\u201c": "&ldquo;",
    "\u201d": "&rdquo;",
    "\u2014": "&mdash;",
    "\u2013": "&ndash;",
}


def html_escape(text: str, entities: bool) -> str:
    out = html.escape(text, quote=False)
    if entities:
        for ch, ent in ENTITY_MAP.items():
            out = out.replace(ch, ent)
    return out


LIST_MARK = re.compile(r"^(\d+\.|-) ")


def write_html(s: Source, sources: list[Source]) -> bytes:
    site = SITES[s.headers.get("site", "cfk")]
    entities = s.headers.get("html_entities", "yes") == "yes"
    blocks = paragraphs(s.body)
    parts = []
    for i, block in enumerate(blocks):
        esc = lambda t: html_escape(t, entities)  # noqa: E731
        if i == 0 and "\n" not in block and len(block) < 140:
            parts.append(f'<h1 class="entry-title">{esc(block)}</h1>')
            parts.append(
                f'<div class="meta">Posted on <time datetime="{s.headers["date"]}">'
                f"{s.headers['date']}</time></div>"
            )
        elif is_rtl(block):
            parts.append(f'<p class="ayah" dir="rtl" lang="ar">{esc(block)}</p>')
        elif "\n" in block and all(LIST_MARK.match(ln) for ln in block.split("\n")):
            # numbered or bulleted lines, as a CMS editor types them: one paragraph each
            parts.extend(f'<p class="item">{esc(ln)}</p>' for ln in block.split("\n"))
        elif "\n" in block or i == len(blocks) - 1:
            lines = "<br>\n".join(esc(line) for line in block.split("\n"))
            parts.append(f'<p class="signoff">{lines}</p>')
        elif len(block) < 80 and re.search(r"\d", block):
            parts.append(f'<p class="dateline">{esc(block)}</p>')
        elif len(block) < 80 and block.rstrip().endswith("?"):
            parts.append(f"<h3>{esc(block)}</h3>")
        elif len(block) < 60 and not block.rstrip().endswith((".", "!", "\u201d", '"')):
            parts.append(f"<h2>{esc(block)}</h2>")
        else:
            parts.append(f"<p>{esc(block)}</p>")
    nav = "\n".join(
        f'      <li><a href="/{re.sub(r"[^a-z]+", "-", n.lower()).strip("-")}">{n}</a></li>'
        for n in site["nav"]
    )
    older = [
        o
        for o in sources
        if o.headers.get("issuer") == s.headers.get("issuer")
        and o.headers["date"] < s.headers["date"]
        and "title" in o.headers
    ]
    same_site = sorted(older, key=lambda o: o.headers["date"], reverse=True)[:4]
    related = (
        "\n".join(
            f'    <li><a href="/press/{o.name}">{html.escape(o.headers["title"])}</a></li>'
            for o in same_site
        )
        or "    <li>No other releases</li>"
    )
    page = HTML_TEMPLATE.format(
        lang=site["lang"],
        date=s.headers["date"],
        author=html.escape(s.headers.get("author", s.headers.get("issuer", ""))),
        title=html.escape(s.headers.get("title", blocks[0][:80]), quote=True),
        site=site["site"],
        site_plain=html.unescape(site["site"]),
        slug=s.name,
        nav=nav,
        article="\n".join(parts),
        related=related,
        footer=site["footer"],
    )
    return page.encode("utf-8")


# --------------------------------------------------------------------------- pdf

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 62, 70, 72
BODY_SIZE, TITLE_SIZE, LEADING = 10.5, 13, 14
WRAP = 86  # characters per line; conservative for Helvetica at 10.5 pt on 471 pt


def pdf_escape(text: str) -> bytes:
    data = text.encode("cp1252")  # WinAnsiEncoding; raises on Arabic and other scripts
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap_line(text: str, width: int) -> list[str]:
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    return lines


def layout_pdf(text: str, title_bold: bool) -> list[list[tuple[str, str]]]:
    """Return pages, each a list of (font, line) with ("", "") for a blank line."""
    rows: list[tuple[str, str]] = []
    for i, block in enumerate(paragraphs(text)):
        if rows:
            rows.append(("", ""))
        font = "F2" if (i == 0 and title_bold) else "F1"
        for src_line in block.split("\n"):
            for line in wrap_line(src_line, WRAP if font == "F1" else 66):
                rows.append((font, line))
    per_page = int((PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) // LEADING)
    pages, cur = [], []
    for row in rows:
        if len(cur) >= per_page:
            while cur and cur[-1] == ("", ""):
                cur.pop()
            pages.append(cur)
            cur = []
        if not cur and row == ("", ""):
            continue
        cur.append(row)
    if cur:
        pages.append(cur)
    return pages


def pdf_date(dt: datetime) -> str:
    return dt.strftime("D:%Y%m%d%H%M%SZ")


def write_pdf(s: Source) -> bytes:
    pages = layout_pdf(s.body, title_bold=True)
    footer = s.headers.get("pdf_footer", "no") == "yes"
    n_pages = len(pages)
    objects: list[bytes] = []  # object i+1

    def add(obj: bytes) -> int:
        objects.append(obj)
        return len(objects)

    catalog = add(b"")  # placeholder, filled below
    pages_obj = add(b"")
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for pno, rows in enumerate(pages, start=1):
        ops = [b"BT", f"{LEADING} TL".encode(), f"{MARGIN_X} {PAGE_H - MARGIN_TOP} Td".encode()]
        current = None
        for font, line in rows:
            if font and font != current:
                size = TITLE_SIZE if font == "F2" else BODY_SIZE
                ops.append(f"/{font} {size} Tf".encode())
                current = font
            if line:
                ops.append(b"(" + pdf_escape(line) + b") Tj")
            ops.append(b"T*")
        ops.append(b"ET")
        if footer:
            label = f"Page {pno} of {n_pages}"
            ops += [
                b"BT",
                f"/F1 8 Tf {PAGE_W / 2 - 22:.0f} 40 Td".encode(),
                b"(" + pdf_escape(label) + b") Tj",
                b"ET",
            ]
        stream = b"\n".join(ops) + b"\n"
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        page = add(
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> "
            f"/Contents {content} 0 R >>".encode()
        )
        kids.append(page)
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    )
    created = pdf_date(fixed_datetime(s))
    info = add(
        b"<< /Title ("
        + pdf_escape(s.headers.get("title", ""))
        + b") /Author ("
        + pdf_escape(s.headers.get("author", s.headers.get("issuer", "")))
        + b") /Producer ("
        + pdf_escape(PRODUCER)
        + b") /CreationDate ("
        + created.encode()
        + b") /ModDate ("
        + created.encode()
        + b") >>"
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n".encode())
    out.write(b"0000000000 65535 f \n")
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    doc_id = hashlib.md5(s.body.encode("utf-8")).hexdigest().upper()
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R "
        f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


# --------------------------------------------------------------------------- docx


def write_docx(s: Source) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for i, block in enumerate(paragraphs(s.body)):
        if i == 0 and "\n" not in block and len(block) < 140:
            document.add_paragraph(block, style="Title")
            continue
        if "\n" in block and not is_rtl(block):
            # sign-offs and letter headers: one paragraph per line, as typed in Word
            for line in block.split("\n"):
                document.add_paragraph(line)
            continue
        p = document.add_paragraph(block)
        if is_rtl(block):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.space_after = Pt(6)
            bidi = OxmlElement("w:bidi")
            p._p.get_or_add_pPr().append(bidi)
            for run in p.runs:
                rpr = run._r.get_or_add_rPr()
                rpr.append(OxmlElement("w:rtl"))
                lang = OxmlElement("w:lang")
                lang.set(qn("w:bidi"), "ar-SA")
                rpr.append(lang)
    cp = document.core_properties
    dt = fixed_datetime(s).replace(tzinfo=None)
    cp.title = s.headers.get("title", "")
    cp.author = s.headers.get("author", s.headers.get("issuer", ""))
    cp.last_modified_by = cp.author
    cp.created = dt
    cp.modified = dt
    cp.revision = 1
    cp.subject = s.headers.get("doc_type", "")
    cp.keywords = ""
    cp.comments = ""
    buf = io.BytesIO()
    document.save(buf)
    return deterministic_zip(buf.getvalue(), dt)


def deterministic_zip(data: bytes, dt: datetime) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(dt.year, dt.month, dt.day, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- eml


def write_eml(s: Source) -> bytes:
    h = s.headers
    msg = EmailMessage(policy=policy.default)
    msg["From"] = h["from"]
    msg["To"] = h["to"]
    msg["Subject"] = h.get("subject", h.get("title", ""))
    msg["Date"] = h["email_date"]
    msg["Message-ID"] = h["message_id"]
    if "list_id" in h:
        msg["List-Id"] = h["list_id"]
        msg["Precedence"] = "list"
    msg["X-Mailer"] = "Dispatch 4.2"
    body = s.body
    if "list_footer" in h:
        body = body + "\n" + h["list_footer"].replace("\\n", "\n") + "\n"
    msg.set_content(body)
    if h.get("html_alternative") == "yes":
        html_body = "".join(
            f"<p>{'<br>'.join(html.escape(x) for x in b.split(chr(10)))}</p>\n"
            for b in paragraphs(s.body)
        )
        msg.add_alternative(f"<html><body>\n{html_body}</body></html>\n", subtype="html")
        msg.set_boundary("==communique-example-" + s.name + "==")
    return msg.as_bytes(policy=policy.SMTP)


# --------------------------------------------------------------------------- jsonl


def jsonl_line(s: Source) -> str:
    meta = dict(s.meta)
    return json.dumps({"text": s.body, "meta": meta}, ensure_ascii=False)


# --------------------------------------------------------------------------- README

README_HEAD = """# Example corpus (fictional)

Every statement in this folder is **fictional**. The organizations (the Council of the
Faithful of Kessen, the Northern Valdoria Front, the National Renewal Party, the Verdant Hand,
the Fellowship of the Holy Banner), the Ministry of the Interior of the "Republic of
Valdoria", every person named, the places (Valdoria, the Kessen Highlands, Corvenna,
Marovia, Aldria, Harrow Pass, Lindgrav) and the events (the Iron Meadow exercises, Operation
Clear Summit, the Harrow Pass engagement, the Dressa talks, the Kessen Accord) were invented
for testing. They imitate the *genre* of political and extremist statements (press releases,
communiqués, open letters, sermons) so that the pipeline can be tested on realistic input;
they do not describe, target or call for anything real. Scripture is quoted from real
sources (Qur'an text from the Tanzil project, common English renderings; the King James Bible;
hadith with their collection names) because citation detection is part of what is tested.

Generated by `examples/build_corpus.py` from `examples/sources/` (one source file per
statement; edit the source and re-run, never edit the corpus files by hand). The build is
deterministic. Expectations that tests assert on are in `examples/expected.json`.

## The fictional world in one paragraph

The Republic of Valdoria (also "the Valdorian Republic", "VR"; capital Corvenna, spelt
"Korvenna" by the NVF) governs the Kessen Highlands (Kessen Province, main town Kessen City).
A referendum on Kessen autonomy is postponed on 14 March 2015. Valdoria holds joint exercises
("Iron Meadow", September 2016) with the Marovian Federation (Marovia; capital Dressa). The
Trans-Kessen Pipeline, built by the Aldrian consortium Aldris Energy, is approved in June 2017.
Protests in Kessen City on 5 May 2018 end in deaths and a curfew; the army (Lieutenant General
Piotr Halvard, spelt "Halvaard" by his enemies) launches Operation Clear Summit. The Interior
Ministry designates the Council of the Faithful of Kessen an extremist organization on
11 March 2019. Soldiers are killed at Harrow Pass on 23 September 2019. Mira Astell is elected
President in January 2020. Talks in Dressa, mediated by the Aldrian Union (envoy Julian Crane),
open on 31 January 2021 and produce the Dressa Memorandum ceasefire on 15 July 2021, which
collapses in April 2022. An amnesty law passes on 12 March 2024, and the Kessen Accord is
signed on 18 February 2025.

## Issuers

| issuer (canonical) | aliases in the corpus | kind |
|---|---|---|
| Council of the Faithful of Kessen | the Council of the Faithful, CFK, the Council | religious-political movement (Islamist register; Qur'an and hadith) |
| Northern Valdoria Front | NVF, the Front | armed separatist front (secular; quotes the Bible now and then) |
| National Renewal Party | NRP, the Renewal Party | secular ultra-nationalist party |
| Ministry of the Interior of the Republic of Valdoria | Interior Ministry, MoI, the Ministry | government press office |
| Verdant Hand | the Verdant Hand Collective | eco-militant collective (cells: Alder, Rowan) |
| Fellowship of the Holy Banner | the Fellowship | Christian-nationalist fellowship (sermons) |

## Things a tester should know

- `nvf_02_iron_meadow.txt` is **Windows-1252** encoded (curly quotes and dashes as single
  bytes 0x93/0x94/0x96/0x97); `nrp_04_designation_welcome.txt` starts with a **UTF-8 BOM**;
  `nvf_05_election_boycott.txt` has **CRLF** line endings.
- Three JSONL lines are byte-for-byte copies of other files' text (**exact duplicates**):
  see the "re-post of" column (`copy of …`).
- PDFs carry a Helvetica/WinAnsi text layer and no Arabic (the Arabic of the original
  statements is left out of the PDF, as happens in real conversions). `nvf_03_clear_summit.pdf`
  has a "Page n of m" footer on each page. Lines in PDFs are wrapped, so paragraphs must
  be re-flowed by the reader.
- `nrp_05_election_result.eml` ends with a mailing-list footer after the statement;
  `cfk_11_kessen_accord.eml` is multipart/alternative (text and HTML parts).
- Three quotations are deliberately left **unclosed** (closing mark missing, the quote runs
  to the end of the paragraph): in `cfk_05_kessen_city_massacre.txt`,
  `nvf_04_harrow_pass.txt` (and its re-post) and `nrp_04_designation_welcome.txt`.
- HTML pages carry noise inside `<article>` too (a "Posted on" line with a `<time>` element,
  share links); the sidebar lists titles of older statements by the same issuer.
- pypdf's `extract_text()` does not return blank lines between paragraphs of these PDFs, and
  titles may wrap over two lines; a reader has to re-flow lines into paragraphs itself.
- DOCX files put each line of a sign-off or letter header in its own paragraph; Arabic
  paragraphs are marked right-to-left (`w:bidi`).
- Dates are stated in text (datelines, header lines, Hijri + Gregorian pairs) except in the
  documents marked "date inferred" below, where only event dates appear in the text.

## Files

| file | format | issuer | date | exhibits | re-post of |
|---|---|---|---|---|---|
"""


def build_readme(sources: list[Source], jsonl_pos: dict[str, str]) -> str:
    rows = []
    for s in sorted(sources, key=lambda x: (x.headers.get("date", ""), x.file)):
        h = s.headers
        label = jsonl_pos.get(s.name, s.file)
        fmt = s.ext
        extra = []
        if h.get("encoding", "utf-8") != "utf-8":
            extra.append({"cp1252": "Windows-1252", "utf-8-sig": "UTF-8 BOM"}[h["encoding"]])
        if h.get("newline") == "crlf":
            extra.append("CRLF")
        if extra:
            fmt += " (" + ", ".join(extra) + ")"
        repost = h.get("repost_of", "")
        if "copy_of" in h:
            repost = "exact copy of " + h.get("copy_file", h["copy_of"])
        exhibits = (
            h.get("exhibits", "").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
        )
        rows.append(
            f"| `{label}` | {fmt} | {h.get('issuer', '')} | {h.get('date', '')} | "
            f"{exhibits} | {repost} |"
        )
    counts: dict[str, int] = {}
    for f in sorted({s.file for s in sources}):
        ext = Path(f).suffix.lstrip(".")
        counts[ext] = counts.get(ext, 0) + 1
    n_lines = sum(1 for s in sources if s.ext == "jsonl")
    summary = (
        f"\n{len(sources)} statements in {sum(counts.values())} files: "
        + ", ".join(f"{n} {ext}" for ext, n in sorted(counts.items()))
        + f" (the jsonl files hold {n_lines} statements).\n"
    )
    return README_HEAD + "\n".join(rows) + "\n" + summary


# --------------------------------------------------------------------------- checks


def read_back(path: Path, s: Source) -> str:
    ext = s.ext
    data = path.read_bytes()
    if ext in ("txt", "md"):
        return data.decode(s.headers.get("encoding", "utf-8")).replace("\r\n", "\n")
    if ext == "pdf":
        from pypdf import PdfReader

        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        if s.headers.get("pdf_footer") == "yes":
            text = re.sub(r"Page \d+ of \d+", " ", text)
        return text
    if ext == "docx":
        import docx

        return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    if ext == "eml":
        msg = BytesParser(policy=policy.default).parsebytes(data)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        if "list_footer" in s.headers:
            body = body.split("_______________")[0]
        return body
    if ext == "html":
        article = re.search(r"<article[^>]*>(.*?)</article>", data.decode("utf-8"), re.S).group(1)
        article = re.sub(r"<div class=\"(meta|share)\">.*?</div>", " ", article, flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", article))
    raise ValueError(ext)


def verify(sources: list[Source]) -> list[str]:
    errors = []
    jsonl_files: dict[str, list[Source]] = {}
    for s in sources:
        path = CORPUS / s.file
        if not path.exists():
            errors.append(f"missing {s.file}")
            continue
        if s.ext == "jsonl":
            jsonl_files.setdefault(s.file, []).append(s)
            continue
        want = s.body
        if s.ext == "pdf":
            want = "\n".join(b for b in paragraphs(s.body))
        got = read_back(path, s)
        if squash(got) != squash(want):
            a, b = squash(got), squash(want)
            i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            errors.append(
                f"{s.file}: text differs at {i}: got {a[i - 40 : i + 40]!r} want {b[i - 40 : i + 40]!r}"
            )
        if s.ext == "txt" and s.headers.get("encoding") == "cp1252":
            if path.read_bytes().decode("cp1252") != encode_text(s, s.body).decode("cp1252"):
                errors.append(f"{s.file}: cp1252 round trip failed")
    for name, members in jsonl_files.items():
        lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
        bodies = [json.loads(line)["text"] for line in lines]
        for s in members:
            if s.body not in bodies:
                errors.append(f"{name}: line for {s.name} not found")
    # word counts
    for s in sources:
        n = len(s.body.split())
        if not 150 <= n <= 700:
            errors.append(f"{s.name}: {n} words (want 150-700)")
    errors += verify_expected(sources)
    return errors


def verify_expected(sources: list[Source]) -> list[str]:
    if not EXPECTED.exists():
        return ["expected.json missing"]
    errors = []
    by_label: dict[str, Source] = {}
    jsonl_count: dict[str, int] = {}
    for s in sorted(sources, key=lambda x: (x.file, int(x.headers.get("line", 0)))):
        if s.ext == "jsonl":
            jsonl_count[s.file] = jsonl_count.get(s.file, 0) + 1
            by_label[f"{s.file}#{jsonl_count[s.file]}"] = s
        else:
            by_label[s.file] = s
    exp = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for d in exp["documents"]:
        s = by_label.get(d["file"])
        if s is None:
            errors.append(f"expected.json: unknown file {d['file']}")
            continue
        text = squash(s.body)

        def need(value, what, text=text, label=d["file"]):
            if value and squash(value) not in text:
                errors.append(f"expected.json {label}: {what} {value!r} not in text")

        for key in ("office", "author", "author_role"):
            need(d.get(key), key)
        for p in d.get("persons", []):
            need(p["name"], "person")
            if p.get("title"):
                need(f"{p['title']} {p['name']}", "titled person")
        need(d.get("title"), "title")
        for q in d.get("quotes", []):
            need(q["text_startswith"], "quote start")
            need(q.get("speaker_surface"), "speaker surface")
            starts = [m.start() for m in re.finditer(re.escape(q["text_startswith"]), s.body)]
            if starts and not any(
                i > 0 and s.body[i - 1] in "\"\u201c\u00ab'\u2018" for i in starts
            ):
                errors.append(
                    f"expected.json {d['file']}: quote {q['text_startswith']!r} not after a quote mark"
                )
            variants = [q["speaker"]] + [
                k for k, v in d.get("persons_canonical", {}).items() if v == q["speaker"]
            ]
            if not any(v.split()[-1] in s.body for v in variants):
                errors.append(
                    f"expected.json {d['file']}: speaker {q['speaker']!r} not named in text"
                )
        for ref in d.get("bible_refs", []):
            need(ref, "bible ref")
        for col in d.get("hadith", []):
            need(col, "hadith collection")
        if d.get("published_how") == "stated" and d.get("published") != s.headers["date"]:
            errors.append(f"expected.json {d['file']}: published {d['published']} != source date")
        if d.get("repost_of") and d["repost_of"] not in by_label:
            errors.append(f"expected.json {d['file']}: repost_of {d['repost_of']} unknown")
    return errors


# --------------------------------------------------------------------------- main


def build(sources: list[Source]) -> dict[str, str]:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        if old.is_file() and old.name != ".gitattributes":
            old.unlink()
    jsonl: dict[str, list[Source]] = {}
    for s in sources:
        ext = s.ext
        if ext == "jsonl":
            jsonl.setdefault(s.file, []).append(s)
            continue
        writer = {
            "txt": write_plain,
            "md": write_plain,
            "pdf": write_pdf,
            "docx": write_docx,
            "eml": write_eml,
        }.get(ext)
        data = write_html(s, sources) if ext == "html" else writer(s)
        (CORPUS / s.file).write_bytes(data)
    jsonl_pos: dict[str, str] = {}
    for name, members in jsonl.items():
        members.sort(key=lambda x: int(x.headers["line"]))
        lines = [jsonl_line(m) for m in members]
        (CORPUS / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        for i, m in enumerate(members, start=1):
            jsonl_pos[m.name] = f"{name}#{i}"
    by_name = {s.name: s for s in sources}
    for s in sources:
        if "copy_of" in s.headers:
            s.headers["copy_file"] = jsonl_pos.get(
                s.headers["copy_of"], by_name[s.headers["copy_of"]].file
            )
    (HERE / "README.md").write_text(build_readme(sources, jsonl_pos), encoding="utf-8")  # outside corpus/: a README is not a statement
    # binary files must never be touched by git's newline conversion
    (CORPUS / ".gitattributes").write_text(
        "# keep the deliberate encodings and line endings byte for byte\n* -text\n",
        encoding="utf-8",
    )
    return jsonl_pos


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the existing corpus only")
    args = ap.parse_args(argv)
    sources = load_sources()
    if not args.check:
        build(sources)
    errors = verify(sources)
    for e in errors:
        print("ERROR", e, file=sys.stderr)
    n_files = len({s.file for s in sources})
    print(f"{len(sources)} statements in {n_files} files; {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
