"""communique techniques DIR — SemEval-2020 Task 11 predictions for a folder of articles;
communique eval techniques — the task's official measures for a prediction file."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .common import EXIT_PARTIAL, EXIT_USAGE, console, err_console, translate_errors

eval_app = typer.Typer(
    name="eval",
    help="Score predictions against gold annotations.",
    no_args_is_help=True,
    add_completion=False,
)


class Format(StrEnum):
    semeval = "semeval"
    jsonl = "jsonl"


class Measure(StrEnum):
    si = "si"
    tc = "tc"
    flc = "flc"


def techniques(
    folder: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="Folder of articleNNN.txt files (the SemEval-2020 Task 11 layout)."
    ),
    fmt: Format = typer.Option(
        Format.semeval, "--format", "-f",
        help="semeval: NNN<TAB>technique<TAB>start<TAB>end with PTC labels; jsonl: one finding a line with its explanation.",
    ),
    spans: Path | None = typer.Option(
        None, "--spans", exists=True, dir_okay=False,
        help="Template of given spans (NNN<TAB>?<TAB>start<TAB>end): print it with each span's predicted PTC label.",
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    rules_only: bool = typer.Option(False, "--rules-only", help="Explainable rules only, no learned model."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Find persuasion techniques in every articleNNN.txt of FOLDER (SemEval-2020 Task 11).

    Offsets are characters into each file as read: its line breaks count. The semeval format leaves out techniques that have no PTC label.

    With --spans, label the given spans instead (technique classification): the template's lines come back in the same order, with the predicted PTC label in field 2.

    Exit code 2 for an unusable template (missing articles are named), 3 when some articles could not be analysed.
    """
    from communique.techniques import ptc, semeval

    with _errors():
        articles = ptc.read_articles(folder)
        template = semeval.read_spans(spans) if spans is not None else None
    if not articles:
        err_console.print(f"[red]error[/red]: no articleNNN.txt files in {escape(str(folder))} (for PTC, give its train-articles/ folder)")
        raise typer.Exit(EXIT_USAGE)
    found: list[semeval.ArticleFinding] = []
    failed: dict[str, str] = {}
    with _progress(quiet, len(articles) if template is None else len({r.article for r in template})) as step:
        with _errors():
            if template is not None:
                rows = semeval.classify_template(articles, template, progress=step)
            else:
                found, failed = semeval.detect_articles(articles, use_model=not rules_only, progress=step)
                rows = semeval.finding_rows(found)
    with _open(output) as out:
        if fmt is Format.semeval:
            n = semeval.write_spans(rows, out)
        elif template is not None:
            n = _write_labelled_jsonl(rows, articles, out)
        else:
            for af in found:
                out.write(af.to_json(articles[af.article]) + "\n")
            n = len(found)
    what = "span(s)" if fmt is Format.semeval else "line(s)"
    err_console.print(f"{n} {what} for {len(articles)} article(s)" + (f" → {escape(str(output))}" if output else ""))
    if failed:
        for art, reason in failed.items():
            err_console.print(f"[red]failed[/red] article{art}.txt: {escape(reason)}")
        raise typer.Exit(EXIT_PARTIAL)


