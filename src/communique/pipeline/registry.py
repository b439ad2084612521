"""Every stage, registered in one explicit place (no import-order magic).

To add a stage: write a module exposing ``STAGE`` and list it here in pipeline order.
"""

from __future__ import annotations

from ..errors import E_PIPELINE, PipelineError
from .stage import Stage


def _load() -> dict[str, Stage]:
    from . import (
        actions,
        citations,
        dates,
        entities,
        header,
        normalize,
        parse,
        quotes,
        roles,
        segment,
        techniques,
    )

    ordered = (
        normalize.STAGE,
        parse.STAGE,
        segment.STAGE,
        header.STAGE,
        entities.STAGE,
        dates.STAGE,
        citations.STAGE,
        quotes.STAGE,
        actions.STAGE,
        roles.STAGE,
        techniques.STAGE,
    )
    return {s.name: s for s in ordered}


_REGISTRY: dict[str, Stage] | None = None


def registry() -> dict[str, Stage]:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _load()
    return _REGISTRY


def default_stage_names() -> list[str]:
    return list(registry())


def get(name: str) -> Stage:
    try:
        return registry()[name]
    except KeyError:
        raise PipelineError(
            E_PIPELINE, f"unknown stage {name!r}; known: {', '.join(registry())}"
        ) from None
