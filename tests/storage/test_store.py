"""The stores: round trips, sources, runs, search, migrations, errors.

Every test that takes the ``db`` fixture (directly or through ``store``) runs against the
SQLite store and the PostgreSQL store (see conftest.py); ``sqlite_only`` marks what only
exists in SQLite (the file, WAL, FTS5). All texts, organizations and people here are invented.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from communique.errors import (
    E_NOT_FOUND,
    E_QUERY,
    E_STORE,
    E_STORE_SCHEMA,
    NotFoundError,
    QueryError,
    StoreError,
)
from communique.model import Document, Span
from communique.storage import SearchHit, Store, open_store
from communique.storage import migrations as mig

SRC = str(Path(__file__).resolve().parents[2] / "src")

BANNER = (
    "Statement of the Council of the Northern Banner. "
    "Our brothers raised the red flag over the valley of Kesh. "
    "The traitor Odran Vale will answer for his crimes."
)


def banner_doc() -> Document:
    meta = {
        "source": "in/banner.txt",
        "title": "Statement on the valley of Kesh",
        "issuer": "Council of the Northern Banner",
        "doc_type": "statement",
        "published": "2024-03-01",
        "published_how": "stated",
        "languages": ["en"],
    }
    spans = [
        Span(0, 48, "segment", "sentence", source="segment@0.1", attrs={"lang": "en"}),
        Span(17, 47, "entity", "ORG", 0.97, {"canonical": "Northern Banner"}, "entities@0.1"),
        Span(
            119, 129, "entity", "PERSON", 0.8125, {"aliases": ["Vale", "O. Vale"]}, "entities@0.1"
        ),
        Span(111, 129, "role", "traitor", 0.6, {"actor": "Odran Vale"}, "framing@0.1"),
        # same offsets and label, different stage: both kept, in insertion order
        Span(119, 129, "entity", "PERSON", 0.5, {}, "gazetteer@0.1"),
    ]
    return Document.from_text(BANNER, meta).with_spans(spans)


@pytest.fixture
def store(db: str):
    with open_store(db) as s:
        yield s


@pytest.fixture
def run(store: Store) -> int:
    return store.begin_run("0.1.0", "cfg123", {"inputs": ["in/"]})


def put_text(store: Store, run: int, text: str, source: str, **meta) -> Document:
    doc = Document.from_text(text, meta)
    store.put_document(doc, source, "txt", run)
    return doc


# -- files, migrations ---------------------------------------------------------------------


@pytest.mark.sqlite_only("the file, its folders and WAL")
def test_creates_file_with_wal_and_migrations(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "corpus.db"
    with Store(str(path)) as s:
        assert s.path == path
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = conn.execute("SELECT name, applied_at FROM migrations").fetchall()
    conn.close()
    assert [r[0] for r in rows] == [name for name, _ in mig.MIGRATIONS]
    assert rows[0][0] == "0001_initial" and rows[0][1].endswith("+00:00")


def test_reopen_keeps_data_and_applies_nothing_twice(db: str, sql) -> None:
    with open_store(db) as s:
        r = s.begin_run("0.1.0", "h", {})
        doc = put_text(s, r, "The Ashen Circle met at dawn.", "a.txt")
    with open_store(db) as s:
        assert s.get_document(doc.id) == doc
    assert sql(db, "SELECT count(*) FROM migrations")[0][0] == len(mig.MIGRATIONS)


@pytest.mark.sqlite_only("SQLite migration functions; test_postgres has the PostgreSQL twin")
def test_older_database_gets_missing_migrations(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "c.db"
    Store(path).close()

    def m9000_issuer_notes(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE issuer_notes (issuer TEXT PRIMARY KEY, note TEXT)")

    monkeypatch.setattr(
        mig, "MIGRATIONS", (*mig.MIGRATIONS, ("9000_issuer_notes", m9000_issuer_notes))
    )
    Store(path).close()
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert names == [n for n, _ in mig.MIGRATIONS]  # every migration, the new one last
    assert names[-1] == "9000_issuer_notes"
    assert "issuer_notes" in tables


def test_newer_database_is_refused(db: str, sql) -> None:
    open_store(db).close()
    sql(db, "INSERT INTO migrations VALUES ('0999_from_the_future', '2099-01-01')")
    with pytest.raises(StoreError) as e:
        open_store(db)
    assert e.value.code == E_STORE_SCHEMA
    assert "newer version" in e.value.message and "0999_from_the_future" in e.value.message


@pytest.mark.sqlite_only("a file that is not a database")
def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"Minutes of the Ashen Circle, not a database.\n" * 200)
    with pytest.raises(StoreError) as e:
        Store(path)
    assert e.value.code == E_STORE
    assert "not an SQLite database" in e.value.message


@pytest.mark.sqlite_only("an SQLite file; test_postgres checks a foreign PostgreSQL database")
def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a communique store"):
        Store(path)


@pytest.mark.sqlite_only("a folder given as the store file")
def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


def test_closed_store_raises_store_error(db: str) -> None:
    s = open_store(db)
    s.close()
    with pytest.raises(StoreError):
        s.count_documents()


@pytest.mark.sqlite_only("the in-memory store")
def test_in_memory_store() -> None:
    with Store(":memory:") as s:
        r = s.begin_run("0.1.0", "h", {})
        doc = put_text(s, r, "The Ashen Circle met at dawn.", "a.txt")
        assert s.search("ashen")[0].id == doc.id


# -- documents and sources -----------------------------------------------------------------


def test_round_trip(store: Store, run: int) -> None:
    doc = banner_doc()
    assert store.put_document(doc, "in/banner.txt", "txt", run) == "added"
    got = store.get_document(doc.id)
    assert got == doc
    assert got.spans[-1].source == "gazetteer@0.1"  # insertion order among equal keys
    assert store.has_document(doc.id)
    assert store.count_documents() == 1


def test_denormalized_columns(db: str, store: Store, run: int, sql) -> None:
    store.put_document(banner_doc(), "in/banner.txt", "txt", run)
    (row,) = sql(db, "SELECT title, issuer, published, doc_type, languages, pipeline FROM documents")
    assert row == (
        "Statement on the valley of Kesh",
        "Council of the Northern Banner",
        "2024-03-01",
        "statement",
        '["en"]',
        "0.1.0",
    )


def test_put_is_idempotent(store: Store, run: int) -> None:
    doc = banner_doc()
    assert store.put_document(doc, "in/banner.txt", "txt", run) == "added"
    assert store.put_document(doc, "in/banner.txt", "txt", run) == "known"
    again = store.begin_run("0.1.0", "cfg123", {})
    assert store.put_document(doc, "in/banner.txt", "txt", again) == "known"
    stats = store.stats()
    assert (stats["documents"], stats["sources"], stats["spans"]) == (1, 1, 5)


def test_same_text_from_two_paths_is_one_document_with_two_sources(store: Store, run: int) -> None:
    doc = banner_doc()
    assert store.put_document(doc, "in/banner.txt", "txt", run) == "added"
    repost = doc.with_meta(source="mirror/banner.html")
    assert store.put_document(repost, "mirror/banner.html", "html", run) == "new_source"
    assert store.put_document(repost, "mirror/banner.html", "html", run) == "known"
    assert store.count_documents() == 1
    sources = store.sources(doc.id)
    assert [(s, f) for s, f, _ in sources] == [
        ("in/banner.txt", "txt"),
        ("mirror/banner.html", "html"),
    ]
    first, second = sources[0][2], sources[1][2]
    assert first < second  # ISO timestamps, distinct first_seen
    # the first arrival's meta is kept; spans are not duplicated
    assert store.get_document(doc.id) == doc
    assert store.stats()["spans"] == 5


def test_add_source(store: Store, run: int) -> None:
    doc = banner_doc()
    store.put_document(doc, "a.txt", "txt", run)
    assert store.add_source(doc.id, "b.eml", "eml", run) is True
    assert store.add_source(doc.id, "b.eml", "eml", run) is False
    assert len(store.sources(doc.id)) == 2
    with pytest.raises(NotFoundError):
        store.add_source("0000000000000000", "c.txt", "txt", run)


def test_unknown_run_id(store: Store) -> None:
    with pytest.raises(NotFoundError, match="begin_run"):
        store.put_document(banner_doc(), "a.txt", "txt", 42)
    assert store.count_documents() == 0


def test_put_documents_batch(store: Store, run: int) -> None:
    docs = [Document.from_text(f"Communique {i} of the Ashen Circle.") for i in range(5)]
    items = [(d, f"in/{i}.txt", "txt") for i, d in enumerate(docs)]
    items.append((docs[0], "mirror/0.txt", "txt"))
    assert store.put_documents(items, run) == ["added"] * 5 + ["new_source"]
    assert [d.id for d in store.iter_documents()] == [d.id for d in docs]


def test_replace_spans(store: Store, run: int) -> None:
    doc = banner_doc()
    store.put_document(doc, "a.txt", "txt", run)
    new = [Span(119, 129, "entity", "PERSON", 0.9, {}, "entities@0.2")]
    # "entities" without a version replaces every version of that stage
    store.replace_spans(doc.id, new, stage_sources=["entities"])
    got = store.get_document(doc.id)
    assert sorted(s.source for s in got.spans) == [
        "entities@0.2",
        "framing@0.1",
        "gazetteer@0.1",
        "segment@0.1",
    ]
    # an exact "stage@version" only removes that version
    store.replace_spans(doc.id, [], stage_sources=["gazetteer@0.0"])
    assert len(store.get_document(doc.id).spans) == 4
    store.replace_spans(doc.id, [], stage_sources=["gazetteer@0.1"])
    assert len(store.get_document(doc.id).spans) == 3
    # None replaces all
    store.replace_spans(doc.id, doc.spans)
    assert store.get_document(doc.id) == doc


def test_replace_spans_checks_offsets_and_document(store: Store, run: int) -> None:
    doc = banner_doc()
    store.put_document(doc, "a.txt", "txt", run)
    with pytest.raises(ValueError):
        store.replace_spans(doc.id, [Span(0, 10_000, "entity", "ORG", source="x@1")])
    assert store.get_document(doc.id) == doc  # rolled back
    with pytest.raises(NotFoundError):
        store.replace_spans("0000000000000000", [])


def test_prefix_lookup(store: Store, run: int) -> None:
    doc = banner_doc()
    store.put_document(doc, "a.txt", "txt", run)
    assert store.get_document(doc.id[:4]) == doc
    assert store.get_document(doc.id[:9].upper()) == doc
    with pytest.raises(NotFoundError) as e:
        store.get_document(doc.id[:3])
    assert e.value.code == E_NOT_FOUND and "at least 4 hex digits" in e.value.message
    with pytest.raises(NotFoundError):
        store.get_document("ffffffffffffffff" if doc.id[0] != "f" else "0000000000000000")
    with pytest.raises(NotFoundError):
        store.get_document("not-hex")


def test_ambiguous_prefix_lists_candidates(store: Store, run: int) -> None:
    # find two invented texts whose ids share their first 4 hex digits
    seen: dict[str, Document] = {}
    for i in itertools.count():
        doc = Document.from_text(f"Communique number {i} of the Ashen Circle.")
        if doc.id[:4] in seen:
            other = seen[doc.id[:4]]
            break
        seen[doc.id[:4]] = doc
    store.put_document(doc, "a.txt", "txt", run)
    store.put_document(other, "b.txt", "txt", run)
    with pytest.raises(StoreError) as e:
        store.get_document(doc.id[:4])
    assert not isinstance(e.value, NotFoundError)
    assert "ambiguous" in e.value.message
    assert doc.id in e.value.message and other.id in e.value.message
    assert store.get_document(doc.id) == doc


def test_iter_documents_streams_in_first_seen_order(store: Store, run: int) -> None:
    docs = [
        Document.from_text(f"Bulletin {i} of the Ashen Circle.").with_spans(
            [Span(0, 8, "segment", "heading", source="segment@0.1")] * (i % 3)
        )
        for i in range(23)
    ]
    for i, d in enumerate(reversed(docs)):  # arrival order is the reverse of creation
        store.put_document(d, f"in/{i}.txt", "txt", run)
    assert list(store.iter_documents(batch=5)) == list(reversed(docs))
    with pytest.raises(StoreError):
        next(store.iter_documents(batch=0))


def test_sources_of_unknown_document(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.sources("0123456789abcdef")


def test_meta_that_is_not_json(store: Store, run: int) -> None:
    doc = Document.from_text("The Ashen Circle met.", {"title": object()})
    with pytest.raises(StoreError, match="JSON"):
        store.put_document(doc, "a.txt", "txt", run)
    assert store.count_documents() == 0


# -- runs, failures, processed files -------------------------------------------------------


def test_runs_and_failures(store: Store, run: int) -> None:
    store.record_failure(run, "in/broken.pdf", "E104", "PDF trailer missing")
    store.finish_run(run, {"added": 3, "failed": 1})
    (r,) = store.runs()
    assert r["id"] == run and r["status"] == "done" and r["finished_at"]
    assert r["args"] == {"inputs": ["in/"]} and r["counts"] == {"added": 3, "failed": 1}
    assert r["pipeline_version"] == "0.1.0" and r["config_hash"] == "cfg123"
    assert r["pid"] == os.getpid()
    (f,) = store.failures(run)
    assert (f["source"], f["code"], f["reason"]) == ("in/broken.pdf", "E104", "PDF trailer missing")
    assert store.failures() == [f]
    assert store.failures(run + 1) == []
    with pytest.raises(StoreError):
        store.finish_run(run, {}, status="running")
    with pytest.raises(NotFoundError):
        store.finish_run(999, {})


def test_dead_running_run_is_marked_interrupted(db: str) -> None:
    code = (
        "import sys; from communique.storage import open_store\n"
        "s = open_store(sys.argv[1]); s.begin_run('0.1.0', 'h', {}); s.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    subprocess.run([sys.executable, "-c", code, db], check=True, env=env)
    with open_store(db) as s:
        (old,) = s.runs()
        assert old["status"] == "interrupted"  # its process has exited
        mine = s.begin_run("0.1.0", "h", {})
        s.begin_run("0.1.0", "h", {})
        statuses = {r["id"]: r["status"] for r in s.runs()}
        assert statuses[old["id"]] == "interrupted"
        assert statuses[mine] == "running"  # this process is alive


def test_processed_files(store: Store, run: int) -> None:
    assert not store.is_processed("in/a.txt", 120, 1_700_000_000_000_000_000)
    store.mark_processed("in/a.txt", 120, 1_700_000_000_000_000_000, run, ["ab12"], "ok")
    assert store.is_processed("in/a.txt", 120, 1_700_000_000_000_000_000)
    # the same path with another size or mtime is another file
    assert not store.is_processed("in/a.txt", 121, 1_700_000_000_000_000_000)
    assert not store.is_processed("in/a.txt", 120, 1_700_000_000_000_000_001)
    store.mark_processed("in/b.pdf", 9, 5, run, [], "failed")
    assert not store.is_processed("in/b.pdf", 9, 5)
    assert store.is_processed("in/b.pdf", 9, 5, include_failed=True)
    store.mark_processed("in/b.pdf", 9, 5, run, ["cd34"], "ok")  # a retry succeeded
    assert store.is_processed("in/b.pdf", 9, 5)
    with pytest.raises(StoreError):
        store.mark_processed("in/c.txt", 1, 1, run, [], "skipped")


def test_stats(store: Store, run: int) -> None:
    store.put_document(banner_doc(), "a.txt", "txt", run)
    store.add_source(banner_doc().id, "b.txt", "txt", run)
    put_text(store, run, "The Ashen Circle met.", "c.txt", issuer="Ashen Circle")
    put_text(store, run, "No issuer here.", "d.txt")
    store.record_failure(run, "e.pdf", "E104", "broken")
    stats = store.stats()
    assert stats["documents"] == 3 and stats["sources"] == 4 and stats["spans"] == 5
    assert stats["spans_by_layer"] == {"entity": 3, "role": 1, "segment": 1}
    assert stats["issuers"] == {"Ashen Circle": 1, "Council of the Northern Banner": 1}
    assert stats["runs"] == {"running": 1} and stats["failures"] == 1
    json.dumps(stats)  # plain data, ready for a face


# -- search --------------------------------------------------------------------------------

CORPUS = {
    # invented statements, one per line of argument
    "banner": BANNER,
    "reversed": "The flag red with dust lay in the square; no one raised it.",
    "caliph": "The caliphate, the caliphate, the caliphate: we repeat it, the caliphate.",
    "caliph_once": "A long report on trade, rivers and harvests that mentions the caliphate once "
    + "and then speaks of grain, salt, wool, copper, tin and timber for many more words. " * 5,
    "police": "The army and the police of Kesh attacked the market.",
    "army": "The army of Kesh withdrew from the market at night.",
    "cafe": "A meeting at the Café Lumière in Orlen was announced.",
    "quran": "قال الله تعالى إِنْ يَنْصُرْكُمُ ٱللَّهُ فَلَا غَالِبَ لَكُمْ",
    "mujahid": "The mujahideen of the Ashen Circle and one mujahid from Orlen.",
}


@pytest.fixture
def corpus(store: Store, run: int) -> dict[str, str]:
    ids = {}
    for key, text in CORPUS.items():
        doc = Document.from_text(text, {"title": f"Bulletin: {key}", "issuer": "Ashen Circle"})
        store.put_document(doc, f"in/{key}.txt", "txt", run)
        ids[key] = doc.id
    return ids


def hits(store: Store, query: str) -> list[str]:
    return [h.id for h in store.search(query)]


def test_search_hit_shape(store: Store, corpus: dict[str, str]) -> None:
    (hit,) = store.search('"red flag"')
    assert isinstance(hit, SearchHit)
    assert hit.id == corpus["banner"]
    assert hit.title == "Bulletin: banner" and hit.issuer == "Ashen Circle"
    assert hit.published is None
    assert hit.score > 0
    # the tokens of one phrase are marked as one unit
    assert "raised the «red flag» over" in hit.snippet


def test_exact_phrase_is_exact(store: Store, corpus: dict[str, str]) -> None:
    assert hits(store, '"red flag"') == [corpus["banner"]]
    assert hits(store, '"flag red"') == [corpus["reversed"]]
    assert set(hits(store, "red flag")) == {corpus["banner"], corpus["reversed"]}


def test_bm25_ranking(store: Store, corpus: dict[str, str]) -> None:
    ranked = store.search("caliphate")
    assert [h.id for h in ranked] == [corpus["caliph"], corpus["caliph_once"]]
    assert ranked[0].score > ranked[1].score


def test_title_matches_weigh_more(store: Store, corpus: dict[str, str]) -> None:
    # "police" is in the title and the body of one document, the body only of none else
    assert hits(store, "police") == [corpus["police"]]
    assert hits(store, "army")[0] == corpus["army"]  # title "Bulletin: army"


def test_operators(store: Store, corpus: dict[str, str]) -> None:
    assert set(hits(store, "army")) == {corpus["army"], corpus["police"]}
    assert hits(store, "army -police") == [corpus["army"]]
    assert hits(store, "army NOT police") == [corpus["army"]]
    assert set(hits(store, "withdrew OR attacked")) == {corpus["army"], corpus["police"]}
    assert hits(store, "army attacked") == [corpus["police"]]
    assert hits(store, "mujahid*") == [corpus["mujahid"]]
    assert hits(store, "mujahid") == [corpus["mujahid"]]
    assert hits(store, "mujahideen -Orlen") == []
    assert hits(store, "(withdrew OR attacked) -police") == [corpus["army"]]


def test_latin_diacritics_fold(store: Store, corpus: dict[str, str]) -> None:
    assert hits(store, "cafe lumiere") == [corpus["cafe"]]
    assert hits(store, "Café") == [corpus["cafe"]]


@pytest.mark.parametrize(
    "query",
    [
        "ينصركم",  # without diacritics
        "يَنْصُرْكُمُ",  # with them
        "الله غالب",  # ٱللَّهُ with alef wasla and shadda; غَالِبَ
        "تعالي",  # alef maksura typed as yeh
        '"ان ينصركم الله"',  # phrase across folded words
        "ينصر*",
    ],
)
def test_arabic_with_or_without_diacritics(
    store: Store, corpus: dict[str, str], query: str
) -> None:
    assert hits(store, query) == [corpus["quran"]]


def test_arabic_snippet_is_original_text(store: Store, corpus: dict[str, str]) -> None:
    (hit,) = store.search("ينصركم")
    assert "«يَنْصُرْكُمُ»" in hit.snippet
    assert hit.snippet.startswith("قال الله تعالى إِنْ")


def test_limit_and_offset(store: Store, corpus: dict[str, str]) -> None:
    everything = hits(store, "the")
    assert len(everything) > 3
    assert [h.id for h in store.search("the", limit=2, offset=1)] == everything[1:3]
    with pytest.raises(QueryError):
        store.search("the", limit=-1)


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "foo OR", "-police", "()", ""])
def test_malformed_query_raises_query_error(store: Store, corpus, query: str) -> None:
    with pytest.raises(QueryError) as e:
        store.search(query)
    assert e.value.code == E_QUERY


@pytest.mark.parametrize(
    "query",
    # FTS5 syntax that users may type by accident: never an sqlite3 error
    ["NEAR(a b)", "title:army", "^army", "army + police", "{army}", "a:b:c", "'army'",
     "army*police", '"a" "b"*', "\x00", "--army", "- army", "army NOT", "(", ")", "*army"],
)  # fmt: skip
def test_fts5_syntax_never_leaks(store: Store, corpus, query: str) -> None:
    try:
        result = store.search(query)
    except QueryError:
        return
    assert isinstance(result, list)


def test_random_queries_never_leak_sqlite_errors(store: Store, corpus) -> None:
    import random

    rnd = random.Random(7)
    alphabet = ['"', "(", ")", "*", "-", "^", ":", "+", " ", "AND ", "OR ", "NOT ", "a", "ب"]
    for _ in range(500):
        query = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 8)))
        try:
            store.search(query)
        except QueryError:
            pass


@pytest.mark.sqlite_only("FTS5 reindexing")
def test_reindex_fts_keeps_folding(store: Store, corpus: dict[str, str]) -> None:
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    mig.reindex_fts(conn)
    conn.execute("COMMIT")
    conn.close()
    assert hits(store, "ينصركم") == [corpus["quran"]]
    assert hits(store, '"red flag"') == [corpus["banner"]]


def test_store_can_be_shared_between_threads(store: Store, run: int) -> None:
    import threading

    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(20):
                put_text(store, run, f"Bulletin {k}-{i} of the Ashen Circle.", f"t{k}/{i}.txt")
                store.search("ashen")
        except BaseException as e:  # noqa: BLE001 - collected for the assert below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_documents() == 80


def test_search_is_unchanged_once_the_run_ends_and_the_index_is_optimized(
    store: Store, corpus: dict[str, str], run: int
) -> None:
    # SQLite: the end of a run merges FTS5's segments and builds the word postings, and
    # ranking moves from FTS5 to numpy; PostgreSQL flushes its GIN pending list. Neither
    # may change a result, a score or a count.
    queries = ['"red flag"', "red flag", "caliphate", "red OR caliphate", "calip*", "red -flag"]

    def results() -> dict:
        return {q: ([(h.id, h.score, h.snippet) for h in store.search(q)], store.count_matches(q)) for q in queries}

    before = results()
    assert before["red flag"][1] == 2 and before["caliphate"][1] == 2
    store.finish_run(run, {"added": len(corpus)})
    assert isinstance(store.optimize_index(force=True), bool)
    assert results() == before
    assert store.matching("red flag", list(corpus.values())) == {corpus["banner"], corpus["reversed"]}
    assert store.matching('"red flag"', [corpus["reversed"], corpus["caliph"]]) == set()
