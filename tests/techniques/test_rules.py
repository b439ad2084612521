"""The explainable technique rules on invented statements (Valdoria, the Northern Valdoria
Front, the Kessen Highlands): exact spans, the rule that fired, and silence on plain news."""

from __future__ import annotations

import json

import pytest

from communique.model import Span
from communique.techniques import TECHNIQUES
from communique.techniques.rules import RULES, apply_rules, rule_info


def _at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def _found(text: str, spans: tuple[Span, ...] = ()) -> set[tuple[int, int, str, str]]:
    return {(f.start, f.end, f.technique, f.source) for f in apply_rules(text, spans)}


# (text, phrase marked, technique, rule id) — the phrase's first occurrence unless noted
CASES = [
    # a label and the group it labels, as PTC annotators mark it
    (
        "The traitors in the Valdorian military leadership have sold the Kessen Highlands.",
        "traitors in the Valdorian military leadership",
        "Name_Calling-Labeling",
        "name_calling.label_noun",
    ),
    # a label alone
    (
        "The Northern Valdoria Front called Governor Ostrava a tyrant.",
        "tyrant",
        "Name_Calling-Labeling",
        "name_calling.label_noun",
    ),
    # a singular label before a group noun is still a label
    (
        "Remove the current traitor leadership in Ostrava.",
        "traitor leadership",
        "Name_Calling-Labeling",
        "name_calling.label_noun",
    ),
    # derogatory modifiers stay with the label
    (
        "They serve a brutal dictator and his court.",
        "brutal dictator",
        "Name_Calling-Labeling",
        "name_calling.label_noun",
    ),
    # communiqué vocabulary
    (
        "The Front fights the crusaders and the apostates.",
        "crusaders",
        "Name_Calling-Labeling",
        "name_calling.label_noun",
    ),
    # the tool of a power, as a predicate
    (
        "The ministers are still agents of Valdoria and its allies.",
        "agents of Valdoria",
        "Name_Calling-Labeling",
        "name_calling.relational",
    ),
    (
        "Its fighters are nothing but puppets of the Valdorian regime.",
        "puppets of the Valdorian regime",
        "Name_Calling-Labeling",
        "name_calling.relational",
    ),
    # the foe of what the audience holds sacred
    (
        "The Valdorian regime is a staunch enemy of Islam and Muslims.",
        "staunch enemy of Islam and Muslims",
        "Name_Calling-Labeling",
        "name_calling.relational",
    ),
    (
        "The Kessen council, the so-called ally, betrayed us.",
        "so-called ally",
        "Name_Calling-Labeling",
        "name_calling.so_called",
    ),
    # loaded words, with their intensifier
    ("The election in the Highlands was a sham.", "sham", "Loaded_Language", "loaded.lexicon"),
    (
        "The court issued an utterly disgraceful verdict.",
        "utterly disgraceful",
        "Loaded_Language",
        "loaded.lexicon",
    ),
    (
        "The treaty brought nothing but humiliation to the Highlands.",
        "humiliation",
        "Loaded_Language",
        "loaded.lexicon",
    ),
    # rhetorical questions: the whole question
    (
        "If the Valdorian army could not protect the Kessen Highlands for decades, then how will a "
        "new treaty bring anything other than further pain?",
        "If the Valdorian army could not protect the Kessen Highlands for decades, then how will a "
        "new treaty bring anything other than further pain?",
        "Doubt",
        "doubt.how_question",
    ),
    (
        "Is it not obvious that the governor lied to the farmers?",
        "Is it not obvious that the governor lied to the farmers?",
        "Doubt",
        "doubt.negative_question",
    ),
    (
        "What has the Northern Valdoria Front ever done for the farmers of Kessen?",
        "What has the Northern Valdoria Front ever done for the farmers of Kessen?",
        "Doubt",
        "doubt.ever_question",
    ),
    # scripture with its reference, in plain text
    (
        "The Front recalled the hadith “Whoever cheats us is not one of us” (Muslim). It was ignored.",
        "“Whoever cheats us is not one of us” (Muslim)",
        "Appeal_to_Authority",
        "authority.scripture_reference",
    ),
    (
        "Do not despair: “Do not lose heart” [Ale Imran:139].",
        "“Do not lose heart” [Ale Imran:139]",
        "Appeal_to_Authority",
        "authority.scripture_reference",
    ),
    (
        "And Allah (swt) informed us that His help is with the believers.",
        "And Allah (swt) informed us that His help is with the believers.",
        "Appeal_to_Authority",
        "authority.religious_speaker",
    ),
    # slogans
    (
        "Long live the Kessen Highlands!",
        "Long live the Kessen Highlands!",
        "Slogans",
        "slogans.formula",
    ),
    ("We march tonight. Valdoria First!", "Valdoria First!", "Slogans", "slogans.formula"),
    (
        "The Highlands are not for sale.",
        "The Highlands are not for sale",
        "Slogans",
        "slogans.formula",
    ),
    ("Freedom! Freedom! Freedom!", "Freedom! Freedom! Freedom!", "Slogans", "slogans.chant"),
    # appeals to group identity
    (
        "We will defend our homeland to the last man.",
        "our homeland",
        "Flag_Waving",
        "flag_waving.our_nation",
    ),
    (
        "As Valdorians, we will never surrender the passes.",
        "As Valdorians, we",
        "Flag_Waving",
        "flag_waving.group_pride",
    ),
    (
        "The regime deceives the Ummah every day.",
        "the Ummah",
        "Flag_Waving",
        "flag_waving.group_pride",
    ),
    (
        "The Muslims of Kessen must rise.",
        "The Muslims of Kessen",
        "Flag_Waving",
        "flag_waving.group_pride",
    ),
    # false dilemmas: the whole sentence
    (
        "Either the Front disarms or the army will end it.",
        "Either the Front disarms or the army will end it.",
        "False_Dilemma-No_Choice",
        "false_dilemma.either_or",
    ),
    (
        "Alliance with Valdoria, no matter whether it is the governor, the council or whoever else, will never bring peace.",
        "Alliance with Valdoria, no matter whether it is the governor, the council or whoever else, will never bring peace.",
        "False_Dilemma-No_Choice",
        "false_dilemma.no_matter",
    ),
    (
        "The Highlands can only regain their strength through the return of the old council.",
        "The Highlands can only regain their strength through the return of the old council.",
        "False_Dilemma-No_Choice",
        "false_dilemma.only_way",
    ),
    (
        "The way for strength is the Front and not alliances with Valdoria.",
        "The way for strength is the Front and not alliances with Valdoria.",
        "False_Dilemma-No_Choice",
        "false_dilemma.way_not",
    ),
    # one cause for everything
    (
        "All this confirms that the council serves Valdoria.",
        "All this confirms that the council serves Valdoria.",
        "Causal_Oversimplification",
        "causal.all_confirms",
    ),
    (
        "The council failed because such councils are always bought.",
        "The council failed because such councils are always bought.",
        "Causal_Oversimplification",
        "causal.sole_cause",
    ),
    # exaggeration
    (
        "It was the largest land theft in history.",
        "the largest land theft in history",
        "Exaggeration-Minimisation",
        "exaggeration.superlative",
    ),
    (
        "There is absolutely no evidence for the charge.",
        "absolutely no evidence",
        "Exaggeration-Minimisation",
        "exaggeration.absolute",
    ),
    # fear: the clause or the sentence
    (
        "The new dam will destroy the Kessen Highlands.",
        "The new dam will destroy the Kessen Highlands",
        "Appeal_to_Fear-Prejudice",
        "fear.threat",
    ),
    (
        "If we do not act now, the Front will burn the Highlands.",
        "If we do not act now, the Front will burn the Highlands.",
        "Appeal_to_Fear-Prejudice",
        "fear.if_not",
    ),
    # thought-terminating clichés
    ("Enough is enough.", "Enough is enough", "Conversation_Killer", "conversation_killer.cliche"),
    (
        "There is no doubt that the Front will win.",
        "There is no doubt that",
        "Conversation_Killer",
        "conversation_killer.cliche",
    ),
    # whataboutism
    (
        "What about the villages the Front burned?",
        "What about the villages the Front burned?",
        "Whataboutism",
        "whataboutism.what_about",
    ),
    # urgency, popularity, association, hypocrisy
    (
        "So, it is time to change this policy of slavery.",
        "it is time to change this policy of slavery",
        "Appeal_to_Time",
        "time.now",
    ),
    (
        "It has become obvious to every sane person in Valdoria that the council lies.",
        "It has become obvious to every sane person in Valdoria that the council lies.",
        "Appeal_to_Popularity",
        "popularity.everyone",
    ),
    (
        "The governor rules like Hitler.",
        "The governor rules like Hitler",
        "Guilt_by_Association",
        "guilt.reviled_figure",
    ),
    (
        "They preach peace while they arm the militias.",
        "They preach peace while they arm the militias.",
        "Appeal_to_Hypocrisy",
        "hypocrisy.preach_while",
    ),
]


