"""One reader per format: bytes in, ``(text, meta)`` out, or an IngestError.

Readers state only what the file states: ``meta`` never carries guesses. Dates are ISO
``yyyy-mm-dd``; a publication date the file states comes with ``published_how="stated"``;
the creation date a PDF or DOCX records about itself is ``created`` (a file date, not a
statement's date: the dates stage decides what it is worth). Each reader returns the text
unnormalized; emptiness, the character limit and ``meta["format"]`` are checked and set by
the caller (:mod:`communique.ingest.read`). JSON Lines has its own entry,
:func:`read_jsonl`, as one file gives many documents.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import (
    E_INGEST_CORRUPT,
    E_INGEST_EMPTY,
    E_INGEST_ENCODING,
    E_INGEST_FORMAT,
    E_INGEST_TOO_LARGE,
    IngestError,
)
from .decode import decode_text
from .htmltext import extract_html
from .limits import Budget, Limits, human_bytes, human_limit

Reader = Callable[[bytes, Budget, Limits], tuple[str, dict]]

# A docx may unpack to this many times --max-bytes (XML is verbose: 10x its text is usual);
# beyond that it is a zip bomb or nothing we want to hold in memory.
_DOCX_UNPACK_FACTOR = 4
# Titles PDF producers write on their own; not a statement's title.
_JUNK_PDF_TITLE = re.compile(
    r"^(untitled|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|rtf|odt))$", re.I
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9._:-]+)""",
    re.I,
)
# WHATWG: these labels mean windows-1252 in HTML.
_HTML_LABELS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}


# --- txt / md ---------------------------------------------------------------------------


