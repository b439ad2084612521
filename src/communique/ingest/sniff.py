"""Which reader a file needs, decided by its first bytes; the name only breaks ties.

Order of the checks (first match wins):

1. empty -> E_INGEST_EMPTY;
2. ``%PDF-n.n`` in the first 1024 bytes (the PDF spec allows junk before it) -> pdf;
3. ZIP: ``word/`` part names in the head -> docx; other Office/OpenDocument/EPUB archives
   and plain ZIPs -> E_INGEST_FORMAT, unless the name ends in ``.docx`` (the docx reader
   then checks the archive for ``word/document.xml``);
4. known binary signatures (images, executables, archives, legacy Office, RTF, media,
   databases) -> E_INGEST_FORMAT naming what it is;
5. NUL bytes not explained by a UTF-16/32 BOM or BOM-less UTF-16 -> E_INGEST_FORMAT;
   more than 5 % C0 control characters -> E_INGEST_FORMAT;
6. text, decoded leniently for the look: e-mail headers -> eml; markup -> html; a first
   line that is a JSON object -> jsonl; Markdown syntax -> md; otherwise txt.
"""

from __future__ import annotations

import json
import re

from ..errors import E_INGEST_EMPTY, E_INGEST_FORMAT, IngestError
from .decode import bom_encoding, utf16_without_bom

#: How many leading bytes :func:`sniff` looks at (the readers get the whole file).
SNIFF_BYTES = 64 * 1024

FORMATS = ("txt", "md", "html", "pdf", "docx", "eml", "jsonl")

_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")

# (offset, magic, what it is|what to do instead); checked after PDF and ZIP.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG image"),
    (0, b"\xff\xd8\xff", "JPEG image"),
    (0, b"GIF87a", "GIF image"),
    (0, b"GIF89a", "GIF image"),
    (0, b"II*\x00", "TIFF image"),
    (0, b"MM\x00*", "TIFF image"),
    (0, b"\x00\x00\x01\x00", "icon image"),
    (0, b"\x7fELF", "executable (ELF)"),
    (0, b"\xfe\xed\xfa\xce", "executable (Mach-O)"),
    (0, b"\xfe\xed\xfa\xcf", "executable (Mach-O)"),
    (0, b"\xce\xfa\xed\xfe", "executable (Mach-O)"),
    (0, b"\xcf\xfa\xed\xfe", "executable (Mach-O)"),
    (0, b"\xca\xfe\xba\xbe", "executable (Mach-O or Java class)"),
    (0, b"\x00asm", "WebAssembly binary"),
    (0, b"\x1f\x8b", "gzip archive"),
    (0, b"\xfd7zXZ\x00", "xz archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (0, b"Rar!\x1a\x07", "RAR archive"),
    (0, b"\x28\xb5\x2f\xfd", "zstd archive"),
    (0, b"SQLite format 3\x00", "SQLite database"),
    (0, b"PAR1", "Parquet file"),
    (
        0,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "legacy Office file (.doc/.xls/.msg)|save it as .docx",
    ),
    (0, b"{\\rtf", "RTF document|save it as .docx or .txt"),
    (0, b"%!PS", "PostScript file"),
    (0, b"ID3", "MP3 audio"),
    (0, b"OggS", "Ogg media"),
    (0, b"fLaC", "FLAC audio"),
    (0, b"\x1aE\xdf\xa3", "Matroska/WebM video"),
    (4, b"ftyp", "MP4/QuickTime media or HEIC image"),
)
# Names ZIP-based formats put first; looked for in the head when it is not a docx.
_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (
        b"mimetypeapplication/vnd.oasis.opendocument.text",
        "OpenDocument text (.odt)|save it as .docx",
    ),
    (b"mimetypeapplication/vnd.oasis.opendocument", "OpenDocument file"),
    (b"mimetypeapplication/epub+zip", "EPUB e-book"),
    (b"xl/", "Excel workbook (.xlsx)"),
    (b"ppt/", "PowerPoint file (.pptx)"),
)
# Share of C0 control bytes (other than \t \n \f \r and ESC) above which data is binary;
# text in any 8-bit encoding has none, random bytes ~11 %.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")

_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9-]*):[ \t]?")
_MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "message-id", "mime-version", "received",
        "return-path", "content-type", "reply-to", "sender", "delivered-to", "x-mailer",
        "in-reply-to", "references", "content-transfer-encoding", "dkim-signature",
    }
)  # fmt: skip
_HTML_START = re.compile(r"<(!doctype\s+html|html|head|body)\b", re.I)
_HTML_TAG = re.compile(
    r"<(html|head|body|title|meta|p|div|article|main|section|span|a|h[1-6]|br|ul|ol|li|table|"
    r"script|style|link|em|strong|b|i|blockquote)\b[^<>]*>",
    re.I,
)
# (substrings one of which must be present, pattern); searched in "\n" + text. The
# substring test and a literal first character keep this fast: ``^`` with re.M tries
# every position and was 10x slower on plain text.
_MD_FEATURES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("\n#",), re.compile(r"\n#{1,6} \S")),  # ATX heading
    (("**", "__"), re.compile(r"\*\*\S[^*\n]*\*\*|__\S[^_\n]*__")),  # bold
    (("](",), re.compile(r"\[[^\]\n]+\]\([^)\s]+\)")),  # link
    (("\n```",), re.compile(r"\n```")),  # fenced code
    (("\n==", "\n--"), re.compile(r"\n[^\n]+\n(?:=+|-+)[ \t]*(?=\n|$)")),  # setext heading
    (("\n> ",), re.compile(r"\n> \S")),  # block quote
    (("\n",), re.compile(r"\n(?:[-*+]|\d+\.) \S[^\n]*\n(?:[-*+]|\d+\.) \S")),  # a 2-item list
)
_MD_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


