"""entities stage (being written)."""

from __future__ import annotations

from .stage import Stage
from .work import Work

NAME = "entities"
VERSION = "0"


def _run(work: Work) -> None:
    return None


STAGE = Stage(NAME, VERSION, requires=("parse", "segment", "meta.issuer"), assigns=("entity",), run=_run)
