"""The command line: analyze → show / search / export, exit codes, idempotence, resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.faces.cli.main import app

runner = CliRunner(env={"COLUMNS": "240"})  # wide: file paths must not wrap

STATEMENT = """Press Release

The Kessen Council Rejects the Dravik Decree

On 3rd March 2021 the Kessen Council strongly condemned the decree. Its spokesman,
Colonel Anja Petrov, said, "The valley will not be sold."

Media Office of the Kessen Council in Dravik
"""


def _write_corpus(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"statement_{i:03d}.txt"
        p.write_text(STATEMENT.replace("3rd March 2021", f"{(i % 27) + 1} March 2021").replace("decree.", f"decree number {i}."))
        paths.append(p)
    return paths


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_analyze_summary_then_idempotent_rerun(tmp_path):
    _write_corpus(tmp_path / "in", 3)
    db = str(tmp_path / "c.db")
    r = _run("analyze", str(tmp_path / "in"), "--db", db)
    assert r.exit_code == 0, r.output
    assert "documents added" in r.output and "3" in r.output
    r2 = _run("analyze", str(tmp_path / "in"), "--db", db)
    assert r2.exit_code == 0
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from documents").fetchone()[0] == 3
    assert con.execute("select count(*) from sources").fetchone()[0] == 3


def test_same_text_from_two_paths_is_one_document_with_two_sources(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_text(STATEMENT)
    (tmp_path / "b" / "y.txt").write_text(STATEMENT)
    db = str(tmp_path / "c.db")
    assert _run("analyze", str(tmp_path / "a"), "--db", db).exit_code == 0
    assert _run("analyze", str(tmp_path / "b"), "--db", db).exit_code == 0
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from documents").fetchone()[0] == 1
    rows = con.execute("select source, first_seen from sources order by first_seen").fetchall()
    assert [Path(s).name for s, _ in rows] == ["x.txt", "y.txt"]
    assert rows[0][1] <= rows[1][1]


def test_bad_files_are_listed_and_the_batch_goes_on(tmp_path):
    _write_corpus(tmp_path / "in", 2)
    (tmp_path / "in" / "junk.bin").write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    (tmp_path / "in" / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    db = str(tmp_path / "c.db")
    from communique.faces.cli.common import console

    old = console.width
    console.width = 400  # long temporary paths must not wrap inside a file name
    try:
        r = _run("analyze", str(tmp_path / "in"), str(tmp_path / "missing.txt"), "--db", db)
    finally:
        console.width = old
    assert r.exit_code == 3, r.output
    for name in ("junk.bin", "broken.pdf", "missing.txt"):
        assert name in r.output
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from documents").fetchone()[0] == 2
    failed = {Path(s).name: code for s, code in con.execute("select source, code from failures")}
    assert failed["junk.bin"] == "E103"
    assert failed["broken.pdf"] == "E104"
    assert failed["missing.txt"] == "E100"


def test_show_search_export(tmp_path):
    _write_corpus(tmp_path / "in", 2)
    db = str(tmp_path / "c.db")
    assert _run("analyze", str(tmp_path / "in"), "--db", db).exit_code == 0

    r = _run("search", '"valley will not be sold"', "--db", db)
    assert r.exit_code == 0 and "2 result(s)" in r.output

    out = tmp_path / "out.jsonl"
    r = _run("export", "--db", db, "--format", "jsonl", "-o", str(out))
    assert r.exit_code == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 2
    doc = lines[0]
    assert list(doc) == ["id", "text", "meta", "spans"]
    assert list(doc["meta"]) == ["source", "title", "issuer", "office", "author", "author_role",
                                 "doc_type", "published", "published_how", "languages"]  # fmt: skip
    assert doc["meta"]["issuer"] == "Kessen Council"
    assert doc["meta"]["doc_type"] == "press_release"
    for s in doc["spans"]:
        assert list(s) == ["start", "end", "layer", "label", "score", "attrs", "source"]
    (petrov,) = [s for s in doc["spans"] if s["layer"] == "entity" and s["label"] == "PERSON"]
    assert doc["text"][petrov["start"] : petrov["end"]] == "Anja Petrov"
    assert petrov["attrs"]["title"] == "Colonel"

    r = _run("show", doc["id"][:8], "--db", db)
    assert r.exit_code == 0
    assert "Anja Petrov" in r.output and "Kessen Council" in r.output and "findings" in r.output

    csv_out = tmp_path / "out.csv"
    assert _run("export", "--db", db, "--format", "csv", "-o", str(csv_out)).exit_code == 0
    header = csv_out.read_text().splitlines()[0]
    assert header.startswith("doc_id,title,issuer,published,doc_type,start,end,layer,label")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", "ffffffffffff"], 4),  # unknown document
        (["search", '"unbalanced'], 5),  # malformed query
        (["export", "--format", "xml"], 2),  # unknown export format
    ],
)
def test_exit_codes(tmp_path, args, code):
    db = str(tmp_path / "c.db")
    r = _run(*args, "--db", db)
    assert r.exit_code == code, r.output


def _counts(db: Path) -> tuple[int, int, int]:
    con = sqlite3.connect(db)
    try:
        return tuple(con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "spans", "sources"))  # type: ignore[return-value]
    finally:
        con.close()


def test_sigkill_half_way_then_resume_loses_and_duplicates_nothing(tmp_path):
    files = _write_corpus(tmp_path / "in", 80)
    clean_db = tmp_path / "clean.db"
    assert _run("analyze", str(tmp_path / "in"), "--db", str(clean_db), "--quiet").exit_code == 0
    expected = _counts(clean_db)
    assert expected[0] == len(files)

    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "communique.faces.cli.main", "analyze", str(tmp_path / "in"), "--db", str(db), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline:
        time.sleep(0.05)
        if db.exists():
            try:
                stored = _counts(db)[0]
            except sqlite3.OperationalError:
                continue
            if stored >= 10:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < _counts(db)[0] < len(files), "the kill should land half-way"

    r = _run("analyze", str(tmp_path / "in"), "--db", str(db), "--quiet")
    assert r.exit_code == 0, r.output
    assert _counts(db) == expected
    con = sqlite3.connect(db)
    statuses = [s for (s,) in con.execute("select status from runs order by id")]
    assert statuses == ["interrupted", "done"]


def test_jobs_give_the_same_corpus_as_one_process(tmp_path):
    import communique

    _write_corpus(tmp_path / "in", 12)
    (tmp_path / "in" / "copy.txt").write_text((tmp_path / "in" / "statement_003.txt").read_text())
    dumps = []
    for jobs in (1, 2):
        with communique.open(tmp_path / f"j{jobs}.db") as corpus:
            summary = corpus.analyze([tmp_path / "in"], jobs=jobs, batch_size=4)
            assert (summary.added, summary.new_sources, summary.failed) == (12, 1, 0)
            dumps.append(sorted((d.id, d.to_dict()["spans"].__repr__()) for d in corpus.documents()))
    assert dumps[0] == dumps[1]
