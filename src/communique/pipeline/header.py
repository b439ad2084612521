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
# "Ministry of the Interior – Press Office" heading a release
_PRESS_OFFICE_LINE = re.compile(r"\bPress\s+(?:Office|Service|Centre|Center|Desk)\b", re.I)
_DATEISH = re.compile(r"\b(?:1[34]\d\d|19\d\d|20\d\d)\b")
_TITLE_PREFIX = (
    r"(?:(?:The\s+)?(?:Reverend|Rev\.?|Father|Fr\.|Pastor|Bishop|Imam|Sheikh|Shaykh|Shaikh|Mufti|Maulana|"
    r"Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Prof\.?|Ustadh|Brother|Sister|Colonel|Col\.|General|Gen\.?|Commander|"
    r"Major|Captain|Minister|President|Chairman|Comrade)\s+)"
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
    r"(?<![\w\-])(?:Issued|Released|Published|Signed)\s+by\s+(?:the\s+)?(?P<rest>[A-Z][^\n]*)"
)
# "Alder Cell of the Verdant Hand", "General Command of the Northern Valdoria Front"
_SUBUNIT = re.compile(
    r"(?P<office>(?:(?:For|for)\s+)?(?:the\s+|The\s+)?(?:[A-Z][\w\-]+\s+){0,3}"
    r"(?:Cell|Branch|Chapter|Command|Wing|Unit|Section|Secretariat|Directorate|Spokesperson'?s?\s+Office)"
    r"\s+of\s+(?:the\s+)?)(?P<rest>[A-Z][^\n]*)"
)
_WRITTEN_FOR = re.compile(r"Written\s+for\s+(?:the\s+)?(?P<rest>[^\n]*?)\s+by\s*$", re.M)
_ROLE_WORDS = re.compile(
    r"\b(?:Spokes(?:man|woman|person)|Deputy|Head|Director|Chair(?:man|woman|person)?|Leader|"
    r"Emir|Amir|Ameer|Secretary|President|Minister|Commander|Official|Representative|Member|"
    r"Imam|Sheikh|Shaykh|Coordinator|Chief|Founder|Editor|Press\s+Officer|Bishop|Pastor|Reverend|"
    r"Chaplain|Preacher|Priest|Rabbi|Cleric|Scholar|Vicar|Deacon|Elder|Mufti|Khatib|"
    r"General|Colonel|Governor|Ambassador|Speaker|Councillor|Mayor|Chancellor|Prime)\b"
)
_PERSON_NAME = re.compile(
    rf"^(?P<title>{_TITLE_PREFIX}*)"
    r"(?P<name>[A-Z][\w'’\-]+(?:\s+(?:(?:al|el|ul|bin|ibn|van|von|de|da|abu|Abu)[\s\-])?[A-Z][\w'’\-\.]*){1,3})$"
)
# words that make a capitalised line an organization, not a person
_ORGISH = re.compile(
    r"\b(?:Front|Movement|Party|Council|Brigades?|Army|Organi[sz]ation|Union|League|Alliance|Committee|"
    r"Ministry|Office|Agency|Command|Hand|Fellowship|Collective|Network|Cell|Group|Society|Church|"
    r"Mosque|Government|Bureau|Assembly|Coalition|Federation|Association|Mujahideen|Hizb|Jamaat)\b"
)
_BYLINE = re.compile(r"^\s*(?:By|Written\s+by|From)\s*:?\s+(?P<name>[A-Z][^\n,]{2,60})", re.M)
_TYPE_TAIL = re.compile(
    r"\s[–—\-|:]\s*(?:" + "|".join(f"(?P<t{i}>{p})" for i, (p, _) in enumerate(DOC_TYPES)) + r")\s*$", re.I
)
_NUMBERED = re.compile(r"\s*(?:No\.?|Number|#|N°)\s*\d")
# "The Reverend Matthias Korr, Chaplain of the Fellowship of the Holy Banner"
_TITLED_BYLINE = re.compile(
    rf"^(?P<who>(?:The\s+)?{_TITLE_PREFIX}+[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){{1,3}}),\s+(?P<role>[A-Z][^\n]{{3,120}})$"
)
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
    # an author named by the file's own metadata (PDF/DOCX/HTML) is a hint, not a finding:
    # often it names the office that produced the file
    hint = work.meta.pop("author", None) if "author" not in ev else None
    _type_and_title(work, ev, blocks)

    # --- sign-off: the trailing run of short blocks (a name, a role, an office line …)
    tail = _signoff_region(text, blocks)
    if tail:
        lines = [ln for blk in tail for ln in _lines(text, blk.start, blk.end)]
        if _signoff_fields(work, ev, lines):
            work.add(tail[0].start, tail[-1].end, "segment", "signoff", source=SOURCE, attrs={"rule": "header.signoff"})

    # --- byline or issued-by line at the top
    for blk in blocks[:4]:
        for a, _b, line in _lines(text, blk.start, blk.end):
            m = _BYLINE.match(line)
            if m and not work.meta.get("author"):
                _person(work, ev, a + m.start("name"), m.group("name").strip().rstrip(",."), "header.byline")
            m = _TITLED_BYLINE.match(line)
            if m and not work.meta.get("author") and _ROLE_WORDS.search(m.group("role")):
                if _person(work, ev, a, line[: m.end("who")], "header.titled_byline"):
                    r = a + m.start("role")
                    role = m.group("role").rstrip(" .")
                    _set(work, ev, "author_role", role, r, r + len(role), "header.titled_byline")
                    _issuer_from_role(work, ev, role, r)
            _issued_by(work, ev, a, line)

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

    if hint:
        _apply_file_author(work, ev, str(hint))
    _extend_issuer(work, ev)
    office = work.meta.get("office") or ""
    if not work.meta.get("doc_type") and _PRESS_OFFICE_LINE.search(office):
        # a statement signed by a press office is a press release
        work.meta["doc_type"] = "press_release"
        ev["doc_type"] = [*(ev.get("office") or [0, 0])[:2], "header.press_office_signoff"]
    if not work.meta.get("doc_type"):
        work.meta["doc_type"] = "statement"
        ev.setdefault("doc_type", [0, 0, "header.default"])
    for f in ("title", "issuer", "office", "author", "author_role"):
        work.meta.setdefault(f, None)
    work.meta["evidence"] = ev


