"""The HTML workbench: server-rendered pages over the Python API.

=====================  ==========================================================================
``/``                  dashboard: statements over time by issuer, technique mix per issuer, top
                       actors by role, re-post clusters, latest statements
``/documents/{id}``    one statement: text with spans highlighted by layer (toggles, technique
                       colours by category, click for label, score, explanation, source), side
                       panels (header fields, actors and roles, quotes, citations with the verse
                       text, calls to action, findings, review log), review controls
``/search``            search with the filters of the search API and highlighted snippets; with
                       no query, browse the documents with the same document filters
``/actors/{name}``     how each issuer casts one actor, over time, with links to the evidence
``/reposts``           re-post clusters (``communique.lineage``)
``/reposts/{id}``      one cluster: members in first-seen order, side-by-side diffs
``/reviews``           the audit log of analysts' decisions
=====================  ==========================================================================

Safety: templates autoescape every value, document text included; highlighted text is
built from escaped pieces (see :mod:`.render`), search snippets from escaped parts, charts
are SVG shapes whose labels are escaped too. Nothing from a document is ever marked safe.
Every page sets a Content-Security-Policy that allows scripts and styles only from
``/static``: even markup that slipped through could not run.

The pages read the corpus from ``request.app.state.corpus`` (set by ``create_app``); they
are not part of the OpenAPI schema.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ... import __version__
from ...errors import (
    E_CONFIG,
    E_NOT_FOUND,
    E_QUERY,
    CommuniqueError,
    ConfigError,
    NotFoundError,
    QueryError,
)
from ...framing import ROLE_ORDER, summary
from ...model import LAYERS, Document, Span, span_order
from ...techniques.taxonomy import CATEGORIES, CATEGORY_OF
from . import render
from .render import (
    CATEGORY_CLASS,
    CATEGORY_COLOUR,
    HIGHLIGHT_LAYERS,
    LAYER_NAMES,
    OTHER_COLOUR,
    PALETTE,
)

router = APIRouter(include_in_schema=False)
log = logging.getLogger("communique.web")

#: The Jinja2 templates; the app serves ``static/`` next to them at ``/static``.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: Only this many issuers get their own colour in charts; the rest are "other issuers".
TOP_ISSUERS = 7
#: Actors listed per role on the dashboard.
TOP_ACTORS = 6
#: Evidence rows listed per issuer on an actor page.
MAX_EVIDENCE = 60
#: Results per search page and documents per browse page.
PAGE_SIZE = 20
#: Months on the time axis before it switches to years.
MAX_MONTHS = 36
ROLE_COLOUR: Mapping[str, str] = {
    "enemy": "#b91c1c",
    "traitor": "#9a3412",
    "ally": "#15803d",
    "victim": "#1d4ed8",
    "authority": "#6d28d9",
    "in_group": "#0f766e",
    "out_group": "#a16207",
    "leader": "#374151",
}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=True,  # every template, whatever its name
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)

#: Content-Security-Policy of every page: no inline script or style, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# ---- plumbing ------------------------------------------------------------------------------


def _corpus(request: Request) -> Any:
    corpus = getattr(request.app.state, "corpus", None)
    if corpus is None:  # pragma: no cover - create_app always sets it
        raise ConfigError(E_CONFIG, "the web app has no corpus (use communique.faces.web.app.create_app)")
    return corpus


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> Response:
    root = _root(request)
    ctx.setdefault("title", "communique")
    user = getattr(request.state, "user", None)
    base = {
        "root": root,
        "user": user,
        "can_review": bool(getattr(user, "can_review", False)),
        "static": lambda path: f"{root}/static/{path}?v={__version__}",
        "doc_url": lambda did, anchor=None: f"{root}/documents/{quote(str(did), safe='')}"
        + (f"#{anchor}" if anchor else ""),
        "actor_url": lambda name: f"{root}/actors/{quote(str(name), safe='')}",
        "search_url": lambda **kw: f"{root}/search?" + urlencode({k: v for k, v in kw.items() if v not in (None, "")}),
        "span_anchor": lambda s: render.anchor_for(s["start"], s["end"], s["layer"], s["label"]),
        "version": __version__,
        "nav": ctx.pop("nav", ""),
        "layer_names": LAYER_NAMES,
        "role_colour": ROLE_COLOUR,
        "category_colour": CATEGORY_COLOUR,
        "category_class": CATEGORY_CLASS,
    }
    response = templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _error(request: Request, exc: CommuniqueError) -> Response:
    status = 404 if isinstance(exc, NotFoundError) else 400 if isinstance(exc, QueryError) else 500
    message = exc.message if status < 500 else "the store could not answer; see the server log"
    return _page(request, "error.html", status_code=status, title="error", code=exc.code, message=message, status=status)


def _period(published: str | None, by: str) -> str | None:
    if not published or len(published) < 4 or not published[:4].isdigit():
        return None
    if by == "year":
        return published[:4]
    return published[:7] if len(published) >= 7 else None


def _periods(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive (gaps show as empty columns)."""
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _by_for(dates: Iterable[str]) -> str:
    """Months when the dated statements span at most ``MAX_MONTHS`` months, else years."""
    months = sorted(d[:7] for d in dates if len(d) >= 7)
    if not months:
        return "year"
    y0, m0 = int(months[0][:4]), int(months[0][5:7])
    y1, m1 = int(months[-1][:4]), int(months[-1][5:7])
    return "month" if (y1 - y0) * 12 + (m1 - m0) < MAX_MONTHS else "year"


