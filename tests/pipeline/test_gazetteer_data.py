"""The gazetteer data file (resources/gazetteer.json): schema, uniqueness, and key entries.

Matching rule the data is checked against (the entity stage's): a name is matched on whole
tokens, a leading "the " is ignored, and a name that is all-caps or at most 3 characters long
is matched case-sensitively, any other name case-insensitively. Demonyms are matched
case-insensitively.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from importlib import resources
from typing import Any

import pytest

LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "LAW"}

# kind → the labels it may carry; the order is the order of the sections in the file
KIND_LABELS: dict[str, set[str]] = {
    "country": {"GPE"},
    "territory": {"GPE"},
    "historical_state": {"GPE"},
    "region": {"GPE", "LOC"},
    "city": {"GPE"},
    "border": {"LOC"},
    "religious_site": {"FAC"},
    "facility": {"FAC"},
    "intergovernmental_org": {"ORG"},
    "government_body": {"ORG"},
    "military_command": {"ORG"},
    "armed_force": {"ORG"},
    "intelligence_agency": {"ORG"},
    "law_enforcement_agency": {"ORG"},
    "militant_group": {"ORG"},
    "extremist_group": {"ORG"},
    "political_movement": {"ORG"},
    "religious_movement": {"ORG"},
    "political_party": {"ORG"},
    "religious_community": {"NORP"},
    "ethnic_group": {"NORP"},
    "ideology_group": {"NORP"},
    "religious_figure": {"PERSON"},
    "ideology_state": {"ORG"},
    "event": {"EVENT"},
    "law": {"LAW"},
}

REQUIRED = {"canonical": str, "label": str, "kind": str, "aliases": list}
OPTIONAL = {
    "demonyms": list,
    "date": str,
    "case_sensitive": bool,
    "risky": bool,
    "risky_aliases": list,
}

_PART = r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?"
DATE_RE = re.compile(rf"^{_PART}(?:/{_PART})?$")

# Names that are also ordinary words. A case-insensitive name equal to one of these must be
# flagged: the entry carries case_sensitive or risky, or the name sits in risky_aliases.
COMMON_WORDS = {
    "base", "chad", "china", "chile", "congress", "georgia", "guinea", "hazara", "ikhwan",
    "jordan", "maghrib", "mecca", "medina", "national action", "niger", "panama", "pentagon",
    "polish", "sham", "swat", "turkey", "west bank", "white house", "cold war", "holocaust",
    "crusades", "islamic state", "proud boys", "golden dawn", "resistance front",
}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    path = resources.files("communique") / "resources" / "gazetteer.json"
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strict: the file is UTF-8
    assert unicodedata.is_normalized("NFC", text), "the file must be NFC, like normalized text"
    return json.loads(text)


@pytest.fixture(scope="module")
def entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["entries"]


def _strip_the(name: str) -> str:
    return name[4:] if name.lower().startswith("the ") else name


def _case_sensitive(name: str) -> bool:
    return name.isupper() or len(name) <= 3


def _names(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(name as matched, where it comes from) for every name of the entry."""
    out = [(_strip_the(entry["canonical"]), "canonical")]
    out += [(_strip_the(a), "alias") for a in entry["aliases"]]
    out += [(_strip_the(a), "risky_alias") for a in entry.get("risky_aliases", [])]
    out += [(d, "demonym") for d in entry.get("demonyms", [])]
    return out


def _is_cs(name: str, source: str) -> bool:
    return source != "demonym" and _case_sensitive(name)


def _resolver(entries: list[dict[str, Any]]):
    """The matching rule as a lookup of whole surface forms (aliases and canonicals only)."""
    exact: dict[str, dict[str, Any]] = {}
    folded: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for name, source in _names(entry):
            if source not in {"canonical", "alias"}:
                continue
            if _case_sensitive(name):
                exact.setdefault(name, entry)
            else:
                folded.setdefault(name.lower(), entry)

    def resolve(surface: str) -> dict[str, Any] | None:
        s = _strip_the(surface.strip())
        return exact.get(s) if _case_sensitive(s) else folded.get(s.lower())

    return resolve


# ---- schema


def test_top_level(data):
    assert set(data) <= {"version", "notes", "entries"}
    assert data["version"] == 1
    assert isinstance(data["entries"], list)


