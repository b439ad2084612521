"""header: title, issuer, issuing office, author and role, document type.

Reads the first blocks (title, type label, byline) and the last blocks (sign-off). Every
field it sets has its evidence in ``meta["evidence"][field] = [start, end, rule]`` and the
sign-off block becomes a ``segment``/``signoff`` span. Fields the file already stated at
ingest (an e-mail subject, an HTML ``<title>``, JSONL meta) are kept.
"""

from __future__ import annotations

import re
from typing import Any

from .stage import Stage
from .work import Work

NAME = "header"
VERSION = "1"
SOURCE = f"{NAME}@{VERSION}"

# Document-type labels as they appear alone on a line or opening the title.
DOC_TYPES: tuple[tuple[str, str], ...] = (
    (r"press\s+release|news\s+release|press\s+statement|for\s+immediate\s+release", "press_release"),
    (r"communiqu[eé]|bulletin", "communique"),
    (r"open\s+letter|letter\s+to", "open_letter"),
    (r"sermon|khutbah?|friday\s+(?:khutbah?|sermon)|homily", "sermon"),
    (r"speech|address\s+(?:by|of|to)", "speech"),
    (r"interview", "interview"),
    (r"fatwa", "fatwa"),
    (r"manifesto|declaration|charter", "manifesto"),
    (r"leaflet|pamphlet|flyer", "leaflet"),
    (r"statement|announcement|notice|official\s+position", "statement"),
)
_TYPE_LINE = re.compile(
    r"^\W*(?:" + "|".join(f"(?P<t{i}>{p})" for i, (p, _) in enumerate(DOC_TYPES)) + r")\b",
    re.I,
)

# Connectors allowed inside an organization name (Hizb ut Tahrir, Jabhat al-Nusra, Front for the …)
_CONNECT = {
    "ut", "al", "el", "ul", "at", "ad", "an", "ar", "as", "ash", "ath", "az", "wa", "wal",
    "of", "the", "for", "and", "de", "du", "la", "le", "des", "bin", "ibn", "&",
}  # fmt: skip
_STOP = {"in", "by", "on", "at", "from", "to", "via"}

_OFFICE = re.compile(
    r"(?P<office>(?:(?:The|the)\s+)?(?:(?:Central|Official|Main|General|Regional|Foreign|Provincial|National)\s+)?"
    r"(?:Media|Press|Information|Communications?|Public\s+Relations|Propaganda|Dawah|Political)\s+"
    r"(?:Office|Bureau|Department|Wing|Section|Centre|Center|Committee|Council|Unit|Desk)"
    r"\s+of\s+(?:the\s+)?)(?P<rest>[^\n]*)"
)
_ISSUED_BY = re.compile(
    r"(?:Issued|Released|Published|Signed)\s+by\s+(?:the\s+)?(?P<rest>[^\n]*)", re.I
)
_WRITTEN_FOR = re.compile(r"Written\s+for\s+(?:the\s+)?(?P<rest>[^\n]*?)\s+by\s*$", re.M)
_ROLE_WORDS = re.compile(
    r"\b(?:Spokes(?:man|woman|person)|Deputy|Head|Director|Chair(?:man|woman|person)?|Leader|"
    r"Emir|Amir|Ameer|Secretary|President|Minister|Commander|Official|Representative|Member|"
    r"Imam|Sheikh|Shaykh|Coordinator|Chief|Founder|Editor|Press\s+Officer|Bishop|Pastor|Reverend|"
    r"General|Colonel|Governor|Ambassador|Speaker|Councillor|Mayor|Chancellor|Prime)\b"
)
_PERSON_NAME = re.compile(
    r"^(?:(?:Dr|Mr|Mrs|Ms|Prof|Sheikh|Shaykh|Imam|Ustadh|Brother|Sister|Rev|Fr)\.?\s+)?"
    r"[A-Z][\w'’\-]+(?:\s+(?:(?:al|el|ul|bin|ibn|van|von|de|da|abu|Abu)[\s\-])?[A-Z][\w'’\-\.]*){1,3}$"
)
_BYLINE = re.compile(r"^\s*(?:By|Written\s+by|From)\s*:?\s+(?P<name>[A-Z][^\n,]{2,60})", re.M)
_SIGNED = re.compile(
    r"^\s*(?:Signed|Signature)\s*[:,]?\s*(?P<name>[A-Z][^\n,]{2,60})(?:,\s*(?P<role>[^\n]+))?$",
    re.M,
)
_DASH_SIG = re.compile(r"^\s*[—–-]{1,2}\s*(?P<name>[A-Z][^\n,]{2,60})(?:,\s*(?P<role>[^\n]+))?$", re.M)
_STATEMENT_SUBJECT = re.compile(
    r"(?P<org>[A-Z][^\n.,]{2,80}?)\s+(?:strongly\s+|hereby\s+|firmly\s+|categorically\s+)?"
    r"(?:condemns|denounces|announces|declares|rejects|calls\s+on|warns|affirms|welcomes|"
    r"demands|salutes|mourns|claims)\b"
)
_MAX_TITLE_WORDS = 30