# ---- dashboard -----------------------------------------------------------------------------

#: How long corpus-wide aggregates (technique mix, top actors) are reused while no document
#: is added: they read every technique and role span (about a second per 5,000 statements),
#: and re-running a stage over stored documents changes spans without adding documents.
AGGREGATE_SECONDS = 120.0
_MEMO: dict[tuple[int, str], tuple[int, float, Any]] = {}


def _memo(corpus: Any, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, reused for the same open corpus while its number of documents is
    unchanged and for at most ``AGGREGATE_SECONDS``."""
    key = (id(corpus), name)
    n = len(corpus)
    now = time.monotonic()
    hit = _MEMO.get(key)
    if hit is not None and hit[0] == n and now - hit[1] < AGGREGATE_SECONDS:
        return hit[2]
    value = compute()
    _MEMO[key] = (n, now, value)
    return value



@router.get("/", response_class=HTMLResponse, name="dashboard")
def dashboard(request: Request) -> Response:
    """The corpus at a glance."""
    corpus = _corpus(request)
    try:
        stats = corpus.stats()
        catalog = list(corpus.store.catalog())
        timeline = _timeline(request, catalog)
        mix = _memo(corpus, "mix", lambda: _technique_mix(request, corpus, stats))
        actors = _memo(corpus, "actors", lambda: _top_actors(corpus))
        clusters = _clusters(corpus, limit=10, wait=False)
    except CommuniqueError as exc:
        return _error(request, exc)
    latest = sorted(catalog, key=lambda r: (r["published"] or "", r["first_seen"] or ""), reverse=True)[:12]
    return _page(
        request,
        "dashboard.html",
        title="Dashboard",
        nav="dashboard",
        stats=stats,
        timeline=timeline,
        mix=mix,
        actors=actors,
        clusters=clusters,
        latest=latest,
    )


def _timeline(request: Request, catalog: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Statements per period per issuer (top issuers + other), from the catalog."""
    dated = [r for r in catalog if _period(r["published"], "year")]
    by = _by_for(r["published"] for r in dated)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in dated:
        p = _period(r["published"], by)
        if p is None:  # a year-only date on a monthly axis
            continue
        counts[r["issuer"] or "(unknown issuer)"][p] += 1
    year_only = sum(1 for r in dated if _period(r["published"], by) is None)
    ranked = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    series: list[tuple[str, Mapping[str, int], str]] = [
        (name, counts[name], PALETTE[i]) for i, name in enumerate(ranked[:TOP_ISSUERS])
    ]
    if len(ranked) > TOP_ISSUERS:
        other: Counter[str] = Counter()
        for name in ranked[TOP_ISSUERS:]:
            other.update(counts[name])
        series.append((f"{len(ranked) - TOP_ISSUERS} other issuers", other, OTHER_COLOUR))
    keys = sorted({p for c in counts.values() for p in c})
    periods = _periods(keys[0], keys[-1], by) if keys else []
    root = _root(request)

    def href(name: str, period: str) -> str | None:
        if name.endswith("other issuers"):
            return None
        q = {"since": period, "until": period}
        if name != "(unknown issuer)":
            q["issuer"] = name
        return f"{root}/search?{urlencode(q)}"

    chart = render.stacked_columns(periods, series, href=href, title=f"Statements per {by} by issuer")
    return {
        "chart": chart,
        "by": by,
        "dated": len(dated) - year_only,
        "undated": len(catalog) - len(dated),
        "year_only": year_only,
    }


def _technique_mix(request: Request, corpus: Any, stats: Mapping[str, Any]) -> dict[str, Any]:
    """Technique spans per issuer by category (the share of each category in its spans)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    docs: dict[str, set[str]] = defaultdict(set)
    for f in corpus.store.span_facts("technique"):
        issuer = f["issuer"] or "(unknown issuer)"
        cat = str(f["attrs"].get("category") or CATEGORY_OF.get(f["label"], "?"))
        per[issuer][cat] += 1
        docs[issuer].add(f["doc_id"])
    order = list(stats.get("issuers", {}))
    ranked = sorted(per, key=lambda k: (order.index(k) if k in order else len(order), k))
    root = _root(request)
    chart = render.share_bars(
        [(name, per[name]) for name in ranked],
        list(CATEGORIES),
        CATEGORY_COLOUR,
        href=lambda name: f"{root}/search?{urlencode({'issuer': name})}" if name != "(unknown issuer)" else None,
        title="Technique mix per issuer (share of technique spans by category)",
    )
    return {"chart": chart, "issuers": len(per), "spans": sum(sum(c.values()) for c in per.values())}


def _top_actors(corpus: Any) -> list[dict[str, Any]]:
    """For each role present: the actors cast in it most often, over all issuers."""
    mentions: dict[str, Counter[str]] = defaultdict(Counter)
    issuers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in corpus.actor_roles():
        mentions[row["role"]][row["actor"]] += row["mentions"]
        issuers[row["role"], row["actor"]].add(row["issuer"])
    out = []
    for role in ROLE_ORDER:
        if role not in mentions:
            continue
        top = sorted(mentions[role].items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:TOP_ACTORS]
        out.append(
            {
                "role": role,
                "actors": [
                    {"actor": a, "mentions": n, "issuers": sorted(issuers[role, a])} for a, n in top
                ],
                "total": len(mentions[role]),
            }
        )
    return out


# ---- re-post clusters ----------------------------------------------------------------------


#: Corpora up to this many statements are clustered while the page waits (well under a
#: second); larger ones in a background thread, the dashboard and document pages showing
#: clusters once they are ready (``/reposts`` waits for them).
SYNC_CLUSTER_DOCS = 2000
#: Re-post clusters per open corpus, recomputed when the number of documents changes (the
#: texts never change once stored, so the clusters cannot change otherwise).
_CLUSTER_CACHE: dict[int, tuple[int, list[dict[str, Any]]]] = {}
_CLUSTER_RUNNING: set[int] = set()
_CLUSTER_LOCK = threading.Lock()


def _compute_clusters(corpus: Any, n: int) -> list[dict[str, Any]]:
    clusters = [c.to_dict() for c in corpus.reposts().clusters]
    _CLUSTER_CACHE[id(corpus)] = (n, clusters)
    return clusters


def _all_clusters(corpus: Any, wait: bool = True) -> list[dict[str, Any]] | None:
    """Every re-post cluster (``Corpus.reposts``: id, size, first_seen, last_seen, issuers,
    members with id, title, issuer, published, first_seen, seen, sources, jaccard,
    containment), largest first. With ``wait=False`` on a large corpus whose clusters are
    not computed yet: start computing them in the background and return None."""
    n = len(corpus)
    cached = _CLUSTER_CACHE.get(id(corpus))
    if cached is not None and cached[0] == n:
        return cached[1]
    if wait or n <= SYNC_CLUSTER_DOCS:
        return _compute_clusters(corpus, n)
    with _CLUSTER_LOCK:
        if id(corpus) not in _CLUSTER_RUNNING:
            _CLUSTER_RUNNING.add(id(corpus))

            def run() -> None:
                try:
                    _compute_clusters(corpus, n)
                except Exception:  # noqa: BLE001 - logged; /reposts computes again and reports
                    log.exception("re-post clustering failed")
                finally:
                    with _CLUSTER_LOCK:
                        _CLUSTER_RUNNING.discard(id(corpus))

            threading.Thread(target=run, name="communique-reposts", daemon=True).start()
    return None


def _clusters(corpus: Any, limit: int | None = None, wait: bool = True) -> dict[str, Any] | None:
    clusters = _all_clusters(corpus, wait)
    if clusters is None:
        return None
    return {"clusters": clusters[:limit] if limit else clusters, "total": len(clusters)}


def _cluster_of(corpus: Any, doc_id: str) -> dict[str, Any] | None:
    """The re-post cluster a document belongs to, if any (and if known without waiting)."""
    for c in _all_clusters(corpus, wait=False) or ():
        if any(m.get("id") == doc_id for m in c.get("members", ())):
            return c
    return None


@router.get("/reposts", response_class=HTMLResponse, name="reposts")
def reposts_page(request: Request) -> Response:
    """Every re-post cluster."""
    corpus = _corpus(request)
    try:
        clusters = _clusters(corpus)
    except CommuniqueError as exc:
        return _error(request, exc)
    return _page(request, "reposts.html", title="Re-post clusters", nav="reposts", clusters=clusters)


@router.get("/reposts/{cluster}", response_class=HTMLResponse, name="repost_cluster")
def repost_cluster(request: Request, cluster: str, a: str | None = None, b: str | None = None) -> Response:
    """One cluster: its members in first-seen order and side-by-side diffs: the earliest
    member against each later one, or the two members ``a`` and ``b``."""
    corpus = _corpus(request)
    try:
        found = _all_clusters(corpus) or []
        match = [c for c in found if str(c.get("id")) == cluster] or [
            c for c in found if len(cluster) >= 4 and str(c.get("id", "")).startswith(cluster)
        ]
        if len(match) != 1:
            what = "is ambiguous" if match else "names no re-post cluster"
            raise NotFoundError(E_NOT_FOUND, f"{cluster!r} {what}: cluster ids are the ids of their earliest statement")
        c = match[0]
        ids = [str(m.get("id")) for m in c.get("members", ())]
        if a or b:
            if a not in ids or b not in ids:
                raise QueryError(E_QUERY, f"compare two members of cluster {c['id']}: a and b must be among {', '.join(ids)}")
            pairs = [(a, b)]
        else:
            pairs = [(ids[0], other) for other in ids[1:]]
        diffs = []
        for x, y in pairs:
            doc_a, doc_b = corpus.get(x), corpus.get(y)
            diffs.append(_side_by_side(doc_a, doc_b, corpus.diff(doc_a.id, doc_b.id).to_dict(texts=False)))
    except CommuniqueError as exc:
        return _error(request, exc)
    return _page(
        request, "cluster.html", title=f"Re-post cluster {c['id']}", nav="reposts",
        cluster=c, cluster_id=c["id"], diffs=diffs,
    )  # fmt: skip


def _side_by_side(a: Document, b: Document, diff: Mapping[str, Any]) -> dict[str, Any]:
    """Rows of a two-column diff from lineage's ops (sentence level, offsets into each
    text; a changed sentence carries its word-level ops): each row is the left and the
    right text as (text, changed) parts."""
    rows: list[dict[str, Any]] = []
    for op in diff.get("ops") or ():
        kind = str(op.get("op") or "equal")
        a0, a1 = _pair(op, "a")
        b0, b1 = _pair(op, "b")
        words = op.get("words") or []
        rows.append(
            {
                "kind": kind,
                "left": _word_parts(a.text, a0, a1, words, "a", kind),
                "right": _word_parts(b.text, b0, b1, words, "b", kind),
                "a": (a0, a1),
                "b": (b0, b1),
            }
        )
    return {"a": a, "b": b, "rows": rows, "summary": dict(diff.get("summary") or {})}


def _pair(op: Mapping[str, Any], side: str) -> tuple[int, int]:
    return int(op.get(f"{side}_start") or 0), int(op.get(f"{side}_end") or 0)


def _word_parts(text: str, start: int, end: int, words: Any, side: str, kind: str) -> list[tuple[str, str]]:
    """``text[start:end]`` as (text, class) parts: changed words marked ``del``/``ins``."""
    if start >= end:
        return []
    mark = "del" if side == "a" else "ins"
    if kind == "equal":
        return [(text[start:end], "")]
    if not words:
        return [(text[start:end], mark)]
    parts = []
    pos = start
    for w in words:
        w0, w1 = _pair(w, side)
        wkind = str(w.get("op") or "equal")
        if w0 < pos or w1 > end or w0 >= w1:
            continue
        if w0 > pos:
            parts.append((text[pos:w0], ""))
        parts.append((text[w0:w1], "" if wkind == "equal" else mark))
        pos = w1
    if pos < end:
        parts.append((text[pos:end], ""))
    return parts


# ---- one document --------------------------------------------------------------------------


@router.get("/documents/{doc_id}", response_class=HTMLResponse, name="document")
def document_page(request: Request, doc_id: str, layers: Annotated[list[str] | None, Query()] = None) -> Response:
    """A statement with its findings. ``layers``: the layers shown at first, comma-separated
    or repeated (default: all; an empty value: none); the toggles change them in place."""
    corpus = _corpus(request)
    try:
        doc = corpus.get(doc_id)
        if doc.id != doc_id:  # a prefix: one canonical URL per document
            url = f"{_root(request)}/documents/{doc.id}"
            if request.url.query:
                url += "?" + request.url.query
            return RedirectResponse(url, status_code=307)
        sources = corpus.sources(doc.id)
        view = document_view(corpus, doc)
        cluster = _cluster_of(corpus, doc.id)
    except CommuniqueError as exc:
        return _error(request, exc)
    if layers is None:
        shown = list(HIGHLIGHT_LAYERS)
    else:
        wanted = {x.strip() for value in layers for x in value.split(",")}
        shown = [x for x in HIGHLIGHT_LAYERS if x in wanted]
    return _page(
        request,
        "document.html",
        title=doc.meta.get("title") or doc.id,
        doc=doc,
        sources=sources,
        shown=shown,
        cluster=cluster,
        **view,
    )


def _reviewed(corpus: Any, doc: Document) -> tuple[list[Span], dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """The effective spans (the document's reviews replayed over the model's spans, see
    :mod:`communique.reviews`), the review of each reviewed span (by index), and the
    document's review log, oldest first."""
    from ...reviews import reviewed_document

    log = list(corpus.reviews(doc.id))
    effective = reviewed_document(doc, log)
    out: list[Span] = []
    states: dict[int, dict[str, Any]] = {}
    for d in effective.get("spans", ()):
        out.append(Span.from_dict(d))
        if d.get("review"):
            states[len(out) - 1] = dict(d["review"])
    order = sorted(range(len(out)), key=lambda i: span_order(out[i]))
    return [out[i] for i in order], {order.index(i): s for i, s in states.items()}, log


