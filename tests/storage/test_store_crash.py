"""A writer killed with SIGKILL leaves whole documents only, and a re-run completes the set,
on the SQLite store and on the PostgreSQL store (the ``db`` fixture, see conftest.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from communique.storage import is_postgres_url, open_store

SRC = str(Path(__file__).resolve().parents[2] / "src")
N_DOCS = 400

# Document i has 50 + i % 7 spans and the unique word "marker<i>"; the writer prints the
# index of each document after its transaction commits. Big span lists make transactions
# long enough that a kill often lands inside one.
WRITER = r"""
import sys
from communique.model import Document, Span
from communique.storage import open_store

def make(i):
    text = f"Communique {i} of the Ashen Circle, marker{i}. " + "The valley holds. " * 60
    spans = [Span(j, j + 5, "entity", "ORG", 0.5, {"n": j}, "entities@0.1")
             for j in range(50 + i % 7)]
    return Document.from_text(text, {"title": f"Bulletin {i}"}).with_spans(spans)

store = open_store(sys.argv[1])
run = store.begin_run("0.1.0", "h", {})
for i in range(int(sys.argv[2]), int(sys.argv[3])):
    store.put_document(make(i), f"in/{i}.txt", "txt", run)
    print(i, flush=True)
store.finish_run(run, {})
"""


def expected_spans(i: int) -> int:
    return 50 + i % 7


def writer(db: str, start: int, stop: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, db, str(start), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def check_consistent(db: str, sql) -> set[int]:
    """Every stored document is whole; return the indexes stored."""
    if is_postgres_url(db):
        # the server enforces foreign keys; every document has its index entry
        (n_docs,) = sql(db, "SELECT count(*) FROM documents")[0]
        assert sql(db, "SELECT count(*) FROM documents WHERE tsv <> ''::tsvector")[0][0] == n_docs
    else:
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        # one FTS row (docsize shadow table) per document
        assert conn.execute("SELECT count(*) FROM documents_fts_docsize").fetchone()[0] == n_docs
        conn.close()
    # one source per document
    assert sql(db, "SELECT count(DISTINCT doc_id) FROM sources")[0][0] == n_docs
    assert sql(db, "SELECT count(*) FROM sources")[0][0] == n_docs
    stored: set[int] = set()
    with open_store(db) as store:
        for doc in store.iter_documents(batch=64):
            i = int(doc.meta["title"].split()[1])
            assert len(doc.spans) == expected_spans(i), f"document {i} is half-written"
            assert [h.id for h in store.search(f"marker{i}")] == [doc.id]
            stored.add(i)
    return stored


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_write_then_rerun(db: str, sql) -> None:
    kill_after = (7, 60, 150)  # documents seen committed before each kill
    start = 0
    for k in kill_after:
        proc = writer(db, start, N_DOCS)
        assert proc.stdout is not None
        for _ in range(k):
            assert proc.stdout.readline(), "writer ended early"
        time.sleep(0.003 * k % 0.02)  # land at varying points of the next transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        stored = check_consistent(db, sql)
        assert stored == set(range(len(stored))), "documents are written in order"
        start = len(stored)
        assert start < N_DOCS
    # killed runs are still 'running' in the file; the next begin_run marks them
    with open_store(db) as store:
        store.begin_run("0.1.0", "h", {})
        statuses = [r["status"] for r in store.runs()]
        assert statuses.count("interrupted") == len(kill_after)
    # the re-run writes everything again from the start: nothing is duplicated
    proc = writer(db, 0, N_DOCS)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert check_consistent(db, sql) == set(range(N_DOCS))
    with open_store(db) as store:
        stats = store.stats()
    assert stats["documents"] == N_DOCS
    assert stats["sources"] == N_DOCS
    assert stats["spans"] == sum(expected_spans(i) for i in range(N_DOCS))
