"""The PostgreSQL store only: concurrent writers, connection errors and URL masking, schema
parity with SQLite, the tsquery translation, and the CLI end to end on a server.

The shared behaviour (round trips, search, runs, roles...) is tested on both stores by
test_store.py, test_actor_roles.py and test_store_crash.py. Tests here that need a server
use the session's throwaway cluster (conftest.py) and skip without PostgreSQL binaries;
the pure-Python ones (masking, query rendering, normalization) always run.
All texts, organizations and people here are invented.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.errors import E_NOT_FOUND, E_QUERY, E_STORE, NotFoundError, QueryError, StoreError
from communique.model import Document, Span
from communique.storage import Store, open_store, pgquery
from communique.storage import migrations as sqlite_migrations
from communique.storage import postgres as pg
from communique.storage.filters import SearchFilters
from communique.storage.postgres import PgStore, mask_url

ROOT = Path(__file__).resolve().parents[2]
SRC = str(ROOT / "src")
EXAMPLES = ROOT / "examples" / "corpus"
ENV = {**os.environ, "PYTHONPATH": SRC}


def _pg():
    import psycopg

    return psycopg


# -- pure Python: masking, normalization, tsquery rendering ---------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://ana:s3cret@db.example:5432/corpus", "postgresql://ana:***@db.example:5432/corpus"),
        # an unencoded "@" in the password: the last "@" before the path ends the user part
        ("postgresql://ana:p@ss@db/corpus?sslmode=require", "postgresql://ana:***@db/corpus?sslmode=require"),
        ("postgres://ana@db/corpus", "postgres://ana@db/corpus"),
        ("postgresql://db/corpus?user=ana&password=s3cret", "postgresql://db/corpus?user=ana&password=***"),
        ("postgresql://ana:s3cret@h1:5432,h2:5433/corpus", "postgresql://ana:***@h1:5432,h2:5433/corpus"),
        ("postgresql:///corpus", "postgresql:///corpus"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_migration_names_match_sqlite() -> None:
    # both stores must report the same schema version: a new SQLite migration needs its twin
    assert [n for n, _ in pg.MIGRATIONS] == [n for n, _ in sqlite_migrations.MIGRATIONS]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("Café Lumière, 2024-03-01; al-Qaeda", "cafe lumiere  2024 03 01  al qaeda"),
        ("U.S. «red flag» snake_case", "u s   red flag  snake case"),
        # Arabic folded like the SQLite index: harakat, alef wasla, superscript alef gone
        ("يَنْصُرْكُمُ ٱللَّهُ تَعَالَىٰ", "ينصركم الله تعالي"),
        ("", ""),
    ],
)
def test_index_text(text: str, index: str) -> None:
    assert pgquery.index_text(text) == index


def test_aligned_maps_normalized_offsets_back_to_the_original() -> None:
    text = "قال إِنْ يَنْصُرْكُمُ ٱللَّهُ — Café!"
    al = pgquery.Aligned(text)
    assert al.norm == "قال ان ينصركم الله   cafe "
    k = al.norm.index("ينصركم")
    # the word with its final damma (dropped by folding) is the original span
    assert text[al.start(k) : al.end(k + len("ينصركم"))] == "يَنْصُرْكُمُ"
    k = al.norm.index("cafe")
    assert text[al.start(k) : al.end(k + 4)] == "Café"


def _lex(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("caliphate", "'caliphate'"),
        ("jihad caliphate", "('jihad' & 'caliphate')"),
        ("jihad AND caliphate", "('jihad' & 'caliphate')"),
        ('"red flag"', "('red' <-> 'flag')"),
        ("martyr OR shahid", "('martyr' | 'shahid')"),
        ("army -police", "('army' & !'police')"),
        ("army NOT police", "('army' & !'police')"),
        ("mujahid*", "'mujahid':*"),
        ('"red fla"*', "('red' <-> 'fla':*)"),
        ("(army OR police) attack", "(('army' | 'police') & 'attack')"),
        ('x -"a b"', "('x' & !('a' <-> 'b'))"),
        ("army -police -militia", "('army' & !('police' | 'militia'))"),
        # punctuation inside a word separates, as in FTS5: al-Qaeda is the phrase "al qaeda"
        ("al-Qaeda", "('al' <-> 'qaeda')"),
        ("Café", "'cafe'"),
        ("or and not", "('or' & 'and' & 'not')"),
        # a punctuation-only term is dropped, as to_fts5 drops it
        ("army ...", "'army'"),
        ("يَنْصُرْكُمُ", "'ينصركم'"),
    ],
)
def test_to_tsquery(query: str, tsquery: str) -> None:
    assert pgquery.to_tsquery(query, pgquery.parse(query), _lex) == tsquery


@pytest.mark.parametrize("query", ["-police", "NOT police", "...", '"unbalanced', "AND", "()", ""])
def test_to_tsquery_errors(query: str) -> None:
    with pytest.raises(QueryError) as e:
        pgquery.to_tsquery(query, pgquery.parse(query), _lex)
    assert e.value.code == E_QUERY


def test_quote_escapes_for_tsquery_input() -> None:
    assert pgquery.quote("it's") == "'it''s'"
    assert pgquery.quote("a\\b") == "'a\\\\b'"


def test_match_ranges_phrases_prefixes_overlaps() -> None:
    words = pgquery.simple_words("the red flag and red  flag red flags")
    assert words is not None
    # the phrase only where the words are adjacent; a prefix covers "flags"
    assert pgquery.match_ranges(words, [(("red", "flag"), False)]) == [(4, 12), (17, 26)]
    assert pgquery.match_ranges(words, [(("red", "flag"), True)]) == [(4, 12), (17, 26), (27, 36)]
    # overlapping occurrences of two phrases merge into one range
    assert pgquery.match_ranges(words, [(("red", "flag"), False), (("flag", "and"), False)]) == [
        (4, 16),
        (17, 26),
    ]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("the red flag and red  flag red flags", [(("red", "flag"), False), (("red", "flag"), True)]),
        ("red red red flag", [(("red", "red"), False)]),  # overlapping occurrences: one range
        ("mujahideen and mujahid  mujahid", [(("mujahid",), True), (("and",), False)]),
        ("ashen circle", [(("circle", "x"), False), (("ashen",), False)]),
    ],
)
def test_find_phrases_agrees_with_match_ranges(text: str, phrases) -> None:
    words = pgquery.simple_words(text)
    assert words is not None
    assert pgquery.find_phrases(text, phrases) == pgquery.match_ranges(words, phrases)
    assert pgquery.find_phrases("red red red flag", [(("red", "red"), False)]) == [(0, 11)]


# -- the server's parser agrees with the shortcuts -------------------------------------------


def test_simple_words_are_single_server_tokens(pg_db: str) -> None:
    rnd = random.Random(5)
    alnum = string.ascii_lowercase + string.digits
    words = [rnd.choice(string.ascii_lowercase) + "".join(rnd.choices(alnum, k=rnd.randint(0, 9))) for _ in range(1500)]
    words += [rnd.choice(string.digits) + "".join(rnd.choices(alnum.replace("e", ""), k=rnd.randint(0, 9))) for _ in range(1500)]
    words += ["3rd", "1990s", "2024", "x9e9"]
    text = " ".join(words)
    assert pgquery.simple_words(text) is not None
    with _pg().connect(pg_db) as conn:
        rows = conn.execute("SELECT tokid, token FROM ts_parse('default', %s)", (text,)).fetchall()
    assert [t for tokid, t in rows if tokid not in pgquery.NON_WORD_TOKENS] == words
    # and the ones it refuses are the ones the server splits
    assert pgquery.simple_words("9e9e9") is None and pgquery.simple_words("1e5") is None


# -- concurrent writers --------------------------------------------------------------------

WRITER = r"""
import json, os, sys, time
from communique.model import Document, Span
from communique.storage import open_store

