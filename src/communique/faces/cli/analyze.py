"""communique analyze PATH... — read statements into the corpus and print a summary."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .common import DB_OPTION, EXIT_PARTIAL, EXIT_USAGE, console, err_console, translate_errors


class Engine(StrEnum):
    local = "local"
    dask = "dask"


def analyze(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive) or glob patterns."),
    db: str = DB_OPTION,
    max_mb: float = typer.Option(50.0, "--max-mb", help="Skip (and record) files larger than this."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds allowed to parse one file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; summary only."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local (this machine, --jobs processes) or dask (a Dask cluster: a local one, or --scheduler's)."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDRESS", help="With --engine dask: a running `dask scheduler`, e.g. tcp://10.0.0.5:8786 (default: start a local cluster)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="With --engine dask and no --scheduler: local worker processes (default: one per core)."),
    partition_size: int | None = typer.Option(None, "--partition-size", min=1, help="With --engine dask: documents per partition (default: from the input size, 8 to 512)."),
    staging: Path | None = typer.Option(None, "--staging", metavar="DIR", help="With --engine dask: keep the Parquet partitions in DIR/run-<id>/ (a folder the workers share on a multi-machine cluster; default: a temporary folder, removed)."),
    connect_timeout: float = typer.Option(10.0, "--connect-timeout", min=0.1, help="With --engine dask: seconds to wait for the scheduler and its first worker."),
    embed: bool = typer.Option(
        True, "--embed/--no-embed", help="Compute semantic-search embeddings (else later: communique index)."
    ),
) -> None:
    """Analyse statements (txt, md, html, pdf, docx, eml, jsonl) into the corpus.

    Re-running adds nothing new; a run that was killed resumes where it stopped.
    Exit code 3 when some inputs failed (they are listed and recorded); 6 when the Dask
    scheduler cannot be reached or its workers cannot run communique.
    """
    import communique
    from communique.ingest import Limits

    if engine is Engine.local:
        given = [name for name, v in (("--scheduler", scheduler), ("--workers", workers), ("--partition-size", partition_size), ("--staging", staging)) if v is not None]
        if given:
            err_console.print(f"[red]error[/red]: {', '.join(given)} need --engine dask")
            raise typer.Exit(EXIT_USAGE)
    elif jobs != 1:
        err_console.print("[red]error[/red]: --jobs is for the local engine; with --engine dask use --workers (local cluster) or the cluster's own workers")
        raise typer.Exit(EXIT_USAGE)
    elif scheduler is not None and workers is not None:
        err_console.print("[red]error[/red]: --workers sizes the local cluster; a --scheduler's cluster has its own workers")
        raise typer.Exit(EXIT_USAGE)
    limits = Limits(max_bytes=int(max_mb * 1024 * 1024), max_seconds=timeout)
    with translate_errors(), communique.open(db) as corpus:
        options: dict[str, Any] = {"limits": limits, "jobs": jobs}
        if engine is Engine.dask:
            from communique.engines.dask import DaskEngine

            options["engine"] = DaskEngine(scheduler=scheduler, workers=workers, partition_size=partition_size, staging=staging, connect_timeout=connect_timeout)
        if quiet or not console.is_terminal:
            summary = corpus.analyze(paths, **options)
        else:
            with Progress(
                TextColumn("[bold]analyzing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                TextColumn("{task.description}", style="dim"), console=console, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("", total=None)

                def step(n: int, total: int, path: str) -> None:
                    bar.update(task, completed=n - 1, total=total, description=path[-50:])

                summary = corpus.analyze(paths, progress=step, **options)
        embedded = corpus.index() if embed else 0
        n_docs = len(corpus)

    from communique.storage.postgres import mask_url

    table = Table(title=f"communique analyze → {mask_url(db)}", show_header=False, title_justify="left")
    table.add_row("documents added", str(summary.added))
    table.add_row("already known", f"{summary.known}" + (f" ({summary.new_sources} from new paths)" if summary.new_sources else ""))
    if summary.skipped_files:
        table.add_row("files unchanged since last run", str(summary.skipped_files))
    table.add_row("failed", f"[red]{summary.failed}[/red]" if summary.failed else "0")
    table.add_row("documents in corpus", str(n_docs))
    if embedded:
        table.add_row("embedded for semantic search", str(embedded))
    rate = summary.bytes / 1e6 / (summary.seconds / 60) if summary.seconds > 0 else 0.0
    table.add_row("time", f"{summary.seconds:.1f} s ({summary.files} files, {rate:.2f} MB/min)")
    staged = getattr(options.get("engine"), "staged", None)
    if staged is not None:
        table.add_row("parquet partitions", str(staged))
    console.print(table)
    if summary.failures:
        ft = Table(title="failures", title_justify="left")
        ft.add_column("file")
        ft.add_column("code")
        ft.add_column("reason")
        for f in summary.failures:
            ft.add_row(f.source, f.code, f.reason)
        console.print(ft)
        raise typer.Exit(EXIT_PARTIAL)
