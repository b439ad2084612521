"""Technique rules on the two real sample statements (read from ../shared/samples, never
copied here; skipped when absent), run as the techniques stage runs them: on the text and the
spans of the whole pipeline.

Doc 000 (2016) calls "the traitors in the political and military leadership" by that name
four times, asks how an alliance with Russia could "bring anything other than further pain
and humiliation?", and closes with a hadith "(Muslim)" and a verse "[Surah Aali-Imran
3:160]". Doc 004 (2017) repeats the label once and closes with "[Ale Imran:139]".
"""

from __future__ import annotations

import pytest
from tests.conftest import sample_text

import communique
from communique.model import Document
from communique.techniques import Finding
from communique.techniques.rules import apply_rules

RUSSIA = "000_e9aeded6f58c512e.txt"
KASHMIR = "004_948dfade05b25090.txt"
LABEL = "traitors in the political and military leadership"


@pytest.fixture(scope="module")
def docs() -> dict[str, tuple[Document, list[Finding]]]:
    out = {}
    for name in (RUSSIA, KASHMIR):
        doc = communique.analyze(sample_text(name))
        out[name] = (doc, apply_rules(doc.text, doc.spans))
    return out


def _occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    out, at = [], text.find(phrase)
    while at >= 0:
        out.append((at, at + len(phrase)))
        at = text.find(phrase, at + 1)
    return out


def _covering(findings: list[Finding], technique: str, start: int, end: int) -> list[Finding]:
    return [f for f in findings if f.technique == technique and f.start <= start and end <= f.end]


@pytest.mark.parametrize("name", [RUSSIA, KASHMIR])
def test_traitors_label_is_name_calling(docs, name) -> None:
    doc, findings = docs[name]
    occ = _occurrences(doc.text, LABEL)
    assert len(occ) == (4 if name == RUSSIA else 1)
    for start, end in occ:
        hits = _covering(findings, "Name_Calling-Labeling", start, end)
        assert hits, f"no Name_Calling-Labeling over {LABEL!r} at {start}"
        assert hits[0].source == "rule:name_calling.label_noun"
        assert hits[0].evidence["trigger"] == "traitors"
        assert "political and military leadership" in hits[0].explanation


def test_repeated_label_is_repetition(docs) -> None:
    doc, findings = docs[RUSSIA]
    first, *later = _occurrences(doc.text, LABEL)
    reps = [
        f for f in findings if f.technique == "Repetition" and doc.text[f.start : f.end] == LABEL
    ]
    assert [(f.start, f.end) for f in reps] == later  # every occurrence after the first
    for f in reps:
        assert f.source == "rule:repetition.phrase"
        assert f.evidence["first"] == list(first)
        assert [tuple(o) for o in f.evidence["occurrences"]] == [first, *later]


def test_rhetorical_question_is_doubt(docs) -> None:
    doc, findings = docs[RUSSIA]
    question = (
        "then how will any sort of alliance with another belligerently hostile state such as Russia "
        "bring anything other than further pain and humiliation?"
    )
    start = doc.text.index(question)
    (f,) = _covering(findings, "Doubt", start, start + len(question))
    assert f.source == "rule:doubt.how_question"


def _between(text: str, first: str, last: str) -> tuple[int, int]:
    start = text.index(first)
    return start, text.index(last, start) + len(last)


@pytest.mark.parametrize(
    ("name", "first", "last", "explanation"),
    [
        # the hadith: the Prophet's words in Arabic and English, closed by "(Muslim)"
        (
            RUSSIA,
            "Indeed the Imam is a shield",
            "(Muslim)",
            "quotes a hadith (Muslim) as authority",
        ),
        # Qur'an 3:160: the verse in Arabic two lines up, its translation, the reference
        (
            RUSSIA,
            "If Allah helps you, none can overcome you",
            "[Surah Aali-Imran 3:160]",
            "quotes the Qur'an (3:160) as authority",
        ),
        # Qur'an 3:139
        (
            KASHMIR,
            "So do not become weak",
            "[Ale Imran:139]",
            "quotes the Qur'an (3:139) as authority",
        ),
    ],
)
def test_scripture_is_appeal_to_authority(docs, name, first, last, explanation) -> None:
    doc, findings = docs[name]
    start, end = _between(doc.text, first, last)
    hits = [
        f
        for f in _covering(findings, "Appeal_to_Authority", start, end)
        if f.source == "rule:authority.scripture"
    ]
    assert [f.explanation for f in hits] == [explanation]


def test_hadith_finding_starts_at_its_speaker(docs) -> None:
    doc, findings = docs[RUSSIA]
    start, end = _between(doc.text, "RasulAllah (saaw) said", "(Muslim)")
    assert (start, end, "Appeal_to_Authority") in {(f.start, f.end, f.technique) for f in findings}


def test_allah_informed_us_is_appeal_to_authority(docs) -> None:
    doc, findings = docs[RUSSIA]
    start = doc.text.index("And Allah (swt) informed us that")
    hits = [
        f for f in findings if f.start == start and f.source == "rule:authority.religious_speaker"
    ]
    assert len(hits) == 1


def test_plain_text_finds_the_same_doubt_repetition_and_scripture() -> None:
    """Without the pipeline's spans: regex sentences and bracketed references."""
    text = sample_text(RUSSIA)
    findings = apply_rules(text)
    first, *later = _occurrences(text, LABEL)
    assert [
        (f.start, f.end)
        for f in findings
        if f.technique == "Repetition" and text[f.start : f.end] == LABEL
    ] == later
    q = text.index("then how will any sort of alliance")
    assert _covering(findings, "Doubt", q, text.index("humiliation?", q) + len("humiliation?"))
    for first_words, last in (
        ("Indeed the Imam is a shield", "(Muslim)"),
        ("If Allah helps you", "[Surah Aali-Imran 3:160]"),
    ):
        assert _covering(findings, "Appeal_to_Authority", *_between(text, first_words, last))


@pytest.mark.parametrize("name", [RUSSIA, KASHMIR])
def test_technique_layer_of_the_pipeline(docs, name) -> None:
    """The same findings reach the document as ``technique`` spans with their evidence."""
    doc, _ = docs[name]
    spans = doc.layer("technique")
    assert spans
    for s in spans:
        assert s.attrs["category"] and s.attrs["explanation"]
        assert s.source.startswith(("rule:", "model:")) and "@" in s.source
    (first, *_) = _occurrences(doc.text, LABEL)
    nc = [s for s in spans if s.label == "Name_Calling-Labeling" and s.start <= first[0] and first[1] <= s.end]
    assert nc and nc[0].attrs["category"] == "Attack on reputation"
    assert nc[0].attrs["ptc"] == "Name_Calling,Labeling"
    authority = [s for s in spans if s.label == "Appeal_to_Authority"]
    assert authority and all(s.attrs["category"] == "Justification" for s in authority)
