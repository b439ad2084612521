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
# A container candidate needs this much text to be preferred over the density search;
# a teaser <article> with a one-line summary is not the page's content.
_MIN_CONTAINER_CHARS = 200


def extract_html(source: str, budget: Budget) -> tuple[str, dict]:
    """Return ``(main text, meta)`` for an HTML document given as a string."""
    tree = LexborHTMLParser(source)
    meta = _meta(tree)
    body = tree.body or tree.root
    if body is None:
        return "", meta
    container = _container(tree, body, budget)
    text = _text(container, budget, inside=container.tag != "body")
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


def _is_noise(node: LexborNode, inside: bool) -> bool:
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
    return bool(names.strip()) and not _NOISE_WORDS.isdisjoint(_WORD.findall(names))


def _in_noise(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html", "-document"):
        if _is_noise(parent, inside=False):
            return True
        parent = parent.parent
    return False


def _container(tree: LexborHTMLParser, body: LexborNode, budget: Budget) -> LexborNode:
    """The element holding the page's main text (see the module doc); ``body`` at worst."""
    for selector in ("article", "main, [role=main]"):
        best, best_len = None, 0
        for node in tree.css(selector):
            if _is_noise(node, inside=False) or _in_noise(node):
                continue
            size = len(_text(node, budget, inside=True))
            if size > best_len:
                best, best_len = node, size
        if best is not None and best_len >= _MIN_CONTAINER_CHARS:
            return best
    # density: the element whose direct <p> children carry the most text
    scores: dict[int, tuple[int, LexborNode]] = {}
    for para in tree.css("p"):
        budget.tick()
        parent = para.parent
        if parent is None or _in_noise(para):
            continue
        size = len(_collapse(para.text(separator="")))
        total, _ = scores.get(parent.mem_id, (0, parent))
        scores[parent.mem_id] = (total + size, parent)
    if scores:
        total, parent = max(scores.values(), key=lambda item: item[0])
        if total >= _MIN_CONTAINER_CHARS:
            return parent
    return body


def _text(root: LexborNode, budget: Budget, inside: bool) -> str:
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
    while stack:
        node, exiting = stack.pop()
        budget.tick()
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
        if node is not root and _is_noise(node, inside=inside):
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
