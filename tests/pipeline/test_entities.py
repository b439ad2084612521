"""entities: titles and roles, org patterns, surname mentions, canonical names."""

from __future__ import annotations

from pathlib import Path

import pytest

from communique.pipeline import Pipeline

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PIPE = Pipeline(["normalize", "parse", "segment", "header", "entities"])


@pytest.fixture(scope="module")
def kessen():
    return PIPE.run((FIX / "kessen_communique.txt").read_text())


def _ents(doc, label=None):
    return {(s.start, s.end, s.label): dict(s.attrs) for s in doc.layer("entity") if label in (None, s.label)}


def _at(doc, needle, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = doc.text.index(needle, i + 1)
    return i, i + len(needle)


def test_rank_title_and_role_from_apposition_before(kessen):
    a, b = _at(kessen, "Piotr Halvard")
    attrs = _ents(kessen)[(a, b, "PERSON")]
    assert attrs["title"] == "Lieutenant General"
    assert attrs["title_kind"] == "military"
    assert attrs["role"] == "regime's military spokesman"
    r0, r1 = attrs["role_span"]
    assert kessen.text[r0:r1] == "regime's military spokesman"


def test_abbreviated_rank_and_role_after_the_name(kessen):
    a, b = _at(kessen, "Ilse Varga")
    attrs = _ents(kessen)[(a, b, "PERSON")]
    assert (attrs["title"], attrs["title_norm"]) == ("Maj Gen", "Major General")
    assert attrs["role"] == "commander of the Eastern Command"


def test_role_phrase_before_a_civil_title(kessen):
    a, b = _at(kessen, "Lena Oskar")
    attrs = _ents(kessen)[(a, b, "PERSON")]
    assert attrs["title"] == "Ms."
    assert attrs["role"] == "Spokesperson of the Interior Ministry"
    # the ministry itself is an ORG without the role words in front
    m0, m1 = _at(kessen, "Interior Ministry")
    assert (m0, m1, "ORG") in _ents(kessen)


def test_surname_mentions_resolve_to_the_full_name(kessen):
    a, b = _at(kessen, "Halvard is lying")
    attrs = _ents(kessen)[(a, a + len("Halvard"), "PERSON")]
    assert attrs["canonical"] == "Piotr Halvard"
    assert attrs["title"] == "Lieutenant General"  # carried from the titled mention
    a, b = _at(kessen, "Oskar repeated")
    assert _ents(kessen)[(a, a + 5, "PERSON")]["canonical"] == "Lena Oskar"


def test_issuer_is_an_org_wherever_it_appears(kessen):
    spans = [(s, e) for (s, e, lab), at in _ents(kessen, "ORG").items() if at["canonical"] == "Northern Valdoria Front"]
    assert spans == [_at(kessen, "Northern Valdoria Front"), _at(kessen, "Northern Valdoria Front", 1)]


def test_title_case_heading_words_are_not_entities(kessen):
    heading_end = kessen.text.index("\n\nThe Northern")
    assert [s for s in kessen.layer("entity") if s.end <= heading_end] == []


@pytest.mark.parametrize(
    ("text", "name", "title", "canonical"),
    [
        # comma between title and name ("The General, X")
        ("The General, Aurel Dovan, renewed the pact with Marovia.", "Aurel Dovan", "General", "Aurel Dovan"),
        # religious title
        ("Sheikh Yusuf al-Marani warned the youth of Dravik.", "Yusuf al-Marani", "Sheikh", "Yusuf al-Marani"),
        # stacked titles
        ("Prime Minister Dr. Edda Kallas spoke in Kessen.", "Edda Kallas", "Prime Minister Dr.", "Edda Kallas"),
    ],
)
def test_title_patterns(text, name, title, canonical):
    doc = PIPE.run(text)
    a = text.index(name)
    attrs = _ents(doc)[(a, a + len(name), "PERSON")]
    assert attrs["title"] == title
    assert attrs["canonical"] == canonical


def test_title_never_crosses_a_line_break():
    text = "Written for the Press Office by\nYara Shaikh\nDeputy Spokeswoman of the Kessen Council\n"
    doc = PIPE.run(text)
    persons = [doc.surface(s) for s in doc.layer("entity", "PERSON")]
    assert "Deputy" not in persons
    assert "Yara Shaikh" in persons


def test_arabic_script_is_never_an_english_entity():
    text = "Imam Karem Tosun recited «إنما الإمام جنة يُقاتل من ورائه» before the crowd in Dravik."
    doc = PIPE.run(text)
    assert all(not any("\u0600" <= c <= "\u06ff" for c in doc.surface(s)) for s in doc.layer("entity"))


def test_acronym_defined_in_text_resolves_to_long_form():
    text = "The Directorate of Highland Security (DHS) raided the camp. Later DHS officers returned."
    doc = PIPE.run(text)
    later = text.index("DHS officers")
    found = [s for s in doc.layer("entity") if s.start == later]
    assert found and found[0].attrs["canonical"] == "Directorate of Highland Security"
