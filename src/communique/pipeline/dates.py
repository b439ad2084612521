"""dates stage (being written)."""

from __future__ import annotations

from .stage import Stage
from .work import Work

NAME = "dates"
VERSION = "0"


def _run(work: Work) -> None:
    return None


STAGE = Stage(NAME, VERSION, requires=("parse", "segment"), assigns=("date", "meta.published"), run=_run)
