"""A stage: a small named function over :class:`Work` declaring what it needs and adds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .work import Work


@dataclass(frozen=True, slots=True)
class Stage:
    """One pipeline component.

    ``requires`` and ``assigns`` are capability names: ``text``, ``blocks`` (paragraph
    blocks), ``parse`` (spaCy docs on blocks), a layer name (``segment``, ``entity``, …) or
    a meta field as ``meta.<field>``. The pipeline checks before running that every
    requirement is assigned by an earlier stage.
    """

    name: str
    version: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    run: Callable[[Work], None]
    #: optional batched form (e.g. spaCy's nlp.pipe); defaults to calling run per doc
    run_batch: Callable[[Sequence[Work]], None] | None = None

    @property
    def source(self) -> str:
        return f"{self.name}@{self.version}"

    def __call__(self, work: Work) -> None:
        self.run(work)
        work.done.update(self.assigns)

    def batch(self, works: Sequence[Work]) -> None:
        if self.run_batch is not None:
            self.run_batch(works)
        else:
            for w in works:
                self.run(w)
        for w in works:
            w.done.update(self.assigns)
