"""The REST API under ``/api``: JSON over the Python API (``communique.corpus``).

Every endpoint reads or writes through :class:`communique.corpus.Corpus` and the library
modules it fronts (``analytics``, ``lineage``, ``network``, ``reviews``); this module only
checks parameters, picks the role a request needs and shapes the JSON. The spec is served
at ``/api/openapi.json``; every payload has a pydantic model in ``schemas.py``.

Endpoints (paths and field names are stable; scripts may rely on them). "Page" answers
carry ``total``, ``limit``, ``offset`` and ``next`` (the path and query of the next page, or
null on the last one).

GET  /api/health
    ``{"status": "ok", "version"}``; needs no credentials.
GET  /api/me
    ``{"user", "role": "analyst"|"reader", "auth": "local"|"token"|"session"}``.
GET  /api/stats
    documents, sources, spans (and by layer), issuers, runs, failures, reviews.
GET  /api/documents
    page of ``{"documents": [{"id", "title", "issuer", "published", "doc_type",
    "languages", "chars", "first_seen"}]}`` in arrival order. Filters: ``issuer``,
    ``since``, ``until`` (ISO partial dates), ``language``, ``doc_type``, ``entity``,
    ``role``, ``actor``, ``technique`` (``storage.filters``); blank values are unset.
    ``limit`` 1-500 (50), ``offset``.
GET  /api/documents/{id}
    exactly ``Document.to_dict()`` (the JSONL contract: id, text, meta, spans); ``id`` may
    be a unique prefix of at least 4 hex digits. ``?reviewed=true``: the effective view,
    reviews applied, each span with a ``"review"`` key (null, or ``{"status":
    "accepted"|"rejected"|"relabelled"|"added", "review_id", "reviewer", "at", "note",
    "original"}``); spans from reviews have ``source="review:<reviewer>"``.
GET  /api/documents/{id}/spans
    ``{"id", "spans": [span + "text"]}``; ``layer``, ``label``, ``reviewed``.
GET  /api/documents/{id}/sources
    ``{"id", "sources": [{"source", "format", "first_seen"}]}``.
GET  /api/documents/{id}/reviews
    ``{"id", "reviews": [review]}``, oldest first.
POST /api/documents/{id}/reviews  (analyst)
    ``{"action": "accept"|"reject"|"relabel"|"add", "span": {"start", "end", "layer",
    "label", "source"}, "label": new label (relabel), "attrs": {...} (add), "note"}``;
    201 with the review. accept/reject/relabel name a span of the effective view (as
    ``/spans?reviewed=true`` lists it); add gives the new span (its source is ignored).
    400 (E001) when the decision does not fit the document.
GET  /api/reviews
    the audit log, newest first: page of ``{"reviews": [review]}``; ``doc_id``,
    ``reviewer``, ``action``.
GET  /api/reviews/export?format=jsonl
    one line per reviewed document ``{"id", "text", "spans", "rejected"}`` for retraining;
    ``layer``.
GET  /api/search
    page of ``{"query", "mode", "results": [{"id", "title", "snippet", "score", "issuer",
    "published", "spans", "matches", "scores"}], "filters", "unembedded"}``. ``q`` (the
    query language of ``storage.query``), ``mode`` hybrid (default) | bm25 | semantic, the
    filters of /api/documents; ``spans`` holds the evidence for the span filters,
    ``matches`` the offsets of the matched words. ``limit`` 1-100 (20).
GET  /api/actors
    page of ``{"actors": [{"issuer", "actor", "actor_kind", "role", "mentions",
    "documents", "score", "first", "last"}]}``; ``issuer``, ``role``, ``actor``.
GET  /api/actors/{name}
    ``{"actor", "mentions", "documents", "roles", "issuers", "rows"}``; 404 naming the
    closest actors.
GET  /api/network?format=json|graphml|gexf|csv
    ``{"nodes", "edges"}``, or the file for Gephi / networkx; ``role``, ``min_weight``.
GET  /api/techniques
    ``{"documents", "with_techniques", "spans", "techniques", "categories", "issuers"}``;
    ``issuer``, ``since``, ``until``.
GET  /api/timeline
    ``communique.analytics.Timeline.to_dict()``; ``issuer``, ``since``, ``until``,
    ``by`` month|year, ``events``.
GET  /api/issuers/{issuer}/profile
    ``communique.analytics.Profile.to_dict()``; ``by``, ``since``, ``until``, ``top``.
GET  /api/reposts
    page of ``{"clusters": [cluster], "stats", "params"}``, largest first; ``min_size``,
    ``threshold``.
GET  /api/reposts/{cluster}
    one cluster (its id is its earliest member's; any member's id finds it).
GET  /api/diff?a=&b=
    ``communique.lineage.Diff.to_dict()``: summary and ops with offsets into both texts.
POST /api/analyze
    JSON ``{"text", "meta", "store": false}`` or a multipart upload (``file``; ``meta`` as
    JSON text; ``store``); answers ``{"documents": [document], "stored", "outcomes",
    "failures"}``. Uploads obey the server's ingest limits; storing needs the analyst role.

Every error, whatever its cause (unknown path, wrong method, invalid parameter, missing
token, a library error, a bug), answers ``{"error": {"code": "E…", "message": "…",
"status": 4xx|5xx}}`` (see ``app.py``). A review is ``{"id", "doc_id", "at", "reviewer",
"action", "before", "after", "note", "text"}`` with ``before``/``after`` span dicts (null
where none) and ``text`` the surface of the span reviewed.

Corpus-wide views (actors, network, techniques, timeline, profiles, re-posts) are cached
per app until the corpus changes (a new document or a new run): on 10k documents they take
seconds to compute and a dashboard asks for them again and again.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import Counter, defaultdict
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import (
    E_INGEST_EMPTY,
    E_INGEST_TOO_LARGE,
    E_NOT_FOUND,
    E_QUERY,
    IngestError,
    NotFoundError,
    QueryError,
)
from ...ingest import Limits
from ...model import LAYERS, Document
from .auth import User
from .schemas import (
    ERRORS,
    ActorOut,
    ActorPage,
    AnalyzeIn,
    AnalyzeOut,
    ClusterOut,
    DiffOut,
    DocumentOut,
    DocumentPage,
    DocumentReviews,
    HealthOut,
    MeOut,
    NetworkOut,
    RepostsOut,
    ReviewedDocumentOut,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    SearchOut,
    SourcesOut,
    SpansOut,
    TechniquesOut,
)

if TYPE_CHECKING:
    from ...corpus import Corpus
    from ...storage.filters import SearchFilters

_bearer = HTTPBearer(
    auto_error=False,
    description="An access token (analyst or reader) when the server was started with one. "
    "Name the reviewer with the X-Communique-User header.",
)


def _user(request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> User:
    user = getattr(request.state, "user", None)
    if user is None:  # the auth middleware always sets one; an app built without it is a bug
        raise HTTPException(401, "not authenticated")
    return user  # type: ignore[no-any-return]


#: Every endpoint may answer these: a bad parameter value (400), no credentials (401), a
#: parameter that does not validate (422).
router = APIRouter(prefix="/api", dependencies=[Depends(_user)], responses={k: ERRORS[k] for k in (400, 401, 422)})

CurrentUser = Annotated[User, Depends(_user)]


def _analyst(user: CurrentUser) -> User:
    if not user.can_review:
        raise HTTPException(403, f"{user.name} has the reader role: reviewing and storing need the analyst token")
    return user


Analyst = Annotated[User, Depends(_analyst)]


_OPEN_LOCK = threading.Lock()


def _corpus(request: Request) -> Corpus:
    """The app's corpus; reopened if a lifespan shutdown closed it and requests still come
    (test clients run the lifespan more than once)."""
    state = request.app.state
    if state.corpus is None:
        import communique

        with _OPEN_LOCK:
            if state.corpus is None:
                state.corpus = communique.open(state.db)
    return state.corpus  # type: ignore[no-any-return]


CorpusDep = Annotated["Corpus", Depends(_corpus)]

# ---- shared parameters

_TEXT = {"max_length": 300}
Limit = Annotated[int, Query(ge=1, le=500, description="How many per page.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="How many to skip.")]
DocId = Annotated[str, Path(min_length=1, max_length=64, description="A document id, or a unique prefix of at least 4 hex digits.")]
Issuer = Annotated[str | None, Query(description="Issuer (whole name, any case).", **_TEXT)]
Since = Annotated[str | None, Query(description="Published on or after: YYYY, YYYY-MM or YYYY-MM-DD.", max_length=10)]
Until = Annotated[str | None, Query(description="Published on or before (2015 means through 2015-12-31).", max_length=10)]
Language = Annotated[str | None, Query(description="A language code among the document's languages.", max_length=20)]
DocType = Annotated[str | None, Query(description="Document type (press_release, statement…).", max_length=60)]
Entity = Annotated[str | None, Query(description="Names an entity (canonical name or text).", **_TEXT)]
RoleQ = Annotated[str | None, Query(description="Casts some actor in this role (enemy, ally…).", max_length=40)]
ActorQ = Annotated[str | None, Query(description="Casts this actor in some role.", **_TEXT)]
TechniqueQ = Annotated[str | None, Query(description="Uses this technique (or category).", max_length=80)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str | None, name: str) -> str | None:
    """An optional text parameter: blank means unset (forms send empty fields); control
    characters are refused."""
    if value is None or not value.strip():
        return None
    if _CONTROL.search(value):
        raise QueryError(E_QUERY, f"{name} contains control characters")
    return value.strip()


def _filters(**values: str | None) -> SearchFilters | None:
    from ...storage.filters import SearchFilters

    kept = {k: v for k, v in ((k, _clean(v, k)) for k, v in values.items()) if v is not None}
    return SearchFilters(**kept) if kept else None


def _next(request: Request, offset: int, limit: int, returned: int, total: int | None) -> str | None:
    """The URL (path and query) of the next page, or None on the last one."""
    more = offset + returned < total if total is not None else returned == limit
    if not more or returned == 0:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    params += [("limit", str(limit)), ("offset", str(offset + limit))]
    return f"{request.url.path}?{urlencode(params)}"


def _document(corpus: Corpus, doc_id: str) -> Document:
    return corpus.get(doc_id)


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


#: Corpus-wide views kept per app (timeline, techniques, actors, network, re-posts): at most
#: this many answers, the oldest dropped first.
VIEW_CACHE_SIZE = 64
#: How long a cached view may be served while the number of documents has not changed:
#: re-running stages over stored documents changes spans, not the count; a minute bounds
#: how stale a view can be then.
VIEW_TTL_S = 60.0
_VIEW_LOCK = threading.Lock()


def _view(request: Request, corpus: Corpus, name: str, params: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, or its answer from the last time with the same ``params`` while the
    corpus holds the same number of documents (the store only grows) and for at most
    ``VIEW_TTL_S``. Corpus-wide views cost seconds on 10k documents; an analyst's dashboard
    asks for them again and again. One computation at a time: concurrent requests for a
    view wait for the first and share its answer."""
    key = (name, params)
    version = corpus.store.count_documents()
    now = time.monotonic()
    state = request.app.state
    with _VIEW_LOCK:
        cache: dict[tuple[Any, ...], tuple[int, float, Any]] = getattr(state, "view_cache", None) or {}
        state.view_cache = cache
        hit = cache.get(key)
        if hit is not None and hit[0] == version and now - hit[1] < VIEW_TTL_S:
            return hit[2]
        value = compute()
        cache.pop(key, None)
        while len(cache) >= VIEW_CACHE_SIZE:
            del cache[next(iter(cache))]
        cache[key] = (version, now, value)
        return value


