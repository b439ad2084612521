"""HTML to main text and stated metadata, with selectolax (Lexbor).

Main container: the ``<article>`` with the most text, else ``<main>`` / ``[role=main]``, else
the element whose ``<p>`` children hold the most text, else ``<body>``. Never text from
scripts, styles, nav, header/footer, aside, forms, or elements whose class/id names a
cookie banner, share bar, sidebar, menu, breadcrumb, newsletter box or the like. A
``<header>`` *inside* a chosen article/main container is kept: it holds the headline.

Text: every block element (p, h1-h6, li, blockquote, div, section, tr, ...) and every
``<br>`` ends a paragraph; paragraphs are joined with a blank line. Inside a paragraph
whitespace collapses as a browser collapses it and inline elements are joined as written
(``Val<b>doria</b>`` -> ``Valdoria``); ``<pre>`` keeps its whitespace; table cells are
separated by a space. Entities are decoded by the parser; no other change is made.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import E_INGEST_CORRUPT, IngestError
from .limits import Budget

_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main
    menu nav ol p pre section summary table tbody tfoot thead tr ul""".split()
)
_CELL = frozenset({"td", "th"})
_SKIP = frozenset(
    """script style noscript template nav aside form iframe svg math button select input
    textarea object embed canvas video audio map dialog head title meta link footer""".split()
)
_SKIP_OUTSIDE = frozenset({"header"})  # page furniture, but inside an article the headline
_SKIP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
     "menu", "menubar"}
)  # fmt: skip
# Words in a class or id that mark page furniture. Matched against whole words of the
# name split at - and _ ("cookie-banner" -> cookie, banner), so "bannerman" is safe.
_NOISE_WORDS = frozenset(
    """cookie cookies consent gdpr cmp banner newsletter subscribe subscription share sharing
    social sidebar breadcrumb breadcrumbs menu navbar nav related comments comment advert
    advertisement ads promo popup modal overlay toolbar skip""".split()
)
_WORD = re.compile(r"[a-z]+")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/](\d{2})[-/](\d{2})(?:\b|T)")
_PUBLISHED_META = (
    'meta[name="date" i]',
    'meta[property="article:published_time" i]',
    'meta[name="article:published_time" i]',
    'meta[itemprop="datePublished" i]',
    'meta[name="dc.date" i]',
    'meta[name="dcterms.date" i]',
    'meta[name="dc.date.issued" i]',
    'meta[name="pubdate" i]',
    'meta[name="publish-date" i]',
)
# a tag in lower-cased markup: (slash, formatting element name, its attributes, other name)
_TAG = re.compile(
    r"<(/?)(?:(a|b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u)(?=[\s/>])([^<>]*)"
    r"|([a-z][a-z0-9]*))"
)
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr html head body".split()
)
_CLOSES_P = frozenset(
    """address article aside blockquote center details dialog dir div dl dd dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre
    section summary table ul""".split()
)
_SELF_CLOSING = frozenset("p li dt dd option optgroup tr rb rt rp".split())  # <li> closes <li>
_CELLS = frozenset({"td", "th"})
_AUTO_CLOSED = _SELF_CLOSING | _CELLS
_SEARCH = 64  # how far down the stack an end tag looks for its element
_NOAHS_ARK = 3  # the HTML standard's limit on identical active formatting elements
# Blink flattens the DOM beyond 512 levels; real pages stay far below. Lexbor needs 7 s
# per 50 MB of markup held at 1,000 levels (measured), so that is where we stop.
_MAX_DEPTH = 1000
# Formatting elements the parser would re-create: 900,000 took Lexbor 1.1 s and 400 MB
# (measured), ordinary sloppy pages estimate a few hundred.
_MAX_REBUILT = 500_000
# An element named like furniture ("sidebar", "share", ...) with this many <p> in it is
# content after all; share bars and cookie banners have one or two at most.
_CONTENT_PARAGRAPHS = 3
# A container candidate needs this much text to be preferred over the density search;
# a teaser <article> with a one-line summary is not the page's content.
_MIN_CONTAINER_CHARS = 200