def document_view(corpus: Any, doc: Document) -> dict[str, Any]:
    """Everything the document page shows, as plain data (the template only loops)."""
    spans, states, log = _reviewed(corpus, doc)
    shown = [s for s in spans if s.layer in HIGHLIGHT_LAYERS]
    index = {id(s): i for i, s in enumerate(shown)}
    ids = render.anchors(shown)
    flags = {}
    for i, s in enumerate(spans):
        if i in states and id(s) in index:
            flags[index[id(s)]] = str(states[i].get("status") or "reviewed")
    review_of = {index[id(s)]: states[i] for i, s in enumerate(spans) if i in states and id(s) in index}
    evidence = {
        k: v for k, v in (doc.meta.get("evidence") or {}).items()
        if isinstance(v, (list, tuple)) and len(v) >= 2 and isinstance(v[0], int) and isinstance(v[1], int)
    }  # fmt: skip
    cuts = [x for v in evidence.values() for x in (v[0], v[1])]
    for s in shown:  # citations link to the original-script text and the translation
        for key in ("original_span", "translation_span"):
            v = s.attrs.get(key)
            if isinstance(v, (list, tuple)) and len(v) == 2:
                cuts += [int(v[0]), int(v[1])]
    blocks = render.layout(doc.text, shown, doc.layer("segment"), cuts=cuts)
    anchored: set[int] = set()

    def first_anchors(marks: tuple[int, ...]) -> list[str]:
        """Deep-link targets go before the first piece each span covers."""
        new = [i for i in marks if i not in anchored]
        anchored.update(new)
        return [ids[i] for i in new]

    text = doc.text
    view_blocks = []
    for b in blocks:
        runs = []
        for r in b.runs:
            runs.append(
                {
                    "lang": r.lang,
                    "passage": r.passage is not None,
                    "pieces": [
                        {
                            "start": p.start,
                            "end": p.end,
                            "text": text[p.start : p.end],
                            "cls": render.piece_classes(p, shown, flags),
                            "title": render.piece_title(p, shown),
                            "marks": " ".join(map(str, p.marks)),
                            "anchors": first_anchors(p.marks),
                        }
                        for p in r.pieces
                    ],
                }
            )
        view_blocks.append({"kind": b.kind, "lang": b.lang, "start": b.start, "end": b.end, "runs": runs})
    details = [_detail(doc, s, a, i, review_of.get(i)) for i, (s, a) in enumerate(zip(shown, ids, strict=True))]
    counts = Counter(s.layer for s in shown)
    anchor_of = {(s.start, s.end, s.layer, s.label): a for s, a in zip(shown, ids, strict=True)}
    live = [s for i, s in enumerate(shown) if flags.get(i) != "rejected"]
    framing = summary(doc, live)
    return {
        "blocks": view_blocks,
        "details": details,
        "counts": counts,
        "layers": [x for x in HIGHLIGHT_LAYERS],
        "categories": [(c, CATEGORY_CLASS[c]) for c in CATEGORIES if any(d["category"] == c for d in details)],
        "actors": [
            {
                "actor": a.actor,
                "kind": a.kind,
                "roles": [
                    {"role": r, "n": n, "evidence": a.strongest[r], "anchor": anchor_of.get((a.strongest[r].start, a.strongest[r].end, "role", r))}
                    for r, n in a.roles.items()
                ],
            }
            for a in framing.actors
        ],
        "calls": [
            {"call": c, "anchor": anchor_of.get((c.start, c.end, "action", "CALL_TO_ACTION"))} for c in framing.calls
        ],
        "quotes": [d for d in details if d["layer"] == "quote" and d["state"] != "rejected"],
        "citations": [d for d in details if d["layer"] == "citation" and d["state"] != "rejected"],
        "evidence": evidence,
        "reviews": log,
        "labels": {layer: sorted(LAYERS[layer]) for layer in HIGHLIGHT_LAYERS},
    }


