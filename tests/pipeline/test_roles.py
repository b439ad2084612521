"""roles: how a statement casts each actor (enemy, traitor, ally, victim, authority, in_group,
out_group, leader), one case per rule of ``communique.pipeline.roles``.

Fictional statements only. Each text is analysed once per module (the techniques stage is left
out: it does not feed the role layer and is the slow part).
"""

from __future__ import annotations

import functools

import pytest

from communique.model import Document
from communique.pipeline import Pipeline
from communique.pipeline.registry import default_stage_names

PIPE = Pipeline([n for n in default_stage_names() if n != "techniques"])
ISSUER = "Hallum Assembly"


@functools.cache
def _doc(text: str, issuer: str = ISSUER) -> Document:
    return PIPE.run(text, {"issuer": issuer})


def _dump(doc: Document) -> str:
    return "; ".join(
        f"{s.label} {doc.surface(s)!r} {s.attrs['actor']!r} {s.attrs['rule']}"
        for s in doc.layer("role")
    )


def _check(text: str, evidence: str, label: str, actor: str, rule: str, issuer: str = ISSUER):
    """The role span found by ``rule`` for ``actor``: exactly over ``evidence``, as ``label``."""
    doc = _doc(text, issuer)
    hits = [s for s in doc.layer("role") if s.attrs["rule"] == rule and s.attrs["actor"] == actor]
    assert len(hits) == 1, _dump(doc)
    (s,) = hits
    a = text.index(evidence)
    assert (s.start, s.end, s.label) == (a, a + len(evidence), label), _dump(doc)
    assert s.source == f"rule:{rule}@1"
    assert rule in s.attrs["rules"]
    return s


