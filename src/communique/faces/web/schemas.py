"""Pydantic models of the REST payloads, so that ``/api/openapi.json`` says exactly what each
endpoint takes and answers, and the one error shape with its codes.

Records inside the library are frozen dataclasses; pydantic lives only here, at the edge.
Endpoints that answer large documents build the JSON from ``Document.to_dict()`` and
return it directly (no second validation pass); these models still describe it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Codes of errors raised by the web layer itself (the library's codes are in
# communique.errors); 6xx is the web area.
E_HTTP_INVALID = "E600"  # a parameter or body that does not validate (HTTP 422 / 400)
E_HTTP_UNAUTHORIZED = "E601"  # no token, or a wrong one (401)
E_HTTP_FORBIDDEN = "E602"  # authenticated, but the role may not do this; foreign origin (403)
E_HTTP_NOT_FOUND = "E603"  # no such endpoint (404)
E_HTTP_METHOD = "E604"  # the endpoint exists, not with this method (405)
E_HTTP_TOO_LARGE = "E605"  # request body over the limit (413)
E_HTTP_MEDIA = "E606"  # a body in a content type the endpoint does not take (415)
E_HTTP_ERROR = "E607"  # any other HTTP-level refusal
E_HTTP_INTERNAL = "E699"  # a bug: logged on the server with its traceback, never sent


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- errors


class ErrorBody(_Model):
    code: str = Field(description="Error code: E0xx-E4xx from the library, E6xx from the web layer.", examples=["E202"])
    message: str = Field(description="One line saying what went wrong and what to do.")
    status: int = Field(description="The HTTP status, repeated for clients that only keep the body.", examples=[404])
    details: list[dict[str, Any]] | None = Field(None, description="Validation errors: where (loc) and why (msg).")


class ErrorResponse(_Model):
    """Every error answers this shape, whatever its cause."""

    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Bad request: an invalid query, filter, span or upload."),
        (401, "No valid token."),
        (403, "The role may not do this."),
        (404, "No such document, actor or cluster."),
        (413, "Body or upload over the size limit."),
        (422, "A parameter or body that does not validate."),
    )
}


# ---- documents and spans


class SpanOut(_Model):
    start: int = Field(description="Offset of the first character in the document text.")
    end: int = Field(description="Offset after the last character (end exclusive).")
    layer: str
    label: str
    score: float
    attrs: dict[str, Any]
    source: str = Field(description="The stage and version that made the span, or review:<reviewer>.")


class ReviewMark(_Model):
    status: Literal["accepted", "rejected", "relabelled", "added"]
    review_id: int
    reviewer: str
    at: str
    note: str | None
    original: SpanOut | None = Field(description="The model's span, for a relabelled one.")


class ReviewedSpanOut(SpanOut):
    review: ReviewMark | None = Field(description="The last review of this span, or null.")


class SpanWithText(SpanOut):
    text: str = Field(description="The span's surface text, derived from its offsets.")
    review: ReviewMark | None = Field(None, description="With reviewed=true: the last review of this span.")


class Meta(_Model):
    source: Any = None
    title: Any = None
    issuer: Any = None
    office: Any = None
    author: Any = None
    author_role: Any = None
    doc_type: Any = None
    published: Any = Field(None, description="ISO date (YYYY, YYYY-MM or YYYY-MM-DD) or null.")
    published_how: Any = Field(None, description="stated or inferred.")
    languages: list[Any]


class DocumentOut(_Model):
    """The JSONL contract (``Document.to_dict()``)."""

    id: str
    text: str
    meta: Meta
    spans: list[SpanOut]


class ReviewedDocumentOut(_Model):
    id: str
    text: str
    meta: Meta
    spans: list[ReviewedSpanOut]


class DocumentSummary(_Model):
    id: str
    title: str | None
    issuer: str | None
    published: str | None
    doc_type: str | None
    languages: list[Any]
    chars: int
    first_seen: str | None


class Page(_Model):
    total: int | None = Field(description="How many match in all (null when unknown).")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, or null on the last one.")


class DocumentPage(Page):
    documents: list[DocumentSummary]


class SpansOut(_Model):
    id: str
    spans: list[SpanWithText]


class SourceOut(_Model):
    source: str
    format: str | None
    first_seen: str


class SourcesOut(_Model):
    id: str
    sources: list[SourceOut]


# ---- reviews


class SpanRef(_Model):
    """A span of the document: for accept/reject/relabel, one of its current spans (all five
    fields); for add, the new span (source is ignored)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    layer: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=80)
    source: str | None = Field(None, max_length=200)


class ReviewIn(_Model):
    model_config = ConfigDict(extra="forbid", strict=True)

    action: Literal["accept", "reject", "relabel", "add"]
    span: SpanRef
    label: str | None = Field(None, min_length=1, max_length=80, description="relabel: the new label.")
    attrs: dict[str, Any] | None = Field(None, description="add: attributes of the new span (e.g. actor).")
    note: str | None = Field(None, max_length=2000, description="Why: kept in the audit log.")