@pytest.mark.parametrize(
    ("text", "phrase", "technique", "rule_id"), CASES, ids=[c[3] + ":" + c[1][:30] for c in CASES]
)
def test_rule_marks_the_phrase(text: str, phrase: str, technique: str, rule_id: str) -> None:
    start, end = _at(text, phrase)
    assert (start, end, technique, f"rule:{rule_id}") in _found(text)


def test_label_explanation_names_the_labelled_group() -> None:
    text = "Whilst traitors in the political and military leadership continue their games, we wait."
    (f,) = [f for f in apply_rules(text) if f.technique == "Name_Calling-Labeling"]
    assert f.explanation == "labels the political and military leadership as 'traitors'"
    assert (
        f.evidence["trigger"] == "traitors"
        and f.evidence["target"] == "the political and military leadership"
    )


def test_label_names_an_adjacent_name() -> None:
    text = "They fight the US crusaders in the passes."
    (f,) = [f for f in apply_rules(text) if f.technique == "Name_Calling-Labeling"]
    assert (f.start, f.end) == _at(text, "crusaders")
    assert f.evidence["target"] == "US"


def test_repetition_marks_every_later_occurrence_with_all_positions() -> None:
    text = (
        "The traitors in the Valdorian military leadership lied again. Farmers suffered. "
        "Yet the traitors in the Valdorian military leadership still rule, and the traitors "
        "in the Valdorian military leadership will fall."
    )
    phrase = "traitors in the Valdorian military leadership"
    reps = [f for f in apply_rules(text) if f.technique == "Repetition"]
    assert [(f.start, f.end) for f in reps] == [_at(text, phrase, 1), _at(text, phrase, 2)]
    for f in reps:
        assert f.source == "rule:repetition.phrase"
        assert f.evidence["occurrences"] == [list(_at(text, phrase, k)) for k in range(3)]
        assert f.evidence["first"] == list(_at(text, phrase, 0))
        assert f.explanation == f"repeats '{phrase}' (3× in the text)"


