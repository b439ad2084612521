"""segment: paragraphs, headings, sentences, other-script passages, languages."""

from __future__ import annotations

from communique.pipeline import Pipeline

PIPE = Pipeline(["normalize", "parse", "segment"])

TEXT = (
    "Statement of the Kessen Council\n\n"
    "The council met in Dravik. It rejected the decree.\n\n"
    "Imam Karem Tosun recited «إنما الإمام جنة يُقاتل من ورائه» before the crowd.\n\n"
    "وَلاَ تَهِنُوا وَلاَ تَحْزَنُوا وَأَنْتُمُ الأَعْلَوْنَ إِنْ كُنْتُمْ مُّؤْمِنِينَ\n\n"
    "یہ ہمارا وطن ہے اور ہم اس کی حفاظت کریں گے\n"
)


def _seg(doc, label):
    return [(s.start, s.end, dict(s.attrs)) for s in doc.layer("segment", label)]


def test_paragraphs_headings_and_sentences():
    doc = PIPE.run(TEXT)
    (h,) = _seg(doc, "heading")
    assert TEXT[h[0] : h[1]] == "Statement of the Kessen Council"
    sents = [TEXT[a:b] for a, b, _ in _seg(doc, "sentence")]
    assert "The council met in Dravik." in sents
    assert "It rejected the decree." in sents


def test_arabic_passage_inside_english_is_its_own_segment():
    doc = PIPE.run(TEXT)
    (p,) = _seg(doc, "passage")
    assert TEXT[p[0] : p[1]] == "إنما الإمام جنة يُقاتل من ورائه"
    assert p[2] == {"lang": "ar", "script": "Arab"}
    # the English sentence around it stays English
    (sent,) = [a for a in _seg(doc, "sentence") if TEXT[a[0] : a[1]].startswith("Imam")]
    assert sent[2]["lang"] == "en"


def test_arabic_and_urdu_paragraphs():
    doc = PIPE.run(TEXT)
    paras = {TEXT[a:b].split()[0]: at for a, b, at in _seg(doc, "paragraph")}
    assert paras["وَلاَ"] == {"lang": "ar", "script": "Arab"}
    assert paras["یہ"] == {"lang": "ur", "script": "Arab"}
    assert set(doc.meta["languages"]) >= {"en", "ar", "ur"}
