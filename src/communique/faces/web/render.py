"""A document's text cut into highlighted pieces for the web page, with the exact offsets.

Spans of different layers overlap freely (an entity inside a technique inside a quote, a
technique that starts inside one entity and ends inside another), and HTML elements can
only nest. So the text is cut at every span boundary into non-overlapping *pieces*; each
piece lists every span that covers it. The page renders one ``<span>`` per piece whose
classes style all the layers present at once, and clicking a piece shows every span that
covers it. A span crossing a paragraph is simply split into pieces on both sides.

Structure, outermost first:

- :class:`Block`: a paragraph, i.e. a stretch of text between blank lines (never the
  segment layer: every character that is not blank-line whitespace belongs to a block, so
  nothing is ever dropped). Rendered with ``dir="auto"``, so an Arabic paragraph reads
  right to left.
- :class:`Run`: inside a block, either plain text or an inline passage in another script
  (``segment``/``passage`` spans, e.g. an Arabic verse inside an English sentence), rendered
  as a bidi-isolated element with ``dir="auto"`` so the passage keeps its reading order.
- :class:`Piece`: ``[start, end)`` with the indices of the spans covering it.

Offsets are ``doc.text`` offsets, exactly as stored; the page escapes ``text[start:end]``
of each piece (Jinja2 autoescape), never marks document data safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...model import Span, span_order
from ...techniques.taxonomy import CATEGORIES, CATEGORY_OF

#: Layers drawn in the text, in the order the page lists them. ``segment`` is structure
#: (paragraphs, passages), not a highlight.
HIGHLIGHT_LAYERS: tuple[str, ...] = (
    "entity",
    "date",
    "quote",
    "citation",
    "technique",
    "role",
    "action",
)

#: Human names for the layers (toggle labels, legends).
LAYER_NAMES: Mapping[str, str] = {
    "entity": "Entities",
    "date": "Dates",
    "quote": "Quotes",
    "citation": "Citations",
    "technique": "Techniques",
    "role": "Roles",
    "action": "Calls to action",
}

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v\u00a0]*\n\s*")


def slug(value: str) -> str:
    """A CSS-class-safe token: lower case, runs of anything else than a-z0-9 become '-'."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


#: technique category → its CSS class suffix (``cat-attack-on-reputation``)
CATEGORY_CLASS: Mapping[str, str] = {c: slug(c) for c in CATEGORIES}


def category(span: Span) -> str | None:
    """A technique span's SemEval-2023 category (from attrs, else from the taxonomy)."""
    if span.layer != "technique":
        return None
    cat = span.attrs.get("category")
    return str(cat) if cat else CATEGORY_OF.get(span.label)


def anchor(span: Span) -> str:
    """The deep-link id of a span: ``span-{start}-{end}-{layer}-{label}``.

    Stable across page loads and reviews (it depends on nothing but the span itself);
    :func:`anchors` adds ``-2``, ``-3`` … to tell identical keys apart.
    """
    return anchor_for(span.start, span.end, span.layer, span.label)


def anchor_for(start: int, end: int, layer: str, label: str) -> str:
    """:func:`anchor` from the fields of a span (a span dict, a search hit's span …)."""
    return f"span-{int(start)}-{int(end)}-{slug(str(layer))}-{slug(str(label))}"


def anchors(spans: Sequence[Span]) -> list[str]:
    """:func:`anchor` of each span, made unique in order of appearance."""
    seen: dict[str, int] = {}
    out = []
    for s in spans:
        a = anchor(s)
        n = seen[a] = seen.get(a, 0) + 1
        out.append(a if n == 1 else f"{a}-{n}")
    return out


@dataclass(frozen=True, slots=True)
class Piece:
    """``text[start:end]`` covered by the spans whose indices are in ``marks``."""

    start: int
    end: int
    marks: tuple[int, ...] = ()


@dataclass(slots=True)
class Run:
    """Pieces outside any passage (``passage is None``) or inside one other-script passage."""

    passage: Span | None
    pieces: list[Piece] = field(default_factory=list)

    @property
    def lang(self) -> str | None:
        if self.passage is None:
            return None
        return str(self.passage.attrs.get("lang") or "") or None


@dataclass(slots=True)
class Block:
    """One paragraph: ``text[start:end]`` between blank lines, ``kind`` from the segment layer
    (``heading``, ``signoff`` or ``paragraph``), ``lang`` of the paragraph segment if known."""

    start: int
    end: int
    kind: str = "paragraph"
    lang: str | None = None
    runs: list[Run] = field(default_factory=list)