def test_repeated_names_are_not_repetition() -> None:
    text = (
        "The Northern Valdoria Front met on Monday. The Northern Valdoria Front will meet again "
        "in May, the Northern Valdoria Front said."
    )
    assert not [f for f in apply_rules(text) if f.technique == "Repetition"]


def test_scripture_citation_span_covers_speaker_quote_and_reference() -> None:
    """With the pipeline's spans: a hadith quoted after 'the Prophet said' and closed by its
    collection is one Appeal_to_Authority from the speaker to the reference."""
    text = (
        "The Prophet (saw) said, “The strong one is he who controls himself” (Bukhari). So be calm."
    )
    q_start, q_end = _at(text, "The strong one is he who controls himself")
    c_start, c_end = _at(text, "Bukhari")
    sp_start, sp_end = _at(text, "The Prophet")
    spans = (
        Span(0, len(text), "segment", "paragraph", source="t@1"),
        Span(
            c_start,
            c_end,
            "citation",
            "HADITH",
            attrs={"collection": "Bukhari", "translation_span": [q_start, q_end]},
            source="t@1",
        ),
        Span(
            q_start,
            q_end,
            "quote",
            "QUOTE",
            attrs={
                "kind": "hadith",
                "speaker": "Prophet Muhammad",
                "speaker_span": [sp_start, sp_end],
                "citation": [c_start, c_end],
            },
            source="t@1",
        ),
    )
    auth = [f for f in apply_rules(text, spans) if f.technique == "Appeal_to_Authority"]
    scripture = [f for f in auth if f.source == "rule:authority.scripture"]
    assert [(f.start, f.end) for f in scripture] == [(0, c_end + 1)]  # through the closing ")"
    (f,) = scripture
    assert f.explanation == "quotes a hadith (Bukhari) as authority"
    assert f.evidence["speaker"] == "Prophet Muhammad" and f.evidence["reference"] == "Bukhari"
    # the plain-text reference rule stays quiet where the citations stage found the reference
    assert not [f for f in auth if f.source == "rule:authority.scripture_reference"]


