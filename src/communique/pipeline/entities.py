"""entities: who and what is named, with titles, roles and one canonical name per actor.

Sources, strongest first:
1. rank/title patterns ("Lieutenant General Asim …", "Maj Gen …", "Mr. …"): a PERSON span over
   the name with ``attrs.title``; an apposition or a preceding role phrase gives ``attrs.role``;
2. the gazetteer (``resources/gazetteer.json``): aliases → canonical actor;
3. organization patterns (capitalised names with an organization head word) and the issuer;
4. spaCy's NER (en_core_web_sm), filtered: no Arabic-script tokens, no pronoun-led names,
   no honorifics.
Canonicalization then merges variants within the document (gazetteer aliases, "the …",
possessives, acronyms defined in parentheses, surname-only mentions, spelling variants by
rapidfuzz).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ..nlp import ARABIC_CHARS, spacy_version
from .stage import Stage
from .work import Work

NAME = "entities"
VERSION = "1"
SOURCE = f"{NAME}@{VERSION}"

KEEP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "LAW"}

# ---- titles and ranks (longest first inside each alternation is handled by sorting)
_TITLES_MILITARY = [
    "Field Marshal", "Marshal", "General", "Gen", "Gen.", "Lieutenant General", "Lt Gen", "Lt. Gen.", "Lt.Gen.",
    "Lt-Gen", "Major General", "Maj Gen", "Maj. Gen.", "Maj.Gen.", "Maj-Gen", "Brigadier General",
    "Brig Gen", "Brig. Gen.", "Brigadier", "Brig", "Brig.", "Colonel", "Col", "Col.",
    "Lieutenant Colonel", "Lt Col", "Lt. Col.", "Major", "Maj", "Maj.", "Captain", "Capt", "Capt.",
    "Lieutenant", "Lt", "Lt.", "Admiral", "Adm", "Adm.", "Vice Admiral", "Rear Admiral",
    "Air Marshal", "Air Chief Marshal", "Air Vice Marshal", "Commander", "Cdr", "Sergeant", "Sgt",
    "Sgt.", "Corporal", "Cpl", "Private", "Commodore",
]  # fmt: skip
_TITLES_CIVIL = [
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Dr", "Dr.", "Prof", "Prof.", "Professor",
    "President", "Vice President", "Prime Minister", "PM", "Minister", "Foreign Minister",
    "Defence Minister", "Defense Minister", "Interior Minister", "Home Minister", "Finance Minister",
    "Chief Minister", "Senator", "Sen.", "Governor", "Gov.", "Ambassador", "Mayor", "Judge",
    "Justice", "Chief Justice", "Secretary", "Secretary of State", "Secretary-General",
    "Secretary General", "Chairman", "Chairwoman", "Spokesperson", "Spokesman", "Spokeswoman",
    "Director General", "Director-General", "DG", "Commissioner", "Inspector General",
    "King", "Queen", "Prince", "Crown Prince", "Princess", "Emperor", "Sultan", "Premier",
    "Deputy Prime Minister", "Speaker", "Chancellor", "MP", "Hon.", "Honourable", "Sir", "Lord", "Lady",
]  # fmt: skip
_TITLES_RELIGIOUS = [
    "Sheikh", "Shaykh", "Shaikh", "Imam", "Mullah", "Maulana", "Mawlana", "Mufti", "Ayatollah",
    "Grand Ayatollah", "Hojatoleslam", "Emir", "Amir", "Ameer", "Caliph", "Khalifah", "Ustadh",
    "Ustad", "Hafiz", "Qari", "Allama", "Pope", "Bishop", "Archbishop", "Cardinal", "Reverend",
    "Rev", "Rev.", "Father", "Fr.", "Pastor", "Rabbi", "Patriarch", "Metropolitan", "Elder",
]  # fmt: skip
TITLE_KIND = {
    **{t: "military" for t in _TITLES_MILITARY},
    **{t: "civil" for t in _TITLES_CIVIL},
    **{t: "religious" for t in _TITLES_RELIGIOUS},
}
# Canonical spelling of abbreviated ranks, so "Maj Gen" and "Major General" compare equal.
TITLE_CANON = {
    "Gen": "General", "Gen.": "General", "Lt Gen": "Lieutenant General", "Lt. Gen.": "Lieutenant General",
    "Lt.Gen.": "Lieutenant General", "Lt-Gen": "Lieutenant General", "Maj Gen": "Major General",
    "Maj. Gen.": "Major General", "Maj.Gen.": "Major General", "Maj-Gen": "Major General",
    "Brig Gen": "Brigadier General", "Brig. Gen.": "Brigadier General", "Brig": "Brigadier",
    "Brig.": "Brigadier", "Col": "Colonel", "Col.": "Colonel", "Lt Col": "Lieutenant Colonel",
    "Lt. Col.": "Lieutenant Colonel", "Maj": "Major", "Maj.": "Major", "Capt": "Captain",
    "Capt.": "Captain", "Lt": "Lieutenant", "Lt.": "Lieutenant", "Adm": "Admiral", "Adm.": "Admiral",
    "Cdr": "Commander", "Sgt": "Sergeant", "Sgt.": "Sergeant", "Cpl": "Corporal", "Mr": "Mr.",
    "Mrs": "Mrs.", "Ms": "Ms.", "Dr": "Dr.", "Prof": "Prof.", "Sen.": "Senator", "Gov.": "Governor",
    "Rev": "Reverend", "Rev.": "Reverend", "Fr.": "Father", "Shaykh": "Sheikh", "Shaikh": "Sheikh",
    "Director-General": "Director General", "Secretary General": "Secretary-General", "DG": "Director General",
}  # fmt: skip

# a capitalised word or an initial ("J."); never a word that ends a sentence
_NAME_TOKEN = r"(?:[A-Z][a-zA-Z'’\-]+|[A-Z]\.)"
_PARTICLE = r"(?:al|el|ul|ud|ur|bin|ibn|bint|abu|Abu|van|von|de|da|di|du|la|le)"
# 1-4 capitalised tokens on one line, particles inside ("Abu Bakr al-Baghdadi", "Ahmad bin Ali")
_NAME = rf"{_NAME_TOKEN}(?:(?:[ \t]+|-){_PARTICLE}(?:[ \t]+|-)?{_NAME_TOKEN}|[ \t]+{_NAME_TOKEN}){{0,3}}"
_TITLE_ALT = "|".join(re.escape(t) for t in sorted(TITLE_KIND, key=len, reverse=True))
_TITLE_RE = re.compile(
    rf"(?<![\w.])(?P<title>(?:(?:{_TITLE_ALT})[ \t]+)*(?:{_TITLE_ALT}))(?:[ \t]*,[ \t]*|[ \t]+)(?P<name>{_NAME})"
)
# "Pakistan's military spokesman, Lieutenant General X" / "Director General of the ISPR, Maj Gen X"
_ROLE_NOUNS = (
    r"spokes(?:man|woman|person)|director[ -]general|director|chief|head|commander|minister|"
    r"secretary(?:[ -]general)?|chairman|chairwoman|chair|leader|president|ambassador|envoy|"
    r"governor|emir|amir|ameer|founder|deputy|representative|official|officer|adviser|advisor|"
    r"coordinator|editor|judge|mayor|general|imam|preacher|mufti|cleric|scholar|bishop|pastor"
)
_ROLE_BEFORE = re.compile(
    rf"(?P<role>(?:(?:[A-Z][\w'’\-]+(?:'s|’s)|the|The|a|its|their|his|her)\s+)?(?:[\w\-()]+\s+){{0,4}}?"
    rf"(?:{_ROLE_NOUNS})(?:\s+(?:of|to|for)\s+(?:the\s+)?[^,.;:\n“”\"]{{1,80}}?)?)\s*,?\s*$",
    re.I,
)
_ROLE_AFTER = re.compile(
    rf"\s*,\s*(?P<role>(?:(?:the|a|an)\s+)?(?:[\w\-’']+\s+){{0,4}}?(?:{_ROLE_NOUNS})"
    rf"(?:\s+(?:of|to|for)\s+(?:the\s+)?[^,.;\n“”\"]{{1,80}})?)\s*[,.;]",
    re.I,
)
_ORG_HEADS = (
    r"Front|Movement|Party|Council|Brigades?|Army|Organi[sz]ation|Union|League|Alliance|Committee|"
    r"Ministry|Office|Agency|Forces?|Command|Corps|Guards?|Mujahideen|Mujahidin|Jamaat|Jamaa|Hizb|"
    r"Harakat|Tehreek|Tehrik|Lashkar|Jaish|Ansar|Coalition|Federation|Association|Society|"
    r"Foundation|Institute|Bureau|Department|Services?|Assembly|Parliament|Senate|Congress|"
    r"Government|Battalions?|Regiment|Division|Legion|Network|Collective|Cell|Group|Tahrir|"
    r"Brotherhood|Mission|Commission|Authority|Directorate|Secretariat|Cabinet|Court|Police|"
    r"Navy|Air Force|Militia|Tanzeem|Tanzim|Jamiat|Ittehad|Majlis|Shura|Emirate|Caliphate|State"
)
_ORG_RE = re.compile(
    rf"(?<![\w])(?:(?:[A-Z][\w'’\-]*|al|el|ut|ul|ud|ur|e|i|of|the|for|and|de|wa)\s+){{0,6}}?"
    rf"(?:[A-Z][\w'’\-]*\s+)*(?:{_ORG_HEADS})\b(?:\s+(?:of|for|ut|ul|al|e|i)(?:\s+the)?\s+[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*){{0,3}})?"
)
_ACRONYM_DEF = re.compile(r"(?P<long>[A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|of|the|and|for)){1,8})\s*\((?P<short>[A-Z][A-Za-z]{1,9})\)")
_ARABIC = re.compile(f"[{ARABIC_CHARS}]")
_PRONOUN_LED = re.compile(r"^(?:His|Her|Their|Our|My|Your|Its|He|She|They|We|This|That|These|Those)\b")
# not entities even if spaCy says so: honorific abbreviations and common concept words
_STOP = {
    "swt", "saw", "saaw", "saws", "pbuh", "as", "ra", "rh", "Kufr", "kufr", "Prophethood",
    "Khilafah project", "Deen", "Sharia", "Shariah", "Jihad", "Dawah", "Iman", "Taghut",
}  # fmt: skip
_ROLE_LEAD = re.compile(rf"^(?:(?:Deputy|Chief|Official|Senior|Acting)\s+)?(?:{_ROLE_NOUNS})\s+(?:of|to|for)\s+(?:the\s+)?", re.I)
_SCRIPTURE_LED = re.compile(r"^(?:Surah|Surat|Sura|Sūrah|Quran|Qur'an|Qur’an|Ayah|Sahih)\b")
_WILAYAH = re.compile(r"\b(?:Wilayah|Wilayat|Wilaya|Vilayet|Wilayet)[ \t]+(?:of[ \t]+)?(?:al-)?[A-Z][\w\-]+(?:[ \t]+[A-Z][\w\-]+)?")
_GENERIC_ORG_ONLY = re.compile(rf"^(?:the\s+)?(?:{_ORG_HEADS})$", re.I)


@dataclass
class _Cand:
    start: int
    end: int
    label: str
    rule: str
    priority: int
    score: float
    attrs: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], re.Pattern[str] | None]:
    """(case-sensitive alias → entry, lowercased alias → entry, one compiled matcher)."""
    path = resources.files("communique") / "resources" / "gazetteer.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, {}, None
    exact: dict[str, dict[str, Any]] = {}
    folded: dict[str, dict[str, Any]] = {}
    for entry in data["entries"]:
        names = [entry["canonical"], *entry.get("aliases", [])]
        # case_sensitive: a name that is also a common word (turkey, china); risky: a name
        # with a well-known second sense (Georgia, Jordan) — both only as written
        strict = bool(entry.get("case_sensitive") or entry.get("risky"))
        for alias in names:
            alias = alias.strip()
            if not alias:
                continue
            if alias[:4] == "the ":
                # "the Prophet": the name part must be capitalised as written ("The prophet
                # answers" in a sermon on Micah is not Muhammad)
                exact.setdefault(alias, entry)
                exact.setdefault("The " + alias[4:], entry)
            elif strict or alias.isupper() or len(alias) <= 3:
                exact.setdefault(alias, entry)
            else:
                folded.setdefault(alias.lower(), entry)
        for dem in entry.get("demonyms", []):
            (exact.setdefault(dem, {**entry, "_demonym": True}) if strict else folded.setdefault(dem.lower(), {**entry, "_demonym": True}))
    alts = sorted({*exact, *(k for k in folded)}, key=len, reverse=True)
    if not alts:
        return exact, folded, None
    # one alternation, case-insensitive; case-sensitive aliases are re-checked after matching
    rx = re.compile(
        r"(?<![\w\-])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w\-])(?!['’](?!s\b)\w)", re.I
    )
    return exact, folded, rx


def lookup(surface: str) -> dict[str, Any] | None:
    """The gazetteer entry for a surface form, or None."""
    exact, folded, _ = gazetteer()
    s = surface.strip()
    if s.lower().startswith("the "):
        s = s[4:]
    s = re.sub(r"(?:'s|’s|')$", "", s)
    return exact.get(s) or folded.get(s.lower())


def _strip_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim leading 'the', trailing possessive and punctuation from a name span."""
    s = text[start:end]
    m = re.match(r"(?:the|The)\s+", s)
    if m:
        start += m.end()
    s = text[start:end]
    if s.count("(") > s.count(")"):  # "Khilafah (Caliphate" → "Khilafah"
        end = start + s.index("(")
    while end > start and text[end - 1] in " ,.;:)(\"'“”’":
        if text[end - 1] == "." and re.search(r"\b(?:[A-Z]\.)+$", text[start:end]):
            break  # keep "U.S."
        end -= 1
    s = text[start:end]
    m2 = re.search(r"(?:'s|’s)$", s)
    if m2:
        end = start + m2.start()
    return start, end


