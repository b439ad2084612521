"""segment stage (being written)."""

from __future__ import annotations

from .stage import Stage
from .work import Work

NAME = "segment"
VERSION = "0"


def _run(work: Work) -> None:
    return None


STAGE = Stage(NAME, VERSION, requires=("text", "blocks", "parse"), assigns=("segment", "meta.languages"), run=_run)