_DETAIL_SKIP = frozenset({"explanation", "category", "verse_text", "verse_source"})


def _detail(doc: Document, s: Span, anchor: str, i: int, review: Mapping[str, Any] | None) -> dict[str, Any]:
    """One span for the inspector and the side panels."""
    attrs = dict(s.attrs)
    verse = attrs.get("verse_text")
    return {
        "i": i,
        "anchor": anchor,
        "layer": s.layer,
        "label": s.label,
        "start": s.start,
        "end": s.end,
        "score": s.score,
        "source": s.source,
        "rule": attrs.get("rule"),
        "text": doc.text[s.start : s.end],
        "explanation": attrs.get("explanation"),
        "category": render.category(s),
        "attrs": render.attr_items(attrs, _DETAIL_SKIP | {"rule"}),
        "raw": attrs,
        "verse": str(verse) if verse else None,
        "verse_source": attrs.get("verse_source"),
        "state": str(review.get("status")) if review else None,
        "review": dict(review) if review else None,
    }


# ---- search --------------------------------------------------------------------------------

#: The search form's filters, in the order the form shows them (those of the search API).
FILTERS: tuple[str, ...] = ("issuer", "since", "until", "language", "doc_type", "entity", "role", "actor", "technique")
#: Filters a browse (no query) applies to the catalog.
DOC_FILTERS = ("issuer", "since", "until", "language", "doc_type")
#: Search modes, the default (as the CLI's and the API's) first.
MODES: tuple[str, ...] = ("hybrid", "bm25", "semantic")