@eval_app.command("techniques")
def eval_techniques(
    gold: Path = typer.Option(
        ..., "--gold", exists=True, dir_okay=False,
        help="Gold spans: NNN<TAB>technique<TAB>start<TAB>end (as train-task-flc-tc.labels), or NNN<TAB>start<TAB>end.",
    ),
    pred: Path = typer.Option(..., "--pred", exists=True, dir_okay=False, help="Predicted spans, same format."),
    measures: list[Measure] = typer.Option(
        [], "--measure", "-m", help="si, tc or flc; repeat for several (default: every measure the files allow)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Score techniques with the official measures of SemEval-2020 Task 11.

    SI: span identification, partial credit for overlap, labels ignored, overlapping spans merged per article. TC: technique classification, micro-F1 over the gold spans (the prediction must hold exactly those spans), per technique and a confusion table. FLC: the SI measure where only spans with the same label match, micro, macro and per technique.

    Exit code 2 for a malformed file (file:line is named) or a measure the files do not allow.
    """
    from communique.techniques import semeval

    with _errors():
        g, p = semeval.read_spans(gold), semeval.read_spans(pred)
        asked = {m.value for m in measures}
        result: dict[str, Any] = {"gold": str(gold), "pred": str(pred)}
        skipped: dict[str, str] = {}
        labelled = all(s.label is not None for s in g) and all(s.label is not None for s in p)
        if not asked or "si" in asked:
            result["si"] = semeval.score_si(g, p)
        for name, fn in (("tc", semeval.score_tc), ("flc", semeval.score_flc)):
            if name in asked:
                result[name] = fn(g, p)  # errors say why it cannot be computed
            elif not asked:
                if not labelled:
                    skipped[name] = "needs technique labels in both files"
                    continue
                try:
                    result[name] = fn(g, p)
                except semeval.SemEvalError as exc:
                    skipped[name] = exc.message
        if skipped:
            result["skipped"] = skipped
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    _print_tables(result)


# ---------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Unusable span files and templates → exit 2; other library errors as everywhere."""
    from communique.techniques.semeval import SemEvalError

    with translate_errors():
        try:
            yield
        except SemEvalError as exc:
            err_console.print(f"[red]error[/red] {exc.code}: {escape(exc.message)}")
            raise typer.Exit(EXIT_USAGE) from None


@contextlib.contextmanager
def _progress(quiet: bool, total: int) -> Iterator[Callable[[int, int, str], None] | None]:
    if quiet or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("[bold]techniques"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.description}", style="dim"), console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("", total=total)

        def step(n: int, of: int, article: str) -> None:
            bar.update(task, completed=n, total=of, description=f"article{article}")

        yield step


@contextlib.contextmanager
def _open(output: Path | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            yield fh


def _write_labelled_jsonl(rows: list[Any], articles: dict[str, str], out: IO[str]) -> int:
    from communique.techniques.taxonomy import PTC_TO_2023

    for r in rows:
        technique = PTC_TO_2023[r.label][0] if r.label in PTC_TO_2023 else None
        obj = {
            "article": r.article, "technique": technique, "ptc": r.label, "start": r.start, "end": r.end,
            "text": articles[r.article][r.start : r.end],
        }  # fmt: skip
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return len(rows)


def _f(x: float) -> str:
    return f"{x:.4f}"


def _print_tables(result: dict[str, Any]) -> None:
    t = Table(title=f"SemEval-2020 Task 11: {escape(result['pred'])} vs {escape(result['gold'])}", title_justify="left")
    for col in ("measure", "P", "R", "F1", "counts"):
        t.add_column(col, justify="left" if col in ("measure", "counts") else "right")
    if "si" in result:
        s = result["si"]
        t.add_row(
            "SI (spans, labels ignored)", _f(s["precision"]), _f(s["recall"]), _f(s["f1"]),
            f"P {s['precision_credit']:.2f}/{s['pred_spans']}  R {s['recall_credit']:.2f}/{s['gold_spans']} (after merging overlaps)",
        )  # fmt: skip
    if "tc" in result:
        s = result["tc"]
        t.add_row("TC micro (labels of gold spans)", _f(s["precision"]), _f(s["recall"]), _f(s["f1"]), f"{s['correct']}/{s['spans']} correct; macro-F1 {_f(s['macro_f1'])}")
    if "flc" in result:
        s = result["flc"]
        t.add_row(
            "FLC micro (spans with matching label)", _f(s["precision"]), _f(s["recall"]), _f(s["f1"]),
            f"P {s['precision_credit']:.2f}/{s['pred_spans']}  R {s['recall_credit']:.2f}/{s['gold_spans']}",
        )  # fmt: skip
        m = s["macro"]
        t.add_row("FLC macro (mean over labels)", _f(m["precision"]), _f(m["recall"]), _f(m["f1"]), f"{len(s['per_label'])} labels")
    console.print(t)
    for name, why in result.get("skipped", {}).items():
        console.print(f"[dim]{name.upper()} not computed: {escape(why)}[/dim]")
    if "si" in result and result["si"]["articles"]["pred_without_gold"]:
        ids = result["si"]["articles"]["pred_without_gold"]
        console.print(f"[yellow]note[/yellow]: {len(ids)} predicted article(s) have no gold spans: {escape(', '.join(ids[:10]))}")
    if "tc" in result:
        _per_label_table("TC per technique", result["tc"]["per_label"], ("gold", "pred"))
        _confusion_table(result["tc"]["confusion"])
    if "flc" in result:
        _per_label_table("FLC per technique", result["flc"]["per_label"], ("gold_spans", "pred_spans"))
    unknown = sorted(set(result.get("tc", {}).get("unknown_labels", [])) | set(result.get("flc", {}).get("unknown_labels", [])))
    if unknown:
        console.print(f"[yellow]note[/yellow]: labels outside the 14 PTC labels: {escape(', '.join(unknown))}")


def _per_label_table(title: str, per_label: dict[str, dict[str, float]], counts: tuple[str, str]) -> None:
    t = Table(title=title, title_justify="left")
    t.add_column("technique")
    for col in ("P", "R", "F1", "gold", "pred"):
        t.add_column(col, justify="right")
    for lab, v in per_label.items():
        t.add_row(escape(lab), _f(v["precision"]), _f(v["recall"]), _f(v["f1"]), str(v[counts[0]]), str(v[counts[1]]))
    console.print(t)


def _confusion_table(confusion: dict[str, dict[str, int]]) -> None:
    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    t = Table(title="TC confusion (rows: gold, columns: predicted, numbered as the rows)", title_justify="left")
    t.add_column("gold")
    for i in range(1, len(labels) + 1):
        t.add_column(str(i), justify="right")
    for i, g in enumerate(labels, 1):
        row = confusion.get(g, {})
        t.add_row(f"{i} {escape(g)}", *[(str(row[p]) if row.get(p) else "·") for p in labels])
    console.print(t)
