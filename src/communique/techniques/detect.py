"""Technique detection: explainable rules and the learned model, merged.

(being written: the merge lands with the rules and the model)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Span
from . import Finding


def detect(text: str, spans: Sequence[Span] = (), *, use_model: bool = True) -> list[Finding]:
    """Every technique found in ``text``; ``spans`` are the document's other findings
    (segments, entities, quotes, citations) that rules may use as context."""
    return []


def classify(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The most likely PTC label for each given span (technique-classification task)."""
    return ["Loaded_Language" for _ in spans]
