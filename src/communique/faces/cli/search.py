"""communique search QUERY — BM25 search with snippets."""

from __future__ import annotations

import typer
from rich.table import Table

from .common import DB_OPTION, console, translate_errors


def search(
    query: str = typer.Argument(..., help='Words (all must match), "exact phrase", OR, NOT, prefix*.'),
    db: str = DB_OPTION,
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="How many results."),
) -> None:
    """Full-text search (BM25) over titles and texts; Arabic matches with or without diacritics."""
    import communique

    with translate_errors(), communique.open(db) as corpus:
        hits = corpus.search(query, limit=limit)
    if not hits:
        console.print(f"no results for {query!r}")
        return
    table = Table(title=f"{len(hits)} result(s) for {query!r}", title_justify="left")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("issuer / date")
    table.add_column("title / snippet")
    for h in hits:
        table.add_row(
            h.id[:12],
            f"{h.issuer or '-'}\n{h.published or '-'}",
            f"[bold]{h.title or '(untitled)'}[/bold]\n{_mark(h.snippet)}",
        )
    console.print(table)


def _mark(snippet: str) -> str:
    from rich.markup import escape

    return escape(snippet).replace("«", "[reverse]").replace("»", "[/reverse]")
