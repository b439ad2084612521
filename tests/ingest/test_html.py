"""html: the main text without page furniture, paragraphs kept, stated metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from communique.errors import E_INGEST_CORRUPT, E_INGEST_EMPTY
from communique.ingest import IngestFailure, read_bytes, read_path
from communique.ingest.htmltext import iso_date

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Communique No. 7 | Northern Valdoria Front</title>
  <meta name="author" content="Teodor  Marek">
  <meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
  <style>p { color: red }</style>
  <script>var banner = "<p>not text</p>";</script>
</head>
<body>
  <header class="site-header"><a href="/">NVF</a>
    <nav><ul><li><a href="/news">News</a></li><li><a href="/about">About</a></li></ul></nav>
  </header>
  <div id="cookie-consent">We use cookies. <button>Accept all</button></div>
  <main>
    <article>
      <header>
        <h1>On the   Northern &amp; Southern Roads</h1>
        <p class="byline">By <a href="/marek">Teodor Marek</a>, spokesman</p>
      </header>
      <p>The <b>Northern Valdoria Front</b> declares that Val<i>doria</i>&#8217;s
         roads belong to its people.</p>
      <p>Spokesman Teodor Marek said in Ostrava-Nord:<br>&ldquo;We will not yield.&rdquo;</p>
      <blockquote>No road without the people.</blockquote>
      <ul><li>Lift the checkpoints.</li><li>Release the prisoners of Kessel Bay.</li></ul>
      <div class="share-bar">Share on Facebook</div>
      <form><input name="q"> Subscribe to our newsletter</form>
      <footer>Tags: roads, Kessel Bay</footer>
    </article>
    <aside><h2>Related</h2><p>Other statements by the Front.</p></aside>
  </main>
  <footer>&copy; 2024 Northern Valdoria Front. All rights reserved.</footer>
  <script>track();</script>
</body>
</html>
"""

PAGE_TEXT = (
    "On the Northern & Southern Roads\n\n"
    "By Teodor Marek, spokesman\n\n"
    "The Northern Valdoria Front declares that Valdoria\u2019s roads belong to its people.\n\n"
    "Spokesman Teodor Marek said in Ostrava-Nord:\n\n"
    "\u201cWe will not yield.\u201d\n\n"
    "No road without the people.\n\n"
    "Lift the checkpoints.\n\n"
    "Release the prisoners of Kessel Bay."
)


def test_article_page(tmp_path: Path) -> None:
    path = tmp_path / "c7.html"
    path.write_text(PAGE, encoding="utf-8")
    result = read_path(path)
    assert result.failures == []
    (doc,) = result.docs
    assert doc.format == "html"
    assert doc.source == str(path)
    assert doc.text == PAGE_TEXT
    assert doc.meta == {
        "format": "html",
        "title": "Communique No. 7 | Northern Valdoria Front",
        "published": "2024-03-05",
        "published_how": "stated",
        "author": "Teodor Marek",
        "lang": "en-GB",
        "encoding": "utf-8",
    }


def test_densest_container_without_article() -> None:
    page = (
        "<html><body><div class='menu'><a>Home</a> <a>Archive</a></div>"
        "<div class='teaser'><p>Short teaser.</p></div>"
        "<div class='content'>"
        "<h1>Statement of the Kessel Bay Council</h1>"
        "<p>The Council of Kessel Bay condemns the raid on the harbour of Port Alvin "
        "carried out on the night of the fourth of March.</p>"
        "<p>It calls on the fishermen of the bay to stay ashore until the Governor, "
        "Ilse Varga, answers for the raid before the assembly.</p>"
        "</div><div class='footer-links'><p>Imprint</p></div></body></html>"
    )
    (doc,) = read_bytes(page.encode(), "council.html").docs
    assert doc.text == (
        "Statement of the Kessel Bay Council\n\n"
        "The Council of Kessel Bay condemns the raid on the harbour of Port Alvin carried out "
        "on the night of the fourth of March.\n\n"
        "It calls on the fishermen of the bay to stay ashore until the Governor, Ilse Varga, "
        "answers for the raid before the assembly."
    )
    # no <title>: the first h1 is the title
    assert doc.meta["title"] == "Statement of the Kessel Bay Council"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # inline elements joined as written, no spaces invented
        ("<p>Val<b>doria</b> and <i>Kessel</i> Bay</p>", "Valdoria and Kessel Bay"),
        # whitespace and newlines inside a paragraph collapse to one space
        ("<p>The   Front\n   marches\tat dawn.</p>", "The Front marches at dawn."),
        # <br> ends a paragraph
        ("<div>Line one<br>Line two<br/>Line three</div>", "Line one\n\nLine two\n\nLine three"),
        # text after a nested block is a paragraph of its own
        ("<div>Before<p>Inside</p>After</div>", "Before\n\nInside\n\nAfter"),
        # entities decoded
        (
            "<p>&laquo;Non&raquo; &mdash; Front &amp; Council &#233;t&eacute;</p>",
            "\u00abNon\u00bb \u2014 Front & Council \u00e9t\u00e9",
        ),
        # <pre> keeps its whitespace
        ("<pre>  first\n    second</pre><p>after</p>", "  first\n    second\n\nafter"),
        # table cells separated by a space, rows are paragraphs
        (
            "<table><tr><td>Date</td><td>Place</td></tr><tr><td>4 March</td><td>Port Alvin</td></tr></table>",
            "Date Place\n\n4 March Port Alvin",
        ),
        # hidden elements and role=navigation dropped
        (
            "<p>Seen.</p><p hidden>Hidden.</p><div role='navigation'>Menu</div><p aria-hidden='true'>x</p>",
            "Seen.",
        ),
    ],
)
def test_text_shape(html: str, text: str) -> None:
    (doc,) = read_bytes(f"<html><body>{html}</body></html>".encode(), "p.html").docs
    assert doc.text == text


