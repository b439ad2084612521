"""Technique detection: explainable rules and the learned model, merged.

Merging: findings of the *same* technique that overlap are one finding — its span is the
highest-scoring one's, its score combines the agreeing sources (noisy-or: two independent
witnesses make a finding likelier than either alone), and ``evidence["sources"]`` lists
every rule and model that found it. Findings of *different* techniques may overlap: PTC
annotators mark nested techniques ("Loaded_Language" inside "Name_Calling-Labeling") and so
do we.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

from ..model import Span, trim
from . import Finding

log = logging.getLogger(__name__)

#: two same-technique findings are one if they share at least this share of the shorter span
_MERGE_OVERLAP = 0.5  # half: a rule's minimal phrase inside the model's wider span still merges


#: ONNX Runtime intra-op threads for the model (None: one per core); see set_model_threads
_THREADS: int | None = None


def set_model_threads(threads: int | None) -> bool:
    """Run the model on ``threads`` ONNX Runtime threads instead of one per core (a Dask
    worker per core would otherwise make them fight over the cores). Takes effect when the
    model loads: False, and no change, when it is loaded already."""
    global _THREADS
    if _model.cache_info().currsize:
        return False
    _THREADS = threads
    return True


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    """The shipped model, or None when it is missing (rules still work; say so once)."""
    from ..errors import ConfigError
    from .model import TechniqueModel

    try:
        return TechniqueModel.load(threads=_THREADS)
    except ConfigError as exc:
        log.warning("technique model unavailable, rules only: %s", exc.message)
        return None


def model_version() -> str | None:
    m = _model()
    return None if m is None else str(m.version)


def sentences_of(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Sentence ranges from the segment layer, or from line breaks when there is none."""
    sents = sorted((s.start, s.end) for s in spans if s.layer == "segment" and s.label == "sentence")
    if sents:
        return sents
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        a, b = trim(text, pos, pos + len(line))
        pos += len(line) + 1
        if b > a:
            out.append((a, b))
    return out


def detect(text: str, spans: Sequence[Span] = (), *, use_model: bool = True) -> list[Finding]:
    """Every technique found in ``text``; ``spans`` are the document's other findings
    (segments, entities, quotes, citations) that rules may use as context."""
    from .rules import apply_rules

    findings = list(apply_rules(text, spans))
    if use_model:
        model = _model()
        if model is not None:
            findings.extend(model.spans(text, sentences_of(text, spans)))
    return merge(findings)


def merge(findings: Sequence[Finding]) -> list[Finding]:
    """Merge overlapping findings of the same technique (see the module docstring)."""
    by_tech: dict[str, list[Finding]] = {}
    for f in findings:
        by_tech.setdefault(f.technique, []).append(f)
    out: list[Finding] = []
    for group in by_tech.values():
        group.sort(key=lambda f: -f.score)
        kept: list[tuple[Finding, list[Finding]]] = []
        for f in group:
            for k, members in kept:
                inter = min(f.end, k.end) - max(f.start, k.start)
                shorter = min(f.end - f.start, k.end - k.start) or 1
                if inter / shorter >= _MERGE_OVERLAP:
                    members.append(f)
                    break
            else:
                kept.append((f, [f]))
        for best, members in kept:
            if len(members) == 1:
                out.append(best)
                continue
            miss = 1.0
            for m in members:
                miss *= 1.0 - m.score
            sources = sorted({m.source for m in members})
            evidence = dict(best.evidence)
            evidence["sources"] = sources
            evidence["agreeing"] = [
                {"source": m.source, "start": m.start, "end": m.end, "score": m.score} for m in members if m is not best
            ]
            out.append(
                Finding(best.start, best.end, best.technique, round(1.0 - miss, 4), best.source, best.explanation, evidence)
            )
    out.sort(key=lambda f: (f.start, f.end, f.technique))
    return out


def classify(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The most likely PTC label for each given span (technique-classification task)."""
    model = _model()
    if model is None:
        from ..errors import E_CONFIG, ConfigError

        raise ConfigError(E_CONFIG, "technique classification needs the trained model (communique train techniques)")
    return [label for label, _p in model.classify(text, spans)]