def extract_html(source: str, budget: Budget) -> tuple[str, dict]:
    """Return ``(main text, meta)`` for an HTML document given as a string."""
    check_markup(source)
    tree = LexborHTMLParser(source)
    meta = _meta(tree)
    body = tree.body or tree.root
    if body is None:
        return "", meta
    noise = _Furniture()
    container, text = _container(tree, body, budget, noise)
    if text is None:
        text = _text(container, budget, noise, inside=container.tag != "body")
    if "published" not in meta:
        for node in container.css("time[datetime]"):
            day = iso_date(node.attributes.get("datetime") or "")
            if day:
                meta["published"], meta["published_how"] = day, "stated"
                break
    if "title" not in meta:
        h1 = container.css_first("h1") or tree.css_first("h1")
        title = _collapse(h1.text(separator="")) if h1 else ""
        if title:
            meta["title"] = title
    return text, meta


def check_markup(source: str) -> None:
    """Refuse markup that makes the HTML parser blow up inside C, where no timer reaches.

    Two known shapes, found by a rough model of the parser's stack over a scan of the tags
    (a list of open elements, each counting the formatting elements opened inside it):

    * nesting: ``<div>`` x 100,000 takes Lexbor 20 s (the cost grows with the square of
      the depth); over ``_MAX_DEPTH`` levels is refused;
    * formatting bombs: unclosed formatting elements (``<b id=1>`` ... ``<b id=900>``)
      are re-created by the parser after every block that closes over them (900 of them
      and 5,000 ``<div>x</div>`` make 4.5 million nodes, 2.2 GB, 5 s).

    Raises IngestError(E_INGEST_CORRUPT).
    """
    if len(source) < 8192 or source.count("<") < 1000:  # too small to cost anything
        return
    frames: list[list] = [["#root", 0]]  # [element name, formatting elements open inside]
    formatting = active = rebuilt = 0
    counts: dict[str, int] = {}
    opened: dict[str, list[str]] = {}
    for slash, fmt, attrs, name in _TAG.findall(source.lower()):
        if fmt:
            if slash:
                sigs = opened.get(fmt)
                if sigs:
                    sig = sigs.pop()
                    counts[sig] -= 1
                    if counts[sig] < _NOAHS_ARK:
                        active -= 1
                if frames[-1][1]:
                    frames[-1][1] -= 1
                    formatting -= 1
                continue
            sig = fmt + attrs.strip()
            opened.setdefault(fmt, []).append(sig)
            counts[sig] = counts.get(sig, 0) + 1
            if counts[sig] <= _NOAHS_ARK:  # the parser keeps at most 3 identical ones
                active += 1
            frames[-1][1] += 1
            formatting += 1
        elif name in _VOID:
            continue
        elif slash:
            for i in range(len(frames) - 1, max(0, len(frames) - _SEARCH), -1):
                if frames[i][0] == name:
                    formatting -= sum(frame[1] for frame in frames[i:])
                    del frames[i:]
                    break
            if active > _NOAHS_ARK:
                rebuilt += active - _NOAHS_ARK
                if rebuilt > _MAX_REBUILT:
                    raise IngestError(
                        E_INGEST_CORRUPT,
                        f"HTML with {active} unclosed formatting tags the parser would copy "
                        "over and over (broken or hostile markup)",
                    )
            continue
        else:
            while frames[-1][0] in _AUTO_CLOSED and _closed_by(frames[-1][0], name):
                formatting -= frames.pop()[1]
            frames.append([name, 0])
        if len(frames) + formatting > _MAX_DEPTH:
            raise IngestError(
                E_INGEST_CORRUPT,
                f"HTML nested over {_MAX_DEPTH} levels deep (broken or hostile markup)",
            )


def _closed_by(top: str, name: str) -> bool:
    """Whether opening ``name`` implicitly closes the open element ``top`` (roughly)."""
    if top == "p":
        return name in _CLOSES_P
    if top in _CELLS:
        return name in _CELLS or name == "tr"
    return top == name and name in _SELF_CLOSING