def test_scripture_quotation_is_not_a_rhetorical_question() -> None:
    text = "“If Allah helps you, none can overcome you; and if He forsakes you, who is there that can help you?"
    spans = (Span(1, len(text), "quote", "QUOTE", attrs={"kind": "scripture"}, source="t@1"),)
    assert not [f for f in apply_rules(text, spans) if f.technique == "Doubt"]


def test_sentences_from_the_pipeline_are_used() -> None:
    text = "Is it not clear. The council lied?"
    # the regex split sees two sentences; the pipeline's one sentence is the whole text
    spans = (Span(0, len(text), "segment", "sentence", source="t@1"),)
    assert (0, len(text), "Doubt", "rule:doubt.negative_question") in _found(text, spans)
    assert not [f for f in apply_rules(text) if f.technique == "Doubt"]


NEUTRAL = [
    "The Valdorian parliament approved the budget on Tuesday after a long debate.",
    "Rainfall in the Kessen Highlands was above average this spring, the weather office said.",
    "The minister met farmers in Ostrava to discuss water rights.",
    "Either way, the committee will meet again in May.",
    "How many people attended the meeting in Ostrava?",
    "An agent of the Valdorian customs office inspected the cargo.",
    "She is the only candidate from the Northern Valdoria Front in the district.",
    "Police said the suspect was a former employee of the company.",
    "The United States designated the group a terrorist organization in August.",
    "The regime in Ostrava raised fuel prices by four percent.",
    "Officials said the road to the Kessen Highlands will reopen in June.",
    "According to the ministry, 1,200 families returned to their villages.",
    # brackets that are not scripture references
    "See the appendix [Note: 1] for the figures.",
    "He met leaders of the party (Muslim Brotherhood) in Ostrava.",
]


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_news_fires_nothing(text: str) -> None:
    assert apply_rules(text) == []


def test_rule_table_is_complete_and_consistent() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.technique in TECHNIQUES, r.id
        assert 0.3 <= r.score <= 0.9, r.id
        assert r.explanation and "\n" not in r.explanation, r.id
        assert rule_info(r.id) is r
    # every technique family the brief asked for has a rule
    wanted = {
        "Name_Calling-Labeling",
        "Loaded_Language",
        "Doubt",
        "Appeal_to_Authority",
        "Repetition",
        "Slogans",
        "Flag_Waving",
        "False_Dilemma-No_Choice",
        "Causal_Oversimplification",
        "Exaggeration-Minimisation",
        "Appeal_to_Fear-Prejudice",
        "Conversation_Killer",
        "Whataboutism",
    }
    assert wanted <= {r.technique for r in RULES}


def test_findings_carry_source_explanation_and_json_evidence() -> None:
    text = " ".join(c[0] for c in CASES)
    ids = {r.id for r in RULES}
    findings = apply_rules(text)
    assert findings == sorted(findings, key=lambda f: (f.start, -f.end, f.technique, f.source))
    for f in findings:
        assert f.source.startswith("rule:") and f.source[5:] in ids
        assert 0 < f.score <= 1 and 0 <= f.start < f.end <= len(text)
        assert f.explanation and "\n" not in f.explanation
        json.dumps(f.evidence)


def test_findings_on_repeated_text_are_the_block_s_findings_repeated() -> None:
    # every rule but Repetition reads one sentence at a time: three copies of a block give
    # its findings three times, shifted by the block's length; Repetition finds more (the
    # copies repeat each other). Speed (≥ 2,000 sentences/s) is benchmarks/techniques.py's.
    block = "\n".join([c[0] for c in CASES] + NEUTRAL)
    one = [f for f in apply_rules(block) if f.technique != "Repetition"]
    three = [f for f in apply_rules("\n".join([block] * 3)) if f.technique != "Repetition"]
    shift = len(block) + 1
    expected = sorted(
        (f.start + k * shift, f.end + k * shift, f.technique, f.source) for k in range(3) for f in one
    )
    assert len(one) > 30
    assert sorted((f.start, f.end, f.technique, f.source) for f in three) == expected
