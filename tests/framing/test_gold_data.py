"""The framing gold set (tests/framing/gold.json): schema, offsets, label sets and sizes.

The file holds 16 fictional statements annotated for the `role` and `action` layers (see its
"about" and "guideline" fields). Evidence strings are exact, case-sensitive substrings of the
document text; `occurrence` (1-based) picks which occurrence is meant. `load_gold` and
`locate` are what an evaluation of the framing stage reads it with.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

GOLD = Path(__file__).with_name("gold.json")

ROLES = {"enemy", "traitor", "ally", "victim", "authority", "in_group", "out_group", "leader"}
URGENCY = {"high", "medium", "low"}
SPLITS = {"dev": 6, "test": 10}
MIN_ROLES = {"dev": 20, "test": 40}
MIN_ACTIONS = {"dev": 12, "test": 25}
MIN_PER_ROLE_TEST = 3
WORDS = (120, 350)

DOC_KEYS = {"id", "split", "issuer", "text", "roles", "actions"}
ROLE_KEYS = {"actor", "aliases", "role", "evidence", "occurrence"}
ACTION_KEYS = {"evidence", "occurrence", "action", "addressee", "urgency"}


def load_gold(path: Path = GOLD) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def locate(text: str, evidence: str, occurrence: int = 1) -> tuple[int, int]:
    """Character offsets (start, end exclusive) of the occurrence-th `evidence` in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.find(evidence, start + 1)
        if start < 0:
            raise ValueError(f"occurrence {occurrence} of {evidence!r} not in text")
    return start, start + len(evidence)


def _bare(name: str) -> str:
    name = name.casefold()
    return name[4:] if name.startswith("the ") else name


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    return load_gold()


@pytest.fixture(scope="module")
def docs(gold: dict[str, Any]) -> list[dict[str, Any]]:
    return gold["documents"]


def _by_split(docs: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["split"] == split]


def test_top_level(gold: dict[str, Any]) -> None:
    assert set(gold) == {"about", "guideline", "documents"}
    assert isinstance(gold["about"], str) and "fictional" in gold["about"].casefold()
    assert gold["guideline"] and all(isinstance(g, str) and g for g in gold["guideline"])


def test_documents_schema_and_text(docs: list[dict[str, Any]]) -> None:
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids))
    for d in docs:
        assert set(d) == DOC_KEYS, d.get("id")
        text = d["text"]
        assert text == text.strip() and "\n\n\n" not in text, d["id"]
        assert text.count("\n\n") >= 2, f"{d['id']}: paragraphs are separated by a blank line"
        n = len(text.split())
        assert WORDS[0] <= n <= WORDS[1], f"{d['id']}: {n} words"
        assert d["issuer"] and d["issuer"].casefold() in text.casefold(), d["id"]


def test_split_sizes_and_issuers(docs: list[dict[str, Any]]) -> None:
    assert Counter(d["split"] for d in docs) == SPLITS
    issuers = Counter(d["issuer"] for d in docs)
    assert len(issuers) >= 8
    assert any(n > 1 for n in issuers.values()), "some issuers recur"


def test_roles(docs: list[dict[str, Any]]) -> None:
    for d in docs:
        text, folded = d["text"], d["text"].casefold()
        seen: set[tuple[str, str]] = set()
        aliases_of: dict[str, list[str]] = {}
        for r in d["roles"]:
            where = f"{d['id']} {r.get('actor')!r}/{r.get('role')}"
            assert set(r) == ROLE_KEYS, where
            assert r["role"] in ROLES, where
            assert isinstance(r["actor"], str) and r["actor"] == r["actor"].strip(), where
            assert (r["actor"], r["role"]) not in seen, f"{where}: duplicate (actor, role)"
            seen.add((r["actor"], r["role"]))
            assert aliases_of.setdefault(r["actor"], r["aliases"]) == r["aliases"], (
                f"{where}: entries of one actor carry the same aliases"
            )
            assert r["actor"] not in r["aliases"], where
            for alias in r["aliases"]:
                assert alias.casefold() in folded, f"{where}: alias {alias!r} not in text"
            names = [r["actor"], *r["aliases"]]
            assert any(n.casefold() in folded for n in names), f"{where}: actor never named"
            assert isinstance(r["occurrence"], int) and r["occurrence"] >= 1, where
            start, end = locate(text, r["evidence"], r["occurrence"])
            span = text[start:end].casefold()
            assert any(_bare(n) in span for n in names), (
                f"{where}: evidence names no form of the actor"
            )


def test_actions(docs: list[dict[str, Any]]) -> None:
    for d in docs:
        text = d["text"]
        alias_to_actor = {a.casefold(): r["actor"] for r in d["roles"] for a in r["aliases"]}
        starts: set[int] = set()
        for a in d["actions"]:
            where = f"{d['id']} {a.get('action')!r}"
            assert set(a) == ACTION_KEYS, where
            assert a["urgency"] in URGENCY, where
            act = a["action"]
            assert isinstance(act, str) and act == act.strip() and act[:1].islower(), where
            addressee = a["addressee"]
            assert addressee is None or (isinstance(addressee, str) and addressee.strip()), where
            if addressee is not None:
                actor = alias_to_actor.get(addressee.casefold())
                assert actor is None or actor == addressee, f"{where}: use canonical {actor!r}"
            assert isinstance(a["occurrence"], int) and a["occurrence"] >= 1, where
            start, _ = locate(text, a["evidence"], a["occurrence"])
            assert start not in starts, f"{where}: two calls on one span"
            starts.add(start)


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_minimum_counts(docs: list[dict[str, Any]], split: str) -> None:
    part = _by_split(docs, split)
    roles = Counter(r["role"] for d in part for r in d["roles"])
    actions = sum(len(d["actions"]) for d in part)
    assert sum(roles.values()) >= MIN_ROLES[split], roles
    assert actions >= MIN_ACTIONS[split], actions
    if split == "test":
        assert set(roles) == ROLES, roles
        assert min(roles.values()) >= MIN_PER_ROLE_TEST, roles


def test_locate() -> None:
    assert locate("a b a b", "a b", 2) == (4, 7)
    with pytest.raises(ValueError):
        locate("a b", "a b", 2)