@router.get("/search", response_class=HTMLResponse, name="search")
def search_page(
    request: Request,
    q: str = "",
    mode: str = "hybrid",
    page: int = 1,
    issuer: str = "",
    since: str = "",
    until: str = "",
    language: str = "",
    doc_type: str = "",
    entity: str = "",
    role: str = "",
    actor: str = "",
    technique: str = "",
) -> Response:
    """Search (a query) or browse (no query), with filters and paging."""
    corpus = _corpus(request)
    raw = {"issuer": issuer, "since": since, "until": until, "language": language, "doc_type": doc_type,
           "entity": entity, "role": role, "actor": actor, "technique": technique}  # fmt: skip
    filters = {k: v.strip() for k, v in raw.items() if v and v.strip()}
    page = max(1, page)
    error = None
    found: dict[str, Any] = {"results": [], "total": 0, "more": False, "unembedded": 0}
    try:
        options = _search_options(corpus)
        try:
            found = _search(corpus, q, mode, filters, page) if q.strip() else _browse(corpus, filters, page)
        except QueryError as exc:
            error = exc.message
    except CommuniqueError as exc:
        return _error(request, exc)
    base = {"q": q, "mode": mode if mode != MODES[0] else None, **filters}
    root = _root(request)
    return _page(
        request,
        "search.html",
        status_code=400 if error else 200,
        title=f"Search: {q}" if q.strip() else "Documents",
        nav="search",
        q=q,
        mode=mode,
        modes=MODES,
        filters=filters,
        options=options,
        error=error,
        page=page,
        prev_url=f"{root}/search?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        next_url=f"{root}/search?{urlencode({**base, 'page': page + 1})}" if found["more"] else None,
        page_size=PAGE_SIZE,
        **{k: found[k] for k in ("results", "total", "unembedded")},
    )