# A sign-off block: at most this many lines and words, and the run at most this many blocks
# (DOCX and e-mail sign-offs put name, role and office in separate paragraphs).
_SIGNOFF_MAX_LINES = 6
_SIGNOFF_MAX_WORDS = 40
_SIGNOFF_MAX_BLOCKS = 5


def _signoff_region(text: str, blocks: list[Any]) -> list[Any]:
    tail: list[Any] = []
    for blk in reversed(blocks[-_SIGNOFF_MAX_BLOCKS:]):
        chunk = text[blk.start : blk.end]
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        if len(lines) > _SIGNOFF_MAX_LINES or len(chunk.split()) > _SIGNOFF_MAX_WORDS:
            break
        # body prose (two sentences or more) ends the sign-off region
        if len(re.findall(r"[.!?](?:\s|$)", chunk)) >= 2 and not any(_ROLE_WORDS.search(ln) for ln in lines):
            break
        tail.insert(0, blk)
    return tail


def _type_and_title(work: Work, ev: dict[str, Any], blocks: list[Any]) -> None:
    text = work.text
    doc_type = None
    for blk in blocks[:4]:
        for a, b, line in _lines(text, blk.start, blk.end)[:3]:
            m = _TYPE_LINE.match(line)
            # a type label alone on its line, opening the title ("Open Letter to …"), or
            # numbered ("Press Release No. 14/2025 – Corvenna, …")
            if m and (len(line.split()) <= 6 or blk is blocks[0] or _NUMBERED.match(line, m.end())):
                idx = int(next(k for k, v in m.groupdict().items() if v)[1:])
                doc_type = DOC_TYPES[idx][1]
                _set(work, ev, "doc_type", doc_type, a, b, "header.type_line")
                break
            t = _TYPE_TAIL.search(line) if blk is blocks[0] and len(line.split()) <= 12 else None
            if t:  # "National Renewal Party – Statement"
                idx = int(next(k for k, v in t.groupdict().items() if v)[1:])
                doc_type = DOC_TYPES[idx][1]
                _set(work, ev, "doc_type", doc_type, a, b, "header.type_after_issuer")
                break
            if _PRESS_OFFICE_LINE.search(line) and len(line.split()) <= 12 and not line.rstrip().endswith("."):
                doc_type = "press_release"
                _set(work, ev, "doc_type", doc_type, a, b, "header.press_office_line")
                break
        if doc_type:
            break
    headings = []
    for blk in blocks[:6]:
        chunk = text[blk.start : blk.end]
        if "\n" in chunk.strip() or chunk.rstrip()[-1:] == ".":
            continue
        if len(chunk.split()) > _MAX_TITLE_WORDS:
            break
        if _TYPE_LINE.match(chunk) and len(chunk.split()) <= 6:
            continue
        if re.fullmatch(r"[\W\d\s]+", chunk):
            continue
        if _DATEISH.search(chunk) and len(chunk.split()) <= 9:
            continue  # a dateline, not a title
        if _OFFICE.search(chunk) or (_PRESS_OFFICE_LINE.search(chunk) and len(chunk.split()) <= 12):
            continue  # the issuing office heading the page
        if re.match(r"(?:Issued|Published|Released|Preached|Delivered)\b", chunk):
            continue
        headings.append(blk)
    stated = work.meta.get("title")
    if stated:
        # an HTML <title> "Heading | Site" or "Heading – Site": keep the heading the text shows
        for blk in headings:
            h = text[blk.start : blk.end].strip().lstrip("# ")
            if stated != h and stated.startswith(h) and re.match(r"\s*[|–—\-:]", stated[len(h) :]):
                work.meta["title"] = h
                off = blk.start + text[blk.start : blk.end].index(h)
                ev["title"] = [off, off + len(h), "header.title_from_heading"]
                break
        return
    if headings:
        blk = headings[0]
        chunk = text[blk.start : blk.end]
        title = chunk.lstrip("# ").strip()
        off = blk.start + chunk.index(title)
        _set(work, ev, "title", title, off, off + len(title), "header.first_heading")