# ---- service


#: Endpoints served without credentials (the auth middleware lets their paths through).
public = APIRouter(prefix="/api", responses={422: ERRORS[422]})


@public.get("/health", response_model=HealthOut, summary="Is the server up")
def health() -> dict[str, Any]:
    from ... import __version__

    return {"status": "ok", "version": __version__}


@router.get("/me", response_model=MeOut, summary="Who the server thinks you are")
def me(user: CurrentUser) -> dict[str, Any]:
    return {"user": user.name, "role": user.role, "auth": user.auth}


class StatsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: int
    sources: int
    spans: int
    spans_by_layer: dict[str, int]
    issuers: dict[str, int]
    runs: dict[str, int]
    failures: int
    reviews: int


@router.get("/stats", response_model=StatsOut, summary="Corpus counts")
def stats(corpus: CorpusDep) -> dict[str, Any]:
    s = dict(corpus.stats())
    s.pop("path", None)  # where the store lives is the server's business
    s["reviews"] = corpus.store.count_reviews()
    return {k: s[k] for k in StatsOut.model_fields}


# ---- documents


@router.get("/documents", response_model=DocumentPage, summary="List documents (filters, paging)")
def list_documents(
    request: Request,
    corpus: CorpusDep,
    issuer: Issuer = None,
    since: Since = None,
    until: Until = None,
    language: Language = None,
    doc_type: DocType = None,
    entity: Entity = None,
    role: RoleQ = None,
    actor: ActorQ = None,
    technique: TechniqueQ = None,
    sort: Annotated[
        Literal["arrival", "published", "-published"],
        Query(description="arrival (as stored), published (oldest first) or -published (newest first); undated last."),
    ] = "arrival",
    limit: Limit = 50,
    offset: Offset = 0,
) -> JSONResponse:
    """Documents, light (no text, no spans), one page at a time; ``next`` is the next page."""
    f = _filters(
        issuer=issuer, since=since, until=until, language=language, doc_type=doc_type,
        entity=entity, role=role, actor=actor, technique=technique,
    )  # fmt: skip
    store = corpus.store
    if sort != "arrival":
        ordered = _view(request, corpus, "documents", (f, sort), lambda: _sorted_rows(store, f, sort))
        total, rows = len(ordered), ordered[offset : offset + limit]
    else:
        ids = store.filter_ids(f) if f else None
        if ids is None:
            total = store.count_documents()
            rows = list(islice(store.catalog(), offset, offset + limit))
        else:
            total = len(ids)
            rows = _catalog_rows(store, ids[offset : offset + limit], f.issuer if f else None)
    docs = [
        {
            "id": r["id"], "title": r["title"], "issuer": r["issuer"], "published": r["published"],
            "doc_type": r["doc_type"], "languages": r["languages"], "chars": r["chars"],
            "first_seen": r["first_seen"],
        }
        for r in rows
    ]  # fmt: skip
    return _json(
        {"documents": docs, "total": total, "limit": limit, "offset": offset, "next": _next(request, offset, limit, len(docs), total)}
    )