def _title_candidates(work: Work) -> list[_Cand]:
    text = work.folded
    out: list[_Cand] = []
    pos = 0
    while m := _TITLE_RE.search(text, pos):
        pos = m.end()
        title = m.group("title")
        n_start, n_end = m.start("name"), m.end("name")
        name = text[n_start:n_end]
        first = name.split()[0]
        if first in TITLE_KIND or first + "." in TITLE_KIND:
            # "Interior Minister, Ms. Dana Velkova": the name slot holds the next title
            pos = n_start
            continue
        # trailing abbreviation dot belongs to the sentence, not the name
        if name.endswith("."):
            n_end -= 1
            name = name[:-1]
        entry = lookup(name)
        if entry and entry.get("label") != "PERSON":  # "General Command", "President of X"
            continue
        if _ORG_HEADS and re.search(rf"\b(?:{_ORG_HEADS})$", name):
            continue
        last_title = re.split(r"\s+", title)[-1] if title not in TITLE_KIND else title
        kind = TITLE_KIND.get(title) or TITLE_KIND.get(last_title, "civil")
        attrs: dict[str, Any] = {
            "title": work.text[m.start("title") : m.end("title")],
            "title_norm": TITLE_CANON.get(title, title),
            "title_kind": kind,
        }
        role = _role_for(work, m.start(), n_end)
        if role:
            attrs["role"], attrs["role_span"] = role
        out.append(_Cand(n_start, n_end, "PERSON", "title_pattern", 0, 0.95, attrs))
    # "The General, Qamar Bajwa" is handled by the ", " in _TITLE_RE
    return out


