"""End-to-end: Debian's Chromium (headless, through Playwright's own driver) against a
uvicorn server started here on 127.0.0.1: load the dashboard, open a statement, toggle a
layer, inspect a span, search, review a span and find it in the audit log, add a span from
a text selection, and check that a hostile statement renders as text and runs nothing.

Screenshots of every page go to ``artifacts/screenshots/`` (git-ignored), for people and
for CI artifacts. Skipped, with the reason, where ``/usr/bin/chromium`` is not installed
(``.ci/run`` installs it: ``apt-get install chromium``).
"""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (Debian package 'chromium'; .ci/run installs it)"
)


def _fixtures():
    """The fictional corpus of test_pages.py (one definition of the statements)."""
    spec = importlib.util.spec_from_file_location("webui_fixtures", Path(__file__).with_name("test_pages.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from communique.faces.web.app import create_app

    fx = _fixtures()
    db = tmp_path_factory.mktemp("browser") / "browser.db"
    ids = fx.build_store(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(str(db), user="ada")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", http="h11")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ids, fx
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page; every dialog, page error and console error is recorded (and a
    dialog dismissed) so that tests can assert there were none."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.dialogs = []
    pg.errors = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()


def shot(pg, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.evaluate("window.scrollTo(0, 0)")  # the sticky bar stays on top of a full-page capture
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_dashboard(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Corpus dashboard"
    assert page.locator("#timeline figure > svg rect").count() == 4  # one bar segment per issuer and month
    assert page.locator("#reposts tbody tr").count() == 1
    shot(page, "dashboard")
    assert page.errors == [] and page.dialogs == []


def test_open_document_toggle_layer_and_inspect(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    page.locator("#latest").get_by_role("link", name="The Siege of Port Annick Must End").click()
    page.wait_for_url(f"{base}/documents/{ids['siege']}")
    text = page.locator("#doctext")
    entity = text.locator(".l-entity").first
    assert entity.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(219, 234, 254)"
    # toggle the entity layer off with the mouse, then on again with the keyboard ("1")
    page.get_by_label("Entities").uncheck()
    assert "show-entity" not in (text.get_attribute("class") or "")
    assert entity.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert "layers=date%2Cquote%2Ccitation%2Ctechnique%2Crole%2Caction" in page.url
    page.locator("body").press("1")
    assert "show-entity" in (text.get_attribute("class") or "")
    # click a technique: the inspector shows label, score, explanation and source
    page.locator("#doctext .l-technique", has_text="sham").first.click()
    card = page.locator("#inspector-body .detail.current")
    assert card.locator("header strong").inner_text() == "Loaded_Language"
    assert "rule:loaded.lexicon@1" in card.locator(".prov").inner_text()
    assert card.locator(".expl").inner_text() == "emotionally loaded wording: 'sham'"
    assert "#span-716-720-technique-loaded-language" in page.url
    shot(page, "document")
    assert page.errors == [] and page.dialogs == []


def test_deep_link_and_keyboard(server, page):
    base, ids, _ = server
    page.goto(f"{base}/documents/{ids['siege']}#span-647-666-citation-quran")
    sel = page.locator("#doctext .m.sel")
    assert sel.count() == 1 and sel.inner_text() == "Surah Ar-Ra'd 13:11"
    card = page.locator("#inspector-body .detail.current")
    assert card.locator("header strong").inner_text() == "QURAN"
    assert card.locator(".verse").count() == 1  # the linked verse text
    page.keyboard.press("Escape")
    assert page.locator("#doctext .m.sel").count() == 0
    page.keyboard.press("j")  # the first finding: the dateline
    assert page.locator("#doctext .m.sel").inner_text() == "12 April 2023"
    page.keyboard.press("j")
    assert page.locator("#doctext .m.sel").inner_text() == "3rd April 2023"
    page.keyboard.press("k")
    assert page.locator("#doctext .m.sel").inner_text() == "12 April 2023"
    # the inline Arabic passage and the Arabic paragraph read right to left
    assert page.locator("#doctext .passage").evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.goto(f"{base}/documents/{ids['year']}")
    assert page.locator("#doctext p[lang=ar]").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("#doctext p[lang=en]").first.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.errors == []


def test_search(server, page):
    base, ids, _ = server
    page.goto(base + "/")
    page.keyboard.press("/")
    page.keyboard.type("Annick")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=Annick$"))
    assert page.locator(".result").count() == 5
    assert page.locator(".result mark").first.inner_text() == "Annick"
    shot(page, "search")
    page.locator("select[name=issuer]").select_option("Ministry of Public Order")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r".*issuer=Ministry\+of\+Public\+Order.*"))
    assert page.locator(".result h2").all_inner_texts() == ["Order Restored in Port Annick"]
    assert page.errors == []


def test_review_a_span_and_see_it_in_the_audit_log(server, page):
    from playwright.sync_api import expect

    base, ids, _ = server
    page.goto(f"{base}/documents/{ids['siege']}")
    page.locator("#doctext .l-technique", has_text="sham").first.click()
    page.locator("#inspector-body .detail.current").get_by_role("button", name="Reject").click()
    # the page reloads; its script reports the saved decision once the new page is ready
    expect(page.locator("#review-status")).to_have_text("Saved: reject by ada.")
    assert page.locator("#review-log li").first.inner_text().startswith("reject by ada ")
    # the rejected span is struck through, still shown: the model's output is kept
    sham = page.locator("#doctext .rv-rejected", has_text="sham")
    assert "line-through" in sham.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "l-technique" not in (sham.get_attribute("class") or "")
    assert page.locator("#inspector-body .detail.current .state").inner_text() == "rejected"
    shot(page, "review")
    # add a span: select "sham elections" in the text, as an analyst would with the mouse
    page.evaluate(
        """() => {
          const start = document.querySelector('#doctext [data-o="716"]');
          const end = document.querySelector('#doctext [data-o="720"]');
          const r = document.createRange();
          r.setStart(start.firstChild, 0);
          r.setEnd(end.firstChild, 10);
          const s = getSelection(); s.removeAllRanges(); s.addRange(r);
        }"""
    )
    page.keyboard.press("n")
    form = page.locator("#add-form")
    assert form.is_visible()
    assert form.locator("input[name=start]").input_value() == "716"
    assert form.locator("input[name=end]").input_value() == "730"
    assert page.locator("#add-text").inner_text() == "sham elections"
    form.locator("select[name=layer]").select_option("technique")
    form.locator("select[name=label]").select_option("Loaded_Language")
    form.locator("input[name=note]").fill("the whole phrase")
    form.get_by_role("button", name="Add span").click()
    expect(page.locator("#review-status")).to_have_text("Saved: add by ada.")
    assert page.url.endswith("#span-716-730-technique-loaded-language")
    assert page.locator("#review-log li").first.inner_text().startswith("add by ada ")
    assert "".join(page.locator("#doctext .m.sel").all_inner_texts()) == "sham elections"
    # relabel: "traitors" was called Name_Calling-Labeling by the rules; the analyst says Doubt
    page.locator("#doctext .l-technique", has_text="traitors").first.click()
    card = page.locator("#inspector-body .detail.current")
    assert card.locator("header strong").inner_text() == "Name_Calling-Labeling"
    card.get_by_role("button", name="Relabel…").click()
    card.locator("select.labels").select_option("Doubt")
    card.get_by_role("button", name="Save label").click()
    expect(page.locator("#review-status")).to_have_text("Saved: relabel by ada.")
    assert page.url.endswith("#span-384-392-technique-doubt")
    assert page.locator("#review-log li").count() == 3
    card = page.locator("#inspector-body .detail.current")
    assert card.locator("header strong").inner_text() == "Doubt"
    assert "the model said Name_Calling-Labeling" in card.locator(".review-note").inner_text()
    # the global audit log lists the three decisions, newest first
    page.goto(base + "/reviews")
    rows = page.locator(".audit-table tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)] == ["relabel", "add", "reject"]
    assert rows.nth(1).locator("td").nth(5).inner_text() == "the whole phrase"
    assert rows.nth(0).locator("td").nth(4).inner_text().startswith("Name_Calling-Labeling technique 384–392")
    shot(page, "audit-log")
    assert page.errors == [] and page.dialogs == []


def test_hostile_statement_renders_as_text(server, page):
    base, ids, fx = server
    page.goto(f"{base}/documents/{ids['hostile']}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == fx.HOSTILE_TITLE
    body = page.locator("#doctext").inner_text()
    assert "<script>alert(1)</script>" in body
    assert '<img src=x onerror=alert(2)> and <a href="javascript:alert(3)">click</a> are not welcome' in body
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script").count() == 1  # the page's own app.js
    # hover and click every highlighted piece: nothing may run
    for piece in page.locator("#doctext .m").all():
        piece.hover()
        piece.click()
    assert page.get_by_text(fx.HOSTILE_ISSUER).first.is_visible()
    shot(page, "hostile")
    for url in ("/", "/search?q=Harbour", "/search"):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    assert page.dialogs == []
    assert page.errors == []


def test_actor_and_repost_pages(server, page):
    base, ids, _ = server
    page.goto(base + "/actors/Free%20Assembly%20of%20Tarsel")
    assert page.locator("h1").inner_text() == "Free Assembly of Tarsel"
    assert page.locator("#casting tbody tr").count() >= 1
    shot(page, "actor")
    page.goto(f"{base}/reposts/{ids['siege']}")
    assert page.locator(".sbs ins").first.inner_text() == "Re-posted from the Tarsel channel:"
    assert page.locator(".sbs del", has_text="Either you stand").count() == 1
    shot(page, "repost-cluster")
    page.emulate_media(media="print")
    page.goto(f"{base}/documents/{ids['siege']}")
    assert not page.locator(".topbar").is_visible()
    assert page.locator("#doctext").is_visible()
    shot(page, "document-print")
    assert page.errors == []