def _sorted_rows(store: Any, f: SearchFilters | None, sort: str) -> list[dict[str, Any]]:
    """Every catalog row that passes ``f``, by publication date (undated ones last, in
    arrival order)."""
    ids = store.filter_ids(f) if f else None
    keep = set(ids) if ids is not None else None
    rows = [r for r in store.catalog(issuer=f.issuer if f else None) if keep is None or r["id"] in keep]
    dated = sorted((r for r in rows if r["published"]), key=lambda r: str(r["published"]), reverse=sort == "-published")
    return dated + [r for r in rows if not r["published"]]


def _catalog_rows(store: Any, ids: list[str], issuer: str | None) -> list[dict[str, Any]]:
    """Catalog rows of ``ids`` (in arrival order, as ``filter_ids`` gives them); reads the
    catalog only up to the last one."""
    wanted = set(ids)
    found: dict[str, dict[str, Any]] = {}
    if wanted:
        for row in store.catalog(issuer=issuer):
            if row["id"] in wanted:
                found[row["id"]] = row
                if len(found) == len(wanted):
                    break
    return [found[i] for i in ids if i in found]


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut | ReviewedDocumentOut,
    responses={404: ERRORS[404], 400: ERRORS[400]},
    summary="One document: text, meta and spans (the JSONL contract)",
)
def get_document(
    corpus: CorpusDep,
    doc_id: DocId,
    reviewed: Annotated[bool, Query(description="Apply the reviews: effective spans, each with its review.")] = False,
) -> JSONResponse:
    """Exactly ``Document.to_dict()``; with ``reviewed=true`` the spans are the effective
    ones (reviews applied, rejected spans kept and marked) and each has a ``review`` key."""
    if reviewed:
        return _json(corpus.reviewed_document(doc_id))
    return _json(_document(corpus, doc_id).to_dict())