def _search_options(corpus: Any) -> dict[str, list[str]]:
    """Choices for the filter fields: issuers, document types, languages, roles, techniques."""
    issuers: set[str] = set()
    doc_types: set[str] = set()
    languages: set[str] = set()
    for r in corpus.store.catalog():
        if r["issuer"]:
            issuers.add(r["issuer"])
        if r["doc_type"]:
            doc_types.add(r["doc_type"])
        languages.update(r["languages"] or ())
    return {
        "issuer": sorted(issuers, key=str.casefold),
        "doc_type": sorted(doc_types),
        "language": sorted(languages),
        "role": list(ROLE_ORDER),
        "technique": [*CATEGORIES, *(t for ts in CATEGORIES.values() for t in ts)],
    }


def _search(corpus: Any, q: str, mode: str, filters: dict[str, str], page: int) -> dict[str, Any]:
    """One page of hits of :meth:`Corpus.find` (the search API's own call) as plain data."""
    from ...storage.filters import SearchFilters

    res = corpus.find(q, PAGE_SIZE, (page - 1) * PAGE_SIZE, mode=mode, filters=SearchFilters(**filters))
    out = []
    for h in res.hits:
        matches = list(h.matches or ())
        first = matches[0] if matches else None
        out.append(
            {
                "id": h.id,
                "title": h.title,
                "issuer": h.issuer,
                "published": h.published,
                "score": h.score,
                "scores": dict(h.scores or {}),
                "snippet": render.snippet_parts(h.snippet or ""),
                "spans": [dict(s) for s in h.spans or ()],
                "matches": len(matches),
                "first_match": f"off-{first[0]}-{first[1]}" if first else None,
            }
        )
    return {"results": out, "total": res.total, "more": res.total > page * PAGE_SIZE, "unembedded": res.unembedded}


