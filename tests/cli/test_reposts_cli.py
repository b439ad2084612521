"""communique reposts and communique diff: clusters in first-seen order with their sources,
diffs with the changed words marked, json shapes and exit codes.

All statements, organisations, places and people here are invented.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.faces.cli.main import app
from communique.lineage import diff_texts
from communique.model import Document
from communique.storage.sqlite import Store

runner = CliRunner(env={"COLUMNS": "240"})

ASSEMBLY, FRONT = "Assembly of the Ostra Valley", "Tessaly Front"

ORIGINAL = """Statement of the Assembly of the Ostra Valley

Kesh, 3 March 2024

The Assembly condemns the closure of the northern bridge by the Varkan governor. For eleven days the farmers of Kesh have been unable to bring their grain to the market of Dravik. The elders of the valley were not consulted. We call on the traders of Dravik to refuse the new toll.

Media Office of the Assembly of the Ostra Valley
"""
COPY = ORIGINAL.replace("Kesh, 3 March 2024", "Kesh, 5 March 2024").replace("were not consulted", "were never consulted")
REPOST = "Re-posted from the Dravik Bulletin:\n\n" + ORIGINAL
CONVOY = """Communiqué of the Tessaly Front

The Tessaly Front announces that the grain convoy from Orun reached the villages of the upper plain on Sunday. Volunteers from Harrow unloaded forty carts before dusk. Distribution begins at the old school of Harrow on Monday at eight.
"""
CONVOY_COPY = CONVOY.replace("forty carts", "fifty carts")
LAKE = """Statement of the Assembly of the Ostra Valley

The Assembly mourns the fishermen of Lake Sadova who drowned in the storm on Tuesday. We ask every family in the valley to light a lamp at dusk on Friday in their memory.