url, k, start, stop, go, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]

def make(i):
    text = f"Dispatch {i} of the Ashen Circle from the valley of Kesh, marker{i}."
    spans = [Span(0, 8, "segment", "heading", 1.0, {"n": i}, "segment@0.1")] * (1 + i % 3)
    return Document.from_text(text, {"title": f"Dispatch {i}", "issuer": "Ashen Circle"}).with_spans(spans)

docs = [make(i) for i in range(start, stop)]
if k % 2:
    docs.reverse()  # odd writers go the other way: batches then lock in opposite orders
store = open_store(url)
run = store.begin_run("0.1.0", "h", {"writer": k})
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
out = []
if mode == "single":
    for d in docs:
        out.append((d.id, store.put_document(d, f"w{k}/{d.id}.txt", "txt", run)))
else:
    for b in range(0, len(docs), 10):
        batch = docs[b : b + 10]
        got = store.put_documents([(d, f"w{k}/{d.id}.txt", "txt") for d in batch], run)
        out += [(d.id, g) for d, g in zip(batch, got)]
store.finish_run(run, {"put": len(out)})
store.close()
print(json.dumps(out))
"""

# four writers, 50 documents each, overlapping: 80 distinct texts, 200 puts
RANGES = [(0, 50), (10, 60), (20, 70), (30, 80)]


def _start_together(procs: list[subprocess.Popen], go: Path) -> None:
    """Wait until every process printed "ready", then let them all go at once."""
    for p in procs:
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line == "ready\n", (line, p.stderr.read() if p.stderr else "")
    go.touch()


@pytest.mark.parametrize("mode", ["single", "batch"])
def test_concurrent_writers_never_lose_or_duplicate(pg_db: str, mode: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, pg_db, str(k), str(a), str(b), str(go), mode],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        )
        for k, (a, b) in enumerate(RANGES)
    ]  # fmt: skip
    _start_together(procs, go)
    outcomes: dict[str, list[str]] = {}
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        for doc_id, outcome in json.loads(out):
            outcomes.setdefault(doc_id, []).append(outcome)
    assert len(outcomes) == 80
    # exactly one writer added each text; the others recorded their own path as a source
    for got in outcomes.values():
        assert sorted(got) == ["added"] + ["new_source"] * (len(got) - 1)
    assert sorted(len(v) for v in outcomes.values()) == sorted(
        sum(a <= i < b for a, b in RANGES) for i in range(80)
    )
    with open_store(pg_db) as store:
        stats = store.stats()
        assert (stats["documents"], stats["sources"]) == (80, 200)
        assert stats["spans"] == sum(1 + i % 3 for i in range(80))
        assert stats["runs"] == {"done": 4}
        for i in (0, 25, 79):
            (hit,) = store.search(f"marker{i}")
            assert hit.title == f"Dispatch {i}"
            assert len(store.get_document(hit.id).spans) == 1 + i % 3


OPENER = r"""
import os, sys, time
from communique.storage import open_store
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
open_store(sys.argv[1]).close()
"""


def test_processes_opening_a_fresh_database_at_once_migrate_it_once(pg_cluster, sql, tmp_path: Path) -> None:
    url = pg_cluster.new_database(migrated=False)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, url, str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        )
        for _ in range(4)
    ]  # fmt: skip
    _start_together(procs, go)
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    names = [r[0] for r in sql(url, "SELECT name FROM migrations ORDER BY name")]
    assert names == [n for n, _ in pg.MIGRATIONS]


# -- connection errors and the password ----------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_connection(pg_cluster) -> None:
    port = _closed_port()
    url = f"postgresql://ana:Sesame-4471@127.0.0.1:{port}/corpus?connect_timeout=3"
    with pytest.raises(StoreError) as e:
        open_store(url)
    assert e.value.code == E_STORE
    msg = e.value.message
    assert msg.startswith(f"cannot connect to postgresql://ana:***@127.0.0.1:{port}/corpus")
    assert "check the host and port in the URL" in msg
    assert "Sesame-4471" not in msg and "Sesame-4471" not in str(e.value)


def test_missing_database_and_role(pg_cluster) -> None:
    with pytest.raises(StoreError) as e:
        open_store(pg_cluster.url("no_such_corpus"))
    assert 'database "no_such_corpus" does not exist' in e.value.message
    assert "check the database name in the URL, or create it" in e.value.message
    url = pg_cluster.url("postgres").replace("communique@", "ghost@")
    with pytest.raises(StoreError) as e:
        open_store(url)
    assert 'role "ghost" does not exist' in e.value.message
    assert "check the user name in the URL" in e.value.message


def test_wrong_password_and_masking_everywhere(pg_cluster, pg_db: str) -> None:
    # one role with a password, checked by scram: the session's cluster otherwise trusts
    pg_cluster.admin("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ana')"
                     " THEN CREATE ROLE ana LOGIN PASSWORD 'Sesame-4471'; END IF; END $$")  # fmt: skip
    pg_cluster.admin("GRANT ALL ON SCHEMA public TO ana")
    name = pg_db.rsplit("/", 1)[1]
    pg_cluster.admin(f"GRANT ALL ON DATABASE {name} TO ana")
    hba = pg_cluster.data / "pg_hba.conf"
    if "ana " not in hba.read_text():
        hba.write_text("host all ana 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        pg_cluster.admin("SELECT pg_reload_conf()")
        time.sleep(0.3)
    base = f"127.0.0.1:{pg_cluster.port}/{name}"
    with pytest.raises(StoreError) as e:
        open_store(f"postgresql://ana:Wrong-Guess-9@{base}")
    assert 'password authentication failed for user "ana"' in e.value.message
    assert "check the user name and password in the URL" in e.value.message
    assert "Wrong-Guess-9" not in str(e.value)
    # the right password opens the store (tables owned by communique: ana may only read)
    url = f"postgresql://ana:Sesame-4471@{base}"
    pg_cluster.admin(f"ALTER DATABASE {name} OWNER TO communique")
    with _pg().connect(pg_db, autocommit=True) as conn:
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO ana")
    with open_store(url) as store:
        assert repr(store) == f"PgStore('postgresql://ana:***@{base}')"
        assert store.stats()["path"] == f"postgresql://ana:***@{base}"
        with pytest.raises(NotFoundError) as nf:
            store.get_document("0123456789abcdef")
        assert nf.value.code == E_NOT_FOUND and f"ana:***@{base}" in nf.value.message
        # a read-only role reads, and a write says why it failed, without the password
        assert store.count_documents() == 0 and store.runs() == []
        with pytest.raises(StoreError) as w:
            store.begin_run("0.1.0", "h", {})
        assert "permission denied for table runs" in w.value.message
        assert "Sesame-4471" not in w.value.message


def test_invalid_url() -> None:
    with pytest.raises(StoreError) as e:
        open_store("postgresql://ana:Sesame-4471@db:port/corpus")
    assert e.value.code == E_STORE
    assert "postgresql://ana:***@db:port/corpus" in e.value.message
    assert "Sesame-4471" not in e.value.message


def test_lost_connection_fails_the_call_then_reconnects(pg_cluster, pg_db: str) -> None:
    with open_store(pg_db) as store:
        run = store.begin_run("0.1.0", "h", {})
        store.put_document(Document.from_text("The Ashen Circle met at dawn."), "a.txt", "txt", run)
        pid = store._conn.info.backend_pid
        pg_cluster.admin(f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(StoreError) as e:
            store.count_documents()
        assert "the next call reconnects" in e.value.message or "terminat" in e.value.message
        assert store.count_documents() == 1
        assert store._conn.info.backend_pid != pid


def test_closed_store(pg_db: str) -> None:
    store = open_store(pg_db)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.search("ashen")


# -- schema ----------------------------------------------------------------------------------


def test_same_tables_and_columns_as_sqlite(tmp_path: Path, pg_db: str, sql) -> None:
    Store(tmp_path / "c.db").close()
    conn = sqlite3.connect(tmp_path / "c.db")
    # the FTS shadow tables, the facets, the postings and the planner's statistics are SQLite's
    # (the server has a GIN index and expression indexes instead), not data
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'documents_fts%' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT IN ('facets', 'postings', 'postings_state')"
    )]  # fmt: skip
    lite = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    conn.close()
    rows = sql(
        pg_db,
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    server: dict[str, list[str]] = {}
    for t, c in rows:
        server.setdefault(t, []).append(c)
    # the index column and the columns that keep insertion order where SQLite has a rowid
    extra = {"documents": ["tsv"], "spans": ["seq"], "sources": ["seq"], "embeddings": ["seq", "rev"]}
    assert sorted(server) == sorted(lite)
    for t, cols in lite.items():
        assert [c for c in server[t] if c not in extra.get(t, [])] == cols, t
    # full-text index: a GIN index on the tsvector column
    (indexdef,) = sql(pg_db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'documents_tsv'")[0]
    assert "USING gin (tsv)" in indexdef


def test_older_database_gets_missing_migrations(pg_cluster, monkeypatch, sql) -> None:
    url = pg_cluster.new_database(migrated=False)
    PgStore(url).close()
    monkeypatch.setattr(
        pg, "MIGRATIONS",
        (*pg.MIGRATIONS, ("9000_issuer_notes", "CREATE TABLE issuer_notes (issuer TEXT PRIMARY KEY, note TEXT)")),
    )  # fmt: skip
    PgStore(url).close()
    names = [r[0] for r in sql(url, "SELECT name FROM migrations ORDER BY applied_at, name")]
    assert names == [n for n, _ in sqlite_migrations.MIGRATIONS] + ["9000_issuer_notes"]
    assert sql(url, "SELECT to_regclass('issuer_notes') IS NOT NULL") == [(True,)]


def test_foreign_database_is_refused(pg_cluster, sql) -> None:
    url = pg_cluster.new_database(migrated=False)
    sql(url, "CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError) as e:
        open_store(url)
    assert "is a PostgreSQL database but not a communique store" in e.value.message
    assert "invoices" in e.value.message


def test_non_utf8_database_is_refused(pg_cluster) -> None:
    pg_cluster.admin(
        "CREATE DATABASE latin1_corpus TEMPLATE template0 ENCODING 'LATIN1'"
        " LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    with pytest.raises(StoreError) as e:
        open_store(pg_cluster.url("latin1_corpus"))
    assert "uses the LATIN1 encoding" in e.value.message and "needs a UTF8 database" in e.value.message


def test_review_log_is_append_only(pg_db: str, sql) -> None:
    with open_store(pg_db) as store:
        run = store.begin_run("0.1.0", "h", {})
        doc = Document.from_text("The Ashen Circle met at dawn.")
        store.put_document(doc, "a.txt", "txt", run)
        review = store.add_review(doc.id, "ana", "reject", {"start": 4, "end": 17}, None, "not an org")
        assert store.reviews(doc.id) == [review]
    for statement in ("UPDATE reviews SET note = 'x'", "DELETE FROM reviews", "TRUNCATE reviews"):
        with pytest.raises(_pg().errors.RaiseException, match="append-only"):
            sql(pg_db, statement)


# -- documents the server treats differently ---------------------------------------------------


def test_nul_character_is_a_clear_store_error(pg_db: str) -> None:
    with open_store(pg_db) as store:
        run = store.begin_run("0.1.0", "h", {})
        with pytest.raises(StoreError) as e:
            store.put_document(Document.from_text("The Ashen\x00Circle."), "a.txt", "txt", run)
        assert "cannot hold NUL characters" in e.value.message
        assert store.count_documents() == 0


def test_text_beyond_the_tsvector_limit_is_stored_whole(pg_db: str) -> None:
    # 160,000 distinct words: their tsvector would pass PostgreSQL's 1 MB limit
    words = [f"w{i}x" for i in range(160_000)]
    text = "Communique of the Ashen Circle. " + " ".join(words)
    doc = Document.from_text(text)
    with open_store(pg_db) as store:
        run = store.begin_run("0.1.0", "h", {})
        assert store.put_document(doc, "big.txt", "txt", run) == "added"
        assert store.get_document(doc.id).text == text
        assert [h.id for h in store.search('"ashen circle"')] == [doc.id]
        assert [h.id for h in store.search("w100x")] == [doc.id]


def test_runs_of_other_hosts_are_not_reaped(pg_db: str, sql) -> None:
    sql(
        pg_db,
        "INSERT INTO runs (started_at, status, pipeline_version, config_hash, pid, host)"
        " VALUES ('2026-01-01T00:00:00+00:00', 'running', '0.1.0', 'h', 4242424, 'analysis-box-2')",
    )
    with open_store(pg_db) as store:
        store.begin_run("0.1.0", "h", {})
        statuses = {r["host"]: r["status"] for r in store.runs()}
    assert statuses["analysis-box-2"] == "running"  # its process may be alive over there


# -- the same answers as SQLite ---------------------------------------------------------------

PARITY = [
    ("The Varkan junta shelled Kesh; the Tessaly Front stands with the Council.", {
        "title": "On the shelling of Kesh", "issuer": "Council of the Northern Banner",
        "published": "2024-03-01", "languages": ["en"], "doc_type": "statement"}),
    ("قال الله تعالى إِنْ يَنْصُرْكُمُ ٱللَّهُ فَلَا غَالِبَ لَكُمْ — the Council of Kesh.", {
        "title": "خطبة الجمعة", "issuer": "council of the northern banner",
        "published": "2015-06", "languages": ["ar", "en"], "doc_type": "sermon"}),
    ("A meeting at the Café Lumière in Orlen: the Varkan junta will fall.", {
        "title": "Orlen bulletin", "issuer": "Tessaly Front", "published": "2016-01-09",
        "languages": ["en"]}),
    ("No date, no issuer: the mujahideen of the valley and one mujahid.", {}),
]


def _parity_docs() -> list[Document]:
    docs = []
    for text, meta in PARITY:
        spans = []
        if "Varkan junta" in text:
            k = text.index("Varkan junta")
            spans += [
                Span(k, k + 12, "entity", "ORG", 0.9, {"canonical": "Varkan Junta"}, "entities@0.1"),
                Span(k, k + 12, "role", "enemy", 0.8, {"actor": "the Varkan junta", "actor_kind": "ORG"}, "rule:role@1"),
            ]
        if "Tessaly Front" in text:
            k = text.index("Tessaly Front")
            spans.append(Span(k, k + 13, "role", "ally", 0.7, {"actor": "Tessaly Front"}, "rule:role@1"))
        spans.append(Span(0, 3, "technique", "Loaded_Language", 0.6, {"category": "Attack on reputation"}, "techniques@0.1"))
        docs.append(Document.from_text(text, meta).with_spans(spans))
    return docs


def test_same_answers_as_sqlite(tmp_path: Path, pg_db: str) -> None:
    lite, server = Store(tmp_path / "c.db"), open_store(pg_db)
    try:
        for s in (lite, server):
            run = s.begin_run("0.1.0", "h", {})
            for i, d in enumerate(_parity_docs()):
                s.put_document(d, f"in/{i}.txt", "txt", run)
            s.finish_run(run, {"added": 4})

        def same(call):
            a, b = call(lite), call(server)
            assert a == b
            return a

        ids = [d.id for d in _parity_docs()]
        same(lambda s: [s.get_document(i) for i in ids])
        same(lambda s: list(s.iter_documents(batch=3)))
        same(lambda s: {k: v for k, v in s.stats().items() if k != "path"})
        same(lambda s: s.actor_roles())
        same(lambda s: [{k: v for k, v in r.items() if k not in ("created_at", "first_seen")} for r in s.catalog()])
        same(lambda s: list(s.iter_texts()))
        same(lambda s: list(s.span_facts("role")))
        same(lambda s: list(s.span_facts("entity", issuer="COUNCIL OF THE NORTHERN BANNER")))
        for query, expected in [
            ("varkan junta", {0, 2}), ('"varkan junta" -cafe', {0}), ("ينصركم", {1}),
            ("mujahid*", {3}), ("kesh OR orlen", {0, 1, 2}), ("cafe", {2}),
        ]:  # fmt: skip
            found = same(lambda s, q=query: sorted(h.id for h in s.search(q)))
            assert found == sorted(ids[k] for k in expected), query
            same(lambda s, q=query: s.count_matches(q))
            same(lambda s, q=query: sorted(i for i, _ in s.bm25_ranking(q)))
        for f, expected in [
            (SearchFilters(issuer="Council of the Northern Banner"), {0, 1}),
            (SearchFilters(since="2015", until="2015"), {1}),
            (SearchFilters(since="2016"), {0, 2}),
            (SearchFilters(language="AR"), {1}),
            (SearchFilters(entity="varkan junta"), {0, 2}),
            (SearchFilters(role="enemy", actor="THE VARKAN JUNTA"), {0, 2}),
            (SearchFilters(role="ally"), {0}),
            (SearchFilters(technique="attack on reputation"), {0, 1, 2, 3}),
            (SearchFilters(doc_type="Sermon"), {1}),
        ]:
            got = same(lambda s, f=f: s.filter_ids(f))
            assert got == [ids[k] for k in sorted(expected)], f
        # matched words, marked in the original text, at the same offsets
        for query in ("ينصركم", "café lumière", '"varkan junta"'):
            a = [(h.id, h.snippet, h.matches) for h in lite.search(query)]
            b = [(h.id, h.snippet, h.matches) for h in server.search(query)]
            assert [(i, m) for i, _, m in a] == [(i, m) for i, _, m in b], query
        (hit,) = server.search("ينصركم")
        assert "«يَنْصُرْكُمُ»" in hit.snippet
        same(lambda s: [(h.id, h.matches, h.snippet) for h in s.hits([ids[2], "0" * 16, ids[0]], "junta")])
    finally:
        lite.close()
        server.close()


def test_same_answers_as_sqlite_for_embeddings_reviews_and_spans(tmp_path: Path, pg_db: str) -> None:
    import numpy as np

    from communique.semantic import DIM, to_blob

    docs = _parity_docs()
    rnd = np.random.default_rng(7)
    vectors = {d.id: rnd.standard_normal(DIM).astype(np.float32) for d in docs}
    lite, server = Store(tmp_path / "c.db"), open_store(pg_db)
    try:
        for s in (lite, server):
            run = s.begin_run("0.1.0", "h", {})
            for i, d in enumerate(docs):
                s.put_document(d, f"in/{i}.txt", "txt", run)

        def same(call):
            a, b = call(lite), call(server)
            assert a == b
            return a

        # vectors of three documents, given out of id order, one replaced afterwards
        order = [docs[2].id, docs[0].id, docs[3].id]
        same(lambda s: s.put_embeddings((i, "m@1", to_blob(vectors[i])) for i in order))
        same(lambda s: s.put_embeddings([(docs[0].id, "m@1", to_blob(-vectors[docs[0].id]))]))
        assert same(lambda s: s.missing_embeddings("m@1")) == [(docs[1].id, docs[1].meta["title"], docs[1].text)]
        assert same(lambda s: s.count_embeddings("m@1")) == 3
        ids_a, m_a = lite.embedding_matrix("m@1")
        ids_b, m_b = server.embedding_matrix("m@1")
        assert ids_a == ids_b == order and np.array_equal(m_a, m_b)
        assert np.array_equal(m_b[1], -vectors[docs[0].id])
        assert same(lambda s: list(s.embedding_positions("m@1", [docs[3].id, docs[1].id, docs[2].id]))) == [2, 0]
        # review log
        for s in (lite, server):
            s.add_review(docs[0].id, "ana", "reject", {"start": 4, "end": 16}, None, "not a junta")
            s.add_review(docs[2].id, "ben", "add", None, {"start": 0, "end": 1})
        strip = lambda rows: [{k: v for k, v in r.items() if k != "at"} for r in rows]  # noqa: E731
        same(lambda s: strip(s.reviews()))
        same(lambda s: strip(s.reviews(reviewer="ben", newest_first=True, limit=5)))
        same(lambda s: s.count_reviews(action="reject"))
        same(lambda s: s.reviewed_documents())
        # spans: add beside the model's output, replace by stage, refuse beyond the text
        extra = [Span(4, 10, "entity", "ORG", 1.0, {"canonical": "Varkan"}, "review:ana")]
        same(lambda s: s.add_spans(docs[0].id, extra, replace_sources=["review:ana"]))
        same(lambda s: s.add_spans(docs[0].id, extra, replace_sources=["review:ana"]))
        same(lambda s: s.replace_spans(docs[0].id, [], stage_sources=["rule:role"]))
        same(lambda s: s.get_document(docs[0].id))
        for s in (lite, server):
            with pytest.raises(NotFoundError):
                s.add_spans("0" * 16, extra)
            with pytest.raises(ValueError):
                s.add_spans(docs[0].id, [Span(0, 10_000, "entity", "ORG", source="x@1")])
    finally:
        lite.close()
        server.close()


def test_role_spans_and_filters_use_their_indexes(pg_db: str) -> None:
    with open_store(pg_db) as store, store._guard() as conn:
        conn.execute("SET enable_seqscan = off")  # a tiny table would be scanned anyway
        for columns, tail in (PgStore._ACTOR_ROLES, PgStore._ACTOR_KINDS):
            sql = PgStore._ROLE_SPANS.format(columns=columns, where=" AND s.label = %(role)s", actor="")
            plan = " ".join(r[0] for r in conn.execute("EXPLAIN " + sql + tail, {"unknown": "?", "role": "enemy"}))
            assert "spans_layer_label" in plan
        # each span filter reads its partial expression index (migration 0004)
        for f, index in [
            (SearchFilters(entity="Varkan Junta"), "spans_entity_canonical"),
            (SearchFilters(actor="the Varkan junta", role="enemy"), "spans_role_actor"),
            (SearchFilters(technique="attack on reputation"), "spans_technique_category"),
        ]:
            cond, params = pg.pg_where(f)
            plan = " ".join(r[0] for r in conn.execute(f"EXPLAIN SELECT d.id FROM documents d WHERE true{cond}", params))
            assert index in plan, (f, plan)
        conn.execute("RESET enable_seqscan")


# -- the command line on a server, two analyze runs at once ---------------------------------


def test_cli_two_concurrent_analyze_runs_then_search_show_actors_export(pg_db: str, tmp_path: Path) -> None:
    from communique.faces.cli import common
    from communique.faces.cli.main import app

    # the files `communique analyze examples/corpus` reads, in two runs that share a fifth;
    # the second goes backwards, so both reach the shared files at about the same time
    files = sorted(str(p) for p in EXAMPLES.iterdir() if not p.name.startswith("."))
    halves = [files[: len(files) * 3 // 5], files[len(files) * 2 // 5 :][::-1]]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "communique.faces.cli.main", "analyze", *part, "--db", pg_db, "--quiet", "--no-embed"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**ENV, "COLUMNS": "200"},
        )
        for part in halves
    ]  # fmt: skip
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, out + err
    with open_store(pg_db) as store:
        stats = store.stats()
        runs = store.runs()
        roles = store.actor_roles()
        ids = {d.id for d in store.iter_documents()}
    # what `communique analyze examples/corpus` stores in one run on SQLite
    assert (stats["documents"], stats["sources"], stats["failures"]) == (52, 55, 0)
    assert [r["status"] for r in runs] == ["done", "done"]
    assert "Northern Valdoria Front" in stats["issuers"]

    runner = CliRunner()
    width = common.console.width
    common.console.width = 200
    try:
        r = runner.invoke(app, ["search", "ceasefire", "--db", pg_db, "--mode", "bm25", "--format", "json"])
        assert r.exit_code == 0, r.output
        found = json.loads(r.stdout)
        assert found["total"] == len(found["results"]) > 0
        for hit in found["results"]:
            marked = [m.lower() for m in re.findall("«([^»]*)»", hit["snippet"])]
            assert hit["id"] in ids and marked and set(marked) == {"ceasefire"}
        first = found["results"][0]["id"]
        r = runner.invoke(app, ["show", first[:8], "--db", pg_db])
        assert r.exit_code == 0, r.output
        assert first in r.output
        r = runner.invoke(app, ["actors", "--db", pg_db, "--format", "json", "--limit", "0"])
        assert r.exit_code == 0, r.output
        # the same rows as the store's, grouped per (actor, issuer)
        canon = sorted(json.dumps(x, sort_keys=True) for x in json.loads(r.stdout))
        assert canon == sorted(json.dumps(x, sort_keys=True) for x in roles) and len(roles) > 50
        out = tmp_path / "corpus.jsonl"
        r = runner.invoke(app, ["export", "--db", pg_db, "--output", str(out)])
        assert r.exit_code == 0, r.output
        lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == 52 and {x["id"] for x in lines} == ids
        r = runner.invoke(app, ["search", '"unbalanced', "--db", pg_db])
        assert r.exit_code == 5
        r = runner.invoke(app, ["show", "0000000000000000", "--db", pg_db])
        assert r.exit_code == 4
    finally:
        common.console.width = width


def test_deadlocks_and_serialization_failures_are_retried(pg_db: str) -> None:
    errors = _pg().errors
    calls: list[str] = []

    def flaky() -> str:
        calls.append("try")
        if len(calls) == 1:
            raise StoreError(E_STORE, "deadlock") from errors.DeadlockDetected("deadlock detected")
        if len(calls) == 2:
            raise StoreError(E_STORE, "conflict") from errors.SerializationFailure("could not serialize")
        return "stored"

    def always(cause: type[Exception] | None) -> None:
        calls.append("try")
        if cause is None:
            raise StoreError(E_STORE, "permission denied")
        raise StoreError(E_STORE, "deadlock") from cause("deadlock detected")

    with open_store(pg_db) as store:
        assert store._retrying(flaky) == "stored" and calls == ["try"] * 3
        # a deadlock that keeps coming back is reported after WRITE_ATTEMPTS tries
        calls.clear()
        with pytest.raises(StoreError, match="deadlock"):
            store._retrying(lambda: always(errors.DeadlockDetected))
        assert len(calls) == pg.WRITE_ATTEMPTS
        # any other error is not retried
        calls.clear()
        with pytest.raises(StoreError, match="permission denied"):
            store._retrying(lambda: always(None))
        assert calls == ["try"]