def _browse(corpus: Any, filters: dict[str, str], page: int) -> dict[str, Any]:
    """Documents matching the document filters, newest first; span filters (entity, role,
    actor, technique) need a query and are refused with a clear message."""
    from ...storage.filters import SearchFilters

    span_filters = [k for k in filters if k not in DOC_FILTERS]
    if span_filters:
        raise QueryError(E_QUERY, f"the {', '.join(span_filters)} filter needs a search query (type one above)")
    SearchFilters(**filters)  # validates dates as the search API does
    rows = []
    until = filters.get("until")
    until_bound = {4: f"{until}-12-31", 7: f"{until}-31"}.get(len(until), until) if until else None
    for r in corpus.store.catalog(issuer=filters.get("issuer")):
        pub = r["published"]
        if "since" in filters and (not pub or pub < filters["since"]):
            continue
        if until_bound and (not pub or pub > until_bound):
            continue
        if "language" in filters and filters["language"].lower() not in [x.lower() for x in r["languages"] or ()]:
            continue
        if "doc_type" in filters and (r["doc_type"] or "").lower() != filters["doc_type"].lower():
            continue
        rows.append(r)
    rows.sort(key=lambda r: (r["published"] or "", r["first_seen"] or ""), reverse=True)
    start = (page - 1) * PAGE_SIZE
    return {
        "results": [dict(r) for r in rows[start : start + PAGE_SIZE]],
        "total": len(rows),
        "more": len(rows) > page * PAGE_SIZE,
        "unembedded": 0,
    }


# ---- actors --------------------------------------------------------------------------------


@router.get("/actors/{name:path}", response_class=HTMLResponse, name="actor")
def actor_page(request: Request, name: str) -> Response:
    """How each issuer casts one actor, period by period, with the evidence."""
    corpus = _corpus(request)
    try:
        rows = corpus.actor_roles(actor=name)
        if not rows:
            raise NotFoundError(E_NOT_FOUND, f"no statement casts an actor named {name!r} in any role")
        view = actor_view(corpus, name, rows)
    except CommuniqueError as exc:
        return _error(request, exc)
    return _page(request, "actor.html", title=view["actor"], **view)


