"""communique reposts — near-duplicate clusters (re-posts and edited copies), each in
first-seen order with every member's sources; communique diff A B — what changed between
two versions, sentence by sentence with the changed words marked."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from ...lineage import THRESHOLD, Cluster, Diff, DiffOp
from .common import DB_OPTION, console, translate_errors


class Format(StrEnum):
    table = "table"
    json = "json"


class DiffFormat(StrEnum):
    text = "text"
    json = "json"


def reposts(
    db: str = DB_OPTION,
    min_size: int = typer.Option(2, "--min-size", min=1, help="Smallest cluster to list; 1 lists every statement, singletons included."),
    threshold: float = typer.Option(
        THRESHOLD, "--threshold", "-t", min=0.01, max=1.0,
        help="Jaccard similarity of word 5-shingles at which two statements join (a truncated or prefaced copy also joins when 80% of it is inside the other).",
    ),
    limit: int = typer.Option(0, "--limit", "-n", min=0, help="How many clusters, largest first; 0 for all."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table (one table per cluster) or json (clusters, stats and parameters)."),
) -> None:
    """Re-posts and edited copies: clusters of near-duplicate statements (MinHash LSH over word shingles, verified exactly).

    Each cluster is ordered by first seen: the published date when known, else when it was first ingested. Every member shows its similarity to the earliest version and every source it was read from. Follow up with `communique diff` on two members.
    """
    import communique

    with translate_errors(), communique.open(db) as corpus:
        result = corpus.reposts(threshold=threshold, min_size=min_size)
    shown = result.clusters if limit == 0 else result.clusters[:limit]
    if fmt is Format.json:
        out = result.to_dict()
        out["clusters"] = [c.to_dict() for c in shown]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    st = result.stats
    if not result.clusters:
        what = "statements" if min_size == 1 else f"clusters of {min_size} or more near-duplicate statements"
        console.print(f"no {what} among {st['documents']} documents (threshold {threshold})", markup=False, highlight=False)
        return
    for c in shown:
        console.print(_cluster_table(c))
    more = f" (the {len(shown)} largest shown; --limit 0 for all)" if len(shown) < len(result.clusters) else ""
    console.print(
        f"{len(result.clusters)} clusters{more}; {st['clustered_documents']} of {st['documents']} documents "
        f"are near-duplicates (threshold {threshold}; {st['candidate_pairs']} candidate pairs, "
        f"{st['verified_pairs']} verified, {st['seconds']['total']:.2f} s)",
        markup=False,
        highlight=False,
        style="dim",
    )


def _when(iso: str) -> str:
    """An ISO timestamp to the second, without the zone ("2026-11-22 20:08:09"); dates as given."""
    return iso[:19].replace("T", " ") if "T" in iso else iso


def _cluster_table(c: Cluster) -> Table:
    """One cluster, earliest version first; narrow columns first so it fits 80 columns."""
    first, last = c.members[0], c.members[-1]
    title = f"cluster {c.id} · {c.size} versions · {_when(first.seen)} → {_when(last.seen)}"
    t = Table(
        title=title, title_justify="left", title_style="bold", caption_justify="left",
        caption="J: Jaccard similarity to version 1 · C: share of the shorter text inside the other",
    )  # fmt: skip
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("id", no_wrap=True)
    t.add_column("first seen", min_width=10, overflow="fold")
    t.add_column("J / C", justify="right", no_wrap=True)
    t.add_column("issuer · title", min_width=12, overflow="fold")
    t.add_column("sources (first seen)", min_width=12, overflow="fold")
    for n, m in enumerate(c.members, 1):
        how = "published" if m.seen_from == "published" else "ingested"
        sources = "\n".join(f"{s} [{f}] {_when(when)}" for s, f, when in m.sources) or "-"
        t.add_row(
            str(n),
            m.id,
            Text(f"{_when(m.seen)} {how}"),
            f"{m.jaccard:.2f}\n{m.containment:.2f}",
            Text(" · ".join(x for x in (m.issuer, m.title) if x) or "-"),
            Text(sources),
        )
    return t


def diff(
    doc_a: str = typer.Argument(..., help="One version: a document id or a unique prefix of at least 4 characters (usually the earlier)."),
    doc_b: str = typer.Argument(..., help="The other version, the same way."),
    db: str = DB_OPTION,
    context: int = typer.Option(2, "--context", "-c", min=0, help="Unchanged sentences shown around each change."),
    full: bool = typer.Option(False, "--full", help="Show every sentence, unchanged ones included."),
    fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text (coloured, or [-removed-]{+added+} without colour) or json (ops with offsets into both texts)."),
) -> None:
    """What changed between two versions of a statement: sentences removed, added and changed, with the changed words marked.

    Removed text is red and struck through, added text green; without colour, removed words read [-like this-] and added words {+like this+}. Lines start with - (removed), + (added), ~ (changed) or a space (unchanged); each change ends with its offsets in both texts.
    """
    import communique

    with translate_errors(), communique.open(db) as corpus:
        d = corpus.diff(doc_a, doc_b)
    if fmt is DiffFormat.json:
        sys.stdout.write(json.dumps(d.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    plain = console.color_system is None or not console.is_terminal  # markers when piped
    console.print(_side("---", d.a_id, d.a_meta, "red"))
    console.print(_side("+++", d.b_id, d.b_meta, "green"))
    console.print(_summary(d), style="bold", markup=False, highlight=False)
    if not d.changes():
        console.print("the two texts have the same sentences", markup=False)
        return
    for line in render(d, context=None if full else context, plain=plain):
        console.print(line, soft_wrap=False)


def _side(mark: str, doc_id: str, meta: Any, style: str) -> Text:
    fields = [str(meta.get(k)) for k in ("title", "issuer") if meta.get(k)]
    if meta.get("published"):
        fields.append(f"published {meta['published']}")
    line = Text(f"{mark} {doc_id}", style=style)
    if fields:
        line.append("  " + " · ".join(fields))
    return line


def _summary(d: Diff) -> str:
    s = d.summary
    return (
        f"sentences: {s['changed']} changed, {s['removed']} removed, {s['added']} added, {s['equal']} unchanged · "
        f"words: {s['words_removed']} removed, {s['words_added']} added · "
        f"Jaccard {s['jaccard']:.2f}, containment {s['containment']:.2f}"
    )


def render(d: Diff, context: int | None = 2, plain: bool = False) -> list[Text]:
    """The diff as terminal lines: ``-`` removed, ``+`` added, ``~`` changed (words marked),
    unchanged sentences dim, runs of unchanged sentences beyond ``context`` of a change
    folded into one "… n unchanged …" line (``context`` None: show them all)."""
    ops = d.ops
    near = [False] * len(ops)
    for i, o in enumerate(ops):
        if o.op != "equal":
            for k in range(max(0, i - (context or 0)), min(len(ops), i + (context or 0) + 1)):
                near[k] = True
    lines: list[Text] = []
    skipped = 0
    for i, o in enumerate(ops):
        if o.op == "equal" and context is not None and not near[i]:
            skipped += 1
            continue
        if skipped:
            lines.append(Text(f"  … {skipped} unchanged …", style="dim"))
            skipped = 0
        lines.append(_line(d, o, plain))
    if skipped:
        lines.append(Text(f"  … {skipped} unchanged …", style="dim"))
    return lines


def _line(d: Diff, o: DiffOp, plain: bool) -> Text:
    a, b = d.a_text, d.b_text
    where = Text(f"  [a {o.a_start}-{o.a_end} | b {o.b_start}-{o.b_end}]", style="dim")
    if o.op == "equal":
        return Text("  " + b[o.b_start : o.b_end], style="dim")
    if o.op == "delete":
        return Text("- ", style="red") + Text(a[o.a_start : o.a_end], style="red strike") + where
    if o.op == "insert":
        return Text("+ ", style="green") + Text(b[o.b_start : o.b_end], style="green") + where
    line = Text("~ ", style="yellow")
    prev_a, prev_b = o.a_start, o.b_start
    for w in o.words:
        if a[prev_a : w.a_start] or b[prev_b : w.b_start]:
            line.append(" ")
        old, new = a[w.a_start : w.a_end], b[w.b_start : w.b_end]
        if w.op == "equal":
            line.append(new)
        if w.op in ("delete", "replace"):
            line.append(f"[-{old}-]" if plain else old, style="red strike")
        if w.op == "replace" and not plain:
            line.append(" ")
        if w.op in ("insert", "replace"):
            line.append(f"{{+{new}+}}" if plain else new, style="green")
        prev_a, prev_b = w.a_end, w.b_end
    return line + where