def blocks_of(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph: text between blank lines, without the blank lines
    and without leading or trailing whitespace. Only whitespace falls outside every block."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BLANK_LINES.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    trimmed = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed


def pieces(
    start: int,
    end: int,
    spans: Sequence[Span],
    cuts: Iterable[int] = (),
    candidates: Iterable[int] | None = None,
) -> list[Piece]:
    """Cut ``[start, end)`` at every boundary of ``spans`` (and at ``cuts``) into pieces.

    Each piece carries the indices (into ``spans``) of the spans covering it entirely, in
    index order. Adjacent pieces always differ in their marks or are separated by a cut.
    Empty spans cover nothing. ``candidates``: the indices worth looking at (all if None).
    """
    bounds = {start, end}
    which = range(len(spans)) if candidates is None else sorted(candidates)
    live = [(i, s) for i, s in ((i, spans[i]) for i in which) if s.start < s.end and s.end > start and s.start < end]
    for _, s in live:
        bounds.update(b for b in (s.start, s.end) if start < b < end)
    bounds.update(c for c in cuts if start < c < end)
    edges = sorted(bounds)
    out: list[Piece] = []
    for a, b in zip(edges, edges[1:], strict=False):
        marks = tuple(i for i, s in live if s.start <= a and s.end >= b)
        out.append(Piece(a, b, marks))
    return out


def layout(
    text: str, spans: Sequence[Span], segments: Iterable[Span] = (), cuts: Iterable[int] = ()
) -> list[Block]:
    """The whole text as blocks → runs → pieces, highlights from ``spans`` (indices into it).

    ``segments`` are the document's segment-layer spans: they name block kinds (heading,
    signoff) and languages, and their ``passage`` spans become runs of their own. ``cuts``
    are extra offsets to cut pieces at (e.g. the evidence of a header field, so that a
    link can light up exactly that stretch).
    """
    extra = sorted(set(cuts))
    by_start = sorted((i for i, s in enumerate(spans) if s.start < s.end), key=lambda i: spans[i].start)
    nxt = 0
    open_: list[int] = []  # spans that started before the current block and may reach into it
    segments = list(segments)
    passages = sorted((s for s in segments if s.label == "passage" and s.start < s.end), key=span_order)
    kinds: dict[tuple[int, int], str] = {}
    langs: dict[tuple[int, int], str] = {}
    for s in segments:
        if s.label == "signoff" or (s.label == "heading" and (s.start, s.end) not in kinds):
            kinds[s.start, s.end] = s.label  # a sign-off line is often a heading too
        if s.label in ("paragraph", "heading", "signoff") and s.attrs.get("lang"):
            langs.setdefault((s.start, s.end), str(s.attrs["lang"]))
    out = []
    for a, b in blocks_of(text):
        block = Block(a, b, kinds.get((a, b), "paragraph"), langs.get((a, b)))
        inside = [p for p in passages if p.start < b and p.end > a]
        here = [x for p in inside for x in (p.start, p.end)] + [x for x in extra if a < x < b]
        while nxt < len(by_start) and spans[by_start[nxt]].start < b:
            open_.append(by_start[nxt])
            nxt += 1
        open_ = [i for i in open_ if spans[i].end > a]
        for piece in pieces(a, b, spans, here, open_):
            passage = next((p for p in inside if p.start <= piece.start and piece.end <= p.end), None)
            if block.runs and block.runs[-1].passage is passage:
                block.runs[-1].pieces.append(piece)
            else:
                block.runs.append(Run(passage, [piece]))
        out.append(block)
    return out


def piece_classes(piece: Piece, spans: Sequence[Span], flags: Mapping[int, str] | None = None) -> str:
    """CSS classes of a piece: ``m`` (marked), ``l-{layer}`` per layer present, ``cat-{slug}``
    for the category of its strongest technique, and ``rv-{state}`` from ``flags`` (the
    review state per span index: accepted, rejected, relabelled, added).

    A rejected span draws no layer: the piece is struck through instead (``rv-rejected``),
    unless a technique still covers it, so that a live finding never looks rejected."""
    if not piece.marks:
        return ""
    flags = flags or {}
    live = [i for i in piece.marks if flags.get(i) != "rejected"]
    cls = ["m"]
    layers = {spans[i].layer for i in live}
    cls += [f"l-{layer}" for layer in HIGHLIGHT_LAYERS if layer in layers]
    techs = [spans[i] for i in live if spans[i].layer == "technique"]
    if techs:
        best = max(techs, key=lambda s: (s.score, -s.start))
        cat = category(best)
        if cat:
            cls.append(f"cat-{CATEGORY_CLASS.get(cat, slug(cat))}")
    states = {flags[i] for i in piece.marks if i in flags}
    if techs:
        states.discard("rejected")
    cls += [f"rv-{s}" for s in sorted(states)]
    return " ".join(cls)


def piece_title(piece: Piece, spans: Sequence[Span]) -> str:
    """Hover text: one line per covering span, ``layer: label (score)``."""
    return "\n".join(f"{spans[i].layer}: {spans[i].label} ({spans[i].score:.2f})" for i in piece.marks)


def snippet_parts(snippet: str, open_mark: str = "«", close_mark: str = "»") -> list[tuple[str, bool]]:
    """A search snippet with matches between markers → ``[(text, is_match), …]``.

    The page escapes every part and wraps matches in ``<mark>``; unbalanced markers are
    kept as text, so nothing of the snippet is lost.
    """
    out: list[tuple[str, bool]] = []
    pos = 0
    while True:
        i = snippet.find(open_mark, pos)
        j = snippet.find(close_mark, i + 1) if i >= 0 else -1
        if i < 0 or j < 0:
            if pos < len(snippet):
                out.append((snippet[pos:], False))
            return out
        if i > pos:
            out.append((snippet[pos:i], False))
        out.append((snippet[i + 1 : j], True))
        pos = j + 1


def attr_items(attrs: Mapping[str, Any], skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """A span's attrs as (key, readable value) pairs for the inspector, skipping empties."""
    out = []
    skipped = set(skip)
    for k, v in attrs.items():
        if k in skipped or v in (None, "", [], {}):
            continue
        out.append((k, _readable(v)))
    return out


def _readable(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, Mapping):
        return "; ".join(f"{k}: {_readable(x)}" for k, x in v.items() if x not in (None, "", [], {}))
    if isinstance(v, (list, tuple)):
        return ", ".join(_readable(x) for x in v)
    return str(v)


# ---- charts: inline SVG drawn from these shapes by the templates (no chart library) -------

#: Series colours (issuers), colour-blind-friendly (Okabe-Ito, then greys for "other").
PALETTE: tuple[str, ...] = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
)  # fmt: skip
OTHER_COLOUR = "#9ca3af"

#: Technique category colours: the same hues as the underlines in the document text.
CATEGORY_COLOUR: Mapping[str, str] = {
    "Attack on reputation": "#dc2626",
    "Justification": "#ea580c",
    "Simplification": "#c026d3",
    "Distraction": "#ca8a04",
    "Call": "#7c3aed",
    "Manipulative wording": "#0891b2",
}


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor
    cls: str = ""


@dataclass(slots=True)
class Chart:
    """An SVG chart as shapes: ``rects`` (each with a tooltip and an optional link),
    ``labels``, horizontal ``grid`` lines (y), and a ``legend`` of (name, colour)."""

    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""


def nice_max(n: float) -> int:
    """The smallest 1/2/5 × 10^k at or above ``n`` (at least 1): a round axis maximum."""
    if n <= 1:
        return 1
    k = 1
    while True:
        for m in (1, 2, 5):
            if m * k >= n:
                return m * k
        k *= 10


def stacked_columns(
    periods: Sequence[str],
    series: Sequence[tuple[str, Mapping[str, int], str]],
    *,
    width: int = 1100,
    height: int = 260,
    href: Any = None,
    title: str = "",
) -> Chart:
    """Stacked columns, one per period; ``series`` are (name, counts by period, colour),
    stacked bottom-up in order. ``href(name, period)`` links a segment (or None)."""
    left, right, top, bottom = 40, 8, 10, 26
    chart = Chart(width, height, title=title, legend=[(n, c) for n, _, c in series])
    if not periods:
        return chart
    totals = [sum(counts.get(p, 0) for _, counts, _ in series) for p in periods]
    ymax = nice_max(max(totals) if totals else 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(periods)
    bar_w = max(1.0, step * 0.72)
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        chart.grid.append(round(y, 1))
        value = ymax * frac
        chart.labels.append(Label(left - 6, y + 4, f"{value:g}", "end", "axis"))
    every = max(1, round(len(periods) / max(1, plot_w // 56)))
    for i, p in enumerate(periods):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for name, counts, colour in series:
            n = counts.get(p, 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            link = href(name, p) if href else None
            chart.rects.append(
                Rect(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), colour,
                     f"{name} — {p}: {n} statement{'s' if n != 1 else ''}", link)
            )  # fmt: skip
        if i % every == 0:
            chart.labels.append(Label(round(x + bar_w / 2, 1), height - 8, p, "middle", "axis"))
    return chart


def share_bars(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    keys: Sequence[str],
    colours: Mapping[str, str],
    *,
    width: int = 1100,
    bar_h: int = 20,
    label_w: int = 300,
    href: Any = None,
    title: str = "",
) -> Chart:
    """One 100 % bar per row, split by ``keys`` in order: the mix of each row at a glance.
    Row labels on the left, the row total on the right; ``href(row)`` links the label."""
    gap, right = 8, 56
    height = max(1, len(rows)) * (bar_h + gap) + gap
    chart = Chart(width, height, title=title, legend=[(k, colours.get(k, OTHER_COLOUR)) for k in keys])
    plot_w = width - label_w - right
    for r, (name, counts) in enumerate(rows):
        y = gap + r * (bar_h + gap)
        total = sum(counts.get(k, 0) for k in keys)
        chart.labels.append(Label(label_w - 8, y + bar_h - 5, _clip(name, 44), "end", "row"))
        chart.labels.append(Label(label_w + plot_w + 6, y + bar_h - 5, str(total), "start", "axis"))
        x = float(label_w)
        for k in keys:
            n = counts.get(k, 0)
            if not n or not total:
                continue
            w = plot_w * n / total
            chart.rects.append(
                Rect(round(x, 1), y, round(w, 1), bar_h, colours.get(k, OTHER_COLOUR),
                     f"{name} — {k}: {n} ({100 * n / total:.0f} %)", href(name) if href else None)
            )  # fmt: skip
            x += w
    return chart


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