def test_entry_schema(entries):
    for entry in entries:
        where = entry.get("canonical", entry)
        assert isinstance(entry, dict), where
        for key, typ in REQUIRED.items():
            assert key in entry, (where, key)
            assert isinstance(entry[key], typ), (where, key)
        for key in entry:
            assert key in REQUIRED or key in OPTIONAL, (where, f"unknown key {key!r}")
            if key in OPTIONAL:
                assert isinstance(entry[key], OPTIONAL[key]), (where, key)
        for key in ("aliases", "demonyms", "risky_aliases"):
            for s in entry.get(key, []):
                assert isinstance(s, str), (where, key, s)
        for s in [
            entry["canonical"],
            *entry["aliases"],
            *entry.get("demonyms", []),
            *entry.get("risky_aliases", []),
        ]:
            assert s and s == s.strip(), (where, s)
            assert "  " not in s and "\n" not in s, (where, s)
            # the entity stage matches on text whose quotes and dashes are folded to ASCII
            assert not re.search("[\u2010-\u2015\u2018\u2019\u201c\u201d\u2212]", s), (where, s)
        for flag in ("case_sensitive", "risky"):
            if flag in entry:
                assert entry[flag] is True, (where, f"{flag} is written only when true")
        for key in ("demonyms", "risky_aliases"):
            if key in entry:
                assert entry[key], (where, f"empty {key} is left out")


def test_labels_and_kinds(entries):
    for entry in entries:
        assert entry["label"] in LABELS, entry["canonical"]
        assert entry["kind"] in KIND_LABELS, (entry["canonical"], entry["kind"])
        assert entry["label"] in KIND_LABELS[entry["kind"]], (
            entry["canonical"],
            entry["kind"],
            entry["label"],
        )


def test_persons_are_only_religious_figures(entries):
    persons = {e["canonical"] for e in entries if e["label"] == "PERSON"}
    assert persons == {e["canonical"] for e in entries if e["kind"] == "religious_figure"}
    assert persons == {"Allah", "Prophet Muhammad", "Jesus"}


def test_dates(entries):
    for entry in entries:
        if "date" in entry:
            assert DATE_RE.match(entry["date"]), (entry["canonical"], entry["date"])
            if "/" in entry["date"]:
                start, end = entry["date"].split("/")
                assert start <= end, (entry["canonical"], entry["date"])
        if entry["label"] == "EVENT":
            assert "date" in entry, f"event {entry['canonical']!r} has no date"


def test_sorted_by_canonical_within_each_kind(entries):
    def key(s: str) -> str:
        return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().casefold()

    kinds = [e["kind"] for e in entries]
    seen: list[str] = []
    for k in kinds:
        if not seen or seen[-1] != k:
            assert k not in seen, f"kind {k!r} is split into more than one section"
            seen.append(k)
    assert seen == [k for k in KIND_LABELS if k in seen], "sections are out of order"
    for k in seen:
        canon = [e["canonical"] for e in entries if e["kind"] == k]
        assert canon == sorted(canon, key=key), f"section {k!r} is not sorted by canonical"


# ---- uniqueness


def test_no_duplicate_canonicals(entries):
    seen: dict[str, str] = {}
    for entry in entries:
        k = entry["canonical"].casefold()
        assert k not in seen, f"duplicate canonical {entry['canonical']!r}"
        seen[k] = entry["canonical"]


def test_no_duplicate_names_within_an_entry(entries):
    for entry in entries:
        names = _names(entry)
        exact = [n for n, _ in names]
        assert len(exact) == len(set(exact)), (entry["canonical"], exact)
        canon = _strip_the(entry["canonical"])
        for name, source in names[1:]:
            # "Nato" beside "NATO" is not a repeat: it is matched case-insensitively, NATO is not
            if source != "demonym" and not (_case_sensitive(name) and _case_sensitive(canon)):
                assert name.casefold() != canon.casefold() or (
                    _case_sensitive(canon) and name != canon
                ), (entry["canonical"], f"{name!r} repeats the canonical")


def test_no_name_shared_by_two_entries(entries):
    """Case-insensitively, except that two case-sensitive names (all-caps or ≤ 3 characters)
    clash only when identical; hyphens, spaces, dots and apostrophes are ignored."""

    def loose(name: str) -> str:
        return re.sub(r"[\s\-.']+", "", name).casefold()

    def compact(name: str) -> str:
        return re.sub(r"[\s\-.']+", "", name)

    by_key: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for entry in entries:
        for name, source in _names(entry):
            by_key[loose(name)].append((entry["canonical"], name, _is_cs(name, source)))
    clashes = []
    for group in by_key.values():
        for i, (c1, n1, cs1) in enumerate(group):
            for c2, n2, cs2 in group[i + 1 :]:
                if c1 == c2:
                    continue
                if cs1 and cs2 and compact(n1) != compact(n2):
                    continue
                clashes.append((n1, c1, n2, c2))
    assert not clashes, clashes


def test_common_words_are_flagged(entries):
    unflagged = []
    for entry in entries:
        flagged = entry.get("case_sensitive") or entry.get("risky")
        for name, source in _names(entry):
            if _is_cs(name, source) or source == "risky_alias" or flagged:
                continue
            if name.casefold() in COMMON_WORDS:
                unflagged.append((entry["canonical"], name))
    assert not unflagged, unflagged