@router.get("/documents/{doc_id}/spans", response_model=SpansOut, responses={404: ERRORS[404], 400: ERRORS[400]}, summary="A document's spans with their text")
def get_spans(
    corpus: CorpusDep,
    doc_id: DocId,
    layer: Annotated[str | None, Query(max_length=40, description="Only this layer.")] = None,
    label: Annotated[str | None, Query(max_length=80, description="Only this label.")] = None,
    reviewed: Annotated[bool, Query(description="Effective spans, with their reviews.")] = False,
) -> JSONResponse:
    layer, label = _clean(layer, "layer"), _clean(label, "label")
    if layer is not None and layer not in LAYERS:
        raise QueryError(E_QUERY, f"unknown layer {layer!r}; layers are: {', '.join(LAYERS)}")
    if label is not None and layer is not None and label not in LAYERS[layer]:
        raise QueryError(E_QUERY, f"unknown {layer} label {label!r}; labels are: {', '.join(sorted(LAYERS[layer]))}")
    if reviewed:
        d = corpus.reviewed_document(doc_id)
        did, text, spans = d["id"], d["text"], d["spans"]
    else:
        doc = _document(corpus, doc_id)
        did, text, spans = doc.id, doc.text, doc.to_dict()["spans"]
    out = [
        {**s, "text": text[s["start"] : s["end"]]}
        for s in spans
        if (layer is None or s["layer"] == layer) and (label is None or s["label"] == label)
    ]
    return _json({"id": did, "spans": out})


@router.get("/documents/{doc_id}/sources", response_model=SourcesOut, responses={404: ERRORS[404], 400: ERRORS[400]}, summary="Where a document's text arrived from")
def get_sources(corpus: CorpusDep, doc_id: DocId) -> dict[str, Any]:
    did = _document(corpus, doc_id).id
    return {"id": did, "sources": [{"source": s, "format": f, "first_seen": t} for s, f, t in corpus.sources(did)]}


# ---- reviews


def _with_text(review: dict[str, Any], text: str | None) -> dict[str, Any]:
    span = review["after"] or review["before"]
    review = dict(review)
    review["text"] = text[span["start"] : span["end"]] if span and text is not None else None
    return review


@router.get("/documents/{doc_id}/reviews", response_model=DocumentReviews, responses={404: ERRORS[404], 400: ERRORS[400]}, summary="A document's reviews, oldest first")
def document_reviews(corpus: CorpusDep, doc_id: DocId) -> dict[str, Any]:
    doc = _document(corpus, doc_id)
    return {"id": doc.id, "reviews": [_with_text(r, doc.text) for r in corpus.reviews(doc.id)]}


@router.post(
    "/documents/{doc_id}/reviews",
    response_model=ReviewOut,
    status_code=201,
    responses={k: ERRORS[k] for k in (400, 403, 404)},
    summary="Accept, reject or relabel a span, or add one (analysts)",
)
def add_review(corpus: CorpusDep, doc_id: DocId, body: ReviewIn, user: Analyst) -> JSONResponse:
    """Appends the decision to the audit log; the stored spans never change. Name the span
    as ``GET /api/documents/{id}/spans?reviewed=true`` lists it."""
    span = body.span.model_dump(exclude_none=True)
    review = corpus.review(doc_id, body.action, span, reviewer=user.name, label=body.label, attrs=body.attrs, note=body.note)
    doc = corpus.get(review["doc_id"])
    return _json(_with_text(review, doc.text), status=201)


