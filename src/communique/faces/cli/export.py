"""communique export — the whole corpus as JSONL (the public contract) or CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .common import DB_OPTION, err_console, translate_errors


def export(
    db: str = DB_OPTION,
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one document a line) or csv (one row per span)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
) -> None:
    """Export every document with its spans."""
    import communique

    if fmt not in ("jsonl", "csv"):
        err_console.print(f"[red]error[/red]: unknown format {fmt!r}; use jsonl or csv")
        raise typer.Exit(2)
    with translate_errors(), communique.open(db) as corpus:
        if output is None:
            n = corpus.export(fmt, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = corpus.export(fmt, fh)
    err_console.print(f"exported {n} document(s)" + (f" to {output}" if output else ""))