def test_time_element_in_article_gives_published() -> None:
    page = (
        "<html><head><title>T</title></head><body><article>"
        "<time datetime='2023-11-30T18:00'>30 November</time>"
        "<p>The Front met.</p></article></body></html>"
    )
    (doc,) = read_bytes(page.encode(), "t.html").docs
    assert (doc.meta["published"], doc.meta["published_how"]) == ("2023-11-30", "stated")


def test_meta_name_date() -> None:
    page = "<html><head><meta name='date' content='2022/07/01'></head><body><p>x</p></body></html>"
    (doc,) = read_bytes(page.encode(), "t.html").docs
    assert doc.meta["published"] == "2022-07-01"


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2024-03-05", "2024-03-05"),  # plain ISO date
        ("2024-03-05T09:30:00Z", "2024-03-05"),  # ISO timestamp
        ("2024/03/05", "2024-03-05"),  # slashes
        ("2024-02-30", None),  # not a calendar date
        ("5 March 2024", None),  # prose dates are the dates stage's job
        ("", None),
    ],
)
def test_iso_date(value: str, day: str | None) -> None:
    assert iso_date(value) == day


def test_declared_legacy_charset() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        "</head><body><p>بيان جبهة فالدوريا الشمالية</p></body></html>"
    ).encode("cp1256")
    (doc,) = read_bytes(page, "ar.html").docs
    assert doc.text == "بيان جبهة فالدوريا الشمالية"
    assert doc.meta["encoding"] == "cp1256"


def test_iso_8859_1_label_means_windows_1252() -> None:
    page = (
        "<html><head><meta charset='iso-8859-1'></head><body><p>\u201cNon\u201d</p></body></html>"
    )
    (doc,) = read_bytes(page.encode("cp1252"), "fr.html").docs
    assert doc.text == "\u201cNon\u201d"


def test_page_with_only_furniture_is_empty() -> None:
    page = "<html><body><nav>Home About</nav><script>x()</script><footer>(c)</footer></body></html>"
    assert read_bytes(page.encode(), "nav.html").failures == [
        IngestFailure("nav.html", E_INGEST_EMPTY, "no main text found in the HTML")
    ]


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        # 100,000 nested divs: quadratic inside the parser
        ("<div>" * 100_000 + "x", "HTML nested over 1000 levels deep (broken or hostile markup)"),
        # 900 distinct unclosed <b> re-created after every block
        (
            "<div>" + "".join(f"<b id={i}>" for i in range(900)) + "</div>" + "<div>x</div>" * 2000,
            "HTML with 900 unclosed formatting tags the parser would copy over and over "
            "(broken or hostile markup)",
        ),
    ],
)
def test_hostile_markup_refused(markup: str, reason: str) -> None:
    result = read_bytes(markup.encode(), "bomb.html")
    assert result.failures == [IngestFailure("bomb.html", E_INGEST_CORRUPT, reason)]


def test_sloppy_markup_accepted() -> None:
    # thousands of unclosed <b> inside paragraphs, <li> and cells: ordinary bad HTML
    page = "<body>" + "<p><b>Name:</p>" * 3000 + "<ul>" + "<li><i>item" * 3000 + "</ul>"
    page += "<table>" + "<tr><td><font size=2>a<td>b" * 3000 + "</table>"
    result = read_bytes(page.encode(), "sloppy.html")
    assert result.failures == []
    assert result.docs[0].text.startswith("Name:\n\nName:")


def test_content_wrapper_named_like_furniture_is_kept() -> None:
    # CMS themes put layout words on the content column: "has-sidebar" is not a sidebar
    paragraphs = "".join(
        f"<p>Paragraph {n} of the statement of the Kessel Bay Council.</p>" for n in range(1, 4)
    )
    page = (
        "<html><body><div class='layout has-sidebar'>"
        f"<div class='entry'>{paragraphs}</div>"
        "<div class='sidebar'><p>Archive</p></div>"
        "</div></body></html>"
    )
    (doc,) = read_bytes(page.encode(), "wp.html").docs
    assert doc.text == (
        "Paragraph 1 of the statement of the Kessel Bay Council.\n\n"
        "Paragraph 2 of the statement of the Kessel Bay Council.\n\n"
        "Paragraph 3 of the statement of the Kessel Bay Council."
    )
