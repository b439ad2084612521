"""Search filters: which documents a search (BM25, semantic or hybrid) may return.

Every filter narrows; unset filters (None) do not apply. Names match whole values ignoring
ASCII case, as everywhere else in the store.

- ``issuer``: the document's issuer.
- ``since`` / ``until``: ISO dates, whole or partial (``2015``, ``2015-06``, ``2015-06-03``),
  compared with the publication date: ``until="2015"`` means through 2015-12-31. Documents
  without a publication date are excluded as soon as either bound is set.
- ``language``: a language code among the document's languages (``en``, ``ar``).
- ``entity``: the document has an entity span with this canonical name.
- ``role`` / ``actor``: the document casts an actor in a role (a role span with this label
  and/or ``attrs.actor``): ``role="enemy", actor="Russia"``.
- ``technique``: a technique span whose label (``Loaded_Language``, exact) or category
  (``Attack on reputation``, any case) is this.
- ``doc_type``: the document type (``press_release``, ``communique`` …).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import E_QUERY, QueryError
from ..model import LAYERS

_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    issuer: str | None = None
    since: str | None = None
    until: str | None = None
    language: str | None = None
    entity: str | None = None
    role: str | None = None
    actor: str | None = None
    technique: str | None = None
    doc_type: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise QueryError(E_QUERY, f"filter {f.name} must be a non-empty string, not {v!r}")
        for name in ("since", "until"):
            v = getattr(self, name)
            if v is not None and not _valid_date(v):
                raise QueryError(
                    E_QUERY,
                    f"{name}={v!r} is not an ISO date: use YYYY, YYYY-MM or YYYY-MM-DD",
                )
        if self.role is not None and self.role not in LAYERS["role"]:
            raise QueryError(
                E_QUERY, f"unknown role {self.role!r}; roles are: {', '.join(sorted(LAYERS['role']))}"
            )

    def active(self) -> dict[str, str]:
        """The filters that are set."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __bool__(self) -> bool:
        return bool(self.active())

    @property
    def until_bound(self) -> str | None:
        """``until`` padded to the last day it covers, for ``published <= bound``."""
        if self.until is None:
            return None
        return {4: self.until + "-12-31", 7: self.until + "-31"}.get(len(self.until), self.until)

    @property
    def since_bound(self) -> str | None:
        return self.since


def _valid_date(v: str) -> bool:
    if not _ISO.match(v):
        return False
    parts = [int(p) for p in v.split("-")]
    if len(parts) > 1 and not 1 <= parts[1] <= 12:
        return False
    return not (len(parts) > 2 and not 1 <= parts[2] <= 31)


def sqlite_where(f: SearchFilters | None, alias: str = "d") -> tuple[str, list[Any]]:
    """SQL conditions (starting with " AND", or "") over ``documents AS alias`` and params."""
    if not f:
        return "", []
    cond, params = sqlite_document_where(f, alias)
    sql: list[str] = [cond.removeprefix(" AND ")] if cond else []
    d = alias
    # each span filter is a range of the facet index (migration 0005): document seqs
    # straight from a covering key, whatever the size of the corpus
    for keys in facet_keys(f):
        marks = ", ".join("?" * len(keys))
        sql.append(f"{d}.seq IN (SELECT seq FROM facets WHERE key IN ({marks}))")
        params += keys
    return (" AND " + " AND ".join(sql), params) if sql else ("", [])


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_US = "\x1f"


def _nocase(value: str) -> str:
    """Lowercase ASCII letters only, as SQLite's ``lower()`` and ``COLLATE NOCASE`` do."""
    return value.translate(_ASCII_LOWER)


def facet_keys(f: SearchFilters | None) -> list[list[str]]:
    """The span filters as keys of the SQLite facet index (migration 0005): a list of
    alternatives per filter; a document passes when, for every filter, it has one of the
    filter's keys. Equivalent to the span conditions of ``sqlite_where``."""
    if not f:
        return []
    out: list[list[str]] = []
    if f.entity is not None:
        out.append([f"entity{_US}{_nocase(f.entity)}"])
    if f.actor is not None:
        if f.role is not None:
            out.append([f"role-actor{_US}{f.role}{_US}{_nocase(f.actor)}"])
        else:
            out.append([f"actor{_US}{_nocase(f.actor)}"])
    elif f.role is not None:
        out.append([f"role{_US}{f.role}"])
    if f.technique is not None:
        out.append([f"technique{_US}{f.technique}", f"category{_US}{_nocase(f.technique)}"])
    return out


def sqlite_document_where(f: SearchFilters | None, alias: str = "d") -> tuple[str, list[Any]]:
    """The document-level conditions of ``sqlite_where`` (issuer, type, dates, language),
    written for the indexes of migration 0005; span filters are left to ``facet_keys``."""
    if not f:
        return "", []
    sql: list[str] = []
    params: list[Any] = []
    d = alias
    if f.issuer is not None:
        sql.append(f"{d}.issuer = ? COLLATE NOCASE")
        params.append(f.issuer)
    if f.doc_type is not None:
        sql.append(f"{d}.doc_type = ? COLLATE NOCASE")
        params.append(f.doc_type)
    if f.since is not None:
        sql.append(f"{d}.published >= ?")
        params.append(f.since_bound)
    if f.until is not None:
        sql.append(f"{d}.published <= ?")
        params.append(f.until_bound)
    if f.language is not None:
        # few distinct language lists: test each once (read from its index), then look
        # the documents up by list
        sql.append(
            f"{d}.languages IN (SELECT l.v FROM (SELECT DISTINCT languages AS v FROM documents"
            " WHERE languages IS NOT NULL) AS l WHERE EXISTS (SELECT 1 FROM json_each(l.v)"
            " WHERE value = ? COLLATE NOCASE))"
        )
        params.append(f.language)
    return (" AND " + " AND ".join(sql), params) if sql else ("", [])
