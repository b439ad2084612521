"""The records ingest hands on: a document's raw text, a failure, and both for one input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawDoc:
    """Text extracted from one input, not yet normalized.

    ``meta`` holds only what the file itself states (title, published + published_how,
    author, issuer, sender, lang, ...) plus ``format``. ``source`` is the path as given;
    for JSON Lines ``"path#L<n>"`` with ``n`` the 1-based line.
    """

    text: str
    meta: dict
    source: str
    format: str  # 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'eml' | 'jsonl'


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """An input that gave no document: where, the error code, and one line saying why."""

    source: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What reading one input gave: documents (JSON Lines: several) and failures."""

    docs: list[RawDoc]
    failures: list[IngestFailure]