@router.get("/reviews", response_model=ReviewPage, responses={404: ERRORS[404]}, summary="The review audit log, newest first")
def review_log(
    request: Request,
    corpus: CorpusDep,
    doc_id: Annotated[str | None, Query(max_length=64, description="Only this document (id or prefix).")] = None,
    reviewer: Annotated[str | None, Query(max_length=64)] = None,
    action: Literal["accept", "reject", "relabel", "add"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    did = _clean(doc_id, "doc_id")
    if did is not None:
        did = _document(corpus, did).id
    who = _clean(reviewer, "reviewer")
    rows = corpus.reviews(did, reviewer=who, action=action, limit=limit, offset=offset, newest_first=True)
    total = corpus.store.count_reviews(did, reviewer=who, action=action)
    texts: dict[str, str | None] = {}
    for r in rows:
        if r["doc_id"] not in texts:
            try:
                texts[r["doc_id"]] = corpus.get(r["doc_id"]).text
            except NotFoundError:
                texts[r["doc_id"]] = None
    return {
        "reviews": [_with_text(r, texts[r["doc_id"]]) for r in rows],
        "total": total, "limit": limit, "offset": offset,
        "next": _next(request, offset, limit, len(rows), total),
    }  # fmt: skip


@router.get(
    "/reviews/export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "description": "One JSON line per reviewed document."}, 400: ERRORS[400]},
    summary="Reviewed spans for retraining (JSONL)",
)
def export_reviews(
    corpus: CorpusDep,
    format: Literal["jsonl"] = "jsonl",  # noqa: A002 - the query parameter's public name
    layer: Annotated[str | None, Query(max_length=40, description="Only spans of this layer.")] = None,
) -> Response:
    """One line per reviewed document: ``{"id", "text", "spans", "rejected"}``; spans that
    analysts accepted, relabelled or added, and those they rejected, each with its review."""
    buf = io.StringIO()
    corpus.export_reviews(buf, layer=_clean(layer, "layer"))
    return Response(
        buf.getvalue(), media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="reviews.jsonl"'},
    )  # fmt: skip


# ---- search


@router.get("/search", response_model=SearchOut, responses={400: ERRORS[400]}, summary="Search (BM25, semantic or hybrid) with filters")
def search(
    request: Request,
    corpus: CorpusDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description='Words, "exact phrase", OR, NOT/-word, prefix*, (groups).')],
    mode: Annotated[Literal["hybrid", "bm25", "semantic"], Query(description="hybrid fuses BM25 and semantic similarity.")] = "hybrid",
    issuer: Issuer = None,
    since: Since = None,
    until: Until = None,
    language: Language = None,
    doc_type: DocType = None,
    entity: Entity = None,
    role: RoleQ = None,
    actor: ActorQ = None,
    technique: TechniqueQ = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> JSONResponse:
    """Results best first, each with a snippet (matches between « and »), the offsets of
    the matched words, the scores behind its rank and the spans that satisfy the span
    filters."""
    if _CONTROL.search(q):
        raise QueryError(E_QUERY, "the query contains control characters")
    f = _filters(
        issuer=issuer, since=since, until=until, language=language, doc_type=doc_type,
        entity=entity, role=role, actor=actor, technique=technique,
    )  # fmt: skip
    res = corpus.find(q, limit, offset, mode=mode, filters=f)
    results = [
        {
            "id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score,
            "issuer": h.issuer, "published": h.published, "spans": list(h.spans),
            "matches": [list(m) for m in h.matches], "scores": dict(h.scores),
        }
        for h in res.hits
    ]  # fmt: skip
    return _json(
        {
            "query": q, "mode": res.mode, "results": results, "total": res.total,
            "limit": limit, "offset": offset, "next": _next(request, offset, limit, len(results), res.total),
            "filters": dict(res.filters), "unembedded": res.unembedded,
        }
    )  # fmt: skip


# ---- actors and network


@router.get("/actors", response_model=ActorPage, responses={400: ERRORS[400]}, summary="Who casts whom in which role")
def actors(
    request: Request,
    corpus: CorpusDep,
    issuer: Issuer = None,
    role: RoleQ = None,
    actor: ActorQ = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """One row per (issuer, actor, role), most mentioned first."""
    wanted = (_clean(issuer, "issuer"), _clean(role, "role"), _clean(actor, "actor"))
    rows = _view(request, corpus, "actors", wanted, lambda: corpus.actor_roles(*wanted))
    page = rows[offset : offset + limit]
    return {"actors": page, "total": len(rows), "limit": limit, "offset": offset, "next": _next(request, offset, limit, len(page), len(rows))}


@router.get("/actors/{name}", response_model=ActorOut, responses={404: ERRORS[404]}, summary="How every issuer casts one actor")
def actor(corpus: CorpusDep, name: Annotated[str, Path(min_length=1, max_length=300)]) -> dict[str, Any]:
    """Mentions per role and per issuer, and every (issuer, role) row. 404 with the closest
    actor names when no role finding names this actor."""
    wanted = _clean(name, "name")
    rows = corpus.actor_roles(actor=wanted) if wanted else []
    if not rows:
        import difflib

        names = sorted({r["actor"] for r in corpus.actor_roles()})
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(E_NOT_FOUND, f"no role finding names the actor {name!r}{hint}")
    roles: Counter[str] = Counter()
    issuers: Counter[str] = Counter()
    for r in rows:
        roles[r["role"]] += r["mentions"]
        issuers[r["issuer"]] += r["mentions"]
    spelled = Counter({r["actor"]: 0 for r in rows})
    for r in rows:
        spelled[r["actor"]] += r["mentions"]
    return {
        "actor": min(spelled.items(), key=lambda kv: (-kv[1], kv[0]))[0],
        "mentions": sum(roles.values()),
        "documents": sum(r["documents"] for r in rows),
        "roles": dict(roles.most_common()),
        "issuers": dict(issuers.most_common()),
        "rows": rows,
    }


_NETWORK_TYPES = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "csv": "text/csv"}


@router.get(
    "/network",
    response_model=NetworkOut,
    responses={
        200: {"content": {t: {"schema": {"type": "string"}} for t in _NETWORK_TYPES.values()}, "description": "json, or the file"},
        400: ERRORS[400],
    },
    summary="The issuer → actor role network (JSON, GraphML, GEXF, CSV)",
)
def network(
    request: Request,
    corpus: CorpusDep,
    format: Literal["json", "graphml", "gexf", "csv"] = "json",  # noqa: A002 - the parameter's public name
    role: RoleQ = None,
    min_weight: Annotated[int, Query(ge=1, le=1_000_000, description="Leave out edges with fewer role spans.")] = 1,
) -> Any:
    """Nodes are issuers and actors; one edge per (issuer, actor, role) with its weight
    (role spans) and documents. GraphML and GEXF open in Gephi and networkx."""
    from ...network import WRITERS, build_network

    wanted = _clean(role, "role")
    net = _view(request, corpus, "network", (wanted, min_weight), lambda: build_network(corpus.actor_roles(role=wanted), min_weight=min_weight))
    if format == "json":
        return {
            "nodes": [{"name": n.name, "kind": n.kind, "actor_kind": n.actor_kind} for n in net.nodes],
            "edges": [
                {"id": e.id, "source": e.source, "target": e.target, "role": e.role, "weight": e.weight, "documents": e.documents}
                for e in net.edges
            ],
        }
    buf = io.StringIO()
    WRITERS[format](net, buf)
    ext = format
    return Response(
        buf.getvalue(), media_type=_NETWORK_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="network.{ext}"'},
    )  # fmt: skip


# ---- techniques, timeline, profiles


@router.get("/techniques", response_model=TechniquesOut, responses={400: ERRORS[400]}, summary="Technique statistics per technique, category and issuer")
def techniques(request: Request, corpus: CorpusDep, issuer: Issuer = None, since: Since = None, until: Until = None) -> dict[str, Any]:
    """Technique spans and the documents that use them, over the documents selected by
    issuer and publication window (undated documents are left out when a window is set)."""
    wanted = (_clean(issuer, "issuer"), _clean(since, "since"), _clean(until, "until"))
    return _view(request, corpus, "techniques", wanted, lambda: technique_stats(corpus.store, *wanted))  # type: ignore[no-any-return]


def technique_stats(store: Any, issuer: str | None = None, since: str | None = None, until: str | None = None) -> dict[str, Any]:
    """Counts of technique spans and documents per technique, category and issuer (see
    ``GET /api/techniques``), from the store's public views ``catalog`` and ``span_facts``."""
    from ...storage.filters import SearchFilters
    from ...storage.sqlite import UNKNOWN_ISSUER
    from ...techniques.taxonomy import CATEGORY_OF, TECHNIQUES

    window = SearchFilters(since=since, until=until)
    lo, hi = window.since_bound, window.until_bound

    def inside(published: str | None) -> bool:
        if lo is None and hi is None:
            return True
        if not published:
            return False
        return (lo is None or published >= lo) and (hi is None or published <= hi)

    docs = {r["id"]: r["issuer"] or UNKNOWN_ISSUER for r in store.catalog(issuer=issuer) if inside(r["published"])}
    issuer_docs = Counter(docs.values())
    by_tech: Counter[str] = Counter()
    tech_docs: dict[str, set[str]] = defaultdict(set)
    by_cat: Counter[str] = Counter()
    cat_docs: dict[str, set[str]] = defaultdict(set)
    per_issuer: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {"categories": Counter(), "techniques": Counter()})
    issuer_spans: Counter[str] = Counter()
    spans = 0
    used: set[str] = set()
    for f in store.span_facts("technique", issuer=issuer):
        did = f["doc_id"]
        if did not in docs:
            continue
        tech = f["label"]
        cat = CATEGORY_OF.get(tech) or (f["attrs"] or {}).get("category") or "(none)"
        spans += 1
        used.add(did)
        by_tech[tech] += 1
        tech_docs[tech].add(did)
        by_cat[cat] += 1
        cat_docs[cat].add(did)
        who = docs[did]
        issuer_spans[who] += 1
        per_issuer[who]["categories"][cat] += 1
        per_issuer[who]["techniques"][tech] += 1
    order = {t: i for i, t in enumerate(TECHNIQUES)}
    return {
        "documents": len(docs),
        "with_techniques": len(used),
        "spans": spans,
        "techniques": [
            {"technique": t, "category": CATEGORY_OF.get(t), "spans": n, "documents": len(tech_docs[t])}
            for t, n in sorted(by_tech.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99), kv[0]))
        ],
        "categories": [
            {"category": c, "spans": n, "documents": len(cat_docs[c])}
            for c, n in sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "issuers": [
            {
                "issuer": who,
                "spans": issuer_spans[who],
                "documents": issuer_docs[who],
                "categories": dict(per_issuer[who]["categories"].most_common()),
                "techniques": dict(per_issuer[who]["techniques"].most_common()),
            }
            for who in sorted(issuer_docs, key=lambda w: (-issuer_spans[w], -issuer_docs[w], w))
        ],
    }


