"""communique timeline and communique profile: exact tables, csv and json, charts, exit codes.

All texts, organisations, places and people here are invented.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from communique.faces.cli.main import app
from communique.model import Document, Span
from communique.storage.sqlite import Store

runner = CliRunner(env={"COLUMNS": "240"})

GUILD, WATCH = "Harbour Guild of Lorvane", "Lorvane Coast Watch"
FIRST = "Port Ilse, 12 May 2022. On 3 April 2022 the junta's boats seized our vessels, as in 1987. Gather at the quay!"
SECOND = "Port Ilse, 2 June 2022. The seizure of 3 April 2022 must never be forgotten. Never!"


def _doc(text: str, meta: dict[str, Any], specs: list[tuple[str, str, str, float, dict[str, Any]]]) -> Document:
    spans = []
    for surface, layer, label, score, attrs in specs:
        start = text.index(surface)
        spans.append(Span(start, start + len(surface), layer, label, score, attrs, f"test.{layer}@1"))
    return Document.from_text(text, meta).with_spans(spans)


def _day(surface: str, value: str, gran: str = "day") -> tuple[str, str, str, float, dict[str, Any]]:
    return (surface, "date", "DATE", 1.0, {"value": value, "granularity": gran, "tense": "past"})


@pytest.fixture
def db(tmp_path: Path) -> str:
    docs = [
        _doc(
            FIRST,
            {"issuer": GUILD, "published": "2022-05-12", "doc_type": "statement"},
            [
                _day("12 May 2022", "2022-05-12"),
                _day("3 April 2022", "2022-04-03"),
                _day("1987", "1987", "year"),
                ("the junta's boats", "role", "enemy", 0.8, {"actor": "the Varkan junta", "actor_kind": "COLLECTIVE"}),
                ("our vessels", "role", "victim", 0.7, {"actor": "the fishermen", "actor_kind": "COLLECTIVE"}),
                ("junta", "technique", "Name_Calling-Labeling", 0.6, {"category": "Attack on reputation"}),
                ("Gather at the quay", "action", "CALL_TO_ACTION", 0.9,
                 {"action": "gather at the quay", "addressee": None, "addressees": [], "urgency": "high"}),
                ("Port Ilse", "entity", "GPE", 0.9, {"canonical": "Port Ilse"}),
            ],
        ),
        _doc(
            SECOND,
            {"issuer": GUILD, "published": "2022-06-02", "doc_type": "statement"},
            [
                _day("2 June 2022", "2022-06-02"),
                _day("3 April 2022", "2022-04-03"),
                ("Never!", "technique", "Slogans", 0.7, {"category": "Call"}),
                ("Port Ilse", "entity", "GPE", 0.9, {"canonical": "Port Ilse"}),
            ],
        ),
        _doc(
            "Cape Dunmore, 14 June 2022. In March 2019 the same patrol took two boats.",
            {"issuer": WATCH, "published": "2022-06-14", "doc_type": "communique"},
            [_day("14 June 2022", "2022-06-14"), _day("March 2019", "2019-03", "month")],
        ),
        _doc("A leaflet without a date, about 3 April 2022.", {"issuer": WATCH}, [_day("3 April 2022", "2022-04-03")]),
    ]  # fmt: skip
    path = tmp_path / "c.db"
    with Store(path) as s:
        run = s.begin_run("0.1.0", "cfg", {})
        for i, d in enumerate(docs):
            s.put_document(d, f"in/{i}.txt", "txt", run)
    return str(path)


@contextmanager
def _wide() -> Iterator[None]:
    from communique.faces.cli.common import console

    old = console.width
    console.width = 200
    try:
        yield
    finally:
        console.width = old


def _run(*args: str):
    return runner.invoke(app, list(args))


def _cells(line: str, sep: str = "│") -> list[str]:
    return [c.strip() for c in line.split(sep)[1:-1]]


def test_timeline_table(db: str) -> None:
    with _wide():
        r = _run("timeline", "--db", db)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].rstrip() == "statements per month"
    assert _cells(lines[2], "┃") == ["month", GUILD, WATCH, "total"]
    body = [_cells(line) for line in lines if line.startswith("│")]
    assert body[:4] == [
        ["2022-05", "1", "·", "1"],
        ["2022-06", "1", "1", "2"],
        ["undated", "·", "1", "1"],
        ["total", "2", "2", "4"],
    ]
    assert "undated: 1 without a readable publication date" in r.stdout
    events = [c for c in body if len(c) == 8]
    assert [(c[0], c[1], c[2], c[3], c[4]) for c in events] == [
        ("1987", "year", "1", "1", f"{GUILD} 1"),
        ("2019-03", "month", "1", "1", f"{WATCH} 1"),
        ("2022-04-03", "day", "3", "3", f"{GUILD} 2, {WATCH} 1"),
    ]
    # the evidence column points at the first citation: id prefix and offsets
    at = FIRST.index("1987")
    assert events[0][7].endswith(f"@{at}-{at + 4}")
    assert "3 mentions of a statement's own publication date left out" in r.stdout


def test_timeline_csv_and_json(db: str) -> None:
    r = _run("timeline", "--db", db, "--format", "csv", "--by", "year")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "period,issuer,statements,events",
        f"1987,{GUILD},0,1",
        f"2019,{WATCH},0,1",
        f"2022,{GUILD},2,2",
        f"2022,{WATCH},1,1",
        f"undated,{WATCH},1,0",
    ]
    r = _run("timeline", "--db", db, "-f", "csv", "--no-events", "--since", "2022-06")
    # issuers with most statements first: the Watch's undated leaflet counts too
    assert r.stdout.splitlines() == ["period,issuer,statements", f"2022-06,{WATCH},1", f"2022-06,{GUILD},1", f"undated,{WATCH},1"]
    r = _run("timeline", "--db", db, "-f", "json", "--issuer", "harbour guild of lorvane")
    d = json.loads(r.stdout)
    assert (d["periods"], d["statements"], d["undated"]) == (["2022-05", "2022-06"], {GUILD: {"2022-05": 1, "2022-06": 1}}, {})
    assert [(e["value"], e["citations"], e["statements"]) for e in d["events"]] == [("1987", 1, 1), ("2022-04-03", 2, 2)]
    at = [FIRST.index("3 April 2022"), SECOND.index("3 April 2022")]
    assert [(c["start"], c["end"], c["source"]) for c in d["events"][1]["evidence"]] == [
        (at[0], at[0] + 12, "test.date@1"), (at[1], at[1] + 12, "test.date@1"),
    ]  # fmt: skip


def test_timeline_plot(db: str, tmp_path: Path) -> None:
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    r = _run("timeline", "--db", db, "--plot", str(png), "-f", "csv")
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert f"chart written to {png}" in r.stderr
    assert _run("timeline", "--db", db, "--plot", str(svg), "--by", "year").exit_code == 0
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg" and svg.stat().st_size > 10_000


def test_timeline_bad_input_exit_codes(db: str, tmp_path: Path) -> None:
    r = _run("timeline", "--db", db, "--since", "June 2022")
    assert r.exit_code == 2 and "--since 'June 2022' is not an ISO date" in r.stderr
    r = _run("timeline", "--db", db, "--since", "2022", "--until", "2021")
    assert r.exit_code == 2 and "--until 2021 is before --since 2022" in r.stderr
    r = _run("timeline", "--db", db, "--plot", str(tmp_path / "t.gif"))
    assert r.exit_code == 2 and "name a .png, .svg or .pdf file" in r.stderr and not (tmp_path / "t.gif").exists()
    r = _run("timeline", "--db", db, "--plot", str(tmp_path / "no" / "t.png"))
    assert r.exit_code == 2 and "does not exist" in r.stderr
    r = _run("timeline", "--db", db, "--issuer", "Harbor Guild")
    assert r.exit_code == 4 and f"did you mean: '{GUILD}'?" in r.stderr.replace("\n", " ")
    r = _run("timeline", "--db", str(tmp_path / "empty.db"))
    assert (r.exit_code, r.stdout.strip()) == (0, "no statements in the store")


def test_profile_table(db: str) -> None:
    with _wide():
        r = _run("profile", "harbour guild of lorvane", "--db", db)
    assert r.exit_code == 0, r.output
    out = r.stdout
    lines = out.splitlines()
    assert lines[0].rstrip() == f"profile: {GUILD}"
    summary = {c[0]: c[1] for c in (_cells(line) for line in lines[1:9]) if len(c) == 2}
    assert summary == {
        "statements": "2 of 4 in the corpus",
        "published": "2022-05-12 to 2022-06-02",
        "document types": "statement 2",
        "technique spans": "2 (corpus 2)",
        "role spans": "2: enemy 1, victim 1",
        "calls to action": "1 (urgency: high 1)",
    }
    rows = [_cells(line) for line in lines if line.startswith("│")]
    assert ["Name_Calling-Labeling", "Attack on reputation", "1", "1", "50.0%", "50.0%", "1.00"] in [r[:7] for r in rows]
    assert ["the Varkan junta", "COLLECTIVE", "enemy", "1", "1", "2022-05-12", "2022-05-12"] in [r[:7] for r in rows]
    assert ["Port Ilse", "GPE", "2", "2", "-"] in [r[:5] for r in rows]
    assert ["action", "gather at the quay", "1", "1"] in [r[:4] for r in rows]
    assert ["2022", "2", "Attack on reputation 1, Call 1", "enemy 1, victim 1", "1"] in rows


def test_profile_json_and_plot(db: str, tmp_path: Path) -> None:
    pdf = tmp_path / "p.pdf"
    r = _run("profile", GUILD, "--db", db, "-f", "json", "--by", "month", "--plot", str(pdf))
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [(pc["period"], pc["documents"]) for pc in d["over_time"]] == [("2022-05", 1), ("2022-06", 1)]
    assert [(a["name"], a["documents"]) for a in d["actors"]] == [("Port Ilse", 2), ("the Varkan junta", 1), ("the fishermen", 1)]
    assert d["actions"][0]["evidence"]["source"] == "test.action@1"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000


def test_profile_unknown_issuer_exit_4_with_suggestions(db: str) -> None:
    r = _run("profile", "Coast Watch", "--db", db)
    assert r.exit_code == 4
    assert "no statements by issuer 'Coast Watch'" in r.stderr and f"did you mean: '{WATCH}'" in r.stderr.replace("\n", " ")
    r = _run("profile", GUILD, "--db", db, "--until", "2022-13")
    assert r.exit_code == 2


def test_timeline_of_analysed_statements(tmp_path: Path) -> None:
    """The whole way: the pipeline reads datelines and cited dates, the timeline keeps the
    cited ones and drops the publication dates."""
    import communique

    texts = [
        "Statement of the Harbour Guild of Lorvane\n\nPort Ilse, 12 May 2022\n\n"
        "On 3 April 2022 the patrol boats of the Varkan junta seized four fishing vessels off Cape Dunmore. "
        "Our fathers fished these waters in 1987, and nobody stopped them.\n\n"
        "We call on every fisherman of Lorvane to gather at the quay on 20 May 2022.\n\nHarbour Guild of Lorvane\n",
        "Communiqué of the Harbour Guild of Lorvane\n\nCape Dunmore, 14 June 2022\n\n"
        "The seizure of 3 April 2022 was not the first: in March 2019 the same patrol took two boats.\n\n"
        "Harbour Guild of Lorvane\n",
    ]
    with communique.open(tmp_path / "c.db") as corpus:
        for text in texts:
            corpus.add(communique.analyze(text, {"issuer": GUILD}))
        tl = corpus.timeline()
    assert tl.statements == {GUILD: {"2022-05": 1, "2022-06": 1}}
    assert [(e.value, e.granularity, len(e.citations)) for e in tl.events] == [
        ("1987", "year", 1),
        ("2019-03", "month", 1),
        ("2022-04-03", "day", 2),
        ("2022-05-20", "day", 1),
    ]
    assert tl.publication_mentions == 2
    first = tl.events[2].citations[0]
    assert texts[0][first.start : first.end] == "3 April 2022"