def test_risky_aliases_are_not_also_plain_aliases(entries):
    for entry in entries:
        assert not set(entry.get("risky_aliases", [])) & set(entry["aliases"]), entry["canonical"]


# ---- content


def test_enough_entries(entries):
    assert len(entries) >= 300


def test_all_un_members_and_observers(entries):
    countries = {e["canonical"] for e in entries if e["kind"] == "country"}
    assert len(countries) == 193 + 4  # UN members, Palestine, Kosovo, Taiwan, Vatican City
    assert {"Palestine", "Kosovo", "Taiwan", "Vatican City"} <= countries
    assert any(e["canonical"] == "Western Sahara" for e in entries)


def test_united_states_aliases(entries):
    resolve = _resolver(entries)
    for surface in [
        "US",
        "U.S.",
        "USA",
        "U.S.A.",
        "America",
        "United States",
        "United States of America",
        "the United States",
    ]:
        hit = resolve(surface)
        assert hit is not None and hit["canonical"] == "United States", surface
    us = resolve("US")
    assert us["label"] == "GPE" and us["kind"] == "country"
    assert {"American", "Americans"} <= set(us["demonyms"])
    # the pronoun never matches: "US" is all-caps, so it is matched case-sensitively
    assert resolve("us") is None and resolve("Us") is None
    assert resolve("Washington") is None  # capitals are not aliases of their country


def test_key_entries(entries):
    resolve = _resolver(entries)
    hm = resolve("Hizbul Mujahideen")
    assert hm["label"] == "ORG" and hm["kind"] == "militant_group"
    assert resolve("Hizb-ul-Mujahideen") is hm
    ummah = resolve("Ummah")
    assert ummah["label"] == "NORP" and ummah["kind"] == "religious_community"
    assert resolve("Muslim Ummah") is ummah
    nine_eleven = resolve("9/11")
    assert nine_eleven["label"] == "EVENT" and nine_eleven["date"] == "2001-09-11"
    assert resolve("Cold War")["date"] == "1947/1991"

    expect = {
        "Burma": "Myanmar",
        "Britain": "United Kingdom",
        "U.K.": "United Kingdom",
        "Russian Federation": "Russia",
        "USSR": "Soviet Union",
        "England": "England",
        "Jammu and Kashmir": "Kashmir",
        "Indian-administered Kashmir": "Kashmir",
        "Al-Quds": "Jerusalem",
        "East Turkestan": "Xinjiang",
        "Bilad al-Sham": "Levant",
        "Khurasan": "Khorasan",
        "Centcom": "United States Central Command",
        "US CENTCOM": "United States Central Command",
        "Pentagon": "United States Department of Defense",
        "Inter-Services Intelligence": "Inter-Services Intelligence",
        "ISI": "Inter-Services Intelligence",
        "ISPR": "Inter-Services Public Relations",
        "RAW": "Research and Analysis Wing",
        "Hizb-ut-Tahrir": "Hizb ut-Tahrir",
        "LeT": "Lashkar-e-Taiba",
        "Lashkar-e-Toiba": "Lashkar-e-Taiba",
        "JeM": "Jaish-e-Mohammed",
        "TTP": "Tehrik-i-Taliban Pakistan",
        "al-Qaida": "al-Qaeda",
        "Daesh": "Islamic State",
        "ISIL": "Islamic State",
        "ISIS-K": "Islamic State Khorasan Province",
        "Hizballah": "Hezbollah",
        "Ansar Allah": "Houthis",
        "al-Nusra Front": "Jabhat al-Nusra",
        "HTS": "Hayat Tahrir al-Sham",
        "KKK": "Ku Klux Klan",
        "Tamil Tigers": "Liberation Tigers of Tamil Eelam",
        "PML-N": "Pakistan Muslim League (N)",
        "BJP": "Bharatiya Janata Party",
        "Muslim": "Muslims",
        "Rasulullah": "Prophet Muhammad",
        "Jesus Christ": "Jesus",
        "Khilafah": "Caliphate",
        "26/11": "2008 Mumbai attacks",
    }
    wrong = {
        s: (resolve(s) or {}).get("canonical")
        for s, c in expect.items()
        if (resolve(s) or {}).get("canonical") != c
    }
    assert not wrong, wrong
    assert resolve("Allah")["label"] == "PERSON"
    assert resolve("Caliphate")["label"] == "ORG"


def test_ambiguous_short_forms_stay_out(entries):
    """Names that mostly mean something else are never plain aliases."""
    resolve = _resolver(entries)
    for surface in [
        "IS",
        "AQ",
        "HT",
        "Sham",
        "ICC",
        "RSS",
        "PTI",
        "PPP",
        "AU",
        "Congo",
        "Korea",
        "Washington",
        "Hindustan",
        "Persia",
    ]:
        assert resolve(surface) is None, surface