class _Open(BaseModel):
    """A JSON object built by the library's own ``to_dict`` (see its documentation)."""

    model_config = ConfigDict(extra="allow")


@router.get("/timeline", response_model=_Open, responses={400: ERRORS[400], 404: ERRORS[404]}, summary="Statements and cited events over time")
def timeline(
    request: Request,
    corpus: CorpusDep,
    issuer: Issuer = None,
    since: Since = None,
    until: Until = None,
    by: Literal["month", "year"] = "month",
    events: bool = True,
) -> JSONResponse:
    """Statements per month (or year) and issuer, undated ones counted apart, and the dated
    events they cite: ``communique.analytics.Timeline.to_dict()``."""
    from ...analytics import timeline as build

    who, lo, hi = _clean(issuer, "issuer"), _clean(since, "since"), _clean(until, "until")
    data = _view(
        request, corpus, "timeline", (who, lo, hi, by, events),
        lambda: build(corpus.store, issuer=who, since=lo, until=hi, by=by, events=events).to_dict(),
    )  # fmt: skip
    return _json(data)


@router.get("/issuers/{issuer}/profile", response_model=_Open, responses={400: ERRORS[400], 404: ERRORS[404]}, summary="One issuer's profile")
def profile(
    request: Request,
    corpus: CorpusDep,
    issuer: Annotated[str, Path(min_length=1, max_length=300)],
    by: Literal["month", "year"] = "year",
    since: Since = None,
    until: Until = None,
    top: Annotated[int, Query(ge=0, le=1000)] = 10,
) -> JSONResponse:
    """Technique mix against the corpus, roles cast, top actors, calls to action, over
    time: ``communique.analytics.Profile.to_dict()``; 404 with the closest issuers."""
    from ...analytics import profile as build

    lo, hi = _clean(since, "since"), _clean(until, "until")
    data = _view(
        request, corpus, "profile", (issuer, by, lo, hi, top),
        lambda: build(corpus.store, issuer, by=by, since=lo, until=hi, top=top).to_dict(),
    )  # fmt: skip
    return _json(data)


