"""header stage (being written)."""

from __future__ import annotations

from .stage import Stage
from .work import Work

NAME = "header"
VERSION = "0"


def _run(work: Work) -> None:
    return None


STAGE = Stage(NAME, VERSION, requires=("segment", "parse"), assigns=("meta.title", "meta.issuer", "meta.office", "meta.author", "meta.author_role", "meta.doc_type"), run=_run)
