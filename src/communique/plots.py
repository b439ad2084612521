"""Charts of timelines and issuer profiles (matplotlib), written as PNG, SVG or PDF.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot:
no global state, no GUI backend, safe in servers and threads (``matplotlib.use("Agg")``
is not needed). The format comes from the file suffix; any other suffix is a
:class:`~communique.errors.ConfigError` raised before anything is computed or written.

Many issuers: a chart shows the ``top`` issuers with most statements (8 by default, the
number of colours one can tell apart in a stacked bar) and folds the rest into one
"other (N issuers)" series, so every statement is still counted. Long names are shortened
in legends and axis labels only.

Scripts the default font lacks (Arabic names) are drawn as empty boxes; the "missing
glyph" warnings matplotlib raises for them are silenced here, the data is unaffected.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analytics import ROLES, Profile, Timeline, date_bounds
from .errors import E_CONFIG, ConfigError
from .techniques.taxonomy import CATEGORIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: File suffix → matplotlib format.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Issuers drawn as their own series before the rest become "other".
TOP_ISSUERS = 8
#: Resolution of PNG output (dots per inch).
DPI = 120
#: Longest label drawn before it is shortened with "…".
LABEL_CHARS = 38
#: At most this many period labels on an x axis (the others are left blank).
MAX_TICKS = 14
OTHER_COLOR = "#9e9e9e"
#: Area (points²) of the dot of an event cited once and of the most cited event.
DOT_AREA = (14.0, 220.0)
#: One colour per technique category and per role, the same in every chart.
CATEGORY_COLORS = dict(
    zip(CATEGORIES, ("#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c", "#8c564b"), strict=True)
)
ROLE_COLORS = dict(
    zip(
        ROLES,
        ("#d62728", "#8c564b", "#2ca02c", "#ff7f0e", "#1f77b4", "#17becf", "#7f7f7f", "#9467bd"),
        strict=True,
    )
)


def plot_format(path: str | os.PathLike[str]) -> str:
    """The format for ``path`` from its suffix (png, svg or pdf, any case); ConfigError
    (E400) otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = repr(suffix) if suffix else "no suffix"
        raise ConfigError(
            E_CONFIG,
            f"cannot write a chart to {os.fspath(path)!r} ({shown}): name a .png, .svg or .pdf file",
        )
    return FORMATS[suffix]


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` to ``path`` in the format its suffix names; returns the path.

    SVG and PDF carry no creation date, so the same data gives the same file."""
    fmt = plot_format(path)
    out = Path(path)
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"CreationDate": None} if fmt == "pdf" else {}
    with _quiet():
        fig.savefig(out, format=fmt, dpi=DPI, metadata=metadata, bbox_inches="tight")
    return out


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        warnings.filterwarnings("ignore", message=r".*Matplotlib currently does not support Arabic")
        yield


def _short(name: str, n: int = LABEL_CHARS) -> str:
    """``name`` in at most ``n`` characters, cut in the middle: issuer names often differ
    only at the end ("… of Kessen", "… Front 7")."""
    if len(name) <= n:
        return name
    head = (n - 1) // 2
    return name[:head].rstrip() + "…" + name[len(name) - (n - 1 - head) :].lstrip()


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _period_ticks(ax: Axes, periods: Sequence[str]) -> None:
    """Label at most ``MAX_TICKS`` periods, on round dates: every 1, 2, 3, 6 or 12… months
    from January, every 1, 2, 5, 10… years."""
    if not periods:
        return
    monthly = len(periods[0]) == 7

    def index(p: str) -> int:
        return int(p[:4]) * 12 + int(p[5:7]) - 1 if monthly else int(p[:4])

    steps = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600) if monthly else (1, 2, 5, 10, 20, 50, 100, 200, 500)
    for step in steps:
        ticks = [i for i, p in enumerate(periods) if index(p) % step == 0]
        if len(ticks) <= MAX_TICKS:
            break
    if not ticks:  # a short axis between round dates: label its first period
        ticks = [0]
    ax.set_xticks(ticks)
    labels = [periods[i][:4] if monthly and step >= 12 else periods[i] for i in ticks]
    ax.set_xticklabels(labels, rotation=45 if not (monthly and step >= 12) else 0, ha="right" if not (monthly and step >= 12) else "center")
    ax.set_xlim(-0.6, len(periods) - 0.4)


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


# --------------------------------------------------------------------------- timeline


def timeline_figure(tl: Timeline, top: int = TOP_ISSUERS) -> Figure:
    """Statements per period stacked by issuer (``top`` issuers, the rest as "other");
    below, when the timeline has events, the events they cite on a calendar axis: one row
    per issuer, a dot per event sized by its citations, a bar for events that span time
    (a year, a range, a decade)."""
    from matplotlib.figure import Figure

    shown, rest = tl.top_issuers(top)
    series: list[tuple[str, list[str]]] = [(n, [n]) for n in shown]
    if rest:
        series.append((f"other ({len(rest)} issuers)", rest))
    colors = _palette(len(shown)) + ([OTHER_COLOR] if rest else [])
    with_events = tl.events_included
    fig = Figure(figsize=(11, 8.5 if with_events else 5.5), layout="constrained")
    axes = fig.subplots(2, 1, height_ratios=(3, 2)) if with_events else [fig.subplots()]
    ax = axes[0]
    unit = "month" if tl.by == "month" else "year"
    notes = []
    undated = sum(tl.undated.values())
    imprecise = sum(sum(v.values()) for v in tl.imprecise.values())
    if undated:
        notes.append(f"{undated} without a date")
    if imprecise:
        notes.append(f"{imprecise} dated only to a {'year' if tl.by == 'month' else 'range'}")
    title = f"Statements per {unit}" + (f" (not shown: {', '.join(notes)})" if notes else "")
    ax.set_title(title, loc="left")
    if not tl.periods:
        _empty(ax, "no dated statements")
    else:
        x = range(len(tl.periods))
        bottom = [0] * len(tl.periods)
        for (label, names), color in zip(series, colors, strict=True):
            values = [sum(tl.statements.get(n, {}).get(p, 0) for n in names) for p in tl.periods]
            if not any(values):
                continue
            ax.bar(x, values, bottom=bottom, color=color, label=_short(label), width=0.85)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        _period_ticks(ax, tl.periods)
        ax.set_ylabel("statements")
        _integer_ticks(ax.yaxis)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small", frameon=False, ncols=min(3, len(series)))
    if with_events:
        _events_panel(axes[1], tl, series, colors)
    return fig


def _events_panel(ax: Axes, tl: Timeline, series: list[tuple[str, list[str]]], colors: list[Any]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

    row_of = {name: i for i, (_label, names) in enumerate(series) for name in names}
    # one scatter and one hlines call per row: an artist per point is slow to draw
    dots: dict[int, tuple[list[float], list[float]]] = {}
    bars: dict[int, tuple[list[float], list[float]]] = {}
    unplaced = 0
    for e in tl.events:
        bounds = date_bounds(e.value)
        if bounds is None:
            unplaced += 1
            continue
        lo, hi = bounds
        hi = hi + timedelta(days=1)  # through the end of the last day
        per_row: dict[int, int] = {}
        for c in e.citations:
            row = row_of.get(c.issuer)
            if row is not None:
                per_row[row] = per_row.get(row, 0) + 1
        for row, n in per_row.items():
            xs, counts = dots.setdefault(row, ([], []))
            xs.append(float(date2num(lo + (hi - lo) / 2)))
            counts.append(float(n))
            if (hi - lo).days > 1:
                starts, ends = bars.setdefault(row, ([], []))
                starts.append(float(date2num(lo)))
                ends.append(float(date2num(hi)))
    for row, (starts, ends) in bars.items():
        ax.hlines([row] * len(starts), starts, ends, colors=[colors[row]], linewidth=4, alpha=0.45)
    most = max((n for _, counts in dots.values() for n in counts), default=1.0)
    for row, (xs, counts) in dots.items():
        # dot area grows with citations, up to DOT_AREA for the most cited event
        sizes = [DOT_AREA[0] + (DOT_AREA[1] - DOT_AREA[0]) * n / most for n in counts]
        ax.scatter(xs, [row] * len(xs), s=sizes, color=colors[row], edgecolors="white", linewidths=0.5, zorder=3)
    placed = sum(len(xs) for xs, _ in dots.values())
    n_events = len(tl.events)
    ax.set_title(
        f"Events cited ({n_events} dated event{'s' if n_events != 1 else ''}"
        + (f", {unplaced} not on the calendar" if unplaced else "")
        + "; dot area: citations; bars: events that span time)",
        loc="left",
    )
    if not placed:
        _empty(ax, "no dated events cited")
        return
    ax.set_yticks(range(len(series)))
    ax.set_yticklabels([_short(label, 28) for label, _ in series], fontsize="small")
    ax.set_ylim(len(series) - 0.5, -0.5)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("date of the cited event")
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def write_timeline(tl: Timeline, path: str | os.PathLike[str], top: int = TOP_ISSUERS) -> Path:
    """:func:`timeline_figure` written to ``path`` (.png, .svg or .pdf)."""
    plot_format(path)
    with _quiet():
        return save(timeline_figure(tl, top), path)


# --------------------------------------------------------------------------- profile


def profile_figure(p: Profile, top: int = 10) -> Figure:
    """Four panels: the technique mix per period (share of technique spans by category,
    with the number of statements), the mix against the corpus, the roles the issuer casts
    its most cast actors in, and the actors it names in most statements."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 9), layout="constrained")
    (a, b), (c, d) = fig.subplots(2, 2)
    window = f" · {p.since or '…'} to {p.until or '…'}" if p.since or p.until else ""
    dates = f"{p.first} to {p.last}" if p.first else "no dated statements"
    fig.suptitle(f"{_short(p.issuer, 70)} · {p.documents} statements, {dates}{window}", x=0.01, ha="left")
    _mix_over_time(a, p)
    _mix_vs_corpus(b, p)
    _roles_cast(c, p, top)
    _top_actors(d, p, top)
    return fig


def _mix_over_time(ax: Axes, p: Profile) -> None:
    unit = "month" if p.by == "month" else "year"
    ax.set_title(f"Technique mix per {unit} (share of technique spans)", loc="left", fontsize="medium")
    periods = [pc.period for pc in p.over_time]
    if not any(pc.techniques for pc in p.over_time):
        _empty(ax, "no technique findings in dated statements")
        return
    x = range(len(periods))
    bottom = [0.0] * len(periods)
    for cat in CATEGORIES:
        values = []
        for pc in p.over_time:
            total = sum(pc.techniques.values())
            values.append(pc.techniques.get(cat, 0) / total if total else 0.0)
        if not any(values):
            continue
        ax.bar(x, values, bottom=bottom, color=CATEGORY_COLORS[cat], label=cat, width=0.85)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for i, pc in enumerate(p.over_time):
        if pc.documents:
            ax.text(i, 1.01, str(pc.documents), ha="center", va="bottom", fontsize="x-small", color="#444444")
    _period_ticks(ax, periods)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share (numbers: statements)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="x-small", frameon=False, ncols=3)


def _mix_vs_corpus(ax: Axes, p: Profile) -> None:
    ax.set_title("Technique categories: issuer vs corpus (share of spans)", loc="left", fontsize="medium")
    cats = [s for s in p.categories if s.count or s.corpus_count]
    if not cats:
        _empty(ax, "no technique findings")
        return
    y = range(len(cats))
    ax.barh([i - 0.2 for i in y], [s.share for s in cats], height=0.4,
            color=[CATEGORY_COLORS.get(s.name, OTHER_COLOR) for s in cats], label=_short(p.issuer, 30))  # fmt: skip
    ax.barh([i + 0.2 for i in y], [s.corpus_share for s in cats], height=0.4, color=OTHER_COLOR, label="corpus")
    for i, s in enumerate(cats):
        ax.text(s.share, i - 0.2, f" {s.count}", va="center", fontsize="x-small")
    ax.set_yticks(list(y))
    ax.set_yticklabels([s.name for s in cats], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel(f"share ({p.technique_spans} issuer spans, {p.corpus_technique_spans} in the corpus)")
    ax.legend(loc="lower right", fontsize="x-small", frameon=False)


def _roles_cast(ax: Axes, p: Profile, top: int) -> None:
    """Role spans per actor, stacked by role. The issuer casting itself (in_group, mostly)
    would dwarf everyone else: it is left out of the bars and its count given in the
    title."""
    per_actor: dict[str, dict[str, int]] = {}
    own = 0
    for r in p.roles:
        if r.actor.casefold() == p.issuer.casefold():
            own += r.mentions
            continue
        per_actor.setdefault(r.actor, {})[r.role] = per_actor.get(r.actor, {}).get(r.role, 0) + r.mentions
    title = "Roles cast (role spans per actor)"
    if own:
        title += f"; the issuer itself: {own}, not drawn"
    ax.set_title(title, loc="left", fontsize="medium")
    actors = sorted(per_actor, key=lambda a: (-sum(per_actor[a].values()), a))[: max(top, 1)]
    if not actors:
        _empty(ax, "no role findings")
        return
    left = [0] * len(actors)
    for role in ROLES:
        values = [per_actor[a].get(role, 0) for a in actors]
        if not any(values):
            continue
        ax.barh(range(len(actors)), values, left=left, color=ROLE_COLORS[role], label=role, height=0.7)
        left = [x + v for x, v in zip(left, values, strict=True)]
    ax.set_yticks(range(len(actors)))
    ax.set_yticklabels([_short(a, 32) for a in actors], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("role spans")
    _integer_ticks(ax.xaxis)
    ax.legend(loc="lower right", fontsize="x-small", frameon=False)


def _top_actors(ax: Axes, p: Profile, top: int) -> None:
    ax.set_title("Actors named (statements naming each)", loc="left", fontsize="medium")
    actors = list(p.actors[: max(top, 1)])
    if not actors:
        _empty(ax, "no entities or role actors")
        return
    y = range(len(actors))
    ax.barh(list(y), [a.documents for a in actors], color="#4c72b0", height=0.7)
    for i, a in enumerate(actors):
        kind = next(iter(a.kinds), "")
        ax.text(a.documents, i, f" {kind}", va="center", fontsize="x-small", color="#444444")
    ax.set_yticks(list(y))
    ax.set_yticklabels([_short(a.name, 32) for a in actors], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel(f"statements (of {p.documents})")
    _integer_ticks(ax.xaxis)


def write_profile(p: Profile, path: str | os.PathLike[str], top: int = 10) -> Path:
    """:func:`profile_figure` written to ``path`` (.png, .svg or .pdf)."""
    plot_format(path)
    with _quiet():
        return save(profile_figure(p, top), path)