def _role_for(work: Work, title_start: int, name_end: int) -> tuple[str, list[int]] | None:
    text = work.folded
    line_start = max(text.rfind("\n", 0, title_start) + 1, text.rfind(".", 0, title_start) + 1, title_start - 140)
    before = text[line_start:title_start]
    m = _ROLE_BEFORE.search(before)
    if m and m.group("role").strip():
        role = m.group("role").strip().rstrip(",")
        # "according to Pakistan's military spokesman," → keep from the possessive on
        a = line_start + m.start("role") + (len(m.group("role")) - len(m.group("role").lstrip()))
        role = re.sub(r"^(?:the|a|its|their|his|her)\s+", "", role, flags=re.I)
        a = text.index(role, a)
        return work.text[a : a + len(role)], [a, a + len(role)]
    m = _ROLE_AFTER.match(text, name_end)
    if m:
        role = re.sub(r"^(?:the|a|an)\s+", "", m.group("role"), flags=re.I).strip()
        a = text.index(role, m.start("role"))
        return work.text[a : a + len(role)], [a, a + len(role)]
    return None


def _gazetteer_candidates(work: Work) -> list[_Cand]:
    exact, folded, rx = gazetteer()
    if rx is None:
        return []
    out: list[_Cand] = []
    for m in rx.finditer(work.folded):
        s = m.group()
        # case-sensitive names must match as written ("US", not "us"; "Turkey", not "turkey")
        entry = exact.get(s) or folded.get(s.lower())
        if entry is None:
            continue
        if s not in exact and s.lower() not in folded:
            continue
        start = m.start()
        if s[:4].lower() == "the ":  # "the Prophet": the span is the name
            start += 4
        label = "NORP" if entry.get("_demonym") else entry["label"]
        attrs = {"canonical": entry["canonical"], "kind": entry.get("kind")}
        if entry.get("_demonym"):
            attrs = {"canonical": s[:1].upper() + s[1:], "country": entry["canonical"], "kind": "demonym"}
        if entry.get("date"):
            attrs["date"] = entry["date"]
        score = 1.0
        if entry.get("risky"):
            attrs["risky"] = True
            score = 0.7
        out.append(_Cand(start, m.end(), label, "gazetteer", 1, score, attrs))
    return out