def sniff(head: bytes, name: str = "") -> str:
    """Return the format of a file from its first bytes (``head``) and, for ties, its name.

    One of ``txt md html pdf docx eml jsonl``. Raises ``IngestError(E_INGEST_FORMAT)`` for
    binary junk and unsupported formats, ``IngestError(E_INGEST_EMPTY)`` for no bytes.
    """
    suffix = _suffix(name)
    if not head:
        raise IngestError(E_INGEST_EMPTY, "file is empty (0 bytes)")
    if _PDF_HEADER.search(head, 0, 1024):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(head, suffix)
    for offset, magic, what in _SIGNATURES:
        if head.startswith(magic, offset):
            raise _unsupported(what)
    if head.startswith(b"MZ") and b"\x00" in head[2:64]:
        raise IngestError(E_INGEST_FORMAT, "Windows executable, not a supported document format")
    text = _peek_text(head)
    stripped = text.lstrip()
    if not stripped:
        return "md" if suffix in _MD_SUFFIXES else "txt"  # whitespace only: reader says empty
    if _is_mail(stripped, suffix):
        return "eml"
    html = _html_kind(stripped)
    if html:
        return html
    if _is_jsonl(stripped, suffix):
        return "jsonl"
    if stripped[0] in "{[" and suffix == ".json":
        raise IngestError(
            E_INGEST_FORMAT, 'a JSON document; expected JSON Lines (one {"text": ...} per line)'
        )
    return _md_or_txt(text, suffix)


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[1] if "." in base.lstrip(".") else ""


def _zip_kind(head: bytes, suffix: str) -> str:
    if b"word/" in head or suffix in (".docx", ".docm", ".dotx"):
        return "docx"
    for marker, what in _ZIP_KINDS:
        if marker in head:
            raise _unsupported(what)
    raise IngestError(E_INGEST_FORMAT, "ZIP archive that is not a .docx document")


def _unsupported(what: str) -> IngestError:
    """``"what|hint"`` -> "what, not a supported document format; hint"."""
    what, _, hint = what.partition("|")
    message = f"{what}, not a supported document format"
    return IngestError(E_INGEST_FORMAT, f"{message}; {hint}" if hint else message)


def _peek_text(head: bytes) -> str:
    """The head as text, leniently, for looking at; binary data raises E_INGEST_FORMAT."""
    bom = bom_encoding(head)
    if bom:
        name, size = bom
        return head[size:].decode(name, "replace")
    if b"\x00" in head:
        wide = utf16_without_bom(head)
        if wide:
            return head.decode(wide, "replace")
        raise IngestError(
            E_INGEST_FORMAT, "binary data (NUL bytes), not a supported document format"
        )
    controls = len(_CONTROL.findall(head[:8192]))
    if controls > _MAX_CONTROL_SHARE * min(len(head), 8192):
        raise IngestError(
            E_INGEST_FORMAT, "binary data (control characters), not a supported document format"
        )
    return head.decode("utf-8", "replace")


def _is_mail(text: str, suffix: str) -> bool:
    """A header block of RFC 5322 fields: 3+ known mail headers, or 2+ named ``.eml``."""
    lines = text.split("\n", 60)
    if lines and lines[0].startswith("From "):  # mbox separator line
        lines = lines[1:]
    known: set[str] = set()
    for line in lines[:60]:
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t":  # folded continuation
            if not known:
                return False
            continue
        match = _HEADER_LINE.match(line)
        if not match:
            return False
        if match.group(1).lower() in _MAIL_HEADERS:
            known.add(match.group(1).lower())
    else:
        if len(lines) > 60:
            return False
    need = 2 if suffix == ".eml" else 3
    return len(known) >= need and bool(known & {"from", "date", "received", "mime-version"})


def _html_kind(text: str) -> str | None:
    lower = text[:4096].lower()
    if lower.startswith("<?xml"):
        if "<html" in lower:
            return "html"
        if "<svg" in lower:
            raise IngestError(E_INGEST_FORMAT, "SVG image, not a supported document format")
        raise IngestError(
            E_INGEST_FORMAT, "XML document (not HTML), not a supported document format"
        )
    if lower.startswith("<svg"):
        raise IngestError(E_INGEST_FORMAT, "SVG image, not a supported document format")
    if _HTML_START.search(lower[:1024]):
        return "html"
    if lower.startswith("<") and _HTML_TAG.search(lower):
        return "html"
    return None


def _is_jsonl(text: str, suffix: str) -> bool:
    if not text.startswith("{"):
        return False
    first = text.split("\n", 1)[0].strip()
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        # a first line longer than the head, or a bad first line the reader will report
        return suffix in (".jsonl", ".ndjson") or text.startswith('{"')


def _md_or_txt(text: str, suffix: str) -> str:
    """Markdown by content: two kinds of Markdown syntax, or one and not named ``.txt``."""
    sample = "\n" + text[:16384]
    kinds = sum(
        1
        for needles, pattern in _MD_FEATURES
        if any(needle in sample for needle in needles) and pattern.search(sample)
    )
    if suffix in _MD_SUFFIXES:
        return "md"  # plain text is valid Markdown: the name decides
    if kinds >= 2 or (kinds == 1 and suffix != ".txt"):
        return "md"
    return "txt"