def _apply_file_author(work: Work, ev: dict[str, Any], hint: str) -> None:
    """Use the file's author field for whatever the text did not say itself."""
    m = _OFFICE.match(hint) or _SUBUNIT.match(hint)
    if m:
        org = org_name(m.group("rest"))
        if org and not work.meta.get("issuer"):
            work.meta["issuer"] = org
            ev["issuer"] = [0, 0, "header.file_metadata"]
        if not work.meta.get("office"):
            work.meta["office"] = hint
            ev["office"] = [0, 0, "header.file_metadata"]
        if _PRESS_OFFICE_LINE.search(hint) and not work.meta.get("doc_type"):
            work.meta["doc_type"] = "press_release"
            ev["doc_type"] = [0, 0, "header.file_metadata"]
    elif _ORGISH.search(hint):
        if not work.meta.get("issuer"):
            work.meta["issuer"] = org_name(hint) or hint
            ev["issuer"] = [0, 0, "header.file_metadata"]
    elif not work.meta.get("author") and _PERSON_NAME.match(hint):
        work.meta["author"] = _PERSON_NAME.match(hint).group("name")  # type: ignore[union-attr]
        ev["author"] = [0, 0, "header.file_metadata"]


def _issued_by(work: Work, ev: dict[str, Any], a: int, line: str) -> bool:
    """'Issued by the Media Office of X, 24 September 2016' → office and issuer."""
    m = _ISSUED_BY.search(line)
    if not m or m.start() > 0:
        return False
    rest = m.group("rest")
    om = _OFFICE.match(rest)
    if om:
        org = org_name(om.group("rest"))
        office = rest[: om.start("rest") + len(org)].strip()
        o = a + m.start("rest")
        _set(work, ev, "office", office, o, o + len(office), "header.issued_by")
        j = a + m.start("rest") + om.start("rest")
    else:
        org = org_name(rest)
        j = a + m.start("rest")
    if org:
        _set(work, ev, "issuer", org, j, j + len(org), "header.issued_by")
        return True
    return False


def _person(work: Work, ev: dict[str, Any], a: int, line: str, rule: str) -> bool:
    """Set the author from a line that is a (titled) person's name."""
    pm = _PERSON_NAME.match(line)
    if not pm or _ORGISH.search(pm.group("name")):
        return False
    name = pm.group("name")
    j = a + line.index(name, len(pm.group("title")))
    _set(work, ev, "author", name, j, j + len(name), rule)
    if pm.group("title").strip() and work.meta.get("author") == name:
        work.meta.setdefault("author_title", pm.group("title").strip())
    return True