def actor_view(corpus: Any, name: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Issuer × period role counts and the evidence spans of one actor."""
    low = name.casefold()
    facts = [f for f in corpus.store.span_facts("role") if str(f["attrs"].get("actor") or "").casefold() == low]
    actor = str(facts[0]["attrs"]["actor"]) if facts else str(rows[0]["actor"])
    by = _by_for(str(f["published"]) for f in facts if f["published"])
    periods_seen: set[str] = set()
    cells: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    undated: dict[str, Counter[str]] = defaultdict(Counter)
    for f in facts:
        issuer = f["issuer"] or "(unknown issuer)"
        p = _period(f["published"], by)
        if p is None:
            undated[issuer][f["label"]] += 1
        else:
            cells[issuer][p][f["label"]] += 1
            periods_seen.add(p)
    periods = _periods(min(periods_seen), max(periods_seen), by) if periods_seen else []
    if by == "month" and len(periods) > 24:  # keep the grid readable: only the active months
        periods = sorted(periods_seen)
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        totals[r["issuer"]][r["role"]] += r["mentions"]
    issuers = sorted(totals, key=lambda k: (-sum(totals[k].values()), k))
    grid = [
        {
            "issuer": iss,
            "total": [(role, totals[iss][role]) for role in ROLE_ORDER if totals[iss][role]],
            "cells": [[(role, cells[iss][p][role]) for role in ROLE_ORDER if cells[iss][p][role]] for p in periods],
            "undated": [(role, undated[iss][role]) for role in ROLE_ORDER if undated[iss][role]],
        }
        for iss in issuers
    ]
    # evidence: the text of each role span, newest first, a bounded number per issuer
    by_issuer: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for f in sorted(facts, key=lambda f: (f["published"] or "", f["doc_id"], f["start"]), reverse=True):
        by_issuer[f["issuer"] or "(unknown issuer)"].append(f)
    docs: dict[str, Document] = {}
    evidence = []
    for iss in issuers:
        items = []
        for f in by_issuer.get(iss, [])[:MAX_EVIDENCE]:
            doc = docs.get(f["doc_id"]) or docs.setdefault(f["doc_id"], corpus.get(f["doc_id"]))
            span = Span(f["start"], f["end"], "role", f["label"], f["score"], f["attrs"], f["source"])
            items.append(
                {
                    "doc_id": f["doc_id"],
                    "title": doc.meta.get("title") or f["doc_id"],
                    "published": f["published"],
                    "role": f["label"],
                    "score": f["score"],
                    "text": doc.text[f["start"] : f["end"]],
                    "explanation": f["attrs"].get("explanation"),
                    "rule": f["attrs"].get("rule") or f["source"],
                    "anchor": render.anchor(span),
                }
            )
        evidence.append({"issuer": iss, "entries": items, "more": max(0, len(by_issuer.get(iss, [])) - MAX_EVIDENCE)})
    return {
        "actor": actor,
        "kind": next((r["actor_kind"] for r in rows if r.get("actor_kind")), None),
        "by": by,
        "periods": periods,
        "grid": grid,
        "evidence": evidence,
        "mentions": sum(r["mentions"] for r in rows),
        "documents": len({f["doc_id"] for f in facts}),
        "first": min((r["first"] for r in rows if r["first"]), default=None),
        "last": max((r["last"] for r in rows if r["last"]), default=None),
    }


# ---- audit log -----------------------------------------------------------------------------


@router.get("/reviews", response_class=HTMLResponse, name="reviews")
def reviews_page(request: Request, page: int = 1, reviewer: str = "", action: str = "") -> Response:
    """The audit log of review decisions, newest first."""
    corpus = _corpus(request)
    page = max(1, page)
    titles: dict[str, str | None] = {}
    try:
        entries = corpus.reviews(
            reviewer=reviewer or None, action=action or None,
            limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, newest_first=True,
        )  # fmt: skip
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
        for doc_id in {e["doc_id"] for e in entries}:
            titles[doc_id] = corpus.get(doc_id).meta.get("title")
    except CommuniqueError as exc:
        return _error(request, exc)
    root = _root(request)
    base = {"reviewer": reviewer or None, "action": action or None}
    q = lambda p: urlencode({k: v for k, v in {**base, "page": p}.items() if v})  # noqa: E731
    return _page(
        request, "reviews.html", title="Audit log", nav="reviews", entries=entries, titles=titles,
        reviewer=reviewer, action=action,
        prev_url=f"{root}/reviews?{q(page - 1)}" if page > 1 else None,
        next_url=f"{root}/reviews?{q(page + 1)}" if more else None,
    )  # fmt: skip