def _org_candidates(work: Work) -> list[_Cand]:
    out: list[_Cand] = []
    text = work.folded
    for m in _ORG_RE.finditer(text):
        a, b = _strip_name(work.text, m.start(), m.end())
        s = text[a:b]
        if b - a < 4 or _GENERIC_ORG_ONLY.match(s) or "\n" in s:
            continue
        # must start with a capital and contain at least two capitalised words
        lead = _ROLE_LEAD.match(s)  # "Spokesperson of the Interior Ministry" → the ministry
        if lead:
            a += lead.end()
            s = text[a:b]
        if not s[:1].isupper() or sum(1 for w in s.split() if w[:1].isupper()) < 2:
            continue
        out.append(_Cand(a, b, "ORG", "org_pattern", 2, 0.85, {}))
    for m in _WILAYAH.finditer(work.text):  # an organization's "province": Wilayah Pakistan
        out.append(_Cand(m.start(), m.end(), "GPE", "wilayah_pattern", 1, 0.9, {"kind": "province"}))
    issuer = work.meta.get("issuer")
    if issuer and len(issuer) >= 3:
        for m in re.finditer(r"(?<!\w)" + re.escape(issuer) + r"(?!\w)", work.text):
            out.append(_Cand(m.start(), m.end(), "ORG", "issuer", 1, 0.95, {"canonical": issuer}))
    author = work.meta.get("author")
    if author and len(author) >= 3:
        for m in re.finditer(r"(?<!\w)" + re.escape(author) + r"(?!\w)", work.text):
            attrs: dict[str, Any] = {"canonical": author}
            if work.meta.get("author_role"):
                attrs["role"] = work.meta["author_role"]
            out.append(_Cand(m.start(), m.end(), "PERSON", "author", 1, 0.95, attrs))
    return out


