"""communique show DOC — one document in the terminal, spans coloured by layer."""

from __future__ import annotations

from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .common import DB_OPTION, console, translate_errors

LAYER_STYLE = {
    "entity": "bold cyan",
    "date": "green",
    "quote": "italic yellow",
    "citation": "bold magenta",
    "technique": "underline red",
    "role": "underline blue",
    "action": "bold white on dark_red",
}
# technique spans are coloured by their SemEval-2023 category
CATEGORY_STYLE = {
    "Attack on reputation": "underline red",
    "Justification": "underline dark_orange",
    "Simplification": "underline magenta",
    "Distraction": "underline yellow",
    "Call": "underline bold bright_red",
    "Manipulative wording": "underline orange3",
}
# attrs worth a column in the findings table, per layer
_KEY_ATTRS = {
    "entity": ("canonical", "title", "role"),
    "date": ("value", "granularity", "tense"),
    "quote": ("speaker", "kind", "open_ended"),
    "citation": ("ref", "collection", "surah_name", "book"),
    "segment": ("lang", "script"),
    "technique": ("category", "explanation"),
    "role": ("actor", "explanation"),
    "action": ("action", "addressee", "urgency"),
}


def show(
    doc: str = typer.Argument(..., help="Document id (or a unique prefix of at least 4 characters)."),
    db: str = DB_OPTION,
    layers: str | None = typer.Option(None, "--layers", "-l", help="Comma-separated layers to show (default: all but segment)."),
    text_only: bool = typer.Option(False, "--text-only", help="Only the coloured text, no tables."),
) -> None:
    """Render a document with its findings: coloured text, header fields and a findings table."""
    import communique

    with translate_errors(), communique.open(db) as corpus:
        d = corpus.get(doc)
        sources = corpus.sources(d.id)
    wanted = set(layers.split(",")) if layers else set(LAYER_STYLE)
    console.print(_header(d, sources))
    console.print(Panel(_coloured(d, wanted), title=d.meta.get("title") or d.id, title_align="left"))
    if text_only:
        return
    present = {s.layer for s in d.spans} & wanted
    legend = Text("  ".join(f"[{k}]" for k in LAYER_STYLE if k in present))
    for k in LAYER_STYLE:
        if k in present:
            legend.highlight_words([f"[{k}]"], LAYER_STYLE[k])
    cats = sorted({str(s.attrs["category"]) for s in d.spans if s.layer == "technique" and s.attrs.get("category")})
    if "technique" in present and cats:
        legend.append("   techniques: ")
        for c in cats:
            legend.append(f"[{c}] ", style=CATEGORY_STYLE.get(c, ""))
    console.print(legend)
    if "role" in wanted or "action" in wanted:
        for table in _framing(d, wanted):
            console.print(table)
    console.print(_findings(d, wanted | ({"segment"} if layers and "segment" in layers else set())))


def _header(d: Any, sources: list[tuple[str, str, str]]) -> Table:
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    m = d.meta
    t.add_row("id", d.id)
    for field in ("title", "doc_type", "issuer", "office", "author", "author_role"):
        if m.get(field):
            t.add_row(field, str(m[field]))
    if m.get("published"):
        t.add_row("published", f"{m['published']} ({m.get('published_how') or '?'})")
    if m.get("languages"):
        t.add_row("languages", ", ".join(m["languages"]))
    for src, fmt, first_seen in sources:
        t.add_row("source", f"{src} [{fmt}] first seen {first_seen}")
    return t


def _coloured(d: Any, wanted: set[str]) -> Text:
    text = Text(d.text)
    for s in d.spans:
        if s.layer == "segment" and s.label == "heading":
            text.stylize("bold", s.start, s.end)
        elif s.layer in wanted and s.layer in LAYER_STYLE:
            style = CATEGORY_STYLE.get(s.attrs.get("category", ""), LAYER_STYLE[s.layer]) if s.layer == "technique" else LAYER_STYLE[s.layer]
            text.stylize(style, s.start, s.end)
    return text


def _framing(d: Any, wanted: set[str]) -> list[Table]:
    """The framing summary: actor → roles with counts and the strongest evidence; the calls."""
    from ...framing import summary

    f = summary(d)
    out: list[Table] = []
    if "role" in wanted and f.actors:
        t = Table(title="framing: how the text casts each actor", title_justify="left")
        for col in ("actor", "role", "n", "strongest evidence", "score", "rule"):
            t.add_column(col, overflow="fold")
        for a in f.actors:
            for i, (role, n) in enumerate(a.roles.items()):
                ev = a.strongest[role]
                t.add_row(a.actor if i == 0 else "", role, str(n), _clip(ev.text), f"{ev.score:.2f}", ev.rule)
        out.append(t)
    if "action" in wanted and f.calls:
        t = Table(title="calls to action", title_justify="left")
        for col in ("action", "addressee", "urgency", "evidence", "rule"):
            t.add_column(col, overflow="fold")
        for c in f.calls:
            t.add_row(c.action, c.addressee or "(the reader)", c.urgency, _clip(c.text), c.rule)
        out.append(t)
    return out


def _clip(text: str, n: int = 70) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _findings(d: Any, wanted: set[str]) -> Table:
    t = Table(title="findings", title_justify="left")
    for col in ("layer", "label", "offsets", "text", "details", "score", "source"):
        t.add_column(col, overflow="fold")
    for s in d.spans:
        if s.layer not in wanted:
            continue
        surface = d.text[s.start : s.end].replace("\n", " ")
        if len(surface) > 60:
            surface = surface[:57] + "…"
        details = ", ".join(
            f"{k}={s.attrs[k]}" for k in _KEY_ATTRS.get(s.layer, ()) if s.attrs.get(k) not in (None, "", [])
        )
        rule = s.attrs.get("rule")
        source = s.source + (f" ({rule})" if rule else "")
        t.add_row(s.layer, s.label, f"{s.start}-{s.end}", surface, details, f"{s.score:.2f}", source, style=LAYER_STYLE.get(s.layer, ""))
    return t
