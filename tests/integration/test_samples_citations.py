"""citations on the two real samples (read from ../shared/samples, never copied here).

Doc 000 (2016) closes a hadith with "(Muslim)" after its Arabic «…» and English translation,
and cites "[Surah Aali-Imran 3:160]" after the verse in ﴿…﴾ and its translation. Doc 004
(2017) cites "[Ale Imran:139]" after the verse in (…) and its translation.
"""

from __future__ import annotations

import pytest
from tests.conftest import sample_text

from communique.model import Document
from communique.pipeline import Pipeline

RUSSIA = "000_e9aeded6f58c512e.txt"
KASHMIR = "004_948dfade05b25090.txt"


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline(["normalize", "parse", "segment", "citations"])


def _run(nlp: Pipeline, name: str) -> Document:
    return nlp.run(sample_text(name))


def _arabic_line_containing(text: str, words: str) -> tuple[int, int]:
    """Offsets of the Arabic letters of the line that contains ``words`` (brackets off)."""
    at = text.index(words)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    line = text[start:end]
    lead = len(line) - len(line.lstrip("﴿﴾() "))
    trail = len(line) - len(line.rstrip("﴿﴾() "))
    return start + lead, end - trail


def test_doc000_quran_3_160(nlp: Pipeline) -> None:
    doc = _run(nlp, RUSSIA)
    quran = doc.layer("citation")
    quran = [s for s in quran if s.label == "QURAN"]
    assert [doc.surface(s) for s in quran] == ["Surah Aali-Imran 3:160"]
    (s,) = quran
    assert (s.attrs["ref"], s.attrs["surah"], s.attrs["ayah"]) == ("3:160", 3, 160)
    assert s.attrs["surah_name"] == "Aal-i-Imraan"
    assert s.score == 1.0 and s.source == "citations@1"
    # the verse in ﴿…﴾ two paragraphs up
    expected = _arabic_line_containing(doc.text, "فَلَا غَالِبَ لَكُمْ")
    assert tuple(s.attrs["original_span"]) == expected
    assert s.attrs["original_match"] >= 0.95
    translation = doc.text[slice(*s.attrs["translation_span"])]
    assert translation.startswith("If Allah helps you, none can overcome you")
    assert translation.endswith("let believers put their trust")


def test_doc000_hadith_muslim(nlp: Pipeline) -> None:
    doc = _run(nlp, RUSSIA)
    hadith = [s for s in doc.layer("citation") if s.label == "HADITH"]
    assert [doc.surface(s) for s in hadith] == ["Muslim"]
    (s,) = hadith
    # "(Muslim)" is the only citation among the text's many uses of the word
    assert doc.text[s.start - 1 : s.end + 1] == "(Muslim)"
    assert s.attrs["collection"] == "Muslim"
    original = doc.text[slice(*s.attrs["original_span"])]
    assert original.startswith("إنما الإمام جنة") and original.endswith("به")
    assert doc.text[s.attrs["original_span"][0] - 1] == "«"
    assert doc.text[s.attrs["original_span"][1]] == "»"
    translation = doc.text[slice(*s.attrs["translation_span"])]
    assert translation.startswith("Indeed the Imam is a shield")


def test_doc004_quran_3_139(nlp: Pipeline) -> None:
    doc = _run(nlp, KASHMIR)
    spans = doc.layer("citation")
    assert [(doc.surface(s), s.label) for s in spans] == [("Ale Imran:139", "QURAN")]
    (s,) = spans
    assert (s.attrs["ref"], s.attrs["surah"], s.attrs["ayah"]) == ("3:139", 3, 139)
    assert s.attrs["verse_text"].startswith("وَلَا تَهِنُوا")
    expected = _arabic_line_containing(doc.text, "وَلاَ تَحْزَنُوا")
    assert tuple(s.attrs["original_span"]) == expected
    assert s.attrs["original_match"] >= 0.95
    translation = doc.text[slice(*s.attrs["translation_span"])]
    assert translation.startswith("So do not become weak")
