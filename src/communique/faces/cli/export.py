"""communique export — the whole corpus as JSONL (the public contract), CSV, Parquet, brat,
Label Studio, SemEval technique files or FollowTheMoney entities."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from .common import DB_OPTION, EXIT_USAGE, err_console, translate_errors


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    csv_documents = "csv-documents"
    parquet = "parquet"
    brat = "brat"
    labelstudio = "labelstudio"
    semeval = "semeval"
    ftm = "ftm"


FOLDER_FORMATS = frozenset({"parquet", "brat", "labelstudio", "semeval"})


@contextlib.contextmanager
def exchange_errors() -> Iterator[None]:
    """Unusable files and options of exports and imports → exit 2; other errors as everywhere."""
    from communique.exports import ExchangeError

    with translate_errors():
        try:
            yield
        except ExchangeError as exc:
            err_console.print(f"[red]error[/red] {exc.code}: {escape(exc.message)}")
            raise typer.Exit(EXIT_USAGE) from None


def export(
    db: str = DB_OPTION,
    fmt: ExportFormat = typer.Option(
        ExportFormat.jsonl, "--format", "-f",
        help="jsonl (one document a line), csv (one row per span), csv-documents (one row per document), "
        "ftm (FollowTheMoney entities); folders: parquet, brat, labelstudio, semeval.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="File to write (default: standard output); for parquet, brat, labelstudio and semeval a new or empty folder.",
    ),
    layers: list[str] = typer.Option(
        [], "--layer", "-l",
        help="Only spans of this layer (repeat for several); jsonl, csv, parquet, brat, labelstudio. "
        "brat and labelstudio default to every layer but segment.",
    ),
) -> None:
    """Export every document with its spans.

    Exit code 2 for a bad option, a folder format without -o, or an output folder that is not empty.
    """
    import communique

    name = fmt.value
    if name in FOLDER_FORMATS and output is None:
        err_console.print(f"[red]error[/red]: {name} writes a folder: give it with -o DIR")
        raise typer.Exit(EXIT_USAGE)
    report: dict[str, Any] = {}
    with exchange_errors(), communique.open(db) as corpus:
        target: Any = output if output is not None else sys.stdout
        n = corpus.export(name, target, layers=layers or None, report=report)
        if output is None:
            sys.stdout.flush()
    where = f" to {escape(str(output))}" if output else ""
    extra = ""
    if name == "semeval":
        extra = f"; {report['spans']} technique span(s)"
        if report["left_out"]:
            extra += f", {report['left_out']} left out (no SemEval-2020 label)"
    elif name == "ftm":
        extra = f"; entities: {report['entities']}, links: {report['links']}"
    if name in ("brat", "labelstudio") and report.get("layers") is not None:
        extra += f"; layers: {', '.join(report['layers'])}"
    err_console.print(f"exported {n} document(s){where}{extra}", highlight=False)
