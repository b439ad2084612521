"""Per-document framing: who the text casts as what, and what it tells readers to do.

``summary(doc)`` reads a document's ``role`` and ``action`` spans (nothing is recomputed)::

    >>> s = communique.framing.summary(communique.analyze(text))
    >>> s.actors[0].actor, s.actors[0].roles        # the most framed actor first
    ('the Varkan junta', {'enemy': 3, 'traitor': 1})
    >>> s.actors[0].strongest["enemy"]               # its best evidence for that role
    RoleEvidence(start=…, end=…, text='a sworn enemy of our people', score=0.9, rule='role.apposition')
    >>> [c.action for c in s.calls]
    ['boycott the sham elections', …]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import Document, Span

#: The order roles are listed in everywhere (the DESIGN.md order).
ROLE_ORDER: tuple[str, ...] = ("enemy", "traitor", "ally", "victim", "authority", "in_group", "out_group", "leader")


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    start: int
    end: int
    text: str
    score: float
    rule: str


@dataclass(slots=True)
class ActorFrame:
    """One actor: how many times the text casts it in each role, and the strongest evidence."""

    actor: str
    kind: str
    roles: dict[str, int] = field(default_factory=dict)
    strongest: dict[str, RoleEvidence] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.roles.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "kind": self.kind,
            "roles": dict(self.roles),
            "evidence": {r: {"start": e.start, "end": e.end, "text": e.text, "score": e.score, "rule": e.rule}
                         for r, e in self.strongest.items()},  # fmt: skip
        }


@dataclass(frozen=True, slots=True)
class CallToAction:
    start: int
    end: int
    text: str
    action: str
    addressee: str | None
    urgency: str
    rule: str
    score: float


@dataclass(slots=True)
class Framing:
    actors: list[ActorFrame]
    calls: list[CallToAction]

    def actor(self, name: str) -> ActorFrame | None:
        low = name.casefold()
        return next((a for a in self.actors if a.actor.casefold() == low), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "actors": [a.as_dict() for a in self.actors],
            "calls": [
                {"start": c.start, "end": c.end, "text": c.text, "action": c.action, "addressee": c.addressee,
                 "urgency": c.urgency, "rule": c.rule, "score": c.score}
                for c in self.calls
            ],
        }  # fmt: skip


def summary(doc: Document, spans: Iterable[Span] | None = None) -> Framing:
    """Actor → roles (counts, strongest evidence) and the calls to action of one document.

    Actors are ordered by how often they are cast (then by their strongest score, then name);
    roles within an actor in :data:`ROLE_ORDER`.
    """
    frames: dict[str, ActorFrame] = {}
    calls: list[CallToAction] = []
    for s in spans if spans is not None else doc.spans:
        if s.layer == "role":
            name = str(s.attrs.get("actor") or doc.text[s.start : s.end])
            f = frames.setdefault(name, ActorFrame(name, str(s.attrs.get("actor_kind") or "")))
            f.roles[s.label] = f.roles.get(s.label, 0) + 1
            ev = RoleEvidence(s.start, s.end, doc.text[s.start : s.end], s.score, str(s.attrs.get("rule") or s.source))
            best = f.strongest.get(s.label)
            if best is None or ev.score > best.score:
                f.strongest[s.label] = ev
        elif s.layer == "action":
            calls.append(
                CallToAction(
                    s.start,
                    s.end,
                    doc.text[s.start : s.end],
                    str(s.attrs.get("action") or doc.text[s.start : s.end]),
                    s.attrs.get("addressee"),
                    str(s.attrs.get("urgency") or "medium"),
                    str(s.attrs.get("rule") or s.source),
                    s.score,
                )
            )
    for f in frames.values():
        f.roles = {r: f.roles[r] for r in ROLE_ORDER if r in f.roles}
        f.strongest = {r: f.strongest[r] for r in ROLE_ORDER if r in f.strongest}
    actors = sorted(frames.values(), key=lambda f: (-f.total, -max(e.score for e in f.strongest.values()), f.actor))
    calls.sort(key=lambda c: (c.start, c.end))
    return Framing(actors, calls)
