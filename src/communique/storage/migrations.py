"""Schema migrations: ordinary functions, applied in order, recorded by name.

Each migration runs in its own transaction together with the row that records it, so a
crash mid-migration leaves the database at the previous step. Never edit a migration that
has shipped; add a new one. A database that lists a migration this code does not know was
written by a newer communique and is refused (E_STORE_SCHEMA) rather than guessed at.

The FTS index holds *folded* text (``textfold.fold``) while its content table holds the
original, so ``INSERT INTO documents_fts(documents_fts) VALUES('rebuild')`` and
``'integrity-check'`` must not be used: they would re-read the unfolded original.
``reindex_fts`` is the rebuild.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from ..errors import E_STORE_SCHEMA, StoreError
from .textfold import TOKENCHARS, fold

Migration = Callable[[sqlite3.Connection], None]

#: unicode61 lowercases and strips Latin diacritics ("café" finds "cafe"); the characters
#: Arabic folding removes are declared token characters so that snippets cut from the
#: original text highlight the same tokens as the folded index (see textfold).
TOKENIZE = "unicode61 remove_diacritics 2 tokenchars '" + TOKENCHARS + "'"


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # not executescript(): it COMMITs first, and a migration must share its transaction
    # with the row that records it. Statements here contain no ";" inside.
    for stmt in sql.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def m0001_initial(conn: sqlite3.Connection) -> None:
    """Documents, sources, spans, runs, failures, processed files, FTS5 index."""
    _script(
        conn,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL
                CHECK (status IN ('running', 'done', 'interrupted', 'failed')),
            pipeline_version TEXT NOT NULL,
            config_hash TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            counts TEXT,
            pid INTEGER,
            host TEXT,
            proc_start TEXT
        );
        CREATE INDEX runs_status ON runs(status);

        -- seq is the rowid the FTS index points at (stable across VACUUM) and the
        -- arrival order. id is the content hash every other table refers to.
        CREATE TABLE documents (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            title TEXT,
            issuer TEXT,
            published TEXT,
            doc_type TEXT,
            languages TEXT,
            pipeline TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX documents_issuer ON documents(issuer);
        CREATE INDEX documents_published ON documents(published);
        CREATE INDEX documents_doc_type ON documents(doc_type);

        CREATE TABLE sources (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            format TEXT,
            first_seen TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            UNIQUE (doc_id, source)
        );
        CREATE INDEX sources_source ON sources(source);

        CREATE TABLE spans (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            layer TEXT NOT NULL,
            label TEXT NOT NULL,
            score REAL NOT NULL DEFAULT 1.0,
            attrs TEXT,
            source TEXT NOT NULL
        );
        CREATE INDEX spans_doc ON spans(doc_id);
        CREATE INDEX spans_layer_label ON spans(layer, label);

        CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            source TEXT NOT NULL,
            code TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX failures_run ON failures(run_id);

        CREATE TABLE processed (
            source TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            doc_ids TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
            at TEXT NOT NULL,
            PRIMARY KEY (source, size, mtime_ns)
        ) WITHOUT ROWID;
        """,
    )
    conn.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5("
        "title, text, content='documents', content_rowid='seq', "
        f'tokenize="{TOKENIZE}")'
    )


def m0002_embeddings(conn: sqlite3.Connection) -> None:
    """One sentence-embedding vector per document for semantic search (float32 LE,
    L2-normalised), tagged with the embedder version that made it."""
    _script(
        conn,
        """
        CREATE TABLE embeddings (
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE INDEX embeddings_model ON embeddings(model)
        """,
    )


def m0003_reviews(conn: sqlite3.Connection) -> None:
    """The review audit log: one row per analyst decision (accept, reject, relabel, add)
    on a span of a document, with the span before and after as JSON. Append-only: triggers
    refuse UPDATE and DELETE, so the log (and the model output in ``spans``, which reviews
    never touch) can be trusted as the record of who changed what, and when."""
    _script(
        conn,
        """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id),
            at TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'relabel', 'add')),
            "before" TEXT,
            "after" TEXT,
            note TEXT
        );
        CREATE INDEX reviews_doc ON reviews(doc_id, id);
        CREATE INDEX reviews_reviewer ON reviews(reviewer)
        """,
    )
    # trigger bodies hold ";", which _script splits on: one execute each
    for verb in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER reviews_no_{verb.lower()} BEFORE {verb} ON reviews"
            " BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END"
        )


def m0004_span_indexes(conn: sqlite3.Connection) -> None:
    """Partial expression indexes for the search filters (entity, role actor, technique
    category) so that a filtered search reads only the matching spans."""
    _script(
        conn,
        """
        CREATE INDEX spans_entity_canonical ON spans(json_extract(attrs, '$.canonical') COLLATE NOCASE)
            WHERE layer = 'entity';
        CREATE INDEX spans_role_actor ON spans(json_extract(attrs, '$.actor') COLLATE NOCASE)
            WHERE layer = 'role';
        CREATE INDEX spans_technique_category ON spans(json_extract(attrs, '$.category') COLLATE NOCASE)
            WHERE layer = 'technique'
        """,
    )


#: The keys a span contributes to ``facets`` (the search filters it can satisfy): (layer,
#: SQL over the span row ``{r}``). Values that filters compare ignoring case are
#: ASCII-lowercased, as ``COLLATE NOCASE`` compares them; technique labels are exact.
#: ``storage.filters.facet_keys`` builds the same keys from a filter.
_FACETS = (
    ("entity", "'entity' || char(31) || lower(json_extract({r}.attrs, '$.canonical'))"),
    ("role", "'role' || char(31) || {r}.label"),
    ("role", "'actor' || char(31) || lower(json_extract({r}.attrs, '$.actor'))"),
    ("role", "'role-actor' || char(31) || {r}.label || char(31) || lower(json_extract({r}.attrs, '$.actor'))"),
    ("technique", "'technique' || char(31) || {r}.label"),
    ("technique", "'category' || char(31) || lower(json_extract({r}.attrs, '$.category'))"),
)


