"""communique search QUERY — hybrid (BM25 + semantic), BM25 or semantic search with filters."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from .common import DB_OPTION, console, translate_errors


def search(
    query: str = typer.Argument(..., help='Words (all must match), "exact phrase", OR, NOT, prefix*.'),
    db: str = DB_OPTION,
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="How many results."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many results (paging)."),
    mode: str = typer.Option(
        "hybrid", "--mode", "-m", help="hybrid (BM25 + semantic, fused), bm25 (exact words only) or semantic."
    ),
    issuer: str | None = typer.Option(None, "--issuer", help="Only statements by this issuer."),
    since: str | None = typer.Option(None, "--since", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Published on or before (YYYY, YYYY-MM or YYYY-MM-DD)."),
    language: str | None = typer.Option(None, "--language", "--lang", help="Language code (en, ar, ...)."),
    entity: str | None = typer.Option(None, "--entity", help="Naming this entity (canonical name or text)."),
    role: str | None = typer.Option(None, "--role", help="Casting some actor in this role (enemy, traitor, ...)."),
    actor: str | None = typer.Option(None, "--actor", help="Casting this actor in a role (with --role: that role)."),
    technique: str | None = typer.Option(None, "--technique", help="Using this technique (label or category)."),
    doc_type: str | None = typer.Option(None, "--doc-type", help="Of this document type (press_release, ...)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Search titles and texts. Hybrid (the default) fuses BM25 with semantic similarity, so
    plain words also find statements that say the same thing differently; a query with a
    "phrase", OR, NOT or prefix* stays exact. Arabic matches with or without diacritics."""
    import communique
    from communique.errors import E_QUERY, QueryError

    with translate_errors():
        if fmt not in ("table", "json"):
            raise QueryError(E_QUERY, f"unknown format {fmt!r}; use table or json")
        with communique.open(db) as corpus:
            res = corpus.find(
                query, limit=limit, offset=offset, mode=mode, issuer=issuer, since=since,
                until=until, language=language, entity=entity, role=role, actor=actor,
                technique=technique, doc_type=doc_type,
            )  # fmt: skip
    if fmt == "json":
        typer.echo(json.dumps(_as_json(res), ensure_ascii=False, indent=1))
        return
    if res.unembedded and mode != "bm25":
        console.print(
            f"[yellow]{res.unembedded} statement(s) have no embedding yet and are searched by "
            "words only: run `communique index`.[/yellow]"
        )
    if not res.hits:
        console.print(f"no results for {query!r}" + (f" with {_filters(res.filters)}" if res.filters else ""))
        return
    title = f"{res.total} result(s) for {query!r} ({res.mode})"
    if res.filters:
        title += f", {_filters(res.filters)}"
    if offset or res.total > len(res.hits):
        title += f"; showing {offset + 1}-{offset + len(res.hits)}"
    table = Table(title=title, title_justify="left")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("issuer / date")
    table.add_column("title / snippet")
    table.add_column("why", style="dim")
    for h in res.hits:
        table.add_row(
            h.id[:12],
            f"{h.issuer or '-'}\n{h.published or '-'}",
            f"[bold]{_esc(h.title or '(untitled)')}[/bold]\n{_mark(h.snippet)}"
            + "".join(f"\n[dim]{s['layer']}:{s['label']}[/dim] {_esc(s['text'])}" for s in h.spans[:3]),
            _why(h.scores),
        )
    console.print(table)


def _why(scores: dict) -> str:
    parts = []
    if "bm25_rank" in scores:
        parts.append(f"words #{scores['bm25_rank']}")
    if "semantic" in scores:
        parts.append(f"meaning {scores['semantic']:.2f}")
    return "\n".join(parts)


def _filters(f: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in f.items())


def _as_json(res: object) -> dict:
    from dataclasses import asdict

    out = asdict(res)  # type: ignore[call-overload]
    for h in out["hits"]:
        h["matches"] = [list(m) for m in h["matches"]]
    out["results"] = out.pop("hits")
    return dict(out)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _mark(snippet: str) -> str:
    return _esc(snippet).replace("«", "[reverse]").replace("»", "[/reverse]")


def index(db: str = DB_OPTION) -> None:
    """Compute the semantic-search embedding of every statement that has none (statements
    analysed with --no-embed, or loaded by another engine), then bring the full-text index
    and its word postings up to date (statements added outside a run). Safe to interrupt
    and re-run."""
    import communique

    with translate_errors(), communique.open(db) as corpus:
        added = corpus.index()
        total = len(corpus)
    console.print(f"embedded {added} statement(s); {total} in the corpus")