def iso_date(value: str) -> str | None:
    """``"2024-03-05T10:00:00Z"`` -> ``"2024-03-05"``; only real calendar dates, else None."""
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def _meta(tree: LexborHTMLParser) -> dict:
    meta: dict = {}
    title = tree.css_first("head title") or tree.css_first("title")
    if title:
        text = _collapse(title.text(separator=""))
        if text:
            meta["title"] = text
    for selector in _PUBLISHED_META:
        node = tree.css_first(selector)
        day = iso_date(node.attributes.get("content") or "") if node else None
        if day:
            meta["published"], meta["published_how"] = day, "stated"
            break
    author = tree.css_first('meta[name="author" i]')
    if author:
        name = _collapse(author.attributes.get("content") or "")
        if name:
            meta["author"] = name
    root = tree.root
    lang = (root.attributes.get("lang") or "").strip() if root is not None else ""
    if lang:
        meta["lang"] = lang
    return meta


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class _Furniture:
    """Which elements are page furniture, with the class/id verdicts cached per element."""

    __slots__ = ("_named",)

    def __init__(self) -> None:
        self._named: dict[int, bool] = {}

    def __call__(self, node: LexborNode, inside: bool) -> bool:
        tag = node.tag
        if tag in _SKIP or (not inside and tag in _SKIP_OUTSIDE):
            return True
        attrs = node.attributes
        if not attrs:
            return False
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        if (attrs.get("role") or "").lower() in _SKIP_ROLES:
            return True
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        if not names.strip() or _NOISE_WORDS.isdisjoint(_WORD.findall(names)):
            return False
        # named like furniture; but a wrapper holding paragraphs is content
        # (WordPress and others put "has-sidebar" on the content column)
        verdict = self._named.get(node.mem_id)
        if verdict is None:
            verdict = len(node.css("p")) < _CONTENT_PARAGRAPHS
            self._named[node.mem_id] = verdict
        return verdict

    def around(self, node: LexborNode) -> bool:
        """Whether an ancestor of ``node`` (below body) is furniture."""
        parent = node.parent
        while parent is not None and parent.tag not in ("body", "html", "-document"):
            if self(parent, inside=False):
                return True
            parent = parent.parent
        return False


def _container(
    tree: LexborHTMLParser, body: LexborNode, budget: Budget, noise: _Furniture
) -> tuple[LexborNode, str | None]:
    """The element holding the page's main text (see the module doc), ``body`` at worst,
    and its text when choosing it took extracting that already."""
    for selector in ("article", "main, [role=main]"):
        best, best_text = None, ""
        for node in tree.css(selector):
            if noise(node, inside=False) or noise.around(node):
                continue
            text = _text(node, budget, noise, inside=True)
            if len(text) > len(best_text):
                best, best_text = node, text
        if best is not None and len(best_text) >= _MIN_CONTAINER_CHARS:
            return best, best_text
    # density: the element whose direct <p> children carry the most text
    scores: dict[int, tuple[int, LexborNode]] = {}
    for para in tree.css("p"):
        budget.tick()
        parent = para.parent
        if parent is None or noise.around(para):
            continue
        size = len(_collapse(para.text(separator="")))
        total, _ = scores.get(parent.mem_id, (0, parent))
        scores[parent.mem_id] = (total + size, parent)
    if scores:
        total, parent = max(scores.values(), key=lambda item: item[0])
        if total >= _MIN_CONTAINER_CHARS:
            return parent, None
    return body, None


def _text(root: LexborNode, budget: Budget, noise: _Furniture, inside: bool) -> str:
    """Paragraph text of ``root``, skipping noise; an explicit stack, not recursion."""
    paragraphs: list[str] = []
    buffer: list[str] = []
    pre_depth = 0

    def flush() -> None:
        if buffer:
            joined = "".join(buffer)
            buffer.clear()
            piece = joined.strip("\n") if pre_depth else _collapse(joined)
            if piece.strip():
                paragraphs.append(piece)

    # stack items: (node, exiting)
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    visited = 0
    while stack:
        node, exiting = stack.pop()
        visited += 1
        if not visited & 1023:
            budget.check()
        if node.is_text_node:
            buffer.append(node.text_content or "")
            continue
        if not node.is_element_node:
            continue
        tag = node.tag
        if exiting:
            if tag == "pre":
                flush()
                pre_depth -= 1
            elif tag in _BLOCK:
                flush()
            elif tag in _CELL:
                buffer.append(" ")
            continue
        if node is not root and noise(node, inside=inside):
            continue
        if tag == "br":
            if pre_depth:
                buffer.append("\n")
            else:
                flush()
            continue
        if tag in _BLOCK or tag == "pre":
            flush()
        if tag == "pre":
            pre_depth += 1
        stack.append((node, True))
        children = list(node.iter(include_text=True))
        stack.extend((child, False) for child in reversed(children))
    flush()
    return "\n\n".join(paragraphs)