def org_name(rest: str) -> str:
    """The organization name at the start of ``rest``: capitalised words and connectors,
    stopping at 'in'/'by' or punctuation ("Hizb ut Tahrir in Wilayah Pakistan" → "Hizb ut Tahrir")."""
    words = re.findall(r"[\w'’\-&]+|[^\w\s]", rest)
    out: list[str] = []
    for w in words:
        low = w.lower()
        if low in _STOP and out:
            break
        if w[0].isupper() or w[0].isdigit() or (low in _CONNECT and out):
            out.append(w)
            continue
        break
    while out and out[-1].lower() in _CONNECT:
        out.pop()
    return " ".join(out)


def _region(rest: str, org: str) -> str | None:
    m = re.match(re.escape(org) + r"\s+(?:in|for)\s+(?:the\s+)?(?P<r>[A-Z][^\n,.;]*)", rest)
    return m.group("r").strip() if m else None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        s = line.strip()
        if s:
            a += len(line) - len(line.lstrip())
            out.append((a, a + len(s), s))
    return out


def _set(work: Work, ev: dict[str, Any], field: str, value: Any, start: int, end: int, rule: str) -> None:
    if value in (None, "") or work.meta.get(field):
        return
    work.meta[field] = value
    ev[field] = [start, end, rule]


def _run(work: Work) -> None:
    text = work.text
    ev: dict[str, Any] = dict(work.meta.get("evidence") or {})
    blocks = [s for s in work.layer("segment") if s.label in ("paragraph", "heading")]
    if not blocks:
        work.meta.setdefault("doc_type", None)
        return

    # --- document type and title from the first blocks
    doc_type = None
    for blk in blocks[:4]:
        for a, b, line in _lines(text, blk.start, blk.end)[:2]:
            m = _TYPE_LINE.match(line)
            # a type label alone on its line, or opening the title ("Open Letter to …")
            if m and (len(line.split()) <= 6 or blk is blocks[0]):
                idx = int(next(k for k, v in m.groupdict().items() if v)[1:])
                doc_type = DOC_TYPES[idx][1]
                _set(work, ev, "doc_type", doc_type, a, b, "header.type_line")
                break
        if doc_type:
            break
    if not work.meta.get("title"):
        for blk in blocks[:5]:
            chunk = text[blk.start : blk.end]
            if "\n" in chunk.strip() or chunk.rstrip()[-1:] == ".":
                continue
            if len(chunk.split()) > _MAX_TITLE_WORDS:
                break
            if _TYPE_LINE.match(chunk) and len(chunk.split()) <= 6:
                continue
            if re.fullmatch(r"[\W\d\s]+", chunk):
                continue
            title = chunk.lstrip("# ").strip()
            off = blk.start + chunk.index(title)
            _set(work, ev, "title", title, off, off + len(title), "header.first_heading")
            break

    # --- sign-off: scan the last blocks, latest first
    signoff: tuple[int, int] | None = None
    for blk in reversed(blocks[-3:]):
        lines = _lines(text, blk.start, blk.end)
        if not lines or len(lines) > 6:
            continue
        found = _signoff_fields(work, ev, lines)
        if found:
            signoff = (blk.start, blk.end)
            break
    if signoff:
        work.add(signoff[0], signoff[1], "segment", "signoff", source=SOURCE, attrs={"rule": "header.signoff"})

    # --- byline at the top
    if not work.meta.get("author"):
        for blk in blocks[:4]:
            m = _BYLINE.search(text, blk.start, blk.end)
            if m and _PERSON_NAME.match(m.group("name").strip()):
                name = m.group("name").strip()
                _set(work, ev, "author", name, m.start("name"), m.start("name") + len(name), "header.byline")
                break

    # --- issuer from the first statement sentence ("X strongly condemns …")
    if not work.meta.get("issuer"):
        for sent in work.layer("segment", "sentence")[:12]:
            m = _STATEMENT_SUBJECT.match(text, sent.start, sent.end)
            if m:
                raw = re.sub(r"^(?:The|the)\s+", "", m.group("org"))
                org = org_name(raw)
                if org and len(org.split()) == 1:
                    from .entities import lookup  # a one-word issuer must be a known organization

                    entry = lookup(org)
                    org = org if entry and entry.get("label") == "ORG" else ""
                if org and len(org.split()) <= 8 and org.split()[0] not in ("It", "We", "This", "He", "She", "They"):
                    j = m.start("org") + m.group("org").index(raw)
                    _set(work, ev, "issuer", org, j, j + len(org), "header.statement_subject")
                    break

    if not work.meta.get("doc_type"):
        work.meta["doc_type"] = "statement"
        ev.setdefault("doc_type", [0, 0, "header.default"])
    for f in ("title", "issuer", "office", "author", "author_role"):
        work.meta.setdefault(f, None)
    work.meta["evidence"] = ev