Media Office of the Assembly of the Ostra Valley
"""


def _doc(text: str, issuer: str, published: str | None) -> Document:
    return Document.from_text(text, {"title": text.splitlines()[0], "issuer": issuer, "published": published})


DOCS = {
    # ingest order; the original arrives after its re-post
    "repost": (_doc(REPOST, ASSEMBLY, None), "feeds/bulletin.txt"),
    "copy": (_doc(COPY, ASSEMBLY, "2024-03-05"), "feeds/copy.txt"),
    "original": (_doc(ORIGINAL, ASSEMBLY, "2024-03-03"), "site/bridge.txt"),
    "convoy": (_doc(CONVOY, FRONT, "2024-05-01"), "front/convoy.txt"),
    "convoy_copy": (_doc(CONVOY_COPY, FRONT, None), "front/convoy_copy.txt"),
    "lake": (_doc(LAKE, ASSEMBLY, "2024-04-09"), "site/lake.txt"),
}
ID = {k: d.id for k, (d, _) in DOCS.items()}


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "c.db"
    with Store(path) as s:
        run = s.begin_run("0.1.0", "cfg", {})
        for doc, source in DOCS.values():
            s.put_document(doc, source, "txt", run)
        s.add_source(ID["repost"], "mirror/bulletin.html", "html", run)
        s.finish_run(run, {}, "done")
    return str(path)


@pytest.fixture
def wide() -> Iterator[None]:
    from communique.faces.cli.common import console

    old = console.width
    console.width = 250  # one line per table row and per diff line
    try:
        yield
    finally:
        console.width = old


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_reposts_json_clusters_in_first_seen_order_with_every_source(db: str) -> None:
    r = _run("reposts", "--db", db, "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [c["id"] for c in out["clusters"]] == [ID["original"], ID["convoy"]]
    bridge, convoy = out["clusters"]
    assert [m["id"] for m in bridge["members"]] == [ID["original"], ID["copy"], ID["repost"]]
    assert [(m["seen_from"], m["published"]) for m in bridge["members"]] == [
        ("published", "2024-03-03"),
        ("published", "2024-03-05"),
        ("first_seen", None),
    ]
    assert [[(s["source"], s["format"]) for s in m["sources"]] for m in bridge["members"]] == [
        [("site/bridge.txt", "txt")],
        [("feeds/copy.txt", "txt")],
        [("feeds/bulletin.txt", "txt"), ("mirror/bulletin.html", "html")],
    ]
    assert [(m["jaccard"], m["containment"]) for m in bridge["members"]] == [(1.0, 1.0), (0.7368, 0.8485), (0.9167, 1.0)]
    assert (bridge["size"], bridge["first_seen"], bridge["issuers"]) == (3, "2024-03-03", [ASSEMBLY])
    assert bridge["last_seen"] == bridge["members"][2]["first_seen"]
    assert [m["id"] for m in convoy["members"]] == [ID["convoy"], ID["convoy_copy"]]
    assert out["stats"]["documents"] == 6 and out["stats"]["clusters"] == 2
    assert out["params"]["threshold"] == 0.5 and out["params"]["shingle"] == 5


def test_reposts_table(db: str, wide: None) -> None:
    r = _run("reposts", "--db", db)
    assert r.exit_code == 0, r.output
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    titles = [line for line in lines if line.startswith("cluster ")]
    assert titles[0].startswith(f"cluster {ID['original']} · 3 versions · 2024-03-03 → ")
    assert titles[1].startswith(f"cluster {ID['convoy']} · 2 versions · 2024-05-01 → ")
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    # first row of each member: number, id, first seen, J, issuer · title, first source
    assert [r[:2] for r in rows if r[0]] == [["1", ID["original"]], ["2", ID["copy"]], ["3", ID["repost"]],
                                              ["1", ID["convoy"]], ["2", ID["convoy_copy"]]]  # fmt: skip
    first = rows[0]
    assert first[2] == "2024-03-03 published" and first[3] == "1.00"
    assert first[4] == f"{ASSEMBLY} · Statement of the Assembly of the Ostra Valley"
    assert first[5].startswith("site/bridge.txt [txt] ")
    repost = rows.index(next(r for r in rows if r[1] == ID["repost"]))
    assert rows[repost][2].endswith(" ingested") and rows[repost][3] == "0.92"
    assert rows[repost + 1][3] == "1.00" and rows[repost + 1][5].startswith("mirror/bulletin.html [html] ")
    assert lines[-1].startswith("2 clusters; 5 of 6 documents are near-duplicates (threshold 0.5; ")


def test_reposts_min_size_and_limit(db: str) -> None:
    everything = json.loads(_run("reposts", "--db", db, "-f", "json", "--min-size", "1").stdout)
    assert [[m["id"] for m in c["members"]] for c in everything["clusters"]] == [
        [ID["original"], ID["copy"], ID["repost"]],
        [ID["convoy"], ID["convoy_copy"]],
        [ID["lake"]],
    ]
    big = json.loads(_run("reposts", "--db", db, "-f", "json", "--min-size", "3").stdout)
    assert [c["id"] for c in big["clusters"]] == [ID["original"]]
    one = json.loads(_run("reposts", "--db", db, "-f", "json", "--limit", "1").stdout)
    assert [c["id"] for c in one["clusters"]] == [ID["original"]]


def test_a_strict_threshold_splits_the_clusters(db: str) -> None:
    out = json.loads(_run("reposts", "--db", db, "-f", "json", "--threshold", "0.9").stdout)
    # the re-post (whole original inside) still joins; the edited copy (0.74 / 0.85) does not
    assert [[m["id"] for m in c["members"]] for c in out["clusters"]] == [[ID["original"], ID["repost"]]]


def test_reposts_on_an_empty_store(tmp_path: Path, wide: None) -> None:
    r = _run("reposts", "--db", str(tmp_path / "empty.db"))
    assert r.exit_code == 0
    assert r.stdout.strip() == "no clusters of 2 or more near-duplicate statements among 0 documents (threshold 0.5)"


@pytest.mark.parametrize(
    "args",
    [("--threshold", "0"), ("--threshold", "1.5"), ("--min-size", "0"), ("--format", "csv"), ("--limit", "-1")],
)
def test_reposts_bad_options_are_usage_errors(db: str, args: tuple[str, str]) -> None:
    assert _run("reposts", "--db", db, *args).exit_code == 2


def test_diff_text_marks_changed_words(db: str, wide: None) -> None:
    r = _run("diff", ID["original"][:6], ID["copy"][:6], "--db", db)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        f"--- {ID['original']}  Statement of the Assembly of the Ostra Valley · {ASSEMBLY} · published 2024-03-03",
        f"+++ {ID['copy']}  Statement of the Assembly of the Ostra Valley · {ASSEMBLY} · published 2024-03-05",
        "sentences: 2 changed, 0 removed, 0 added, 5 unchanged · words: 2 removed, 2 added · Jaccard 0.74, containment 0.85",
        "  Statement of the Assembly of the Ostra Valley",
        "~ Kesh, [-3-]{+5+} March 2024  [a 47-65 | b 47-65]",
        "  The Assembly condemns the closure of the northern bridge by the Varkan governor.",
        "  For eleven days the farmers of Kesh have been unable to bring their grain to the market of Dravik.",
        "~ The elders of the valley were [-not-]{+never+} consulted.  [a 247-291 | b 247-293]",
        "  We call on the traders of Dravik to refuse the new toll.",
        "  Media Office of the Assembly of the Ostra Valley",
    ]


def test_diff_in_colour_strikes_removed_words_and_greens_added_ones() -> None:
    from communique.faces.cli.reposts import render

    d = diff_texts(ORIGINAL, COPY)
    line = render(d, context=0, plain=False)[1]  # after "… 1 unchanged …"
    assert line.plain == "~ Kesh, 3 5 March 2024  [a 47-65 | b 47-65]"
    styled = {(line.plain[s.start : s.end], str(s.style)) for s in line.spans}
    assert ("3", "red strike") in styled and ("5", "green") in styled
    removed = render(diff_texts("One. Two.", "One."), plain=False)[1]
    assert removed.plain == "- Two.  [a 5-9 | b 4-4]"
    assert ("Two.", "red strike") in {(removed.plain[s.start : s.end], str(s.style)) for s in removed.spans}


def test_diff_context_folds_unchanged_sentences(db: str, wide: None) -> None:
    r = _run("diff", ID["original"], ID["repost"], "--db", db, "--context", "1")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[2:] == [
        "sentences: 0 changed, 0 removed, 1 added, 7 unchanged · words: 0 removed, 6 added · Jaccard 0.92, containment 1.00",
        "+ Re-posted from the Dravik Bulletin:  [a 0-0 | b 0-35]",
        "  Statement of the Assembly of the Ostra Valley",
        "  … 6 unchanged …",
    ]
    full = _run("diff", ID["original"], ID["repost"], "--db", db, "--full")
    assert len(full.stdout.splitlines()) == 3 + 8


def test_diff_json_is_the_library_diff(db: str) -> None:
    r = _run("diff", ID["original"], ID["copy"], "--db", db, "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    expected = diff_texts(ORIGINAL, COPY, ID["original"], ID["copy"]).to_dict()
    assert out["ops"] == expected["ops"] and out["summary"] == expected["summary"]
    assert out["a"] == {"id": ID["original"], "title": "Statement of the Assembly of the Ostra Valley",
                        "issuer": ASSEMBLY, "published": "2024-03-03"}  # fmt: skip
    changed = [o for o in out["ops"] if o["op"] == "replace"]
    assert [(o["a_text"], o["b_text"]) for o in changed] == [
        ("Kesh, 3 March 2024", "Kesh, 5 March 2024"),
        ("The elders of the valley were not consulted.", "The elders of the valley were never consulted."),
    ]


def test_diff_of_the_same_document(db: str) -> None:
    r = _run("diff", ID["lake"], ID["lake"], "--db", db)
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-1] == "the two texts have the same sentences"


def test_diff_unknown_document_exits_4(db: str) -> None:
    r = _run("diff", ID["original"], "ffffffffffffffff", "--db", db)
    assert r.exit_code == 4
    assert "E202" in r.output and "no document 'ffffffffffffffff'" in r.output