def _facet_keys(r: str) -> str:
    """A subquery of the facet keys of span row ``r`` (NEW or OLD in a trigger)."""
    return " UNION ALL ".join(
        f"SELECT {key.format(r=r)} AS key WHERE {r}.layer = '{layer}'" for layer, key in _FACETS
    )


def m0005_facets(conn: sqlite3.Connection) -> None:
    """A facet index for the span filters: one (key, document seq) row per filter value a
    document satisfies (``entity<US>lena oskar``, ``role<US>enemy``...) with the number of
    spans behind it, kept by triggers on ``spans``. A filter is then one range of a
    covering primary key that yields document seqs directly, where the span indexes of
    0004 yield span rows that must each be joined to their document (about 50 ms for a
    role held in half of 100k documents, against 5 ms). Also case-insensitive indexes for
    the issuer and document type filters, and one on languages (few distinct lists)."""
    layers = "('entity', 'role', 'technique')"
    conn.execute(
        "CREATE TABLE facets (key TEXT NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL,"
        " PRIMARY KEY (key, seq)) WITHOUT ROWID"
    )
    conn.execute(
        f"CREATE TRIGGER spans_facets_insert AFTER INSERT ON spans WHEN new.layer IN {layers}"
        " BEGIN INSERT INTO facets (key, seq, n) SELECT k.key, d.seq, 1"
        f" FROM ({_facet_keys('new')}) AS k JOIN documents d ON d.id = new.doc_id"
        " WHERE k.key IS NOT NULL ON CONFLICT (key, seq) DO UPDATE SET n = n + 1; END"
    )
    where = (
        "seq = (SELECT seq FROM documents WHERE id = old.doc_id)"
        f" AND key IN (SELECT key FROM ({_facet_keys('old')}))"
    )
    conn.execute(
        f"CREATE TRIGGER spans_facets_delete AFTER DELETE ON spans WHEN old.layer IN {layers}"
        f" BEGIN UPDATE facets SET n = n - 1 WHERE {where};"
        f" DELETE FROM facets WHERE n <= 0 AND {where}; END"
    )
    for layer, key in _FACETS:
        conn.execute(
            f"INSERT INTO facets (key, seq, n) SELECT k, seq, count(*) FROM"
            f" (SELECT {key.format(r='s')} AS k, d.seq AS seq"
            f" FROM spans AS s JOIN documents d ON d.id = s.doc_id WHERE s.layer = '{layer}')"
            " WHERE k IS NOT NULL GROUP BY k, seq"
        )
    _script(
        conn,
        """
        CREATE INDEX documents_issuer_nocase ON documents(issuer COLLATE NOCASE);
        CREATE INDEX documents_doc_type_nocase ON documents(doc_type COLLATE NOCASE);
        CREATE INDEX documents_languages ON documents(languages)
        """,
    )


def m0006_postings(conn: sqlite3.Connection) -> None:
    """Word postings and statement lengths for ranking in numpy (``storage.postings``):
    filled from the FTS index by ``postings.build`` at the end of a run; empty until then
    (searches use FTS5's own ranking while the postings are missing or behind)."""
    _script(
        conn,
        """
        CREATE TABLE postings (
            term TEXT NOT NULL,
            segment INTEGER NOT NULL,  -- the newest seq of the build that wrote it
            seqs BLOB NOT NULL,  -- int32 per statement
            tf BLOB NOT NULL,  -- uint16 (title, text) per statement
            pos BLOB NOT NULL,  -- token offset per instance: uint16, or int32 when wide
            wide INTEGER NOT NULL,
            PRIMARY KEY (term, segment)
        ) WITHOUT ROWID;
        CREATE TABLE postings_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            upto INTEGER NOT NULL,
            docs INTEGER NOT NULL,
            lengths BLOB NOT NULL,
            segments INTEGER NOT NULL
        )
        """,
    )


#: Every migration, in order. Names are permanent.
MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("0001_initial", m0001_initial),
    ("0002_embeddings", m0002_embeddings),
    ("0003_reviews", m0003_reviews),
    ("0004_span_indexes", m0004_span_indexes),
    ("0005_facets", m0005_facets),
    ("0006_postings", m0006_postings),
)


def reindex_fts(conn: sqlite3.Connection) -> None:
    """Rebuild the FTS index from ``documents`` with folded text (inside a transaction)."""
    conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('delete-all')")
    rows = conn.execute("SELECT seq, title, text FROM documents ORDER BY seq")
    conn.executemany(
        "INSERT INTO documents_fts(rowid, title, text) VALUES (?, ?, ?)",
        ((seq, fold(t) if t else t, fold(x)) for seq, t, x in rows),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _applied(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(conn: sqlite3.Connection, where: str = "") -> list[str]:
    """Apply every missing migration; return the names applied now.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Raises
    ``StoreError(E_STORE_SCHEMA)`` when the database was written by a newer version.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    known = {name for name, _ in MIGRATIONS}
    unknown = [n for n in _applied(conn) if n not in known]
    if unknown:
        raise StoreError(
            E_STORE_SCHEMA,
            f"{where or 'the database'} was written by a newer version of communique "
            f"(unknown migrations: {', '.join(unknown)}); upgrade communique to open it",
        )
    done: list[str] = []
    for name, fn in MIGRATIONS:
        if name in _applied(conn):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                conn.execute("ROLLBACK")  # another process applied it while we waited
                continue
            fn(conn)
            conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _now()))
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        done.append(name)
    return done