def _signoff_fields(work: Work, ev: dict[str, Any], lines: list[tuple[int, int, str]]) -> bool:
    """Read issuer/office/author/role from the lines of one candidate sign-off block."""
    text = work.text
    hit = False
    for i, (a, b, line) in enumerate(lines):
        m = _WRITTEN_FOR.match(line)
        if m:
            hit = True
            office = m.group("rest").strip()
            o = a + line.index(office)
            _set(work, ev, "office", office, o, o + len(office), "header.written_for")
            om = _OFFICE.match(office)
            org = org_name(om.group("rest")) if om else org_name(office)
            if org:
                j = text.index(org, o)
                _set(work, ev, "issuer", org, j, j + len(org), "header.written_for")
            _author_after(work, ev, lines[i + 1 :])
            continue
        m = _OFFICE.search(line)
        if m and m.start() <= 4:
            org = org_name(m.group("rest"))
            if org:
                hit = True
                region = _region(m.group("rest"), org)
                office = line[m.start("office") :].rstrip(" .")
                o = a + m.start("office")
                _set(work, ev, "office", office, o, o + len(office), "header.office_line")
                j = a + m.start("rest")
                _set(work, ev, "issuer", org, j, j + len(org), "header.office_line")
                if region:
                    work.meta.setdefault("region", region)
            continue
        m = _ISSUED_BY.match(line)
        if m:
            org = org_name(m.group("rest"))
            if org:
                hit = True
                j = a + m.start("rest")
                _set(work, ev, "issuer", org, j, j + len(org), "header.issued_by")
            continue
        for rx, rule in ((_SIGNED, "header.signed"), (_DASH_SIG, "header.dash_signature")):
            m = rx.match(line)
            if m and _PERSON_NAME.match(m.group("name").strip()):
                hit = True
                name = m.group("name").strip()
                _set(work, ev, "author", name, a + m.start("name"), a + m.start("name") + len(name), rule)
                if m.group("role"):
                    role = m.group("role").strip()
                    r = a + m.start("role")
                    _set(work, ev, "author_role", role, r, r + len(role), rule)
                    _issuer_from_role(work, ev, role, r)
                break
    if not hit:
        # "Name\nRole of Org" as the last two lines
        for i in range(len(lines) - 1):
            (a, b, name), (ra, rb, role) = lines[i], lines[i + 1]
            if _PERSON_NAME.match(name) and _ROLE_WORDS.search(role) and len(role.split()) <= 16:
                hit = True
                _set(work, ev, "author", name, a, b, "header.name_role_lines")
                _set(work, ev, "author_role", role, ra, rb, "header.name_role_lines")
                _issuer_from_role(work, ev, role, ra)
                break
    return hit


def _author_after(work: Work, ev: dict[str, Any], rest: list[tuple[int, int, str]]) -> None:
    if not rest:
        return
    a, b, name = rest[0]
    if _PERSON_NAME.match(name):
        _set(work, ev, "author", name, a, b, "header.written_for")
        if len(rest) > 1:
            ra, rb, role = rest[1]
            _set(work, ev, "author_role", role, ra, rb, "header.written_for")
            _issuer_from_role(work, ev, role, ra)


def _issuer_from_role(work: Work, ev: dict[str, Any], role: str, offset: int) -> None:
    """'Deputy to the Official Spokesman of Hizb ut Tahrir in …' names the issuer too."""
    m = re.search(r"\bof\s+(?:the\s+)?(?P<rest>[A-Z][^\n]*)", role)
    if m:
        org = org_name(m.group("rest"))
        if org and not re.fullmatch(r"(?:Media|Press|Information)(?:\s+\w+)?", org):
            j = offset + m.start("rest")
            _set(work, ev, "issuer", org, j, j + len(org), "header.role_of")


STAGE = Stage(
    NAME,
    VERSION,
    requires=("segment",),
    assigns=(
        "meta.title",
        "meta.issuer",
        "meta.office",
        "meta.author",
        "meta.author_role",
        "meta.doc_type",
    ),
    run=_run,
)
