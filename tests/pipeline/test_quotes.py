"""quotes: paired and open-ended quotations with their speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from communique.pipeline import Pipeline

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PIPE = Pipeline(["normalize", "parse", "segment", "header", "entities", "quotes"])


@pytest.fixture(scope="module")
def kessen():
    return PIPE.run((FIX / "kessen_communique.txt").read_text())


def _quote(doc, startswith):
    (q,) = [q for q in doc.layer("quote") if doc.surface(q).startswith(startswith)]
    return q


def test_according_to_attribution(kessen):
    q = _quote(kessen, "targeted only")
    a = kessen.text.index("targeted only")
    assert (q.start, q.end) == (a, a + len("targeted only armed positions."))
    assert q.attrs["speaker"] == "Piotr Halvard"
    assert q.attrs["verb"] == "according to"
    assert q.attrs["open_ended"] is False


def test_unclosed_quotation_runs_to_paragraph_end(kessen):
    q = _quote(kessen, "The highlands")
    assert kessen.surface(q) == "The highlands will be pacified within weeks. Nobody will stop us."
    assert q.attrs["open_ended"] is True
    assert q.attrs["speaker"] == "Ilse Varga"
    assert q.attrs["verb"] == "state"


def test_scare_quote_has_no_speaker(kessen):
    q = _quote(kessen, "security")
    assert q.attrs["kind"] == "scare" and q.attrs["speaker"] is None


@pytest.mark.parametrize(
    ("text", "quote", "speaker"),
    [
        # speaker after the quotation
        ('"We will never surrender the valley," said Colonel Anja Petrov.', "We will never surrender the valley,", "Anja Petrov"),
        # pronoun subject resolved to the last person named
        ("Minister Otto Rask arrived in Dravik. He said: “The border stays closed.”", "The border stays closed.", "Otto Rask"),
        # organization quoted through its spokesperson in the next sentence
        ("The Interior Ministry of Valdoria reacted that, “The march is illegal. Spokesperson of the ministry Mr. Ivo Lind said more arrests would follow.",
         "The march is illegal.", "Ivo Lind"),
    ],
)
def test_speaker_attribution(text, quote, speaker):
    doc = PIPE.run(text)
    q = _quote(doc, quote[:12])
    assert doc.surface(q) == quote
    assert q.attrs["speaker"] == speaker


def test_translation_inherits_the_speaker_of_the_arabic_original():
    text = "Imam Karem Tosun said, «إنما الإمام جنة» “Indeed the Imam is a shield” before the prayer."
    doc = PIPE.run(text)
    arabic, english = doc.layer("quote")
    assert arabic.attrs["speaker"] == english.attrs["speaker"] == "Karem Tosun"
    assert english.attrs["translation_of"] == [arabic.start, arabic.end]


def test_quotation_closed_by_a_quran_reference_is_scripture():
    text = "“And hold firmly to the rope of Allah all together” [Surah Aali-Imran 3:103]. The Council repeats it."
    doc = PIPE.run(text)
    (q,) = doc.layer("quote")
    assert q.attrs["kind"] == "scripture"
    assert q.attrs["speaker"] == "Allah"
