"""techniques: persuasion techniques as ``technique`` spans (rules + the learned model).

Each span: label = SemEval-2023 technique name; ``attrs.category``, ``attrs.explanation``,
``attrs.ptc`` (the SemEval-2020/PTC label, or None), ``attrs.evidence``; ``source`` is the
rule (``rule:<id>@<stage version>``) or model (``model:<version>@<stage version>``) that
found it — for merged findings the strongest, with every agreeing source in
``attrs.sources``.
"""

from __future__ import annotations

from ..techniques.taxonomy import TECHNIQUES, category, to_ptc
from .stage import Stage
from .work import Work

NAME = "techniques"
VERSION = "1"


def _run(work: Work) -> None:
    from ..techniques.detect import detect

    for f in detect(work.text, work.spans):
        if f.technique not in TECHNIQUES:
            continue
        attrs = {
            "category": category(f.technique),
            "explanation": f.explanation,
            "ptc": to_ptc(f.technique),
            "sources": f.evidence.get("sources", [f.source]),
            "evidence": {k: v for k, v in f.evidence.items() if k not in ("sources",)},
        }
        work.add(f.start, f.end, "technique", f.technique, source=f"{f.source}@{VERSION}", score=f.score, attrs=attrs)


STAGE = Stage(
    NAME,
    VERSION,
    requires=("segment", "entity", "quote", "citation"),
    assigns=("technique",),
    run=_run,
)
