"""Quality gate for the framing layers on the gold set (tests/framing/gold.json).

The *test* split (10 statements, 83 role pairs, 43 calls) was written blind to the rules and
is what the README reports; the *dev* split (6 statements) is what the rules were tuned on.
Floors sit a little under the scores measured when the gate was set (README, "Framing"), so
a change that lowers them fails here instead of passing silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communique.framing.evaluate import Report, evaluate, load, same_actor

GOLD = Path(__file__).with_name("gold.json")

# measured 2026-11-22: test roles P 0.594 R 0.494; calls P 0.903 R 0.651; addressee 0.679
FLOORS_TEST = {"roles_p": 0.55, "roles_r": 0.45, "calls_p": 0.85, "calls_r": 0.60, "addressee": 0.60, "urgency": 0.75}
# measured: dev roles P 0.814 R 0.761; calls P 1.0 R 0.762
FLOORS_DEV = {"roles_p": 0.75, "roles_r": 0.70, "calls_p": 0.90, "calls_r": 0.70, "addressee": 0.85, "urgency": 0.90}
# per-role recall on the test split, measured minus 0.1
ROLE_RECALL_TEST = {"enemy": 0.47, "traitor": 0.04, "ally": 0.2, "victim": 0.23, "authority": 0.56,
                    "in_group": 0.63, "out_group": 0.3, "leader": 0.7}  # fmt: skip


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    docs = load(GOLD)
    return {split: evaluate([d for d in docs if d["split"] == split]) for split in ("dev", "test")}


def _check(r: Report, floors: dict[str, float]) -> dict[str, Any]:
    d = r.as_dict()
    got = {
        "roles_p": d["roles_micro"]["precision"],
        "roles_r": d["roles_micro"]["recall"],
        "calls_p": d["actions"]["precision"],
        "calls_r": d["actions"]["recall"],
        "addressee": d["addressee_accuracy"],
        "urgency": d["urgency_accuracy"],
    }
    low = {k: (got[k], f) for k, f in floors.items() if got[k] < f}
    assert not low, f"below the floor (got, floor): {low}"
    return got


def test_test_split_floors(reports: dict[str, Report]) -> None:
    _check(reports["test"], FLOORS_TEST)


def test_dev_split_floors(reports: dict[str, Report]) -> None:
    _check(reports["dev"], FLOORS_DEV)


def test_every_role_recall_floor(reports: dict[str, Report]) -> None:
    got = {r: p.recall for r, p in reports["test"].roles.items()}
    low = {r: (round(got[r], 3), f) for r, f in ROLE_RECALL_TEST.items() if got[r] < f}
    assert not low, low


def test_actor_name_matching() -> None:
    assert same_actor("the Varkan junta", "Varkan junta")
    assert same_actor("the junta", "the Varkan junta", ["the junta"])
    assert same_actor("the deputies of the Coalition", "the deputies of the Coalition who voted for this budget")
    assert not same_actor("the Front", "the Varkan junta")
    assert same_actor(None, None)
    assert not same_actor("the drivers", None)
