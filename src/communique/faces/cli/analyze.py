"""communique analyze PATH... — read statements into the corpus and print a summary."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .common import DB_OPTION, EXIT_PARTIAL, console, translate_errors


def analyze(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive) or glob patterns."),
    db: str = DB_OPTION,
    max_mb: float = typer.Option(50.0, "--max-mb", help="Skip (and record) files larger than this."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds allowed to parse one file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; summary only."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
    embed: bool = typer.Option(
        True, "--embed/--no-embed", help="Compute semantic-search embeddings (else later: communique index)."
    ),
) -> None:
    """Analyse statements (txt, md, html, pdf, docx, eml, jsonl) into the corpus.

    Re-running adds nothing new; a run that was killed resumes where it stopped.
    Exit code 3 when some inputs failed (they are listed and recorded).
    """
    import communique
    from communique.ingest import Limits

    limits = Limits(max_bytes=int(max_mb * 1024 * 1024), max_seconds=timeout)
    with translate_errors(), communique.open(db) as corpus:
        if quiet or not console.is_terminal:
            summary = corpus.analyze(paths, limits=limits, jobs=jobs)
        else:
            with Progress(
                TextColumn("[bold]analyzing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                TextColumn("{task.description}", style="dim"), console=console, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("", total=None)

                def step(n: int, total: int, path: str) -> None:
                    bar.update(task, completed=n - 1, total=total, description=path[-50:])

                summary = corpus.analyze(paths, limits=limits, progress=step, jobs=jobs)
        embedded = corpus.index() if embed else 0
        n_docs = len(corpus)

    table = Table(title=f"communique analyze → {db}", show_header=False, title_justify="left")
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
