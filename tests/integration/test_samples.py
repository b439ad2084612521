"""The whole pipeline on the two real statements in ../shared/samples (skipped when absent).

Issue #2: issuer, author and role, titled persons, organizations, quotations and speakers.
Dates and citations on the same texts are asserted in test_samples_dates.py and
test_samples_citations.py.
"""

from __future__ import annotations

import pytest
from tests.conftest import sample_text

import communique

RUSSIA = "000_e9aeded6f58c512e.txt"
KASHMIR = "004_948dfade05b25090.txt"


@pytest.fixture(scope="module")
def docs():
    return {name: communique.analyze(sample_text(name)) for name in (RUSSIA, KASHMIR)}


def _person(doc, name):
    found = [s for s in doc.layer("entity", "PERSON") if doc.surface(s) == name]
    assert found, f"{name} not found as PERSON"
    return found[0]


def test_issuer_of_both_documents(docs):
    assert docs[RUSSIA].meta["issuer"] == "Hizb ut Tahrir"
    assert docs[KASHMIR].meta["issuer"] == "Hizb ut Tahrir"
    assert docs[RUSSIA].meta["office"] == "Media Office of Hizb ut Tahrir in Wilayah Pakistan"
    assert docs[KASHMIR].meta["office"] == "Central Media Office of Hizb ut Tahrir"
    assert docs[RUSSIA].meta["doc_type"] == "press_release"
    assert docs[RUSSIA].meta["title"] == "Pakistan-Russia Joint Military Exercises"


def test_author_and_role(docs):
    m = docs[KASHMIR].meta
    assert m["author"] == "Shahzad Shaikh"
    assert m["author_role"] == "Deputy to the Official Spokesman of Hizb ut Tahrir in Wilayah Pakistan"
    s = _person(docs[KASHMIR], "Shahzad Shaikh")
    assert s.attrs["role"] == m["author_role"]


def test_asim_bajwa_with_his_rank(docs):
    doc = docs[RUSSIA]
    s = _person(doc, "Asim Bajwa")
    a = doc.text.index("Asim Bajwa")
    assert (s.start, s.end) == (a, a + len("Asim Bajwa"))
    assert s.attrs["title"] == "Lieutenant General"
    assert s.attrs["role"] == "Pakistan’s military spokesman"


def test_other_titled_persons(docs):
    doc = docs[KASHMIR]
    assert _person(doc, "Asif Ghafoor").attrs["title_norm"] == "Major General"
    assert _person(doc, "Asif Ghafoor").attrs["role"] == "Director General of the Inter-Services Public Relations (ISPR)"
    assert _person(doc, "Zakaria").attrs["title"] == "Mr."
    assert _person(doc, "Zakaria").attrs["role"] == "Spokesperson of foreign office"
    assert _person(doc, "Joseph Votel").attrs["title"] == "Gen"
    assert _person(doc, "Qamar Bajwa").attrs["title"] == "General"


def test_hizbul_mujahideen_is_an_org(docs):
    doc = docs[KASHMIR]
    orgs = [s for s in doc.layer("entity", "ORG") if doc.surface(s) == "Hizbul Mujahideen"]
    assert len(orgs) == 2


def test_us_america_united_states_are_one_actor(docs):
    canon = {
        doc.surface(s): s.attrs["canonical"]
        for doc in docs.values()
        for s in doc.layer("entity")
        if doc.surface(s) in ("US", "America", "United States")
    }
    assert set(canon) == {"US", "America", "United States"}
    assert set(canon.values()) == {"United States"}


def test_arabic_is_not_an_english_entity(docs):
    for doc in docs.values():
        for s in doc.layer("entity"):
            assert not any("\u0600" <= c <= "\u06ff" for c in doc.surface(s)), doc.surface(s)


def test_arabic_passages_are_segments_with_lang_ar(docs):
    doc = docs[RUSSIA]
    (verse,) = [s for s in doc.layer("segment", "paragraph") if doc.surface(s).startswith("﴿")]
    assert verse.attrs["lang"] == "ar"
    (hadith,) = doc.layer("segment", "passage")
    assert doc.surface(hadith) == "إنما الإمام جنة يُقاتل من ورائه ويُتقى به"
    assert hadith.attrs["lang"] == "ar"
    assert docs[RUSSIA].meta["languages"] == ["en", "ar"]


def test_the_two_quotations_and_their_speakers(docs):
    doc = docs[KASHMIR]
    quotes = {doc.surface(q)[:30]: q for q in doc.layer("quote")}
    fo = quotes["The designation of individuals"]
    assert doc.surface(fo).endswith("is completely unjustified.")
    assert fo.attrs["open_ended"] is True  # the closing mark is missing in the original
    assert fo.attrs["speaker"] == "Zakaria"
    assert fo.attrs["speaker_org"] == "Foreign Office of Pakistan"
    ag = quotes["This is a policy decision that"]
    assert doc.surface(ag).endswith("will have to do their jobs.")
    assert ag.attrs["speaker"] == "Asif Ghafoor"
    assert ag.attrs["verb"] == "state"


def test_every_span_has_offsets_score_and_source(docs):
    for doc in docs.values():
        assert doc.spans
        for s in doc.spans:
            assert 0 <= s.start <= s.end <= len(doc.text)
            assert 0.0 <= s.score <= 1.0
            assert "@" in s.source