# ---- lineage

def _clusters(request: Request, corpus: Corpus, threshold: float | None) -> Any:
    """The store's re-post clusters (computed once per corpus version and threshold)."""
    from ... import lineage

    kw = {"threshold": threshold} if threshold is not None else {}
    return _view(request, corpus, "reposts", (threshold,), lambda: lineage.reposts(corpus.store, min_size=2, **kw))


@router.get("/reposts", response_model=RepostsOut, responses={400: ERRORS[400]}, summary="Re-post clusters, largest first")
def reposts(
    request: Request,
    corpus: CorpusDep,
    min_size: Annotated[int, Query(ge=2, le=1_000_000)] = 2,
    threshold: Annotated[float | None, Query(gt=0, le=1, description="Jaccard similarity that joins two texts.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Near-duplicate clusters (MinHash LSH), each ordered by first seen, with every
    member's sources: ``communique.lineage``."""
    res = _clusters(request, corpus, threshold)
    clusters = [c for c in res.clusters if c.size >= min_size]
    page = clusters[offset : offset + limit]
    return {
        "clusters": [c.to_dict() for c in page],
        "total": len(clusters), "limit": limit, "offset": offset,
        "next": _next(request, offset, limit, len(page), len(clusters)),
        "stats": dict(res.stats), "params": dict(res.params),
    }  # fmt: skip


@router.get("/reposts/{cluster}", response_model=ClusterOut, responses={404: ERRORS[404]}, summary="One re-post cluster")
def repost_cluster(request: Request, corpus: CorpusDep, cluster: Annotated[str, Path(min_length=1, max_length=64)]) -> dict[str, Any]:
    """The cluster whose id (its earliest member) is ``cluster``, or that has a member
    with that id."""
    res = _clusters(request, corpus, None)
    for c in res.clusters:
        if c.id == cluster or any(m.id == cluster for m in c.members):
            return c.to_dict()  # type: ignore[no-any-return]
    raise NotFoundError(E_NOT_FOUND, f"no re-post cluster {cluster!r} (a cluster id is the id of its earliest member)")


@router.get("/diff", response_model=DiffOut, responses={400: ERRORS[400], 404: ERRORS[404]}, summary="Differences between two documents")
def diff(
    corpus: CorpusDep,
    a: Annotated[str, Query(min_length=1, max_length=64, description="First document (id or prefix).")],
    b: Annotated[str, Query(min_length=1, max_length=64, description="Second document (id or prefix).")],
) -> JSONResponse:
    """Sentence-level alignment with word-level changes, offsets into both texts and a
    summary: ``communique.lineage.Diff.to_dict()``."""
    from ...lineage import diff_documents

    return _json(diff_documents(_document(corpus, a), _document(corpus, b)).to_dict())


# ---- analyze

_PIPELINE_LOCK = threading.Lock()  # one analysis at a time: the models are shared
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}$")
#: At most this many statements from one upload (a JSONL file may hold many).
MAX_UPLOAD_DOCS = 100


class _MetaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=1000)
    issuer: str | None = Field(None, max_length=300)
    office: str | None = Field(None, max_length=300)
    author: str | None = Field(None, max_length=300)
    author_role: str | None = Field(None, max_length=300)
    doc_type: str | None = Field(None, max_length=60)
    published: str | None = Field(None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _meta(raw: dict[str, Any] | None) -> dict[str, Any]:
    try:
        m = _MetaIn.model_validate(raw or {})
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", "meta", *e["loc"])} for e in exc.errors()]) from None
    return m.model_dump(exclude_none=True)


def _upload_name(filename: str | None) -> tuple[str, str]:
    """(name for sniffing ties, source to record) of an uploaded file. The name is never a
    path: only a known-looking suffix of it is kept; the source is the last path component,
    control characters removed, marked as an upload."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(c for c in base if c.isprintable())[:200] or "upload"
    m = _SUFFIX.search(base.lower())
    return "upload" + (m.group(0) if m else ""), f"upload:{base}"


def _run(items: list[tuple[str, dict[str, Any]]]) -> list[Document]:
    from ...corpus import pipeline
    from ...pipeline import raise_failure

    with _PIPELINE_LOCK:
        results = pipeline().run_many(items)
    docs: list[Document] = []
    for res in results:
        if not isinstance(res, Document):
            raise_failure(res)
        assert isinstance(res, Document)
        docs.append(res)
    return docs


def _invalid(field: str, msg: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": msg, "type": kind}])


async def _read_form(request: Request, max_bytes: int) -> tuple[Any, bool, str | None, bytes]:
    """(meta, store, file name, file bytes) of a multipart upload; the spooled file is
    closed whatever happens. At most ``max_bytes + 1`` bytes are read, so that the ingest
    size check sees an oversized file as such."""
    async with request.form(max_files=1, max_fields=4, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _invalid("file", "a file field is required", "missing")
        meta_raw: Any = None
        meta_text = form.get("meta")
        if isinstance(meta_text, str) and meta_text.strip():
            try:
                meta_raw = json.loads(meta_text)
            except ValueError:
                raise _invalid("meta", "meta must be a JSON object", "json_invalid") from None
            if not isinstance(meta_raw, dict):
                raise _invalid("meta", "meta must be a JSON object", "dict_type")
        flag = form.get("store")
        if flag is not None and not (isinstance(flag, str) and flag.strip().lower() in _BOOLEANS):
            raise _invalid("store", "store must be true or false", "bool_parsing")
        store = isinstance(flag, str) and _BOOLEANS[flag.strip().lower()]
        if upload.size is not None and upload.size > max_bytes:
            from ...ingest.limits import too_large

            raise too_large(upload.size, Limits(max_bytes=max_bytes))
        data = await upload.read(max_bytes + 1)
        return meta_raw, store, upload.filename, data


_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


_ANALYZE_ERRORS: dict[int | str, dict[str, Any]] = {k: ERRORS[k] for k in (400, 403, 413)}
_ANALYZE_ERRORS[415] = {"model": ERRORS[400]["model"], "description": "Unsupported format."}
_ANALYZE_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": AnalyzeIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "A statement file (txt, md, html, pdf, docx, eml, jsonl)."},
                    "meta": {"type": "string", "description": "Document fields as a JSON object."},
                    "store": {"type": "boolean", "default": False},
                },
            }
        },
    },
}


@router.post(
    "/analyze",
    response_model=AnalyzeOut,
    responses=_ANALYZE_ERRORS,
    openapi_extra={"requestBody": _ANALYZE_BODY},
    summary="Analyse a text or an uploaded file; store it only if asked",
)
async def analyze(request: Request, corpus: CorpusDep, user: CurrentUser) -> JSONResponse:
    """JSON ``{"text", "meta", "store"}`` or a multipart upload (``file``, optional
    ``meta`` as JSON text and ``store``). Uploads obey the server's ingest limits (size,
    parse time, characters); the file name is kept as the source, never used as a path.
    Nothing is stored unless ``store`` is true (analyst role)."""
    from ...ingest import read_bytes

    limits = request.app.state.limits
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    failures: list[dict[str, str]] = []
    if ctype == "application/json":
        try:
            payload = await request.json()
        except ValueError:
            raise RequestValidationError([{"loc": ("body",), "msg": "the body is not valid JSON", "type": "json_invalid"}]) from None
        try:
            body = AnalyzeIn.model_validate(payload)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        if len(body.text) > limits.max_chars:
            raise IngestError(E_INGEST_TOO_LARGE, f"text of {len(body.text)} characters is over the {limits.max_chars} limit")
        if not body.text.strip():
            raise IngestError(E_INGEST_EMPTY, "the text holds only whitespace")
        store = body.store
        items = [(body.text, {"format": "text", **_meta(body.meta)})]
        source, fmt = "<api>", "text"
        sources = [(source, fmt)]
    elif ctype == "multipart/form-data":
        meta_raw, store, filename, data = await _read_form(request, limits.max_bytes)
        meta = _meta(meta_raw)
        name, source = _upload_name(filename)
        result = await run_in_threadpool(read_bytes, data, name, limits)
        failures = [{"source": source, "code": f.code, "reason": f.reason} for f in result.failures]
        if not result.docs:
            f = result.failures[0] if result.failures else None
            raise IngestError(f.code if f else E_INGEST_EMPTY, f.reason if f else "no statement in the file", path=source)
        raws = result.docs[:MAX_UPLOAD_DOCS]
        if len(result.docs) > MAX_UPLOAD_DOCS:
            failures.append({"source": source, "code": E_INGEST_TOO_LARGE, "reason": f"only the first {MAX_UPLOAD_DOCS} of {len(result.docs)} statements were analysed"})
        items = [(raw.text, {**raw.meta, **meta, "source": source, "format": raw.format}) for raw in raws]
        sources = [(source, raw.format) for raw in raws]
    else:
        raise HTTPException(415, f"send application/json or multipart/form-data, not {ctype or 'no content type'}")
    if store and not user.can_review:
        raise HTTPException(403, f"{user.name} has the reader role: storing needs the analyst token")
    docs = await run_in_threadpool(_run, items)
    outcomes: list[str] | None = None
    if store:
        outcomes = [await run_in_threadpool(corpus.add, d, src, f) for d, (src, f) in zip(docs, sources, strict=True)]
    return _json({"documents": [d.to_dict() for d in docs], "stored": store, "outcomes": outcomes, "failures": failures})
