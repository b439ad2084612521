"""What every export and import shares: the error class, compact JSON, layer selection,
and the record of something a file held that could not be taken in.

Kept free of heavy imports: the JSONL and CSV writers import this on every ``export``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import E_CONFIG, ConfigError
from ..model import LAYERS, Document
from ..storage.sqlite import _ENCODER


class ExchangeError(ConfigError):
    """A file to import that cannot be used, or an export that cannot be written as asked.

    The code says which: E104 (malformed file, with ``file:line`` or the record named), E100
    (missing file), E001 (offsets that do not fit the text), E400 (a bad option). The CLI
    exits with 2, as for any unusable input.
    """

    code = E_CONFIG


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something an imported file holds that was not taken in, and why.

    ``where`` names the file and the record (``export.json: task 12, annotation 3, result
    'a1b2'``; ``0f3a….ann:7``) so the analyst can find it; ``code`` is an ``errors`` code.
    Rejections are recorded as failure records of the import run, never dropped silently.
    """

    where: str
    code: str
    reason: str


# the store's compact encoder (mappings, dates, sets and paths as JSON), built once
_COMPACT = _ENCODER


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (Arabic stays readable), dates as ISO strings."""
    try:
        return _COMPACT.encode(value)
    except (TypeError, ValueError) as exc:
        raise ExchangeError(E_CONFIG, f"cannot write {type(value).__name__} as JSON: {exc}") from exc


def check_layers(layers: Iterable[str] | None) -> tuple[str, ...] | None:
    """The layers asked for, validated against ``model.LAYERS`` (None: every layer)."""
    if layers is None:
        return None
    out = tuple(dict.fromkeys(layers))
    unknown = [x for x in out if x not in LAYERS]
    if unknown:
        raise ExchangeError(
            E_CONFIG, f"unknown layer {unknown[0]!r}; layers are: {', '.join(LAYERS)}"
        )
    return out


def select_layers(docs: Iterable[Document], layers: Collection[str] | None) -> Iterator[Document]:
    """Documents with only the spans of ``layers`` (all spans when None)."""
    if layers is None:
        yield from docs
        return
    wanted = frozenset(layers)
    for doc in docs:
        yield doc.with_spans(s for s in doc.spans if s.layer in wanted)


#: The layers review formats (brat, Label Studio) carry unless told otherwise: every layer
#: but ``segment``, whose paragraphs and sentences would cover the whole text and bury the
#: findings a reviewer is asked to check.
REVIEW_LAYERS: tuple[str, ...] = tuple(x for x in LAYERS if x != "segment")


def label_layer(label: str) -> str | None:
    """The layer a label belongs to; labels are unique across layers (a test checks)."""
    return _LABEL_LAYER.get(label)


_LABEL_LAYER: dict[str, str] = {lab: layer for layer, labels in LAYERS.items() for lab in labels}

_NATURAL = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders digit runs by value: ``part.2`` before ``part.10``."""
    return tuple(int(p) if p.isdigit() else p for p in _NATURAL.split(name))


#: attrs a reviewer needs to see next to a finding, in this order, when present
NOTE_ATTRS = ("canonical", "actor", "speaker", "value", "ref", "explanation", "action", "addressee", "rule")


def note(attrs: Mapping[str, Any]) -> str:
    """``key=value; …`` of the attrs in ``NOTE_ATTRS``, on one line (whitespace collapsed)."""
    parts = []
    for k in NOTE_ATTRS:
        v = attrs.get(k)
        if v not in (None, "", [], {}):
            text = v if isinstance(v, str) else dumps(v)
            parts.append(f"{k}={' '.join(text.split())}")
    return "; ".join(parts)
