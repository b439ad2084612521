"""quotes: paired and open-ended quotations with their speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from communique.pipeline import Pipeline

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PIPE = Pipeline(["normalize", "parse", "segment", "header", "entities", "citations", "quotes"])


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


# ---- attribution patterns (fictional snippets; names and places are invented) ----


def _span_text(doc, span):
    return doc.text[span[0] : span[1]]


def test_relative_pronoun_subject_resolves_to_the_noun_it_attaches_to():
    text = (
        "At the head of the table sat the envoy of the Tarsk Union, Mr. Tobias Wren, who said to "
        'the cameras, "No one leaves this hall before the treaty is signed." Nobody answered him.'
    )
    doc = PIPE.run(text)
    q = _quote(doc, "No one leaves")
    a = text.index("No one leaves")
    assert (q.start, q.end) == (a, a + len("No one leaves this hall before the treaty is signed."))
    assert q.attrs["speaker"] == "Tobias Wren"
    w = text.index("Tobias Wren")
    assert q.attrs["speaker_span"] == [w, w + len("Tobias Wren")]
    assert _span_text(doc, q.attrs["speaker_ref"]) == "who"


def test_inverted_attribution_beats_a_verb_of_an_earlier_sentence_and_call_names_not_quotes():
    text = (
        "General Idris Varn is the man whom the villagers of Oskeld still call “the wolf”. On Monday "
        "he stood beside Colonel Piet Marrak at the parade and praised “the courage of our hosts”. "
        "“We came here to learn the rivers, and we learn quickly,” said Varn, smiling at the cameras."
    )
    doc = PIPE.run(text)
    q = _quote(doc, "We came here")
    assert q.attrs["speaker"] == "Idris Varn" and q.attrs["verb"] == "say"
    v = text.index("Varn, smiling")
    assert q.attrs["speaker_span"] == [v, v + len("Varn")]  # the surface at the attribution
    wolf = _quote(doc, "the wolf")
    assert wolf.attrs["speaker"] is None and wolf.attrs["kind"] == "scare"  # "call X “Y”" names


def test_call_on_still_reports():
    text = 'The Harbour Council called on residents to "stay indoors until the storm has passed".'
    doc = PIPE.run(text)
    q = _quote(doc, "stay indoors")
    assert q.attrs["speaker"] == "Harbour Council" and q.attrs["verb"] == "call"


def test_pronoun_prefers_the_subject_over_a_later_companion():
    text = (
        "The Governor of Tarsk, Ms. Hana Ostrova, toured the depot on Sunday together with the commander "
        'of the garrison, Colonel Piet Marrak. She told reporters that "whoever attacks this depot attacks '
        'every family that it heats this winter".'
    )
    doc = PIPE.run(text)
    q = _quote(doc, "whoever attacks")
    assert q.attrs["speaker"] == "Hana Ostrova"
    assert _span_text(doc, q.attrs["speaker_ref"]) == "She"


def test_pronoun_skips_a_person_of_the_other_gender():
    text = 'Mr. Karel Dunst welcomed Ms. Hana Ostrova to the depot. She said: "The depot will reopen on Friday."'
    doc = PIPE.run(text)
    assert _quote(doc, "The depot will").attrs["speaker"] == "Hana Ostrova"


def test_reporting_verb_beats_according_to_and_a_role_only_subject_finds_its_person():
    text = (
        "The talks opened in the presence of the Tarskian special envoy, Mr. Tobias Wren, and the Orsk "
        "foreign minister. The Tarskian envoy, according to the Orsk news agency, told the delegates that "
        '"nobody goes home until the valley is at peace".'
    )
    doc = PIPE.run(text)
    q = _quote(doc, "nobody goes home")
    assert q.attrs["speaker"] == "Tobias Wren"
    assert q.attrs["verb"] == "tell" and q.attrs["rule"] == "reporting_verb"
    assert _span_text(doc, q.attrs["speaker_ref"]) == "The Tarskian envoy"


def test_title_only_subject_resolves_to_the_titled_person_and_the_next_quote_continues():
    text = (
        "In a message read at the ceremony, the President of the Republic, Ms. Alva Renn, thanked the "
        'mediators. "Peace is a harvest that nobody gathers alone," the President wrote. "Today I think '
        'of the families who waited for this day."'
    )
    doc = PIPE.run(text)
    first = _quote(doc, "Peace is a harvest")
    assert first.attrs["speaker"] == "Alva Renn" and first.attrs["verb"] == "write"
    assert _span_text(doc, first.attrs["speaker_ref"]) == "the President"
    second = _quote(doc, "Today I think")
    assert second.attrs["speaker"] == "Alva Renn"
    assert second.attrs["rule"] == "continuation"
    assert second.attrs["continues"] == [first.start, first.end]


def test_possessed_title_is_not_the_documents_office_holder():
    text = (
        'Varnia is the state whose president boasts on television that his country is "the shield of '
        'the whole east". President Emil Sander has invited its army anyway.'
    )
    doc = PIPE.run(text)
    assert _quote(doc, "the shield").attrs["speaker"] != "Emil Sander"


def test_subject_of_the_clause_a_reporting_verb_hangs_from():
    text = (
        "The order came from the top. Gen Oskar Brandt, promoted to chief of staff after the winter "
        'campaign, announced on the radio that "the truce no longer protects the rebels".'
    )
    doc = PIPE.run(text)
    q = _quote(doc, "the truce")
    assert q.attrs["speaker"] == "Oskar Brandt" and q.attrs["verb"] == "announce"


def test_passive_reporting_verb_does_not_make_the_addressee_the_speaker():
    text = 'Since the spring, the citizens of Oskeld were called on to "rise before the harvest and take back the valley".'
    doc = PIPE.run(text)
    assert _quote(doc, "rise before").attrs["speaker"] != "the citizens of Oskeld"


def test_open_ended_answer_after_a_question():
    text = (
        "At the briefing, the Spokesperson of the Harbour Police, Ms. Edda Lunn, was asked whether more "
        'arrests would follow. She answered: "No further arrests are planned at this time, and the inquiry '
        "continues as before\n\nThe families of the victims were not convinced."
    )
    doc = PIPE.run(text)
    q = _quote(doc, "No further arrests")
    a = text.index("No further arrests")
    assert (q.start, q.end) == (a, text.index("\n\n"))
    assert q.attrs["open_ended"] is True
    assert q.attrs["speaker"] == "Edda Lunn" and q.attrs["verb"] == "answer"


def test_speaker_named_after_the_quote_beats_the_speaker_of_the_previous_sentence():
    text = (
        "The commander of the Northern Brigade, Colonel Ivo Marek, praised the discipline of both units. "
        '"Our soldiers crossed the hardest passes without a single loss," he said. "We leave the valley '
        'with new friends and with great respect for its people," the commander of the Orsk contingent, '
        "Gen Taras Belov, told journalists."
    )
    doc = PIPE.run(text)
    assert _quote(doc, "Our soldiers").attrs["speaker"] == "Ivo Marek"
    q = _quote(doc, "We leave the valley")
    assert q.attrs["speaker"] == "Taras Belov" and q.attrs["verb"] == "tell"


def test_quote_opening_the_next_paragraph_continues_the_previous_speaker():
    text = (
        'Colonel Ivo Marek said: "The mountain road to Oskeld is open again."\n\n'
        '"We will keep it open through the whole winter and beyond."\n\n'
        'He added: "Convoys will run every day from Monday."'
    )
    doc = PIPE.run(text)
    first = _quote(doc, "The mountain road")
    second = _quote(doc, "We will keep it open")
    assert second.attrs["speaker"] == "Ivo Marek" and second.attrs["rule"] == "continuation"
    assert second.attrs["continues"] == [first.start, first.end]
    third = _quote(doc, "Convoys will run")
    assert third.attrs["speaker"] == "Ivo Marek" and third.attrs["verb"] == "add"


def test_no_continuation_once_the_narration_has_moved_on():
    text = (
        'Colonel Ivo Marek said: "The mountain road to Oskeld is open again." Mayor Lina Hoff disagreed '
        'with him at length. The council met twice. "The road is still not safe for the buses."'
    )
    doc = PIPE.run(text)
    assert _quote(doc, "The road is still").attrs["speaker"] is None


def test_an_unresolvable_pronoun_is_never_the_speaker():
    text = 'To the minister of Oskeld: you promised "a new start for the whole valley" and gave nothing.'
    doc = PIPE.run(text)
    q = _quote(doc, "a new start")
    assert q.attrs["speaker"] is None and q.attrs["rule"] == "unattributed"


@pytest.mark.parametrize(
    ("text", "speaker", "tradition"),
    [
        # a Bible verse is scripture, but not Allah's words
        ('Pastor Ivo Renn told the crowd: "Blessed are the peacemakers" (Matthew 5:9).', "Ivo Renn", "bible"),
        # a Qur'an reference closing the quotation
        ('The council recalled: “Hold fast to the rope of Allah” [Aal-Imran 3:103].', "Allah", None),
    ],
)
def test_citation_closing_a_quotation_sets_its_kind(text, speaker, tradition):
    doc = PIPE.run(text)
    (q,) = doc.layer("quote")
    assert q.attrs["kind"] == "scripture"
    assert q.attrs["speaker"] == speaker
    assert q.attrs.get("tradition") == tradition
    (cite,) = doc.layer("citation")
    assert q.attrs["citation"] == [cite.start, cite.end]