def read_text(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """Plain text or Markdown, decoded (see :mod:`.decode`), kept exactly as written."""
    text, encoding = decode_text(data)
    return text, {"encoding": encoding}


# --- html -------------------------------------------------------------------------------


def read_html(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """HTML: the main text and the metadata the page states (see :mod:`.htmltext`)."""
    source, encoding = decode_text(data, declared=_declared_charset(data))
    text, meta = extract_html(source, budget)
    meta["encoding"] = encoding
    return text, meta


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    return _HTML_LABELS.get(label, label)


# --- pdf --------------------------------------------------------------------------------


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """No pypdf warnings or log lines for ordinary damaged files.

    pypdf reports recoverable damage through ``logging`` and, rarely, ``warnings``. The
    ``pypdf`` logger is set to ERROR once, and only when the application has left it
    unset. ``catch_warnings`` is process-wide state (not thread-safe before Python 3.14);
    it only ever suppresses, so a race costs at most one stray warning.
    """
    logger = logging.getLogger("pypdf")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def read_pdf(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """PDF text layer, page by page, pages joined by a blank line."""
    from pypdf.errors import DependencyError

    if b"%%EOF" not in data[-65536:]:
        raise IngestError(E_INGEST_CORRUPT, "PDF is truncated (no %%EOF marker at the end)")
    try:
        with _quiet_pypdf():
            return _read_pdf(data, budget, limits)
    except DependencyError as exc:  # AES needs 'cryptography', at decrypt() or at first use
        raise IngestError(
            E_INGEST_CORRUPT,
            "PDF is encrypted (AES); opening it needs the optional 'cryptography' package",
        ) from exc


def _read_pdf(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """:func:`read_pdf` inside the quiet zone."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(E_INGEST_CORRUPT, f"PDF is damaged: {_one_line(exc)}") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (PdfReadError, ValueError, KeyError, NotImplementedError) as exc:
            raise IngestError(E_INGEST_CORRUPT, f"PDF is encrypted: {_one_line(exc)}") from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise IngestError(E_INGEST_CORRUPT, "PDF is encrypted")
    try:
        pages = list(reader.pages)
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise IngestError(E_INGEST_CORRUPT, f"PDF page tree is damaged: {_one_line(exc)}") from exc
    texts: list[str] = []
    size = 0
    for page in pages:
        budget.check()
        text = reflow_pdf_text((page.extract_text() or "").strip())
        if text:
            texts.append(text)
            size += len(text) + 2
            if size > limits.max_chars:
                raise too_many_chars(size, limits, "at least ")
    meta = _pdf_meta(reader)
    meta["pages"] = len(pages)
    if not texts:
        raise IngestError(E_INGEST_EMPTY, "no text layer (scanned PDF?); OCR is not supported")
    return "\n\n".join(texts), meta


_PAGE_FOOTER = re.compile(r"^\s*(?:Page\s+)?\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*$", re.I)
# A line shorter than this share of the page's longest lines ends its paragraph: chosen on
# the example PDFs, whose last lines of paragraphs run 5-70% and wrapped lines 85-100%.
_SHORT_LINE = 0.8


def reflow_pdf_text(text: str) -> str:
    """Join the lines a PDF wrapped back into paragraphs (blank line between paragraphs).

    pypdf returns one line per printed line: a wrapped sentence would otherwise be cut in
    two and paragraphs would run together. A line ends its paragraph when it is clearly
    shorter than the full lines of the page; page-number footers are dropped.
    """
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if not _PAGE_FOOTER.match(ln)]
    if len(lines) < 3:
        return "\n".join(lines)
    widths = sorted(len(ln) for ln in lines if ln.strip())
    if not widths:
        return ""
    full = widths[int(len(widths) * 0.9) - 1 if len(widths) > 1 else 0]
    out: list[str] = []
    para: list[str] = []
    for i, ln in enumerate(lines):
        if not ln.strip():
            if para:
                out.append(" ".join(para))
                para = []
            continue
        para.append(ln.strip())
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        # a sentence ends the line and a short line follows: a sign-off or heading starts
        ends_before_short = ln.rstrip()[-1:] in '.!?"”' and 0 < len(nxt) < _SHORT_LINE * full and nxt[:1].isupper()
        if len(ln) < _SHORT_LINE * full or (ln.isupper() and len(ln.split()) <= 12) or ends_before_short:
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)


def _pdf_meta(reader: Any) -> dict:
    meta: dict = {}
    try:
        info = reader.metadata
        if info is not None:
            title = _clean(info.title)
            if title and not _JUNK_PDF_TITLE.match(title):
                meta["title"] = title
            author = _clean(info.author)
            if author:
                meta["author"] = author
            created = info.creation_date
            if isinstance(created, dt.datetime):
                meta["created"] = created.date().isoformat()
    except Exception:  # a broken info dictionary costs the metadata only, not the text
        pass
    try:
        lang = reader.trailer["/Root"].get("/Lang")
        if isinstance(lang, str) and lang.strip():
            meta["lang"] = lang.strip()
    except Exception:
        pass
    return meta


# --- docx -------------------------------------------------------------------------------


def read_docx(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """Word .docx: body paragraphs and table cells in reading order, blank line between."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise IngestError(
            E_INGEST_CORRUPT, "docx is not a readable ZIP archive (truncated or damaged)"
        ) from exc
    if "word/document.xml" not in {info.filename for info in infos}:
        raise IngestError(E_INGEST_FORMAT, "ZIP archive that is not a .docx document")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > _DOCX_UNPACK_FACTOR * limits.max_bytes:
        raise IngestError(
            E_INGEST_TOO_LARGE,
            f"docx unpacks to {human_bytes(unpacked)}, over {_DOCX_UNPACK_FACTOR} x the "
            f"{human_limit(limits.max_bytes)} limit (--max-bytes)",
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise IngestError(E_INGEST_CORRUPT, f"docx archive is damaged: {_one_line(exc)}") from exc
    except XMLSyntaxError as exc:
        raise IngestError(E_INGEST_CORRUPT, f"docx XML is damaged: {_one_line(exc)}") from exc
    except PackageNotFoundError as exc:
        raise IngestError(E_INGEST_CORRUPT, "docx package is damaged") from exc
    except ValueError as exc:  # "file ... is not a Word file, content type is ..."
        raise IngestError(E_INGEST_FORMAT, f"not a Word document: {_one_line(exc)}") from exc
    except KeyError as exc:
        raise IngestError(E_INGEST_CORRUPT, f"docx is missing a part: {_one_line(exc)}") from exc
    paragraphs: list[str] = []
    _docx_blocks(document, paragraphs, budget)
    meta: dict = {}
    props = document.core_properties
    for key, value in (("title", props.title), ("author", props.author), ("lang", props.language)):
        value = _clean(value)
        if value:
            meta[key] = value
    if isinstance(props.created, dt.datetime):
        meta["created"] = props.created.date().isoformat()
    return "\n\n".join(paragraphs), meta


def _docx_blocks(container: Any, out: list[str], budget: Budget) -> None:
    from docx.table import Table

    for block in container.iter_inner_content():
        budget.tick(64)
        if isinstance(block, Table):
            seen: set[Any] = set()  # holding the elements keeps lxml's proxies (and ids) stable
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen:  # a merged cell repeats in every grid column
                        continue
                    seen.add(cell._tc)
                    _docx_blocks(cell, out, budget)
        else:
            text = block.text
            if text.strip():
                out.append(text)


# --- eml --------------------------------------------------------------------------------


def read_eml(data: bytes, budget: Budget, limits: Limits) -> tuple[str, dict]:
    """E-mail: the text/plain body (else the HTML body, extracted); headers as meta."""
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    meta: dict = {}
    subject = _clean(_header(message, "subject"))
    if subject:
        meta["title"] = subject
    try:
        date = message["date"]
        when = getattr(date, "datetime", None)
        if isinstance(when, dt.datetime):
            meta["published"], meta["published_how"] = when.date().isoformat(), "stated"
    except (TypeError, ValueError, IndexError):
        pass
    sender = _clean(_header(message, "from"))
    if sender:
        meta["sender"] = sender
    lang = _clean(_header(message, "content-language"))
    if lang:
        meta["lang"] = lang
    attachments = [
        part.get_filename() or part.get_content_type()
        for part in message.walk()
        if part.is_attachment()
    ]
    if attachments:
        meta["attachments"] = attachments
    body = message.get_body(preferencelist=("plain",))
    if body is not None and not body.is_attachment():
        return _part_text(body), meta
    body = message.get_body(preferencelist=("html",))
    if body is not None and not body.is_attachment():
        html_text, html_meta = extract_html(_part_text(body), budget)
        if "lang" not in meta and "lang" in html_meta:
            meta["lang"] = html_meta["lang"]
        return html_text, meta
    if message.get_content_maintype() == "text" and not message.is_multipart():
        return _part_text(message), meta
    raise IngestError(E_INGEST_EMPTY, "e-mail has no text or HTML body")


def _header(message: Any, name: str) -> str:
    try:
        value = message[name]
    except (TypeError, ValueError, IndexError):  # a malformed header the policy rejects
        return ""
    return "" if value is None else str(value)


def _part_text(part: Any) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError):
        pass  # unknown or wrong charset: decode the bytes ourselves
    payload = part.get_payload(decode=True) or b""
    return decode_text(payload)[0]


# --- jsonl ------------------------------------------------------------------------------


def read_jsonl(
    data: bytes, budget: Budget, limits: Limits
) -> Iterator[tuple[int, tuple[str, dict] | IngestError]]:
    """JSON Lines of ``{"text": str, "meta": {...}}``: yield ``(line, (text, meta))`` per
    good line and ``(line, IngestError)`` per bad one; blank lines skipped, lines 1-based."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        budget.tick(64)
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        try:
            parsed: tuple[str, dict] | IngestError = _jsonl_line(raw)
        except IngestError as exc:
            parsed = exc
        yield number, parsed


def _jsonl_line(raw: bytes) -> tuple[str, dict]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(E_INGEST_ENCODING, "line is not valid UTF-8") from exc
    try:
        record = json.loads(line, parse_constant=_no_constant)
    except ValueError as exc:
        raise IngestError(E_INGEST_CORRUPT, f"invalid JSON: {_one_line(exc)}") from exc
    if not isinstance(record, dict):
        raise IngestError(E_INGEST_FORMAT, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        what = "missing" if text is None else f"a {type(text).__name__}, not a string"
        raise IngestError(E_INGEST_FORMAT, f'"text" is {what}')
    if not text.strip():
        raise IngestError(E_INGEST_EMPTY, '"text" is empty')
    meta = record.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise IngestError(E_INGEST_FORMAT, f'"meta" is a {type(meta).__name__}, not an object')
    return text, meta


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


# --- shared -----------------------------------------------------------------------------


def _clean(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def too_many_chars(size: int, limits: Limits, prefix: str = "") -> IngestError:
    return IngestError(
        E_INGEST_TOO_LARGE,
        f"text is {prefix}{size:,} characters, over the {limits.max_chars:,} limit (--max-chars)",
    )


READERS: dict[str, Reader] = {
    "txt": read_text,
    "md": read_text,
    "html": read_html,
    "pdf": read_pdf,
    "docx": read_docx,
    "eml": read_eml,
}