# (text, [(evidence, label, actor, rule), ...])
CASES = {
    "apposition+enemy_of": (
        "Valdoria, a sworn enemy of the Hallum people, has closed the border.",
        [
            ("a sworn enemy of the Hallum people", "enemy", "Valdoria", "role.apposition"),
            (
                "a sworn enemy of the Hallum people",
                "in_group",
                "the Hallum people",
                "role.enemy_of",
            ),
        ],
    ),
    "copula_noun": (
        "The Marran Council is the puppet of Valdoria.",
        [("the puppet of Valdoria", "traitor", "the Marran Council", "role.copula")],
    ),
    "copula_adjective": (
        "The Marran Council is corrupt.",
        [("corrupt", "traitor", "the Marran Council", "role.copula")],
    ),
    "modifier_title": (
        "The people of Ostrel reject the tyrant Kardos.",
        [("the tyrant Kardos", "enemy", "Kardos", "role.modifier")],
    ),
    "modifier_noun": (
        "The traitor council has sold the harbour.",
        [("The traitor council", "traitor", "the council", "role.modifier")],
    ),
    "prep": (
        "There are traitors in the council of Dessa.",
        [("traitors in the council of Dessa", "traitor", "the council of Dessa", "role.prep")],
    ),
    "such_as": (
        "We will not trade with a hostile state such as Valdoria.",
        [("a hostile state such as Valdoria", "enemy", "Valdoria", "role.such_as")],
    ),
    "adjective": (
        "We stand with the oppressed people of Ostrel.",
        [("the oppressed people of Ostrel", "victim", "the people of Ostrel", "role.adjective")],
    ),
    "harm_active": (
        "The Ostrel Guard massacred the farmers of Ostrel.",
        [
            (
                "The Ostrel Guard massacred the farmers of Ostrel",
                "enemy",
                "the Ostrel Guard",
                "role.harm_subject",
            ),
            (
                "The Ostrel Guard massacred the farmers of Ostrel",
                "victim",
                "the farmers of Ostrel",
                "role.harm_object",
            ),
        ],
    ),
    "harm_passive": (
        "The farmers of Ostrel were expelled by the Brevant militia.",
        [
            (
                "The farmers of Ostrel were expelled",
                "victim",
                "the farmers of Ostrel",
                "role.harm_object",
            ),
            (
                "expelled by the Brevant militia",
                "enemy",
                "the Brevant militia",
                "role.harm_subject",
            ),
        ],
    ),
    "harm_noun_of": (
        "We condemn Valdoria's occupation of Ostrel.",
        [
            ("Valdoria's occupation of Ostrel", "enemy", "Valdoria", "role.harm_noun"),
            ("Valdoria's occupation of Ostrel", "victim", "Ostrel", "role.harm_noun"),
        ],
    ),
    "harm_noun_by": (
        "The betrayal by the Marran Council will not be forgotten.",
        [("The betrayal by the Marran Council", "traitor", "the Marran Council", "role.harm_noun")],
    ),
    "helps_us": (
        "The river tribes stood with us during the long winter.",
        [("The river tribes stood with us", "ally", "the river tribes", "role.helps_us")],
    ),
    "supports_enemy": (
        "The Brevant Company is supporting the tyrant Kardos.",
        [
            ("supporting the tyrant Kardos", "enemy", "the Brevant Company", "role.supports_enemy"),
            ("the tyrant Kardos", "enemy", "Kardos", "role.modifier"),
        ],
    ),
    "fights_against": (
        "The farmers of Ostrel rose up against the Brevant Company.",
        [("against the Brevant Company", "enemy", "the Brevant Company", "role.fights_against")],
    ),
    "against_us": (
        "The Ostrel Guard is fighting against our people.",
        [("fighting against our people", "enemy", "the Ostrel Guard", "role.against_us")],
    ),
    "our": (
        "Our union will not be silenced.",
        [("Our union", "in_group", "the union", "role.our")],
    ),
    "we_are": (
        "We, the people of Hallum, will boycott the sham elections.",
        [("We, the people of Hallum", "in_group", "the people of Hallum", "role.we_are")],
    ),
    "thanked": (
        "We thank the Dessa Workers Union for its solidarity.",
        [("We thank the Dessa Workers Union", "ally", "the Dessa Workers Union", "role.thanked")],
    ),
    "not_us": (
        "The Ostrel Guard is not one of us.",
        [("is not one of us", "out_group", "the Ostrel Guard", "role.not_us")],
    ),
    "teaches": (
        "The Book of Marran teaches patience and justice.",
        [("The Book of Marran teaches", "authority", "Book of Marran", "role.teaches")],
    ),
    "sacred": (
        "God said that the oppressor will not prevail.",
        [("God said", "authority", "God", "role.sacred")],
    ),
    "authority_quote": (
        'Imam Karem Tosun said, "Justice is the foundation of the city."',
        [("Karem Tosun", "authority", "Karem Tosun", "role.authority_quote")],
    ),
    "led_by": (
        "The Ostrel Front is led by Marshal Oren Task.",
        [("led by Marshal Oren Task", "leader", "Oren Task", "role.led_by")],
    ),
    "so_called": (
        "The so-called friendly Brevant Company sent no help.",
        [
            (
                "The so-called friendly Brevant Company",
                "out_group",
                "the Brevant Company",
                "role.so_called",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule(case):
    text, expected = CASES[case]
    for evidence, label, actor, rule in expected:
        s = _check(text, evidence, label, actor, rule)
        assert s.attrs["cue"] and s.attrs["explanation"]
        m0, m1 = s.attrs["mention"]
        assert 0 <= m0 < m1 <= len(text)


def test_issuer_naming_itself_is_in_group():
    text = "The Ostrel Liberation Front announces a general strike on Monday."
    s = _check(
        text,
        "Ostrel Liberation Front",
        "in_group",
        "Ostrel Liberation Front",
        "role.issuer",
        issuer="Ostrel Liberation Front",
    )
    assert s.attrs["actor_kind"] == "ORG"
    # the same sentence from another issuer is not a self-reference
    assert _doc(text, "Hallum Assembly").layer("role") == []


def test_betrayal_does_not_make_the_betrayed_a_victim():
    text = "Valdoria betrayed the farmers of Ostrel."
    _check(
        text, "Valdoria betrayed the farmers of Ostrel", "traitor", "Valdoria", "role.harm_subject"
    )
    assert _doc(text).layer("role", "victim") == []


def test_supporting_someone_not_cast_as_enemy_is_no_role():
    assert _doc("The Brevant Company is supporting the farmers of Ostrel.").layer("role") == []


def test_the_author_own_claim_is_not_reported_speech():
    # counterpart of the reported labels below: "we say" is the author's framing
    _check(
        "We say that the Marran Council are traitors.",
        "traitors",
        "traitor",
        "the Marran Council",
        "role.copula",
    )


NO_ROLE = [
    "Valdoria is not our enemy.",
    "Valdoria is not a traitor.",
    'The Marran Council calls us "traitors".',
    "The junta claims that the Ostrel Front are criminals.",
    'Minister Ivo Lind said: "The Ostrel Front are traitors and criminals."',
]


@pytest.mark.parametrize("text", NO_ROLE)
def test_negated_reported_and_quoted_labels_give_no_role(text):
    doc = _doc(text)
    assert doc.layer("role") == [], _dump(doc)


@pytest.mark.xfail(
    strict=True,
    reason="subject 'The tyrant Kardos' is parsed as tyrant + appos: the span stops at "
    "'The tyrant' (rule role.apposition) and leaves out the actor's name",
)
def test_role_title_on_a_subject_covers_the_name():
    _check(
        "The tyrant Kardos has banned the march.",
        "The tyrant Kardos",
        "enemy",
        "Kardos",
        "role.modifier",
    )


@pytest.mark.xfail(
    strict=True,
    reason="'Our brothers, the farmers of Ostrel' is added as ally: role_noun adds the targets "
    "before its sentence-opening 'our brothers' → in_group switch, which never takes effect",
)
def test_our_brothers_in_apposition_are_in_group():
    _check(
        "Our brothers, the farmers of Ostrel, will march on Sunday.",
        "Our brothers",
        "in_group",
        "the farmers of Ostrel",
        "role.apposition",
    )


@pytest.mark.xfail(
    strict=True,
    reason="sacred names are only found when NER tags them: 'God commanded …' has no entity "
    "and gives no span (the lexicon's sacred_names are not used to find the mention)",
)
def test_sacred_name_commanding_is_authority():
    _check(
        "God commanded the faithful to be just.",
        "God commanded",
        "authority",
        "God",
        "role.sacred",
    )


@pytest.mark.xfail(
    strict=True,
    reason="a premodifier drops the 'of' owner from the canonical actor: 'the traitor council "
    "of Dessa' → 'the council' (while 'the council of Dessa' keeps it)",
)
def test_modified_actor_keeps_its_owner():
    _check(
        "The traitor council of Dessa has sold the harbour.",
        "The traitor council of Dessa",
        "traitor",
        "the council of Dessa",
        "role.modifier",
    )
