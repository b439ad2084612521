"""The per-document pipeline: small named stages over one shared working state."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import E_PIPELINE, E_STAGE, CommuniqueError, PipelineError, StageError
from ..model import Document
from .registry import default_stage_names, get
from .stage import Stage
from .work import Work

__all__ = ["Pipeline", "Stage", "Work", "StageFailure"]


@dataclass(frozen=True, slots=True)
class StageFailure:
    """A document that a stage could not process: which stage and why."""

    stage: str
    code: str
    message: str


class Pipeline:
    """An ordered list of stages, checked before it runs."""

    def __init__(self, names: Sequence[str] | None = None) -> None:
        self.stages: list[Stage] = [get(n) for n in (names or default_stage_names())]
        self._check()

    def _check(self) -> None:
        available: set[str] = set()
        for stage in self.stages:
            missing = [r for r in stage.requires if r not in available]
            if missing:
                raise PipelineError(
                    E_PIPELINE,
                    f"stage {stage.name!r} requires {', '.join(missing)}, "
                    "which no earlier stage assigns",
                )
            available.update(stage.assigns)

    @property
    def version(self) -> str:
        """Hash of every stage's name@version: changes when any stage changes."""
        joined = ",".join(s.source for s in self.stages)
        return hashlib.sha256(joined.encode()).hexdigest()[:12]

    @property
    def sources(self) -> list[str]:
        return [s.source for s in self.stages]

    def run(self, text: str, meta: Mapping[str, Any] | None = None) -> Document:
        """Analyse one text; raises :class:`StageError` if a stage fails."""
        (result,) = self.run_many([(text, dict(meta or {}))], raise_errors=True)
        assert isinstance(result, Document)
        return result

    def run_many(
        self, items: Sequence[tuple[str, dict[str, Any]]], *, raise_errors: bool = False
    ) -> list[Document | StageFailure]:
        """Analyse a batch. A document a stage fails on becomes a :class:`StageFailure`
        (or raises, with ``raise_errors``); the rest of the batch goes on."""
        works = [Work(text, dict(meta)) for text, meta in items]
        failed: dict[int, StageFailure] = {}
        for stage in self.stages:
            live = [w for i, w in enumerate(works) if i not in failed]
            marks = {id(w): (len(w.spans), dict(w.meta)) for w in live}
            try:
                stage.batch(live)
                continue
            except Exception:
                if raise_errors:
                    raise
            # isolate the failing document(s): rerun one by one
            for i, w in enumerate(works):
                if i in failed:
                    continue
                n_spans, meta = marks[id(w)]
                del w.spans[n_spans:]  # undo what the failed batch call half-added
                w.meta = meta
                try:
                    stage(w)
                except CommuniqueError as exc:
                    failed[i] = StageFailure(stage.name, exc.code, exc.message)
                except Exception as exc:  # a bug in a stage must not stop the batch
                    failed[i] = StageFailure(stage.name, E_STAGE, f"{type(exc).__name__}: {exc}")
        out: list[Document | StageFailure] = []
        for i, w in enumerate(works):
            if i in failed:
                out.append(failed[i])
                continue
            w.meta.setdefault("pipeline", self.version)
            out.append(w.to_document())
        return out


def raise_failure(f: StageFailure) -> None:
    raise StageError(f.code, f"stage {f.stage}: {f.message}")