def _in_citation_parens(text: str, a: int, b: int) -> bool:
    """'(Muslim)' right after a quotation is a hadith collection, not a NORP."""
    if text[a - 1 : a] not in "([" or text[b : b + 1] not in ")]" or a < 2:
        return False
    before = text[max(0, a - 6) : a - 1].rstrip()
    return bool(before) and before[-1] in "\"”»*'’)]"


def _spacy_candidates(work: Work) -> list[_Cand]:
    out: list[_Cand] = []
    headings = [(h.start, h.end) for h in work.layer("segment", "heading")]
    title_ev = (work.meta.get("evidence") or {}).get("title")
    if title_ev:
        headings.append((title_ev[0], title_ev[1]))

    def in_heading(pos: int) -> bool:
        return any(h0 <= pos < h1 for h0, h1 in headings)

    for block in work.parsed_blocks():
        assert block.doc is not None
        for ent in block.doc.ents:
            if ent.label_ not in KEEP_LABELS:
                continue
            a, b = _strip_name(work.text, block.start + ent.start_char, block.start + ent.end_char)
            s = work.text[a:b]
            if b <= a or _ARABIC.search(s) or _PRONOUN_LED.match(s) or s in _STOP:
                continue
            if s.lower() in _STOP or not any(c.isalpha() for c in s) or _SCRIPTURE_LED.match(s):
                continue
            if _in_citation_parens(work.text, a, b):
                continue
            if any(h0 <= a and b <= h1 for h0, h1 in headings):
                # Title Case headings fool the tagger ("Terrorist", "Regime Bombs the Markets"):
                # keep a name found in a heading only if it also occurs outside the headings
                if all(in_heading(m.start()) for m in re.finditer(rf"\b{re.escape(s)}\b", work.text)):
                    continue
            out.append(_Cand(a, b, ent.label_, "spacy_ner", 3, 0.75, {}))
    return out