def _signoff_fields(work: Work, ev: dict[str, Any], lines: list[tuple[int, int, str]]) -> bool:
    """Read issuer/office/author/role from the lines of the sign-off region."""
    text = work.text
    hit = False
    for i, (a, _b, line) in enumerate(lines):
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
            if i + 1 < len(lines):  # "Written for … by\nName\nRole"
                na, _nb, name = lines[i + 1]
                if _person(work, ev, na, name, "header.written_for") and i + 2 < len(lines):
                    ra, rb, role = lines[i + 2]
                    _set(work, ev, "author_role", role, ra, rb, "header.written_for")
                    _issuer_from_role(work, ev, role, ra)
            continue
        if _issued_by(work, ev, a, line):
            hit = True
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
        m = _SUBUNIT.match(line)
        if m and len(line.split()) <= 14 and not line.rstrip().endswith("."):
            org = org_name(m.group("rest"))
            if org:
                hit = True
                office = line[m.start("office") :].rstrip(" .")
                office = re.sub(r"^(?:For|for)\s+(?:the\s+)?", "", office)
                o = a + line.index(office)
                _set(work, ev, "office", office, o, o + len(office), "header.subunit_line")
                j = a + m.start("rest")
                _set(work, ev, "issuer", org, j, j + len(org), "header.subunit_line")
            continue
        for rx, rule in ((_SIGNED, "header.signed"), (_DASH_SIG, "header.dash_signature")):
            m = rx.match(line)
            if not m:
                continue
            name = m.group("name").strip()
            na = a + m.start("name")
            if _person(work, ev, na, name, rule):
                hit = True
                if m.group("role"):
                    role = m.group("role").strip()
                    r = a + m.start("role")
                    _set(work, ev, "author_role", role, r, r + len(role), rule)
                    _issuer_from_role(work, ev, role, r)
            elif rule == "header.dash_signature" and not m.group("role"):
                org = org_name(name)  # "— Verdant Hand": the organization signs
                if org:
                    hit = True
                    _set(work, ev, "issuer", org, na, na + len(org), rule)
            break
    # "Name\nRole of Org" (also with a title: "Reverend Matthias Korr\nPastor of …")
    for i in range(len(lines) - 1):
        if work.meta.get("author_role"):
            break
        (a, _b, name), (ra, rb, role) = lines[i], lines[i + 1]
        if (
            _ROLE_WORDS.search(role)
            and len(role.split()) <= 24
            and _person(work, ev, a, name, "header.name_role_lines")
            and work.meta.get("author") == _PERSON_NAME.match(name).group("name")  # type: ignore[union-attr]
        ):
            hit = True
            _set(work, ev, "author_role", role, ra, rb, "header.name_role_lines")
            _issuer_from_role(work, ev, role, ra)
    return hit


def _issuer_from_role(work: Work, ev: dict[str, Any], role: str, offset: int) -> None:
    """'Deputy to the Official Spokesman of Hizb ut Tahrir in …' names the issuer too; of
    several organizations in one role ("Pastor of the Church of X, and Chaplain of the
    Fellowship of Y") the last is the one the person signs for."""
    found: list[tuple[int, str]] = []
    for m in re.finditer(r"\bof\s+(?:the\s+)?(?=(?P<rest>[A-Z][^\n]*))", role):
        org = org_name(m.group("rest"))
        if org and not re.fullmatch(r"(?:Media|Press|Information)(?:\s+\w+)?", org):
            found.append((offset + m.start("rest"), org))
    # a nested "of" ("Church of Saint Aurel") is found again inside the outer name: drop it
    found = [f for f in found if not any(g[0] < f[0] < g[0] + len(g[1]) for g in found)]
    if found:
        j, org = found[-1]
        _set(work, ev, "issuer", org, j, j + len(org), "header.role_of")


def _extend_issuer(work: Work, ev: dict[str, Any]) -> None:
    """The fullest form of the issuer the statement itself writes ("Ministry of the
    Interior" → "Ministry of the Interior of the Republic of Valdoria")."""
    issuer = work.meta.get("issuer")
    if not issuer or "issuer" not in ev:
        return
    best, best_at = issuer, None
    for m in re.finditer(re.escape(issuer), work.text, re.I):
        window = work.text[m.start() : m.start() + 200]
        if window[: len(issuer)].isupper() and not issuer.isupper():
            # "MINISTRY OF THE INTERIOR OF THE REPUBLIC OF VALDORIA" in a letterhead
            window = window.split("\n")[0]
            if not window.isupper():
                continue
            window = " ".join(w.lower() if w.lower() in _CONNECT else w.capitalize() for w in window.split())
        longer = org_name(window)
        if longer.lower().startswith(issuer.lower() + " of ") and len(longer) > len(best) and len(longer.split()) <= 12:
            best, best_at = issuer + longer[len(issuer) :], m.start()
    if best_at is not None:
        work.meta["issuer"] = best
        ev["issuer"] = [best_at, best_at + len(best), ev["issuer"][2] + "+fullest_form"]


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
