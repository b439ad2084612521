"""Precision and recall of the ``role`` and ``action`` layers against a gold set.

The gold format is the one in ``tests/framing/gold.json`` (documents with ``text``,
``roles`` and ``actions``; evidence strings located by ``occurrence``). Units:

- **roles**: one (actor, role) pair per document, as an analyst lists them. A predicted pair
  is right when the role is the same and the actor names match: equal after folding case,
  a leading "the" and possessive "'s", equal to one of the gold aliases, or a token-set
  similarity ≥ 90 (rapidfuzz) with the same last word.
- **actions**: one call per occurrence. A predicted ``action`` span is right when it
  overlaps the gold evidence span; among the matched, the addressee (same name rules;
  None = None) and the urgency are scored as accuracies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import LAYERS, Document

ROLES: tuple[str, ...] = (
    "enemy",
    "traitor",
    "ally",
    "victim",
    "authority",
    "in_group",
    "out_group",
    "leader",
)
assert set(ROLES) == set(LAYERS["role"])

_POSS = re.compile(r"[’']s\b")


def fold(name: str | None) -> str:
    if not name:
        return ""
    s = _POSS.sub("", name.casefold())
    s = re.sub(r"[^\w\s-]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    for art in ("the ", "our ", "a ", "an "):
        if s.startswith(art):
            s = s[len(art) :]
    return s


def same_actor(pred: str | None, gold: str | None, aliases: Iterable[str] = ()) -> bool:
    p = fold(pred)
    names = [fold(gold), *(fold(a) for a in aliases)]
    if not p or not any(names):
        return not p and not any(names)
    if p in names:
        return True
    from rapidfuzz import fuzz

    return any(n and p.split()[-1] in n.split() and fuzz.token_set_ratio(p, n) >= 90 for n in names)


def locate(text: str, evidence: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.find(evidence, start + 1)
        if start < 0:
            raise ValueError(f"occurrence {occurrence} of {evidence!r} not in text")
    return start, start + len(evidence)


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3)}  # fmt: skip


@dataclass
class Report:
    roles: dict[str, PRF] = field(default_factory=lambda: {r: PRF() for r in ROLES})
    actions: PRF = field(default_factory=PRF)
    addressee_right: int = 0
    urgency_right: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def roles_micro(self) -> PRF:
        t = PRF()
        for p in self.roles.values():
            t.tp, t.fp, t.fn = t.tp + p.tp, t.fp + p.fp, t.fn + p.fn
        return t

    def as_dict(self) -> dict[str, Any]:
        matched = self.actions.tp
        return {
            "roles": {r: p.as_dict() for r, p in self.roles.items()},
            "roles_micro": self.roles_micro.as_dict(),
            "actions": self.actions.as_dict(),
            "addressee_accuracy": round(self.addressee_right / matched, 3) if matched else 0.0,
            "urgency_accuracy": round(self.urgency_right / matched, 3) if matched else 0.0,
        }


def load(path: str | Path) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    docs: list[dict[str, Any]] = data["documents"] if isinstance(data, Mapping) else data
    return docs


def score_document(gold: Mapping[str, Any], doc: Document, report: Report) -> None:
    """Add one document's counts to ``report``."""
    gid = gold.get("id", doc.id)
    pred_pairs = sorted(
        {(str(s.attrs.get("actor")), s.label) for s in doc.spans if s.layer == "role"}
    )
    gold_roles = list(gold.get("roles", []))
    used: set[int] = set()
    unmatched = []
    # exact names first, then the looser matches, so a fuzzy match never takes an exact one's gold
    for actor, role in pred_pairs:
        hit = next((i for i, g in enumerate(gold_roles) if i not in used and g["role"] == role
                    and fold(actor) in {fold(g["actor"]), *(fold(a) for a in g.get("aliases", []))}), None)  # fmt: skip
        if hit is None:
            unmatched.append((actor, role))
        else:
            used.add(hit)
            report.roles[role].tp += 1
    for actor, role in unmatched:
        hit = next((i for i, g in enumerate(gold_roles) if i not in used and g["role"] == role
                    and same_actor(actor, g["actor"], g.get("aliases", []))), None)  # fmt: skip
        if hit is None:
            report.roles[role].fp += 1
            report.errors.append({"doc": gid, "kind": "role_fp", "actor": actor, "role": role})
        else:
            used.add(hit)
            report.roles[role].tp += 1
    for i, g in enumerate(gold_roles):
        if i not in used:
            report.roles[g["role"]].fn += 1
            report.errors.append(
                {
                    "doc": gid,
                    "kind": "role_fn",
                    "actor": g["actor"],
                    "role": g["role"],
                    "evidence": g["evidence"],
                }
            )
    calls = [s for s in doc.spans if s.layer == "action"]
    gold_calls = [
        (locate(doc.text, g["evidence"], g.get("occurrence", 1)), g)
        for g in gold.get("actions", [])
    ]
    taken: set[int] = set()
    for s in calls:
        hit = next(
            (
                i
                for i, ((a, b), _) in enumerate(gold_calls)
                if i not in taken and s.start < b and a < s.end
            ),
            None,
        )
        if hit is None:
            report.actions.fp += 1
            report.errors.append(
                {
                    "doc": gid,
                    "kind": "action_fp",
                    "text": doc.text[s.start : s.end],
                    "action": s.attrs.get("action"),
                }
            )
            continue
        taken.add(hit)
        report.actions.tp += 1
        g = gold_calls[hit][1]
        if same_actor(s.attrs.get("addressee"), g.get("addressee")):
            report.addressee_right += 1
        else:
            report.errors.append(
                {
                    "doc": gid,
                    "kind": "addressee",
                    "pred": s.attrs.get("addressee"),
                    "gold": g.get("addressee"),
                    "action": g["action"],
                }
            )
        if s.attrs.get("urgency") == g.get("urgency"):
            report.urgency_right += 1
    for i, (_, g) in enumerate(gold_calls):
        if i not in taken:
            report.actions.fn += 1
            report.errors.append({"doc": gid, "kind": "action_fn", "evidence": g["evidence"]})


def evaluate(
    gold_docs: Iterable[Mapping[str, Any]],
    analyze: Callable[[str, dict[str, Any]], Document] | None = None,
) -> Report:
    """Analyse every gold text (with its issuer as metadata) and score it."""
    if analyze is None:
        from ..pipeline import Pipeline
        from ..pipeline.registry import default_stage_names

        # the framing layers do not depend on the technique detector: leave it out (5× faster)
        pipe = Pipeline([n for n in default_stage_names() if n != "techniques"])

        def analyze(text: str, meta: dict[str, Any]) -> Document:
            return pipe.run(text, meta)

    report = Report()
    for g in gold_docs:
        doc = analyze(g["text"], {"issuer": g.get("issuer")} if g.get("issuer") else {})
        score_document(g, doc, report)
    return report