def _mention_candidates(work: Work, found: list[_Cand]) -> list[_Cand]:
    """Later mentions of a titled person by full name or surname alone ("Halvard is lying")."""
    out: list[_Cand] = []
    seen: set[str] = set()
    for c in found:
        if c.label != "PERSON" or c.rule not in ("title_pattern", "author"):
            continue
        name = work.text[c.start : c.end]
        parts = name.split()
        forms = {name}
        if len(parts) >= 2 and len(parts[-1]) >= 3:
            forms.add(parts[-1])
        for form in forms - seen:
            seen.add(form)
            for m in re.finditer(rf"(?<![\w\-]){re.escape(form)}(?![\w\-])", work.text):
                attrs = {"canonical": name, "rule_of": "surname" if form != name else "full_name"}
                out.append(_Cand(m.start(), m.end(), "PERSON", "person_mention", 2, 0.85, attrs))
    return out


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Keep non-overlapping candidates: lower priority number wins, then longer span.

    A gazetteer name inside a longer rule-found organization ("Pakistan" in "Foreign Office
    of Pakistan") gives way to the organization."""
    longer = [c for c in cands if c.rule in ("org_pattern", "issuer", "wilayah_pattern")]
    cands = [
        c
        for c in cands
        if c.rule != "gazetteer"
        or not any(o.start <= c.start and c.end <= o.end and (o.end - o.start) > (c.end - c.start) for o in longer)
    ]
    cands.sort(key=lambda c: (c.priority, -(c.end - c.start), c.start))
    taken: list[tuple[int, int]] = []
    kept: list[_Cand] = []
    for c in cands:
        if any(c.start < e and s < c.end for s, e in taken):
            # a spaCy/org span that contains a title-pattern name is dropped; a spaCy span
            # exactly equal to a gazetteer span lends nothing
            continue
        taken.append((c.start, c.end))
        kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


def _canonicalize(work: Work, kept: list[_Cand]) -> None:
    from rapidfuzz import fuzz

    text = work.text
    # acronyms defined in the text: "Inter-Services Public Relations (ISPR)"
    acronyms: dict[str, str] = {}
    for m in _ACRONYM_DEF.finditer(text):
        long, short = m.group("long").strip(), m.group("short")
        words = long.split()
        for k in range(1, len(words) + 1):  # shortest suffix whose initials spell the acronym
            suffix = words[-k:]
            initials = "".join(p[0] for w in suffix for p in w.split("-") if p[:1].isupper())
            if initials.upper() == short.upper():
                acronyms[short] = " ".join(suffix)
                break
    persons: list[_Cand] = []
    for c in kept:
        s = text[c.start : c.end]
        if s in acronyms and c.rule in ("gazetteer", "spacy_ner"):
            # an acronym the statement defines itself beats the gazetteer's reading
            c.attrs = {"canonical": acronyms[s], "acronym": True}
        if "canonical" not in c.attrs:
            entry = lookup(s)
            if entry and not entry.get("_demonym"):
                c.attrs["canonical"] = entry["canonical"]
                if c.label not in ("NORP",) and entry["label"] != c.label and c.rule == "spacy_ner":
                    c.label = entry["label"]
                    c.attrs["relabelled_from"] = "spacy"
            elif s in acronyms:
                c.attrs["canonical"] = acronyms[s]
            else:
                c.attrs["canonical"] = re.sub(r"\s+", " ", s)
        if c.label == "PERSON":
            persons.append(c)
    # a spaCy mention whose text is a titled person's name elsewhere is that person
    titled = {text[c.start : c.end] for c in kept if c.label == "PERSON" and c.rule in ("title_pattern", "author")}
    for c in kept:
        if c.label != "PERSON" and c.rule == "spacy_ner" and text[c.start : c.end] in titled:
            c.attrs["relabelled_from"] = c.label
            c.label = "PERSON"
            persons.append(c)
    # surname-only and spelling variants → the fullest name of the same person
    full = sorted({p.attrs["canonical"] for p in persons}, key=lambda n: (-len(n.split()), -len(n)))
    mapping: dict[str, str] = {}
    for name in full:
        for other in full:
            if other == name or len(other.split()) <= len(name.split()) and other in mapping:
                continue
            if len(other.split()) > len(name.split()) and other.split()[-1] == name.split()[-1] and len(name.split()) == 1:
                mapping[name] = mapping.get(other, other)
                break
            if len(other.split()) == len(name.split()) and other != name and other not in mapping:
                if name[0] == other[0] and fuzz.ratio(name, other) >= 88:
                    # the first-seen / longer spelling wins; deterministic by sort order
                    winner = min(name, other, key=lambda n: (-len(n), n))
                    if winner != name:
                        mapping[name] = winner
                        break
    for p in persons:
        canon = p.attrs["canonical"]
        if canon in mapping:
            p.attrs.setdefault("variant_of", mapping[canon])
            p.attrs["canonical"] = mapping[canon]
    # carry titles/roles from the titled mention to the other mentions of the same person
    best: dict[str, dict[str, Any]] = {}
    for p in persons:
        if "title" in p.attrs:
            best.setdefault(p.attrs["canonical"], {k: p.attrs[k] for k in ("title", "title_norm", "title_kind") if k in p.attrs})
        if "role" in p.attrs:
            best.setdefault(p.attrs["canonical"] + "\0role", {"role": p.attrs["role"]})
    for p in persons:
        for key, v in best.get(p.attrs["canonical"], {}).items():
            p.attrs.setdefault(key, v)
        for key, v in best.get(p.attrs["canonical"] + "\0role", {}).items():
            p.attrs.setdefault(key, v)


def _run(work: Work) -> None:
    titled = _title_candidates(work)
    orgs = _org_candidates(work)
    cands = titled + _gazetteer_candidates(work) + orgs + _spacy_candidates(work)
    cands += _mention_candidates(work, titled + orgs)
    kept = _resolve(cands)
    _canonicalize(work, kept)
    model = spacy_version()
    for c in kept:
        attrs = dict(c.attrs)
        attrs["rule"] = c.rule if c.rule != "spacy_ner" else f"spacy_ner:{model}"
        work.add(c.start, c.end, "entity", c.label, source=SOURCE, score=c.score, attrs=attrs)


STAGE = Stage(NAME, VERSION, requires=("parse", "segment", "meta.issuer"), assigns=("entity",), run=_run)
