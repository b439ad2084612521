"""Search across a corpus: BM25, semantic, or both fused (the default).

- ``bm25``: the store's full-text index (SQLite FTS5, or PostgreSQL full-text), with the
  query language of ``storage.query`` (words, "exact phrase", OR, NOT/-, prefix*, groups).
- ``semantic``: cosine similarity between the query and each statement's embedding
  (all-MiniLM-L6-v2, int8 ONNX; see ``communique.semantic``). Only the query's positive
  words are embedded. Statements below ``MIN_SIMILARITY`` are not returned.
- ``hybrid``: reciprocal rank fusion (RRF, k=60; Cormack et al. 2009) of the best
  ``CANDIDATES`` of each. A query of plain words may bring in statements that share no word
  with it but mean the same; a query that uses syntax (a phrase, OR, NOT, a prefix) is exact:
  semantic similarity only re-orders the statements that match it, so a phrase search never
  returns a statement without the phrase.

Filters (issuer, dates, language, entity, role/actor, technique, document type; see
``storage.filters``) apply in every mode. Each hit carries a snippet with the matched words
marked « », their offsets, the spans that satisfy the filters, and the scores behind its rank
(``scores``: bm25, bm25_rank, semantic, semantic_rank, rrf). Statements analysed before their
embedding was computed are searched by BM25 only: ``SearchResult.unembedded`` counts them and
``communique index`` (``Corpus.index``) fills them in.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import E_QUERY, QueryError
from .model import Span
from .storage.filters import SearchFilters
from .storage.query import is_plain, semantic_text, to_fts5
from .storage.sqlite import SearchHit

MODES = ("hybrid", "bm25", "semantic")
RRF_K = 60
#: How many of each ranking enter the fusion.
CANDIDATES = 200
#: Cosine below which a statement is not a semantic match (all-MiniLM-L6-v2 puts unrelated
#: English sentences around 0.0-0.2 and paraphrases above 0.5).
MIN_SIMILARITY = 0.30


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    mode: str
    hits: list[SearchHit]
    #: statements that matched (all of them for bm25; the fused candidates otherwise)
    total: int
    filters: dict[str, str] = field(default_factory=dict)
    #: statements without an embedding yet (searched by BM25 only)
    unembedded: int = 0
    embedder: str | None = None


def search(
    store: Any,
    query: str,
    *,
    mode: str = "hybrid",
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Search ``store`` (a SQLite or PostgreSQL store). Raises QueryError (E300) for a
    malformed query, an unknown mode or bad paging."""
    if mode not in MODES:
        raise QueryError(E_QUERY, f"unknown search mode {mode!r}; use one of: {', '.join(MODES)}")
    if limit < 0 or offset < 0:
        raise QueryError(E_QUERY, f"limit and offset must be >= 0 (got {limit}, {offset})")
    to_fts5(query)  # validate first: every mode rejects malformed syntax the same way
    active = filters.active() if filters else {}
    if mode == "bm25":
        hits = store.search(query, limit=limit, offset=offset, filters=filters)
        total = store.count_matches(query, filters=filters)
        return SearchResult(query, mode, _with_spans(store, hits, filters), total, active)

    from .semantic import VERSION

    ids, matrix = store.embedding_matrix(VERSION)
    unembedded = max(0, store.count_documents() - len(ids))
    rows = store.semantic_rows(VERSION, filters) if len(ids) else None
    # the two rankings are independent: the semantic one (ONNX and numpy, which release the
    # GIL, and no store access) runs in a thread while the store ranks by BM25 (SQLite
    # releases the GIL too)
    pending = _pool().submit(_semantic, ids, matrix, rows, query)
    bm25 = store.bm25_ranking(query, filters=filters, limit=CANDIDATES) if mode == "hybrid" else []
    semantic = pending.result()
    if not is_plain(query) and semantic:  # syntax: only statements that satisfy the query
        matching = store.matching(query, [i for i, _ in semantic])
        semantic = [(i, s) for i, s in semantic if i in matching]
    scores: dict[str, dict[str, float]] = {}
    for rank, (i, s) in enumerate(semantic, 1):
        scores.setdefault(i, {}).update(semantic=round(s, 4), semantic_rank=rank)
    if mode == "hybrid":
        for rank, (i, s) in enumerate(bm25, 1):
            scores.setdefault(i, {}).update(bm25=round(s, 4), bm25_rank=rank)
    for sc in scores.values():
        sc["rrf"] = round(
            sum(1.0 / (RRF_K + sc[k]) for k in ("bm25_rank", "semantic_rank") if k in sc), 6
        )
    key = "rrf" if mode == "hybrid" else "semantic"
    order = sorted(scores, key=lambda i: (-scores[i][key], i))
    page = order[offset : offset + limit]
    hits = [
        replace(h, score=scores[h.id][key], scores=scores[h.id]) for h in store.hits(page, query)
    ]
    return SearchResult(
        query, mode, _with_spans(store, hits, filters), len(order), active, unembedded, VERSION
    )


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="communique-semantic")
    return _POOL


def _semantic(ids: list[str], matrix: Any, rows: Any, query: str) -> list[tuple[str, float]]:
    """The best ``CANDIDATES`` (id, cosine) at or above ``MIN_SIMILARITY`` among the
    embedding ``rows`` (all when None), best first, ties in row order."""
    from .semantic import embedder

    if not len(ids):
        return []
    qv = embedder().encode([semantic_text(query)])[0]
    sims = matrix @ qv  # all rows, then the allowed ones: gathering rows would copy them
    if rows is not None:
        sims = sims[rows]
    top = np.argpartition(-sims, CANDIDATES)[:CANDIDATES] if len(sims) > CANDIDATES else np.arange(len(sims))
    top = top[np.lexsort((top, -sims[top]))]
    rowid = top if rows is None else rows[top]
    return [(ids[r], float(sims[k])) for r, k in zip(rowid, top, strict=True) if sims[k] >= MIN_SIMILARITY]


def _with_spans(store: Any, hits: list[SearchHit], filters: SearchFilters | None) -> list[SearchHit]:
    """Attach to each hit the spans that made it pass the span filters."""
    if not filters or all(
        getattr(filters, k) is None for k in ("entity", "role", "actor", "technique")
    ):
        return hits
    out = []
    for h in hits:
        doc = store.get_document(h.id)
        spans = [
            {**s.to_dict(), "text": doc.text[s.start : s.end]}
            for s in doc.spans
            if _passes(s, doc.text, filters)
        ]
        out.append(replace(h, spans=tuple(spans)))
    return out


def _passes(s: Span, text: str, f: SearchFilters) -> bool:
    fold = str.casefold
    if s.layer == "entity" and f.entity is not None:
        return fold(str(s.attrs.get("canonical") or "")) == fold(f.entity)
    if s.layer == "role" and (f.role is not None or f.actor is not None):
        return (f.role is None or s.label == f.role) and (
            f.actor is None or fold(str(s.attrs.get("actor") or "")) == fold(f.actor)
        )
    if s.layer == "technique" and f.technique is not None:
        return s.label == f.technique or fold(str(s.attrs.get("category") or "")) == fold(f.technique)
    return False