class ReviewOut(_Model):
    id: int
    doc_id: str
    at: str
    reviewer: str
    action: Literal["accept", "reject", "relabel", "add"]
    before: SpanOut | None
    after: SpanOut | None
    note: str | None
    text: str | None = Field(None, description="The text of the span reviewed, from its offsets.")


class DocumentReviews(_Model):
    id: str
    reviews: list[ReviewOut]


class ReviewPage(Page):
    reviews: list[ReviewOut]


# ---- search


class SearchResult(_Model):
    id: str
    title: str | None
    snippet: str = Field(description="Text around the matches, each matched token between « and ».")
    score: float = Field(description="Higher is more relevant.")
    issuer: str | None
    published: str | None
    spans: list[SpanWithText] = Field(
        description="Evidence for the span filters (entity, role, actor, technique); empty without them."
    )
    matches: list[list[int]] = Field(description="[start, end] of every matched word in the document text.")
    scores: dict[str, float] = Field(description="The scores behind the rank: bm25, bm25_rank, semantic, semantic_rank, rrf.")


class SearchOut(Page):
    query: str
    mode: str
    results: list[SearchResult]
    filters: dict[str, str] = Field(description="The filters applied.")
    unembedded: int = Field(description="Documents without an embedding yet (found by BM25 only).")


# ---- actors, network, techniques


class ActorRole(_Model):
    issuer: str
    actor: str
    actor_kind: str | None
    role: str
    mentions: int
    documents: int
    score: float | None
    first: str | None
    last: str | None


class ActorPage(Page):
    actors: list[ActorRole]


class ActorOut(_Model):
    actor: str
    mentions: int
    documents: int = Field(description="Sum over issuers and roles of the documents casting the actor.")
    roles: dict[str, int] = Field(description="Role → mentions, over every issuer.")
    issuers: dict[str, int] = Field(description="Issuer → mentions.")
    rows: list[ActorRole] = Field(description="One row per (issuer, role).")


class NodeOut(_Model):
    name: str
    kind: str
    actor_kind: str | None


class EdgeOut(_Model):
    id: str
    source: str
    target: str
    role: str
    weight: int
    documents: int


class NetworkOut(_Model):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class TechniqueCount(_Model):
    technique: str
    category: str | None
    spans: int
    documents: int


class CategoryCount(_Model):
    category: str
    spans: int
    documents: int


class IssuerTechniques(_Model):
    issuer: str
    spans: int
    documents: int
    categories: dict[str, int] = Field(description="Category → spans.")
    techniques: dict[str, int] = Field(description="Technique → spans.")


class TechniquesOut(_Model):
    documents: int = Field(description="Documents in the selection.")
    with_techniques: int = Field(description="Of those, documents with at least one technique span.")
    spans: int
    techniques: list[TechniqueCount]
    categories: list[CategoryCount]
    issuers: list[IssuerTechniques]


# ---- lineage (the shapes of communique.lineage's to_dict; extra keys allowed so that the
# library may add fields without breaking clients that validate)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class SourceSeen(_Open):
    source: str
    format: str | None
    first_seen: str


class MemberOut(_Open):
    id: str
    title: str | None
    issuer: str | None
    published: str | None
    first_seen: str
    seen: str = Field(description="What orders the cluster: the published date, else the first ingest time.")
    seen_from: Literal["published", "first_seen"]
    sources: list[SourceSeen]
    jaccard: float = Field(description="Shingle Jaccard similarity with the earliest member.")
    containment: float


class ClusterOut(_Open):
    id: str = Field(description="The id of the earliest member.")
    size: int
    first_seen: str
    last_seen: str
    issuers: list[str]
    members: list[MemberOut] = Field(description="Earliest first.")


class RepostsOut(Page):
    model_config = ConfigDict(extra="allow")
    clusters: list[ClusterOut]
    stats: dict[str, Any]
    params: dict[str, Any]


class DiffOpOut(_Open):
    op: Literal["equal", "delete", "insert", "replace"]
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str | None = None
    b_text: str | None = None
    similarity: float | None = None
    words: list[DiffOpOut] | None = Field(None, description="Word-level ops inside a changed sentence.")


class DiffSide(_Open):
    id: str
    title: str | None = None
    issuer: str | None = None
    published: str | None = None


class DiffOut(_Open):
    a: DiffSide
    b: DiffSide
    summary: dict[str, Any]
    ops: list[DiffOpOut] = Field(description="Sentence-level alignment, offsets into each text.")


# ---- analyze, health


class AnalyzeIn(_Model):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, description="The statement's text.")
    meta: dict[str, Any] | None = Field(None, description="Document fields known already (title, issuer, published…).")
    store: bool = Field(False, description="Also store the document (analyst role).")


class FailureOut(_Model):
    source: str
    code: str
    reason: str


class AnalyzeOut(_Model):
    documents: list[DocumentOut]
    stored: bool
    outcomes: list[str] | None = Field(description="Per document when stored: added, known or new_source.")
    failures: list[FailureOut]


class HealthOut(_Model):
    status: Literal["ok"]
    version: str


class MeOut(_Model):
    user: str
    role: Literal["analyst", "reader"]
    auth: Literal["local", "token", "session"]
