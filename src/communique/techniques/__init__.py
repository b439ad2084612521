"""Persuasion techniques: taxonomy, explainable rules, a learned model, and their merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .taxonomy import CATEGORIES, PTC_LABELS, TECHNIQUES, category, from_ptc, to_ptc

__all__ = ["CATEGORIES", "PTC_LABELS", "TECHNIQUES", "Finding", "category", "from_ptc", "to_ptc"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One technique found in a text, before it becomes a ``technique`` Span.

    ``technique`` is a SemEval-2023 name; ``source`` names the rule (``rule:<id>``) or the
    model (``model:<name>@<version>``); ``explanation`` is one line an analyst can read;
    ``evidence`` holds what triggered it (matched words, the repeated phrase's other
    positions, the cited authority, …).
    """

    start: int
    end: int
    technique: str
    score: float
    source: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
