"""communique timeline and communique profile ISSUER — statements and the events they cite
over time, and how one issuer behaves: techniques, roles cast, actors, calls to action."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .common import DB_OPTION, EXIT_USAGE, console, err_console, translate_errors


class By(StrEnum):
    month = "month"
    year = "year"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ProfileFormat(StrEnum):
    table = "table"
    json = "json"


SINCE = typer.Option(None, "--since", help="Only statements published on or after this ISO date (YYYY, YYYY-MM or YYYY-MM-DD).")
UNTIL = typer.Option(None, "--until", help="Only statements published on or before this ISO date (2019 means to the end of 2019).")
PLOT = typer.Option(None, "--plot", help="Also draw a chart to this file: .png, .svg or .pdf.")


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error[/red]: {escape(message)}")
    return typer.Exit(EXIT_USAGE)


def _check_options(since: str | None, until: str | None, plot: Path | None) -> None:
    """Bad --since/--until/--plot values are usage errors (exit 2), caught before any work."""
    from communique.analytics import parse_window
    from communique.errors import CommuniqueError
    from communique.plots import plot_format

    try:
        parse_window(since, until)
        if plot is not None:
            plot_format(plot)
    except CommuniqueError as exc:
        raise _fail(exc.message) from None
    if plot is not None and not plot.parent.is_dir():
        raise _fail(f"cannot write {plot}: folder {plot.parent} does not exist")


def _write_plot(write: Any, data: Any, plot: Path, top: int) -> None:
    try:
        write(data, plot, top)
    except OSError as exc:
        raise _fail(f"cannot write {plot}: {exc.strerror or exc}") from None
    err_console.print(f"chart written to {plot}", markup=False)


def _evidence(ev: Any) -> str:
    """A short pointer to a span: id prefix (enough for ``communique show``) and offsets."""
    return f"{ev.doc_id[:8]}@{ev.start}-{ev.end}" if ev and ev.doc_id else "-"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- timeline


def timeline(
    db: str = DB_OPTION,
    issuer: str | None = typer.Option(None, "--issuer", help="Only statements of this issuer (whole name, any case)."),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    by: By = typer.Option(By.month, "--by", help="Count per month or per year."),
    events: bool = typer.Option(True, "--events/--no-events", help="Also list the dated events the statements cite."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table; csv (period, issuer, statements, events: one row per pair); json (everything, with the evidence of every event)."),
    top: int = typer.Option(6, "--top", min=0, help="Issuers shown as their own column or series, most statements first; the rest are summed as 'other'. 0 for all."),
    limit: int = typer.Option(40, "--limit", "-n", min=0, help="Events listed in the table (the most cited, in date order); 0 for all."),
    plot: Path | None = PLOT,
) -> None:
    """Statements per month (or year) by issuer, and the dated events they cite.

    Statements are placed by their publication date; those without one are counted and reported, never dropped. Events are the calendar dates the statements mention other than their own publication date, each at its own granularity: a mention of 1948 is the year 1948, not January 1948.
    """
    import communique
    from communique.plots import write_timeline

    _check_options(since, until, plot)
    with translate_errors(), communique.open(db) as corpus:
        tl = corpus.timeline(issuer=issuer, since=since, until=until, by=by.value, events=events)
    if plot is not None:
        _write_plot(write_timeline, tl, plot, top)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(tl.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is Format.csv:
        rows = tl.rows()
        fields = ["period", "issuer", "statements"] + (["events"] if events else [])
        w = csv.writer(sys.stdout)
        w.writerow(fields)
        w.writerows([[r[k] for k in fields] for r in rows])
        return
    if not tl.issuers:
        console.print("no statements" + (" in that window" if since or until else " in the store"), markup=False)
        return
    console.print(_statements_table(tl, top))
    if events:
        console.print(_events_table(tl, limit))


def _statements_table(tl: Any, top: int) -> Table:
    shown, rest = tl.top_issuers(top)
    unit = tl.by
    t = Table(title=f"statements per {unit}", title_justify="left")
    t.add_column(unit, no_wrap=True)
    for name in shown:
        t.add_column(Text(name), justify="right", max_width=24)
    if rest:
        t.add_column(f"other ({len(rest)})", justify="right")
    t.add_column("total", justify="right", style="bold")

    def cells(period: str, count: Any) -> list[str]:
        values = [count(n, period) for n in shown]
        if rest:
            values.append(sum(count(n, period) for n in rest))
        return [period, *(str(v) if v else "·" for v in values), str(sum(values))]

    def dated(n: str, p: str) -> int:
        return int(tl.statements.get(n, {}).get(p, 0))

    def coarse(n: str, p: str) -> int:
        return int(tl.imprecise.get(n, {}).get(p, 0))

    from communique.analytics import period_sort_key

    busy = [p for p in tl.periods if any(dated(n, p) for n in tl.issuers)]
    imprecise = sorted({p for v in tl.imprecise.values() for p in v}, key=period_sort_key)
    rows = sorted([(p, dated) for p in busy] + [(p, coarse) for p in imprecise], key=lambda r: period_sort_key(r[0]))
    for p, count in rows:
        t.add_row(*cells(p, count))
    if tl.undated:
        t.add_row(*cells("undated", lambda n, _p: int(tl.undated.get(n, 0))), style="italic")
    t.add_row(*cells("total", lambda n, _p: tl.total(n)), style="bold", end_section=True)
    notes = []
    empty = len(tl.periods) - len(busy)
    if empty:
        notes.append(f"{_plural(empty, unit)} without statements not shown")
    if imprecise:
        notes.append(f"{', '.join(imprecise)}: statements dated only that coarsely")
    if tl.undated:
        notes.append(f"undated: {sum(tl.undated.values())} without a readable publication date")
    if tl.outside:
        notes.append(f"{tl.outside} outside --since/--until left out")
    t.caption = "; ".join(notes) or None
    return t


def _events_table(tl: Any, limit: int) -> Table:
    events = list(tl.events)
    shown = events
    if limit and len(events) > limit:
        keep = set(map(id, sorted(events, key=lambda e: (-len(e.citations), -e.statements))[:limit]))
        shown = [e for e in events if id(e) in keep]
    t = Table(title="events cited", title_justify="left")
    t.add_column("event", no_wrap=True)
    t.add_column("granularity", no_wrap=True)
    t.add_column("citations", justify="right")
    t.add_column("statements", justify="right")
    t.add_column("cited by (citations)", overflow="fold", min_width=16)
    t.add_column("first cited", no_wrap=True)
    t.add_column("last cited", no_wrap=True)
    t.add_column("evidence", no_wrap=True)
    for e in shown:
        c = e.citations[0]
        t.add_row(
            e.value,
            e.granularity or "-",
            str(len(e.citations)),
            str(e.statements),
            Text(", ".join(f"{name} {n}" for name, n in e.issuers.items())),
            e.first_cited or "-",
            e.last_cited or "-",
            f"{c.doc_id[:8]}@{c.start}-{c.end}",
        )
    notes = []
    if len(shown) < len(events):
        notes.append(f"the {len(shown)} most cited of {len(events)} events; --limit 0 for all")
    elif not events:
        notes.append("no dated events cited")
    if tl.publication_mentions:
        notes.append(f"{tl.publication_mentions} mentions of a statement's own publication date left out")
    if tl.undated_expressions:
        notes.append(f"{tl.undated_expressions} date expressions without a calendar date (durations, 'that day') not listed")
    t.caption = "; ".join(notes) or None
    return t


# --------------------------------------------------------------------------- profile


def profile(
    issuer: str = typer.Argument(..., help="The issuer, as stored (whole name, any case); '(unknown issuer)' for statements without one."),
    db: str = DB_OPTION,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    by: By = typer.Option(By.year, "--by", help="Periods of the over-time table and chart."),
    top: int = typer.Option(10, "--top", min=0, help="Actors, roles, actions and addressees listed; 0 for all."),
    fmt: ProfileFormat = typer.Option(ProfileFormat.table, "--format", "-f", help="table, or json (everything, with evidence)."),
    plot: Path | None = PLOT,
) -> None:
    """How one issuer speaks: statements and dates, technique mix against the corpus, roles it casts actors in, the actors it names, its calls to action, and all of it over time.

    An unknown issuer exits with code 4 and the closest issuer names. With --since/--until the corpus it is compared with is limited to the same window.
    """
    import communique
    from communique.plots import write_profile

    _check_options(since, until, plot)
    with translate_errors(), communique.open(db) as corpus:
        p = corpus.profile(issuer, by=by.value, since=since, until=until, top=top)
    if plot is not None:
        _write_plot(write_profile, p, plot, top or 10)
    if fmt is ProfileFormat.json:
        sys.stdout.write(json.dumps(p.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    for table in (
        _summary(p),
        _shares_table(p.categories, p, "technique categories", with_category=False),
        _shares_table(p.techniques, p, "techniques", with_category=True),
        _roles_table(p),
        _actors_table(p),
        _calls_table(p),
        _over_time_table(p),
    ):
        if table is not None:
            console.print(table)


def _summary(p: Any) -> Table:
    t = Table(title=Text(f"profile: {p.issuer}"), title_justify="left", show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    dates = f"{p.first} to {p.last}" if p.first else "no dated statements"
    t.add_row("statements", f"{p.documents} of {p.corpus_documents} in the corpus")
    t.add_row("published", dates + (f" ({p.undated} undated)" if p.undated else ""))
    if p.since or p.until:
        t.add_row("window", f"{p.since or '…'} to {p.until or '…'} ({p.outside} statements outside left out)")
    t.add_row("document types", ", ".join(f"{k} {v}" for k, v in p.doc_types.items()))
    t.add_row("technique spans", f"{p.technique_spans} (corpus {p.corpus_technique_spans})")
    t.add_row("role spans", f"{p.role_spans}: " + ", ".join(f"{k} {v}" for k, v in p.role_totals.items()) if p.role_spans else "0")
    urgency = ", ".join(f"{k} {v}" for k, v in p.urgency.items())
    t.add_row("calls to action", f"{p.calls}" + (f" (urgency: {urgency})" if urgency else ""))
    return t


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _shares_table(shares: Any, p: Any, title: str, with_category: bool) -> Table | None:
    if not p.technique_spans and not p.corpus_technique_spans:
        return None
    t = Table(title=f"{title}: {p.issuer} vs corpus", title_justify="left")
    t.add_column("technique" if with_category else "category", overflow="fold")
    if with_category:
        t.add_column("category", overflow="fold")
    t.add_column("spans", justify="right")
    t.add_column("stmts", justify="right")
    t.add_column("share", justify="right")
    t.add_column("corpus", justify="right")
    t.add_column("lift", justify="right")
    t.add_column("evidence", no_wrap=True)
    for s in shares:
        if not s.count and not s.corpus_count:
            continue
        row = [s.name] + ([s.category or "-"] if with_category else [])
        lift = "-" if s.lift is None else f"{s.lift:.2f}"
        t.add_row(*row, str(s.count), str(s.documents), _pct(s.share), _pct(s.corpus_share), lift, _evidence(s.evidence))
    t.caption = "share: of the issuer's technique spans; corpus: of every statement's; lift: share / corpus"
    return t


def _roles_table(p: Any) -> Table:
    t = Table(title="roles cast (actor × role)", title_justify="left")
    t.add_column("actor", overflow="fold", min_width=14)
    t.add_column("kind", overflow="fold", max_width=10)
    t.add_column("role", no_wrap=True)
    t.add_column("spans", justify="right")
    t.add_column("stmts", justify="right")
    t.add_column("first", no_wrap=True)
    t.add_column("last", no_wrap=True)
    t.add_column("evidence", no_wrap=True)
    for r in p.roles:
        t.add_row(Text(r.actor), r.actor_kind or "-", r.role, str(r.mentions), str(r.documents), r.first or "-", r.last or "-", _evidence(r.evidence))
    if not p.roles:
        t.caption = "no role findings"
    elif len(p.roles) < p.roles_total:
        t.caption = f"the {len(p.roles)} most frequent of {p.roles_total} (actor, role) pairs; --top 0 for all"
    return t


def _actors_table(p: Any) -> Table:
    t = Table(title="actors named", title_justify="left")
    t.add_column("actor", overflow="fold", min_width=14)
    t.add_column("kinds", overflow="fold")
    t.add_column("stmts", justify="right")
    t.add_column("mentions", justify="right")
    t.add_column("roles (spans)", overflow="fold")
    t.add_column("evidence", no_wrap=True)
    for a in p.actors:
        roles = ", ".join(f"{k} {v}" for k, v in a.roles.items()) or "-"
        t.add_row(Text(a.name), "/".join(a.kinds) or "-", str(a.documents), str(a.mentions), roles, _evidence(a.evidence))
    if not p.actors:
        t.caption = "no entities or role actors"
    elif len(p.actors) < p.actors_total:
        t.caption = f"the {len(p.actors)} named in most statements of {p.actors_total}; --top 0 for all"
    return t


def _calls_table(p: Any) -> Table:
    t = Table(title=f"calls to action ({p.calls})", title_justify="left")
    t.add_column("what", no_wrap=True)
    t.add_column("text", overflow="fold", min_width=20)
    t.add_column("spans", justify="right")
    t.add_column("stmts", justify="right")
    t.add_column("evidence", no_wrap=True)
    for kind, items in (("action", p.actions), ("addressee", p.addressees)):
        for i, x in enumerate(items):
            t.add_row(kind if i == 0 else "", Text(x.text), str(x.count), str(x.documents), _evidence(x.evidence), end_section=i == len(items) - 1)
    notes = []
    if len(p.actions) < p.actions_total:
        notes.append(f"{len(p.actions)} of {p.actions_total} actions")
    if len(p.addressees) < p.addressees_total:
        notes.append(f"{len(p.addressees)} of {p.addressees_total} addressees")
    if notes:
        t.caption = "; ".join(notes) + "; --top 0 for all"
    if not p.calls:
        t.caption = "no calls to action"
    return t


def _over_time_table(p: Any) -> Table:
    t = Table(title=f"over time (per {p.by})", title_justify="left")
    t.add_column(p.by, no_wrap=True)
    t.add_column("stmts", justify="right")
    t.add_column("techniques by category", overflow="fold")
    t.add_column("roles", overflow="fold")
    t.add_column("calls", justify="right")
    busy = [pc for pc in p.over_time if pc.documents]
    for pc in busy:
        t.add_row(
            pc.period,
            str(pc.documents),
            ", ".join(f"{k} {v}" for k, v in pc.techniques.items()) or "-",
            ", ".join(f"{k} {v}" for k, v in pc.roles.items()) or "-",
            str(pc.calls),
        )
    notes = []
    empty = len(p.over_time) - len(busy)
    if empty:
        notes.append(f"{_plural(empty, p.by)} without statements not shown")
    if p.undated:
        notes.append(f"{p.undated} undated statements counted above, not here")
    t.caption = "; ".join(notes) or None
    return t
