"""communique import — bring reviewed annotations (Label Studio, brat) or exported documents
(JSONL, Parquet) into a corpus."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from .common import DB_OPTION, EXIT_PARTIAL, EXIT_USAGE, console, err_console
from .export import exchange_errors

#: rejections listed one by one before the rest are only counted
SHOWN = 20


class ImportFormat(StrEnum):
    labelstudio = "labelstudio"
    brat = "brat"
    jsonl = "jsonl"
    parquet = "parquet"


def import_(
    fmt: ImportFormat = typer.Argument(
        ..., help="labelstudio (a JSON export), brat (a folder of .ann + .txt), jsonl or parquet (communique exports)."
    ),
    path: Path = typer.Argument(..., help="The file (labelstudio, jsonl) or folder (brat, parquet) to import."),
    db: str = DB_OPTION,
    annotator: str | None = typer.Option(
        None, "--annotator", "-a",
        help="Reviewer name for the spans' source review:<annotator> (labelstudio default: each annotation's "
        "completed_by; brat default: brat).",
    ),
) -> None:
    """Import into the corpus.

    labelstudio, brat: reviewed annotations are added as spans with source review:<annotator>
    and score 1; the model's spans are kept, and importing the same review again replaces
    its earlier import. Each annotation is checked against the stored text: a document not
    in the corpus, a text that differs, or offsets that do not read the annotated text are
    rejected and listed.

    jsonl, parquet: documents are stored as analysed (a text already stored is kept as is).

    Exit code 2 for an unusable file or option, 3 when some records were rejected (each is
    listed and recorded as a failure of the import run).
    """
    import communique

    name = fmt.value
    if annotator is not None and name in ("jsonl", "parquet"):
        err_console.print(f"[red]error[/red]: --annotator applies to labelstudio and brat, not {name}")
        raise typer.Exit(EXIT_USAGE)
    with exchange_errors(), communique.open(db) as corpus:
        if name == "jsonl":
            report: Any = corpus.load_jsonl(path)
        elif name == "parquet":
            report = corpus.load_parquet(path)
        else:
            report = corpus.import_reviews(name, path, annotator)
    console.print(f"import {name}: {escape(str(path))} (run {report.run_id})", highlight=False, soft_wrap=True)
    t = Table()
    t.add_column("count")
    t.add_column("n", justify="right")
    for key, value in report.counts().items():
        t.add_row(key, str(value))
    console.print(t)
    if getattr(report, "annotators", None):
        console.print("annotators: " + escape(", ".join(report.annotators)), highlight=False)
    skipped = getattr(report, "skipped", [])
    if skipped:
        reasons = Counter(s.reason for s in skipped)
        for reason, n in reasons.most_common():
            console.print(f"[dim]skipped {n}: {escape(reason)}[/dim]", highlight=False)
    if report.rejected:
        for r in report.rejected[:SHOWN]:
            err_console.print(f"[red]rejected[/red] {escape(r.where)}: {r.code} {escape(r.reason)}", highlight=False)
        if len(report.rejected) > SHOWN:
            err_console.print(f"… and {len(report.rejected) - SHOWN} more (all recorded as failures of run {report.run_id})")
        raise typer.Exit(EXIT_PARTIAL)
