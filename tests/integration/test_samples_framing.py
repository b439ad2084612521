"""Roles and calls to action on the two real statements in ../shared/samples (read, never
copied here; skipped when absent).

Doc 000 (2016) casts Russia as "a staunch enemy of Islam and Muslims", names "the traitors in
the political and military leadership" and ends by telling the Muslims of Pakistan and the
armed forces what to do ("the immediate re-establishment of the Khilafah"). Doc 004 (2017)
calls the US "the so-called ally" and asks for "removing the current traitor leadership".
"""

from __future__ import annotations

import pytest
from tests.conftest import sample_text

from communique.model import Document
from communique.pipeline import Pipeline
from communique.pipeline.registry import default_stage_names

RUSSIA = "000_e9aeded6f58c512e.txt"
KASHMIR = "004_948dfade05b25090.txt"
LEADERSHIP = "the political and military leadership"
PEOPLE = "the Muslims of Pakistan"


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    # the techniques stage runs after roles and actions and feeds neither: left out for speed
    pipe = Pipeline([n for n in default_stage_names() if n != "techniques"])
    return {name: pipe.run(sample_text(name)) for name in (RUSSIA, KASHMIR)}


def _roles(doc: Document, actor: str) -> set[str]:
    return {s.label for s in doc.layer("role") if s.attrs["actor"] == actor}


def test_russia_is_cast_as_enemy(docs):
    assert "enemy" in _roles(docs[RUSSIA], "Russia")


@pytest.mark.parametrize("name", [RUSSIA, KASHMIR])
def test_the_leadership_is_traitor(name, docs):
    doc = docs[name]
    assert any(s.attrs["actor"].startswith(LEADERSHIP) for s in doc.layer("role", "traitor")), [
        s.attrs["actor"] for s in doc.layer("role", "traitor")
    ]


@pytest.mark.parametrize("name", [RUSSIA, KASHMIR])
def test_the_united_states_is_enemy_or_out_group(name, docs):
    assert _roles(docs[name], "United States") & {"enemy", "out_group"}


def test_the_muslims_are_the_in_group_or_victims(docs):
    doc = docs[RUSSIA]
    names = {"Muslims", "Ummah", PEOPLE, "the Muslims of Aleppo"}
    assert any(
        s.attrs["actor"] in names for s in doc.layer("role") if s.label in ("in_group", "victim")
    )


def test_khilafah_call_and_its_addressees(docs):
    doc = docs[RUSSIA]
    calls = doc.layer("action")
    khilafah = [
        s for s in calls if "the immediate re-establishment of the Khilafah" in doc.surface(s)
    ]
    assert len(khilafah) == 1, [doc.surface(s) for s in calls]
    assert PEOPLE in khilafah[0].attrs["addressees"]
    addressed = {a for s in calls for a in s.attrs["addressees"]}
    assert {PEOPLE, "the armed forces"} <= addressed


def test_removing_the_traitor_leadership_is_the_call(docs):
    doc = docs[KASHMIR]
    hits = [
        s
        for s in doc.layer("action")
        if doc.surface(s).startswith("removing the current traitor leadership")
    ]
    assert len(hits) == 1, [doc.surface(s) for s in doc.layer("action")]
    assert hits[0].attrs["action"] == "remove the current traitor leadership"


@pytest.mark.parametrize("name", [RUSSIA, KASHMIR])
def test_every_span_is_complete(name, docs):
    doc = docs[name]
    roles, calls = doc.layer("role"), doc.layer("action")
    assert roles and calls
    for s in roles:
        assert s.attrs["actor"] and s.attrs["rule"]
        assert s.source.startswith("rule:role.")
    for s in calls:
        assert s.attrs["action"]
        assert s.attrs["urgency"] in {"high", "medium", "low"}
