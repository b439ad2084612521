"""The embedded store: one SQLite file (WAL, FTS5) holding documents, spans, sources and runs.

Layout (see ``migrations.m0001_initial``): ``documents`` keeps the text, the full meta as
JSON and denormalized meta columns for filtering; ``sources`` records every path a text
arrived from with its first-seen time (one text from two paths is one document with two
sources); ``spans`` one row per finding; ``runs``/``failures``/``processed`` make batch runs
resumable; ``documents_fts`` is an FTS5 index over folded title and text whose content is
read back from ``documents``, so snippets show the original text.

Every write is one short ``BEGIN IMMEDIATE`` transaction (one document with all its spans,
its FTS row and its source row), so a process killed at any point leaves either the whole
document or none of it. WAL with ``synchronous=NORMAL`` survives process crashes; a power
cut may lose the last few commits but never corrupts the file.

JSON columns (meta, attrs, args, counts, doc_ids) use the stdlib ``json`` with compact
separators and ``ensure_ascii=False``. As in the JSONL export contract, tuples come back as
lists and dates as ISO strings.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import (
    E_NOT_FOUND,
    E_QUERY,
    E_SPAN,
    E_STORE,
    CommuniqueError,
    NotFoundError,
    QueryError,
    SpanError,
    StoreError,
)
from ..model import LAYERS, Document, Span
from . import postings
from .filters import SearchFilters, facet_keys, sqlite_document_where, sqlite_where
from .migrations import migrate
from .query import to_fts5
from .textfold import fold

log = logging.getLogger(__name__)

#: Snippet markers around each matched token. Guillemets, because the snippet is plain text
#: for a terminal or a page; note that Arabic and French texts use « » as quotation marks.
SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_ELLIPSIS = "«", "»", "…"
#: Tokens per snippet: about one sentence of context, as search engines show.
SNIPPET_TOKENS = 24
#: bm25 column weights (title, text): a match in the title says more about what a statement
#: is about than one anywhere in its body; 5x is a conventional title boost, not tuned.
BM25_WEIGHTS = (5.0, 1.0)
#: How long a writer waits for another process's write lock before failing (ms). Writes
#: are one document each, so waits are short; 30 s only bounds pathological cases.
BUSY_TIMEOUT_MS = 30_000

#: A search that matches more documents than this is ranked in rowid ranges, one per core,
#: in parallel (FTS5's bm25() costs about 0.7 us per matching document: 30 ms for a word in
#: 40% of 100k statements on one core).
PARALLEL_MATCHES = 20_000
#: Page cache per connection, in KiB (SQLite's default is 2 MiB): a filtered search joins
#: many documents, and 100k statements hold about 300 MB of pages.
CACHE_KIB = 65_536
#: FTS5 keeps new rows in segments that each query reads; past this many, ``finish_run``
#: and ``optimize_index`` merge them into one (12 segments made a 100k search 50% slower).
MAX_FTS_SEGMENTS = 8

#: What ``actor_roles`` reports as the issuer of documents whose issuer is unknown.
UNKNOWN_ISSUER = "(unknown issuer)"

RUN_STATUSES = frozenset({"running", "done", "interrupted", "failed"})
PROCESSED_STATUSES = frozenset({"ok", "failed"})
# FTS5 marks matches with private-use sentinels; adjacent marks (the tokens of one phrase)
# are merged, then the sentinels become the public markers.
_OPEN, _CLOSE = "\ue000", "\ue001"
_ADJACENT_MARKS = re.compile(_CLOSE + r"(\s+)" + _OPEN)
_MIN_PREFIX = 4
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result. ``score`` is -bm25: higher is more relevant.

    ``snippet`` is cut from the original text with each matched token between « and ».
    """

    id: str
    title: str | None
    snippet: str
    score: float
    issuer: str | None
    published: str | None
    #: (start, end) character offsets of every matched token in the document text
    matches: tuple[tuple[int, int], ...] = ()
    #: spans of the document that satisfy the search filters (entity, role, technique), as
    #: ``Span.to_dict()`` plus ``text``
    spans: tuple[dict, ...] = ()
    #: how the hit was found: {"bm25": score, "bm25_rank": n, "semantic": cosine, ...}
    scores: dict = field(default_factory=dict)


#: Values per ``IN (...)`` list: SQLite allows 32,766 parameters to a statement.
_IN_CHUNK = 10_000


def _in_rows(conn: sqlite3.Connection, sql: str, values: list, before: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` (with one ``{marks}`` for the IN list) for every value, in chunks."""
    out: list[tuple] = []
    for k in range(0, len(values), _IN_CHUNK):
        part = values[k : k + _IN_CHUNK]
        out += conn.execute(sql.format(marks=", ".join("?" * len(part))), (*before, *part)).fetchall()
    return out


def _seq_table(seqs: Any, top: int) -> Any:
    """A boolean array over seqs 0..``top``, True at ``seqs``: membership by indexing."""
    import numpy as np

    table = np.zeros(top + 1, dtype=bool)
    table[seqs] = True
    return table


_EXECUTOR: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """Threads for parallel search ranges (shared by every store in the process)."""
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 8), thread_name_prefix="communique-search")
    return _EXECUTOR


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _marks(snippet: str | None) -> str:
    """Merge the marks of adjacent matched tokens and switch to the public markers."""
    merged = _ADJACENT_MARKS.sub(r"\1", snippet or "")
    return merged.replace(_OPEN, SNIPPET_OPEN).replace(_CLOSE, SNIPPET_CLOSE)


_SENTINELS = re.compile("[" + _OPEN + _CLOSE + "]")


def _offsets(highlighted: str | None) -> tuple[tuple[int, int], ...]:
    """Offsets of the marked tokens in a text returned by FTS5 highlight() with the private
    sentinels (the text is the original; only the sentinels were inserted)."""
    if not highlighted:
        return ()
    out: list[tuple[int, int]] = []
    removed, start = 0, -1
    for m in _SENTINELS.finditer(highlighted):
        pos = m.start() - removed
        removed += 1
        if m.group() == _OPEN:
            start = pos
        elif start >= 0:
            out.append((start, pos))
            start = -1
    return tuple(out)


def _json_default(o: Any) -> Any:
    if isinstance(o, Mapping):
        return dict(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON-serializable")


# one encoder, built once: json.dumps with options builds a new encoder on every call
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _dumps(value: Any, what: str) -> str:
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError) as e:
        raise StoreError(E_STORE, f"cannot store {what} as JSON: {e}") from e


def _text_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _proc_start(pid: int) -> str | None:
    """Process start time from /proc (Linux), to tell a reused pid from the original."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[0] is field 3 (state); starttime is field 22
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _alive(pid: int | None, proc_start: str | None) -> bool:
    """Whether the process that began a run still exists (unknown counts as alive)."""
    if pid is None or os.name == "nt":  # os.kill(pid, 0) is not a probe on Windows
        return True
    if proc_start is not None and os.path.isdir("/proc"):
        return _proc_start(pid) == proc_start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """The SQLite store. Opening creates the file (and parent folders) and migrates it.

    One ``Store`` per process writes; any number of processes may read concurrently (WAL).
    A ``Store`` may be shared between threads: calls are serialized by a lock.
    ``":memory:"`` gives a private in-memory store (no WAL), handy in tests.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser() if str(path) != ":memory:" else Path(":memory:")
        self._lock = threading.RLock()
        self._known_runs: dict[int, str] = {}  # run id -> pipeline version
        self._matrix: tuple | None = None  # embedding cache, see embedding_matrix
        self._writes = 0  # commits through this Store: with PRAGMA data_version, the state
        self._readers: list[sqlite3.Connection] = []  # for parallel search, see _rank
        self._ranked: tuple | None = None  # the last ranking, see _rank
        self._allowed_last: tuple | None = None  # the last filter, see _allowed
        self._evaluated: tuple | None = None  # the last query over the postings
        memory = str(path) == ":memory:"
        where = str(self.path)
        if not memory:
            if self.path.is_dir():
                raise StoreError(E_STORE, f"{where} is a folder, not a store file")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(E_STORE, f"cannot create the folder for {where}: {e}") from e
        try:
            self._conn = sqlite3.connect(
                ":memory:" if memory else where,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            raise StoreError(E_STORE, f"cannot open {where}: {e}") from e
        try:
            self._setup(memory, where)
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, memory: bool, where: str) -> None:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as e:
            raise StoreError(
                E_STORE, f"{where} is not a communique store: not an SQLite database ({e})"
            ) from e
        if tables and "migrations" not in tables:
            shown = ", ".join(sorted(tables)[:5])
            raise StoreError(
                E_STORE,
                f"{where} is an SQLite database but not a communique store "
                f"(it has tables {shown} and no migrations table)",
            )
        try:
            if not memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(E_STORE, f"cannot switch {where} to WAL (mode is {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, where)
        except sqlite3.OperationalError as e:
            if "fts5" in str(e).lower():
                raise StoreError(
                    E_STORE, f"this Python's SQLite {sqlite3.sqlite_version} lacks FTS5"
                ) from e
            raise StoreError(E_STORE, f"cannot open {where}: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreError(E_STORE, f"cannot open {where}: {e}") from e

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (checkpointing the WAL). Further calls raise StoreError."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._conn.close()
            for r in self._readers:
                r.close()
            self._readers.clear()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        """Serialize access and turn sqlite3 errors into StoreError."""
        with self._lock:
            try:
                yield self._conn
            except CommuniqueError:
                raise
            except sqlite3.ProgrammingError as e:
                raise StoreError(E_STORE, f"store {self.path} is not usable: {e}") from e
            except sqlite3.Error as e:
                raise StoreError(E_STORE, f"store {self.path}: {e}") from e

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; rolled back on any error."""
        with self._guard() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._writes += 1

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot across several statements."""
        with self._guard() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _check_run(self, conn: sqlite3.Connection, run_id: int) -> str:
        """The run's pipeline version; NotFoundError for an unknown run id."""
        version = self._known_runs.get(run_id)
        if version is None:
            row = conn.execute(
                "SELECT pipeline_version FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(
                    E_NOT_FOUND, f"no run {run_id} in {self.path}: call begin_run() first"
                )
            version = self._known_runs[run_id] = row[0]
        return version

    # -- runs -------------------------------------------------------------------------------

    def _reap(self, conn: sqlite3.Connection) -> int:
        host = socket.gethostname()
        rows = conn.execute(
            "SELECT id, pid, host, proc_start FROM runs WHERE status = 'running'"
        ).fetchall()
        dead = [rid for rid, pid, h, ps in rows if h == host and not _alive(pid, ps)]
        conn.executemany(
            "UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
            [(rid,) for rid in dead],
        )
        return len(dead)

    def begin_run(self, pipeline_version: str, config_hash: str, args: dict) -> int:
        """Record a new run as 'running' with this process's pid; return its id.

        Runs still marked 'running' whose process (on this host) is gone are marked
        'interrupted' first.
        """
        pid = os.getpid()
        with self._write() as conn:
            self._reap(conn)
            cur = conn.execute(
                "INSERT INTO runs (started_at, status, pipeline_version, config_hash, args,"
                " pid, host, proc_start) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    pipeline_version,
                    config_hash,
                    _dumps(dict(args), "run args"),
                    pid,
                    socket.gethostname(),
                    _proc_start(pid),
                ),
            )
            run_id = int(cur.lastrowid or 0)
        self._known_runs[run_id] = pipeline_version
        return run_id

    def finish_run(self, run_id: int, counts: dict, status: str = "done") -> None:
        """Close a run with its counts and final status ('done', 'interrupted', 'failed').
        A run that is done then brings the search index up to date (``optimize_index``);
        if that fails, the run stays done and search falls back to FTS5's ranking."""
        if status not in RUN_STATUSES - {"running"}:
            raise StoreError(
                E_STORE, f"run status must be done, interrupted or failed, not {status!r}"
            )
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?",
                (_now(), status, _dumps(dict(counts), "run counts"), run_id),
            )
            if cur.rowcount == 0:
                raise NotFoundError(E_NOT_FOUND, f"no run {run_id} in {self.path}")
        if status != "done":
            return  # an interrupted or failed run ends now; the next run or index catches up
        try:
            self.optimize_index()
        except StoreError as e:  # searches fall back to FTS5's ranking: slower, still right
            log.warning("search index not brought up to date after run %s: %s", run_id, e.message)

    def record_failure(self, run_id: int, source: str, code: str, reason: str) -> None:
        """Record that ``source`` failed in run ``run_id`` with an error code and reason."""
        with self._write() as conn:
            self._check_run(conn, run_id)
            conn.execute(
                "INSERT INTO failures (run_id, source, code, reason, at) VALUES (?, ?, ?, ?, ?)",
                (run_id, str(source), code, reason, _now()),
            )

    def runs(self, limit: int = 20) -> list[dict]:
        """The latest runs, newest first, with args and counts decoded.

        Runs left 'running' by a dead process are reported (and stored) as 'interrupted'.
        """
        with self._guard() as conn:
            running = conn.execute("SELECT 1 FROM runs WHERE status = 'running'").fetchone()
        if running:
            try:
                with self._write() as conn:
                    self._reap(conn)
            except StoreError:
                pass  # a read-only file still lists its runs
        with self._guard() as conn:
            rows = conn.execute(
                "SELECT id, started_at, finished_at, status, pipeline_version, config_hash,"
                " args, counts, pid, host FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = (
            "id", "started_at", "finished_at", "status", "pipeline_version", "config_hash",
            "args", "counts", "pid", "host",
        )  # fmt: skip
        out = []
        for row in rows:
            d = dict(zip(keys, row, strict=True))
            d["args"] = json.loads(d["args"]) if d["args"] else {}
            d["counts"] = json.loads(d["counts"]) if d["counts"] else {}
            out.append(d)
        return out

    def failures(self, run_id: int | None = None) -> list[dict]:
        """Failure records (all, or one run's), oldest first."""
        sql = "SELECT id, run_id, source, code, reason, at FROM failures"
        params: tuple = ()
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params = (run_id,)
        with self._guard() as conn:
            rows = conn.execute(sql + " ORDER BY id", params).fetchall()
        keys = ("id", "run_id", "source", "code", "reason", "at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- processed files --------------------------------------------------------------------

    def is_processed(
        self, source: str, size: int, mtime_ns: int, *, include_failed: bool = False
    ) -> bool:
        """Whether this exact file (path, size, mtime_ns) was already processed successfully.

        Files that failed are retried by default (a new config may let them through);
        ``include_failed=True`` skips them too.
        """
        with self._guard() as conn:
            row = conn.execute(
                "SELECT status FROM processed WHERE source = ? AND size = ? AND mtime_ns = ?",
                (str(source), size, mtime_ns),
            ).fetchone()
        return row is not None and (row[0] == "ok" or include_failed)

    def mark_processed(
        self,
        source: str,
        size: int,
        mtime_ns: int,
        run_id: int,
        doc_ids: list[str],
        status: str,
    ) -> None:
        """Record that a file was processed ('ok' or 'failed') and which documents it gave."""
        if status not in PROCESSED_STATUSES:
            raise StoreError(E_STORE, f"processed status must be ok or failed, not {status!r}")
        with self._write() as conn:
            self._check_run(conn, run_id)
            conn.execute(
                "INSERT OR REPLACE INTO processed"
                " (source, size, mtime_ns, run_id, doc_ids, status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(source), size, mtime_ns, run_id, _dumps(list(doc_ids), "doc ids"),
                 status, _now()),
            )  # fmt: skip

    # -- documents --------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        """Whether a document with exactly this id is stored."""
        with self._guard() as conn:
            return (
                conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone()
                is not None
            )

    @staticmethod
    def _span_rows(doc_id: str, spans: Iterable[Span]) -> list[tuple]:
        return [
            (
                doc_id,
                s.start,
                s.end,
                s.layer,
                s.label,
                float(s.score),
                _dumps(dict(s.attrs), "span attrs") if s.attrs else None,
                s.source,
            )
            for s in spans
        ]

    _INSERT_SPAN = (
        'INSERT INTO spans (doc_id, start, "end", layer, label, score, attrs, source)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )

    def put_document(self, doc: Document, source: str, fmt: str, run_id: int) -> str:
        """Store a document with its spans, FTS row and source, in one transaction.

        Returns "added" (new document), "new_source" (known text, new source recorded with
        first_seen now) or "known" (nothing changed). Spans of a known document are never
        touched here; use ``replace_spans`` to re-run stages.
        """
        with self._write() as conn:
            self._check_run(conn, run_id)
            return self._put(conn, doc, str(source), fmt, run_id)

    def put_documents(self, items: Iterable[tuple[Document, str, str]], run_id: int) -> list[str]:
        """``put_document`` for a small batch of (document, source, format), in one transaction.

        All or nothing: a crash loses the whole batch (and the next run redoes it). Faster
        than one transaction per document when documents are small; keep batches small
        (tens of documents) so a kill loses little.
        """
        with self._write() as conn:
            self._check_run(conn, run_id)
            return [self._put(conn, d, str(src), fmt, run_id) for d, src, fmt in items]

    def _put(
        self, conn: sqlite3.Connection, doc: Document, source: str, fmt: str, run_id: int
    ) -> str:
        now = _now()
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone():
            cur = conn.execute(
                "INSERT OR IGNORE INTO sources (doc_id, source, format, first_seen, run_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (doc.id, source, fmt, now, run_id),
            )
            return "new_source" if cur.rowcount else "known"
        meta = doc.meta
        title = _text_or_none(meta.get("title"))
        languages = meta.get("languages")
        pipeline = self._check_run(conn, run_id)
        cur = conn.execute(
            "INSERT INTO documents (id, text, meta, title, issuer, published, doc_type,"
            " languages, pipeline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.text,
                _dumps(dict(meta), f"meta of {doc.id}"),
                title,
                _text_or_none(meta.get("issuer")),
                _text_or_none(meta.get("published")),
                _text_or_none(meta.get("doc_type")),
                _dumps(languages, "languages") if languages else None,
                pipeline,
                now,
            ),
        )
        conn.executemany(self._INSERT_SPAN, self._span_rows(doc.id, doc.spans))
        conn.execute(
            "INSERT INTO documents_fts (rowid, title, text) VALUES (?, ?, ?)",
            (cur.lastrowid, fold(title) if title else title, fold(doc.text)),
        )
        conn.execute(
            "INSERT INTO sources (doc_id, source, format, first_seen, run_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (doc.id, source, fmt, now, run_id),
        )
        return "added"

    def add_source(self, doc_id: str, source: str, fmt: str, run_id: int) -> bool:
        """Record another source of a stored document; False if it was already recorded."""
        with self._write() as conn:
            self._check_run(conn, run_id)
            if not conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
                raise NotFoundError(E_NOT_FOUND, f"no document {doc_id} in {self.path}")
            cur = conn.execute(
                "INSERT OR IGNORE INTO sources (doc_id, source, format, first_seen, run_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (doc_id, str(source), fmt, _now(), run_id),
            )
            return cur.rowcount > 0

    def _check_fit(self, conn: sqlite3.Connection, doc_id: str, spans: list[Span]) -> None:
        """NotFoundError for an unknown document, SpanError for a span beyond its text."""
        row = conn.execute("SELECT length(text) FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFoundError(E_NOT_FOUND, f"no document {doc_id} in {self.path}")
        for s in spans:
            if s.end > row[0]:
                raise SpanError(E_SPAN, f"span {s.start}..{s.end} beyond text of {row[0]}")

    def replace_spans(
        self, doc_id: str, spans: Iterable[Span], stage_sources: list[str] | None = None
    ) -> None:
        """Replace a document's spans, e.g. after re-running stages, in one transaction.

        ``stage_sources=None`` replaces every span. Otherwise only spans whose source is
        listed are deleted first: an entry with "@" ("dates@0.2") matches that version
        exactly, one without ("dates") matches every version of that stage. The new spans
        are then inserted as given.
        """
        spans = list(spans)
        rows = self._span_rows(doc_id, spans)
        with self._write() as conn:
            self._check_fit(conn, doc_id, spans)
            if stage_sources is None:
                conn.execute("DELETE FROM spans WHERE doc_id = ?", (doc_id,))
            else:
                for name in stage_sources:
                    if "@" in name:
                        conn.execute(
                            "DELETE FROM spans WHERE doc_id = ? AND source = ?", (doc_id, name)
                        )
                    else:
                        conn.execute(
                            "DELETE FROM spans WHERE doc_id = ?"
                            " AND (source = ? OR substr(source, 1, ?) = ?)",
                            (doc_id, name, len(name) + 1, name + "@"),
                        )
            conn.executemany(self._INSERT_SPAN, rows)

    _SELECT_SPANS = (
        'SELECT doc_id, start, "end", layer, label, score, attrs, source FROM spans'
        ' WHERE doc_id {cond} ORDER BY doc_id, start, "end" DESC, layer, label, rowid'
    )

    @staticmethod
    def _document(doc_id: str, text: str, meta: str, span_rows: Iterable[tuple]) -> Document:
        spans = tuple(
            Span(start, end, layer, label, score, json.loads(attrs) if attrs else {}, src)
            for _, start, end, layer, label, score, attrs, src in span_rows
        )
        return Document(doc_id, text, json.loads(meta), spans)

    def _resolve(self, conn: sqlite3.Connection, key: str) -> str:
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (key,)).fetchone():
            return key
        prefix = key.strip().lower()
        if len(prefix) < _MIN_PREFIX or not set(prefix) <= _HEX:
            raise NotFoundError(
                E_NOT_FOUND,
                f"no document {key!r} in {self.path} "
                f"(an id prefix needs at least {_MIN_PREFIX} hex digits)",
            )
        # hex ids sort below "g": [prefix, prefix + "g") is the prefix range on the index
        found = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
                (prefix, prefix + "g"),
            )
        ]
        if not found:
            raise NotFoundError(E_NOT_FOUND, f"no document {key!r} in {self.path}")
        if len(found) > 1:
            more = " and more" if len(found) > 10 else ""
            raise StoreError(
                E_STORE,
                f"id prefix {key!r} is ambiguous: {', '.join(found[:10])}{more}; type more digits",
            )
        return found[0]

    def get_document(self, doc_id_or_prefix: str) -> Document:
        """The stored document by id or unique id prefix (at least 4 hex digits).

        Spans come back in canonical order (``model.span_order``, as ``with_spans`` sorts).
        Raises NotFoundError when nothing matches, StoreError listing the candidates when a
        prefix is ambiguous.
        """
        with self._read() as conn:
            doc_id = self._resolve(conn, doc_id_or_prefix)
            text, meta = conn.execute(
                "SELECT text, meta FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()
            spans = conn.execute(self._SELECT_SPANS.format(cond="= ?"), (doc_id,)).fetchall()
        return self._document(doc_id, text, meta, spans)

    def iter_documents(self, batch: int = 500) -> Iterator[Document]:
        """Every document in first-seen order, read ``batch`` documents at a time.

        Memory stays at one batch; documents added while iterating are included when they
        arrive after the current position.
        """
        if batch < 1:
            raise StoreError(E_STORE, f"batch must be at least 1, not {batch}")
        last = 0
        while True:
            with self._read() as conn:
                docs = conn.execute(
                    "SELECT seq, id, text, meta FROM documents WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, batch),
                ).fetchall()
                if not docs:
                    return
                ids = [d[1] for d in docs]
                cond = "IN (" + ",".join("?" * len(ids)) + ")"
                by_doc: dict[str, list[tuple]] = {i: [] for i in ids}
                for row in conn.execute(self._SELECT_SPANS.format(cond=cond), ids):
                    by_doc[row[0]].append(row)
            last = docs[-1][0]
            for _, doc_id, text, meta in docs:
                yield self._document(doc_id, text, meta, by_doc.pop(doc_id))

    def count_documents(self) -> int:
        """Number of stored documents."""
        with self._guard() as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]

    def sources(self, doc_id: str) -> list[tuple[str, str, str]]:
        """(source, format, first_seen ISO) for every source of a document, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT source, format, first_seen FROM sources WHERE doc_id = ?"
                " ORDER BY first_seen, rowid",
                (doc_id,),
            ).fetchall()
            if (
                not rows
                and not conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone()
            ):
                raise NotFoundError(E_NOT_FOUND, f"no document {doc_id} in {self.path}")
        return [(s, f, t) for s, f, t in rows]

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
    ) -> list[SearchHit]:
        """Full-text search, best first (BM25; title matches weigh 5x).

        Query syntax (see ``storage.query``): words (all must match), "exact phrase",
        ``OR``, ``NOT word`` or ``-word``, ``prefix*``, parentheses. Arabic is folded like
        the index, so it matches with or without diacritics. Malformed queries raise
        QueryError (E300). Snippets come from the original text of the body, matched tokens
        marked « »; ``matches`` gives their offsets. ``filters`` narrows the documents
        searched (see ``storage.filters``).
        """
        if limit < 0 or offset < 0:
            raise QueryError(E_QUERY, f"limit and offset must be >= 0 (got {limit}, {offset})")
        match = to_fts5(query)
        ranked, _ = self._rank(query, match, filters, offset + limit)
        page = ranked[offset:]
        with self._lock:
            rows = {
                r[0]: r[1:]
                for r in _in_rows(
                    self._conn,
                    "SELECT seq, id, title, issuer, published FROM documents WHERE seq IN ({marks})",
                    [seq for seq, _ in page],
                )
            }
        snippets = self._snippets(query, match, [seq for seq, _ in page])
        hits = []
        for k, (seq, score) in enumerate(page):
            if seq not in rows:  # removed since it was ranked (not done by communique)
                continue
            i, title, issuer, published = rows[seq]
            snip, hl = snippets.get(seq, (None, None))
            hits.append(SearchHit(
                i, title, _marks(snip), score, issuer, published, _offsets(hl),
                scores={"bm25": score, "bm25_rank": offset + k + 1},
            ))  # fmt: skip
        return hits

    def _snippets(self, query: str, match: str, seqs: list[int]) -> dict[int, tuple[str, str]]:
        """{seq: (snippet, highlighted body)} of some documents for an FTS5 expression.
        One index probe per document, except for a prefix query: FTS5 expands a prefix
        again for every probe (about 2 ms for a prefix of 40k statements), so those scan
        the matches once and cut snippets only for the documents asked."""
        sql = (
            "SELECT rowid, snippet(documents_fts, 1, ?, ?, ?, ?), highlight(documents_fts, 1, ?, ?)"
            " FROM documents_fts WHERE documents_fts MATCH ? AND "
        )
        marks = (_OPEN, _CLOSE, SNIPPET_ELLIPSIS, SNIPPET_TOKENS, _OPEN, _CLOSE, match)
        if not seqs:
            return {}
        if '" *' in match:
            try:
                with self._lock:
                    rows = _in_rows(self._conn, sql + "+rowid IN ({marks})", seqs, marks)
            except sqlite3.Error as e:
                raise StoreError(E_STORE, f"store {self.path}: {e}") from e
        else:
            rows = [r for seq in seqs for r in self._fts(query, sql + "rowid = ?", (*marks, seq))]
        return {r[0]: (r[1], r[2]) for r in rows}

    def _fts(
        self, query: str, sql: str, params: tuple | list, conn: sqlite3.Connection | None = None
    ) -> list[tuple]:
        """Run a full-text query, turning FTS5's syntax errors into QueryError. On the
        store's connection by default (under its lock); a reader connection of ``_rank``
        belongs to one range thread and needs no lock."""
        if conn is None:
            with self._lock:
                return self._fts(query, sql, params, self._conn)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as e:
            msg = str(e)
            if "fts5" in msg or "syntax" in msg or "MATCH" in msg:
                raise QueryError(E_QUERY, f"cannot search for {query!r}: {msg}") from e
            raise StoreError(E_STORE, f"store {self.path}: {msg}") from e
        except sqlite3.Error as e:
            raise StoreError(E_STORE, f"store {self.path}: {e}") from e

    def bm25_ranking(
        self, query: str, filters: SearchFilters | None = None, limit: int = 100
    ) -> list[tuple[str, float]]:
        """(id, bm25 score) of the best ``limit`` documents matching ``query``, best first:
        the BM25 half of hybrid search (no snippets, so it is cheap)."""
        ranked, _ = self._rank(query, to_fts5(query), filters, limit)
        ids = self._ids([seq for seq, _ in ranked])
        return [(ids[seq], score) for seq, score in ranked if seq in ids]

    def count_matches(self, query: str, filters: SearchFilters | None = None) -> int:
        """How many documents match ``query`` (and ``filters``)."""
        return self._rank(query, to_fts5(query), filters, 0)[1]

    def matching(self, query: str, doc_ids: Iterable[str]) -> set[str]:
        """Those of ``doc_ids`` that match ``query`` (from the postings, else one index
        probe each): how hybrid search keeps a query with syntax exact."""
        import numpy as np

        match = to_fts5(query)
        with self._lock:
            seqs = self._seqs(doc_ids)
            if not seqs:
                return set()
            ev = self._evaluation(match)
            if ev is not None:  # the query's matches, from the postings
                cands = np.array(sorted(seqs.values()), dtype=np.int64)
                keep = set(cands[np.isin(cands, ev.hits, assume_unique=True)].tolist())
                return {i for i, seq in seqs.items() if seq in keep}
            return {
                i for i, seq in seqs.items()
                if self._fts(query, "SELECT 1 FROM documents_fts WHERE documents_fts MATCH ?"
                             " AND rowid = ?", (match, seq))
            }  # fmt: skip

    def _evaluation(self, match: str) -> postings.Evaluation | None:
        """The query over the postings (``storage.postings``), or None where FTS5 must rank
        it; the last one is kept until the store changes (hybrid search asks twice)."""
        key = (match, self._state())
        if self._evaluated is not None and self._evaluated[0] == key:
            return self._evaluated[1]
        with self._lock:
            try:
                ev = postings.evaluate(self._conn, match, BM25_WEIGHTS)
            except sqlite3.Error as e:
                raise StoreError(E_STORE, f"store {self.path}: {e}") from e
        self._evaluated = (key, ev)
        return ev

    def _ids(self, seqs: list[int]) -> dict[int, str]:
        with self._lock:
            return dict(_in_rows(self._conn, "SELECT seq, id FROM documents WHERE seq IN ({marks})", seqs))

    def _seqs(self, doc_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(doc_ids))
        with self._lock:
            return dict(_in_rows(self._conn, "SELECT id, seq FROM documents WHERE id IN ({marks})", ids))

    def _state(self) -> tuple[int, int]:
        """Changes since this Store opened: its own commits and, from ``PRAGMA
        data_version``, those of every other connection (other processes included)."""
        with self._lock:
            return self._writes, self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _allowed(self, filters: SearchFilters | None) -> Any:
        """Sorted seqs (numpy int64) of the documents that pass ``filters``; None when no
        filter is set. Document filters read the indexes of ``documents``, span filters
        the facet index, each as a sorted run of seqs; the runs are intersected."""
        import numpy as np

        if not filters:
            return None
        key = (filters, self._state())
        if self._allowed_last is not None and self._allowed_last[0] == key:
            return self._allowed_last[1]
        runs = []
        cond, params = sqlite_document_where(filters)
        def seqs(sql: str, args: list) -> Any:
            # one string from SQLite, parsed by numpy: 4 ms for 40k seqs, where a row
            # per seq costs 11 ms
            got = self._conn.execute(f"SELECT group_concat(seq) FROM ({sql})", args).fetchone()[0]
            return np.fromstring(got, dtype=np.int64, sep=",") if got else np.zeros(0, np.int64)

        with self._lock:
            if cond:
                runs.append(np.sort(seqs(f"SELECT d.seq FROM documents d WHERE 1{cond}", params)))
            for keys in facet_keys(filters):
                marks = ", ".join("?" * len(keys))
                found = seqs(f"SELECT seq FROM facets WHERE key IN ({marks})", keys)
                runs.append(np.unique(found) if len(keys) > 1 else found)
        out = runs[0]
        for run in runs[1:]:
            out = np.intersect1d(out, run, assume_unique=True)
        self._allowed_last = (key, out)  # hybrid search asks twice: semantic rows, BM25
        return out

    def _rank(
        self, query: str, match: str, filters: SearchFilters | None, limit: int
    ) -> tuple[list[tuple[int, float]], int]:
        """(seq, bm25 score) of the best ``limit`` matches, best first (ties in arrival
        order), and the number of matches.

        In numpy from the word postings when they can answer the query (``storage.postings``:
        the same scores as FTS5, without its cost per match). Otherwise in FTS5 alone,
        never joined to ``documents``: a filter becomes a function of the rowid over a byte
        mask of the allowed seqs (which also counts the matches that pass), and a query
        with more than ``PARALLEL_MATCHES`` matches is ranked in rowid
        ranges on one read connection per core, in parallel: SQLite releases the GIL, and
        bm25's statistics (IDF, average length) are global, so the ranges' scores are the
        whole index's. The last result is kept (until the store changes), so the
        ``search`` + ``count_matches`` of one page rank once."""
        import numpy as np

        key = (match, filters, self._state())
        last = self._ranked  # (key, ranked, total): ranked holds min(its limit, total)
        if last is not None and last[0] == key and len(last[1]) >= min(limit, last[2]):
            return last[1][:limit], last[2]
        allowed = self._allowed(filters)
        with self._lock:
            ev = self._evaluation(match)
            if ev is not None:
                fast = postings.rank(ev, allowed, limit)
                self._ranked = (key, *fast)
                return fast
            total = self._fts(
                query, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", (match,)
            )[0][0]
            if allowed is not None and (not len(allowed) or not total):
                total = 0
            if not total:
                ranked: list[tuple[int, float]] = []
                self._ranked = (key, ranked, 0)
                return ranked, 0
            mask = None
            if allowed is not None:
                mask = _seq_table(allowed, int(allowed[-1])).tobytes()  # bytes of 0 or 1
            lo, hi = self._conn.execute("SELECT min(seq), max(seq) FROM documents").fetchone()
            parts = 1
            if total > PARALLEL_MATCHES and str(self.path) != ":memory:":
                parts = max(1, min(os.cpu_count() or 1, 8))
            bounds = np.linspace(lo, hi + 1, parts + 1).astype(np.int64)
            ranges = [(int(a), int(b) - 1) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            conns = [self._conn] if parts == 1 else self._reader_pool(parts)
            want = max(limit, 1)
            if parts == 1:
                results = [self._rank_range(query, match, mask, None, want, conns[0])]
            else:
                futures = [
                    _executor().submit(self._rank_range, query, match, mask, r, want, c)
                    for r, c in zip(ranges, conns, strict=True)
                ]
                results = [f.result() for f in futures]
        rows = sorted((row for part, _ in results for row in part), key=lambda r: (r[1], r[0]))
        if mask is not None:
            total = sum(n for _, n in results)
        ranked = [(seq, -float(r)) for seq, r in rows[:limit]]
        self._ranked = (key, ranked, total)
        return ranked, total

    def _rank_range(
        self,
        query: str,
        match: str,
        mask: bytes | None,
        rowids: tuple[int, int] | None,
        limit: int,
        conn: sqlite3.Connection,
    ) -> tuple[list[tuple[int, float]], int]:
        """One range of ``_rank``: its best (seq, bm25) rows and how many passed the mask."""
        where = "documents_fts MATCH ?"
        params: list[Any] = [match]
        if rowids is not None:
            where += " AND rowid BETWEEN ? AND ?"
            params += list(rowids)
        passed = [0]
        if mask is not None:
            size = len(mask)

            def allowed(rowid: int) -> int:
                if rowid < size and mask[rowid]:
                    passed[0] += 1
                    return 1
                return 0

            conn.create_function("communique_allowed", 1, allowed)
            where += " AND communique_allowed(rowid)"
        rows = self._fts(
            query,
            f"SELECT rowid, bm25(documents_fts, ?, ?) AS r FROM documents_fts WHERE {where}"
            " ORDER BY r, rowid LIMIT ?",
            (*BM25_WEIGHTS, *params, limit),
            conn,
        )
        return rows, passed[0]

    def _reader_pool(self, n: int) -> list[sqlite3.Connection]:
        """``n`` extra read-only connections (opened once, closed with the store)."""
        while len(self._readers) < n:
            try:
                c = sqlite3.connect(
                    str(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None, check_same_thread=False,
                )  # fmt: skip
                c.execute("PRAGMA query_only = ON")
                c.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            except sqlite3.Error as e:
                raise StoreError(E_STORE, f"cannot open {self.path} for reading: {e}") from e
            self._readers.append(c)
        return self._readers[:n]

    def optimize_index(self, force: bool = False) -> bool:
        """Make searches fast after statements were added: merge the full-text index into
        one segment when it has more than ``MAX_FTS_SEGMENTS`` (any number above one with
        ``force``), and bring the word postings (``storage.postings``) up to date: the new
        statements as a segment, and with ``force`` every segment joined into one. True if
        anything was done. Called by ``finish_run`` (cost in proportion to the run) and
        ``Corpus.index`` (``force``: about 1.3 s to merge the FTS index and 4 s to join
        the postings per 100k statements)."""
        with self._write() as conn:
            segments = conn.execute("SELECT count(DISTINCT segid) FROM documents_fts_idx").fetchone()[0]
            merge = segments > 1 and (force or segments > MAX_FTS_SEGMENTS)
            if merge:
                conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('optimize')")
            built = postings.build(conn, compact=force)
        return merge or bool(built["changed"])

    def filter_ids(self, filters: SearchFilters | None) -> list[str] | None:
        """Ids of the documents that pass ``filters`` in arrival order; None when no filter
        is set (every document passes)."""
        if not filters:
            return None
        cond, params = sqlite_where(filters)
        with self._read() as conn:
            return [r[0] for r in conn.execute(f"SELECT d.id FROM documents d WHERE 1{cond} ORDER BY d.seq", params)]

    def hits(self, ids: list[str], query: str | None = None) -> list[SearchHit]:
        """Search hits (title, issuer, date, snippet, matches) for given documents, in the
        given order, for results found by other means (semantic similarity). The snippet
        marks the words of ``query`` (any of them) when the document has some, else it is
        the opening of the text. Unknown ids are left out."""
        if not ids:
            return []
        anyword = None
        if query:
            from .query import any_terms

            anyword = any_terms(query)
        with self._read() as conn:
            rows = {
                r[0]: r[1:]
                for r in _in_rows(
                    conn,
                    "SELECT id, seq, title, issuer, published, substr(text, 1, 400) FROM documents"
                    " WHERE id IN ({marks})",
                    list(ids),
                )
            }
        snippets = self._snippets(query or "", anyword, [r[0] for r in rows.values()]) if anyword else {}
        out: list[SearchHit] = []
        for did in ids:
            if did not in rows:
                continue
            seq, title, issuer, published, lead = rows[did]
            snip: str | None = None
            matches: tuple[tuple[int, int], ...] = ()
            if seq in snippets:
                snip, matches = _marks(snippets[seq][0]), _offsets(snippets[seq][1])
            if snip is None:
                words = lead.split()
                snip = " ".join(words[:SNIPPET_TOKENS]) + (SNIPPET_ELLIPSIS if len(words) > SNIPPET_TOKENS else "")
            out.append(SearchHit(did, title, snip, 0.0, issuer, published, matches))
        return out

    # -- embeddings (semantic search) -------------------------------------------------------

    def put_embeddings(self, rows: Iterable[tuple[str, str, bytes]]) -> int:
        """Store (doc_id, model, vector) rows, replacing a document's earlier vector."""
        rows = list(rows)
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO embeddings (doc_id, model, vector) VALUES (?, ?, ?)"
                " ON CONFLICT (doc_id) DO UPDATE SET model = excluded.model, vector = excluded.vector",
                rows,
            )
        self._matrix = None  # an upsert keeps rowids: the stamp would not see it
        return len(rows)

    def missing_embeddings(self, model: str, limit: int = 1000) -> list[tuple[str, str | None, str]]:
        """(id, title, text) of up to ``limit`` documents without a vector from ``model``."""
        with self._read() as conn:
            return conn.execute(
                "SELECT d.id, d.title, d.text FROM documents d LEFT JOIN embeddings e"
                " ON e.doc_id = d.id AND e.model = ? WHERE e.doc_id IS NULL ORDER BY d.seq LIMIT ?",
                (model, limit),
            ).fetchall()

    def count_embeddings(self, model: str) -> int:
        with self._read() as conn:
            return conn.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]

    def embedding_matrix(self, model: str) -> tuple[list[str], Any]:
        """(ids, float32 matrix [n, dim]) of every vector from ``model``, cached in memory
        until the store's vectors change. While nothing was written anywhere (``_state``)
        the cache is used as is; after a write, a count and max rowid of the vectors tell
        whether they changed (any process)."""
        return self._embeddings(model)[:2]

    def _embeddings(self, model: str) -> tuple[list[str], Any, Any]:
        """(ids, matrix, seq of each row's document), cached as ``embedding_matrix`` says."""
        import numpy as np

        from ..semantic import from_blobs

        state = self._state()
        cached = self._matrix  # (model, state, stamp, ids, matrix, seqs, {id: row} | None)
        if cached is not None and cached[0] == model and cached[1] == state:
            return cached[3], cached[4], cached[5]
        with self._read() as conn:
            stamp = conn.execute(
                "SELECT count(*), max(rowid) FROM embeddings WHERE model = ?", (model,)
            ).fetchone()
            if cached is not None and cached[0] == model and cached[2] == stamp:
                self._matrix = (model, state, *cached[2:])
                return cached[3], cached[4], cached[5]
            rows = conn.execute(
                "SELECT e.doc_id, d.seq, e.vector FROM embeddings e JOIN documents d"
                " ON d.id = e.doc_id WHERE e.model = ? ORDER BY e.rowid", (model,)
            ).fetchall()
        ids = [r[0] for r in rows]
        seqs = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        matrix = from_blobs([r[2] for r in rows])
        self._matrix = (model, state, stamp, ids, matrix, seqs, None)
        return ids, matrix, seqs

    def embedding_positions(self, model: str, doc_ids: Iterable[str]) -> Any:
        """Row numbers in ``embedding_matrix(model)`` of the given documents (those with a
        vector), as a numpy int array: for restricting similarity to filtered documents."""
        import numpy as np

        ids, _, _ = self._embeddings(model)
        cached = self._matrix
        assert cached is not None
        if cached[6] is None:
            cached = self._matrix = (*cached[:6], {d: k for k, d in enumerate(ids)})
        index = cached[6]
        return np.fromiter((index[d] for d in doc_ids if d in index), dtype=np.int64)

    def semantic_rows(self, model: str, filters: SearchFilters | None) -> Any:
        """Rows of ``embedding_matrix(model)`` whose documents pass ``filters`` (numpy int
        array, in row order); None when no filter is set. From the sorted seqs of
        ``_allowed``, without reading documents."""
        import numpy as np

        allowed = self._allowed(filters)
        if allowed is None:
            return None
        _, _, seqs = self._embeddings(model)
        if not len(allowed) or not len(seqs):
            return np.zeros(0, dtype=np.int64)
        # a lookup table by seq: 1 ms where np.isin sorts (5-8 ms)
        return np.flatnonzero(_seq_table(allowed, max(int(allowed[-1]), int(seqs.max())))[seqs])

    # -- overview ---------------------------------------------------------------------------

    def stats(self) -> dict:
        """Counts: documents, sources, spans (total and by layer), issuers, runs, failures.

        ``issuers`` maps each issuer to its number of documents, most first;
        ``runs`` maps run status to count.
        """
        with self._read() as conn:
            one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
            by_layer = dict(
                conn.execute("SELECT layer, count(*) FROM spans GROUP BY layer ORDER BY layer")
            )
            issuers = dict(
                conn.execute(
                    "SELECT issuer, count(*) AS n FROM documents WHERE issuer IS NOT NULL"
                    " GROUP BY issuer ORDER BY n DESC, issuer"
                )
            )
            runs = dict(conn.execute("SELECT status, count(*) FROM runs GROUP BY status"))
            return {
                "path": str(self.path),
                "documents": one("SELECT count(*) FROM documents"),
                "sources": one("SELECT count(*) FROM sources"),
                "spans": sum(by_layer.values()),
                "spans_by_layer": by_layer,
                "issuers": issuers,
                "runs": runs,
                "failures": one("SELECT count(*) FROM failures"),
            }

    # -- actors and roles -------------------------------------------------------------------

    # Role spans with a named actor; {where} and {actor} add the filters. layer = 'role'
    # (and label = :role) is a search on the spans_layer_label index.
    _ROLE_SPANS = """
        WITH r AS (
            SELECT coalesce(d.issuer, :unknown) AS issuer,
                   json_extract(s.attrs, '$.actor') AS actor,
                   json_type(s.attrs, '$.actor') AS actor_type,
                   json_extract(s.attrs, '$.actor_kind') AS actor_kind,
                   s.label AS role, s.score AS score, s.doc_id AS doc_id,
                   d.published AS published
            FROM spans s JOIN documents d ON d.id = s.doc_id
            WHERE s.layer = 'role' {where}
        )
        SELECT {columns} FROM r WHERE actor_type = 'text' AND actor <> '' {actor}
    """
    _ACTOR_ROLES = (
        "issuer, actor, role, count(*) AS mentions, count(DISTINCT doc_id), max(score),"
        " min(published), max(published)",
        " GROUP BY issuer, actor, role ORDER BY mentions DESC, actor, issuer, role",
    )
    _ACTOR_KINDS = (
        "issuer, actor, role, actor_kind, count(*)",
        " AND actor_kind IS NOT NULL GROUP BY issuer, actor, role, actor_kind",
    )

    def actor_roles(
        self, issuer: str | None = None, role: str | None = None, actor: str | None = None
    ) -> list[dict]:
        """Who casts whom in which role: role spans aggregated per (issuer, actor, role).

        Each row: ``issuer`` (``UNKNOWN_ISSUER`` for documents without one), ``actor``
        (``attrs.actor`` of the role spans), ``actor_kind``, ``role`` (the span label),
        ``mentions`` (role spans), ``documents`` (distinct documents), ``score`` (highest),
        ``first``/``last`` (earliest and latest ``published``; None when no document has a
        date). Sorted by mentions (most first), then actor, issuer and role. Spans without
        an actor name are left out.

        Filters: ``issuer`` and ``actor`` match whole names, ignoring ASCII case
        (``UNKNOWN_ISSUER`` selects documents without an issuer); ``role`` must be a label
        of the role layer, else QueryError (E300).
        """
        params: dict[str, Any] = {"unknown": UNKNOWN_ISSUER}
        where = ""
        if role is not None:
            if role not in LAYERS["role"]:
                raise QueryError(
                    E_QUERY,
                    f"unknown role {role!r}; roles are: {', '.join(sorted(LAYERS['role']))}",
                )
            where += " AND s.label = :role"
            params["role"] = role
        if issuer is not None:
            where += " AND coalesce(d.issuer, :unknown) = :issuer COLLATE NOCASE"
            params["issuer"] = issuer
        actor_cond = ""
        if actor is not None:
            actor_cond = " AND actor = :actor COLLATE NOCASE"
            params["actor"] = actor
        with self._read() as conn:
            rows = conn.execute(
                self._ROLE_SPANS.format(
                    columns=self._ACTOR_ROLES[0], where=where, actor=actor_cond
                ) + self._ACTOR_ROLES[1],
                params,
            ).fetchall()
            kind_rows = conn.execute(
                self._ROLE_SPANS.format(
                    columns=self._ACTOR_KINDS[0], where=where, actor=actor_cond
                ) + self._ACTOR_KINDS[1],
                params,
            ).fetchall()
        # the kind most of a group's spans give; ties go to the alphabetically first
        kinds: dict[tuple, tuple[int, str]] = {}
        for iss, act, rol, kind, n in kind_rows:
            best = kinds.get((iss, act, rol))
            if best is None or (-n, str(kind)) < (-best[0], best[1]):
                kinds[iss, act, rol] = (n, str(kind))
        return [
            {
                "issuer": iss,
                "actor": act,
                "actor_kind": kinds[iss, act, rol][1] if (iss, act, rol) in kinds else None,
                "role": rol,
                "mentions": mentions,
                "documents": documents,
                "score": score,
                "first": first,
                "last": last,
            }
            for iss, act, rol, mentions, documents, score, first, last in rows
        ]

    # -- corpus views (timelines, profiles, lineage) ----------------------------------------

    _CATALOG = """
        SELECT d.seq, d.id, d.title, d.issuer, d.published, d.doc_type, d.languages,
               d.created_at, (SELECT min(first_seen) FROM sources s WHERE s.doc_id = d.id),
               length(d.text)
        FROM documents d {where} ORDER BY d.seq
    """

    def catalog(self, issuer: str | None = None, batch: int = 2000) -> Iterator[dict]:
        """One light row per document (no text, no spans), in arrival order.

        Fields: ``id``, ``title``, ``issuer``, ``published`` (ISO date or None), ``doc_type``,
        ``languages`` (list), ``created_at`` (when it was stored), ``first_seen`` (earliest
        first-seen time of its sources; ``created_at`` when it has none), ``chars``.
        ``issuer`` filters by whole name, ignoring ASCII case. Reads ``batch`` rows at a time.
        """
        where, params = "WHERE d.seq > ?", []
        if issuer is not None:
            where += " AND d.issuer = ? COLLATE NOCASE"
            params.append(issuer)
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    self._CATALOG.format(where=where) + " LIMIT ?", (last, *params, batch)
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _seq, did, title, iss, pub, dtype, langs, created, first, chars in rows:
                yield {
                    "id": did,
                    "title": title,
                    "issuer": iss,
                    "published": pub,
                    "doc_type": dtype,
                    "languages": json.loads(langs) if langs else [],
                    "created_at": created,
                    "first_seen": first or created,
                    "chars": chars,
                }

    def iter_texts(self, batch: int = 2000) -> Iterator[tuple[str, str]]:
        """(id, text) of every document in arrival order, without spans or meta."""
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    "SELECT seq, id, text FROM documents WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _seq, did, text in rows:
                yield did, text

    def span_facts(
        self, layer: str, label: str | None = None, issuer: str | None = None
    ) -> Iterator[dict]:
        """Every span of ``layer`` (optionally one ``label``) with its document's issuer
        and publication date, for aggregation: ``doc_id``, ``issuer``, ``published``,
        ``start``, ``end``, ``label``, ``score``, ``attrs`` (dict), ``source``.

        ``layer`` must be a known layer and ``label`` one of its labels, else QueryError
        (E300). ``issuer`` matches the whole name ignoring ASCII case."""
        if layer not in LAYERS:
            raise QueryError(E_QUERY, f"unknown layer {layer!r}; layers are: {', '.join(LAYERS)}")
        if label is not None and LAYERS[layer] and label not in LAYERS[layer]:
            raise QueryError(
                E_QUERY,
                f"unknown {layer} label {label!r}; labels are: {', '.join(sorted(LAYERS[layer]))}",
            )
        sql = (
            "SELECT s.doc_id, d.issuer, d.published, s.start, s.\"end\", s.label, s.score,"
            " s.attrs, s.source FROM spans s JOIN documents d ON d.id = s.doc_id"
            " WHERE s.layer = ?"
        )
        params: list[Any] = [layer]
        if label is not None:
            sql += " AND s.label = ?"
            params.append(label)
        if issuer is not None:
            sql += " AND d.issuer = ? COLLATE NOCASE"
            params.append(issuer)
        with self._read() as conn:
            rows = conn.execute(sql + " ORDER BY d.seq, s.start, s.\"end\"", params).fetchall()
        for did, iss, pub, start, end, lab, score, attrs, source in rows:
            yield {
                "doc_id": did,
                "issuer": iss,
                "published": pub,
                "start": start,
                "end": end,
                "label": lab,
                "score": score,
                "attrs": json.loads(attrs) if attrs else {},
                "source": source,
            }

    # -- reviews (append-only audit log) ----------------------------------------------------

    #: What ``add_review`` accepts as ``action``.
    REVIEW_ACTIONS = ("accept", "reject", "relabel", "add")

    def add_review(
        self,
        doc_id: str,
        reviewer: str,
        action: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        note: str | None = None,
    ) -> dict:
        """Append one analyst decision to the review log and return it as ``reviews`` does.

        ``doc_id`` is a full document id (NotFoundError E202 when not stored); ``reviewer``
        a non-empty name; ``action`` one of ``REVIEW_ACTIONS`` (StoreError E200 otherwise);
        ``before`` / ``after`` span dicts in the shape of ``Span.to_dict`` (or None), kept
        as JSON exactly as given; ``note`` free text or None. The store sets ``at`` (UTC,
        ISO 8601 with microseconds) and ``id`` (increasing: the log order). The store does
        not check the spans against the document: ``Corpus.review`` does. Stored spans are
        never touched, and review rows are never updated or deleted (triggers refuse it).
        """
        if action not in self.REVIEW_ACTIONS:
            raise StoreError(
                E_STORE, f"review action must be one of {', '.join(self.REVIEW_ACTIONS)}, not {action!r}"
            )
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise StoreError(E_STORE, "a review needs the reviewer's name")
        row = (
            doc_id,
            _now(),
            reviewer,
            action,
            _dumps(dict(before), "review before") if before is not None else None,
            _dumps(dict(after), "review after") if after is not None else None,
            note,
        )
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
                raise NotFoundError(E_NOT_FOUND, f"no document {doc_id} in {self.path}")
            cur = conn.execute(
                'INSERT INTO reviews (doc_id, at, reviewer, action, "before", "after", note)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            review_id = int(cur.lastrowid or 0)
        return self._review_dict((review_id, *row))

    @staticmethod
    def _review_dict(row: tuple) -> dict:
        rid, did, at, reviewer, action, before, after, note = row
        return {
            "id": rid,
            "doc_id": did,
            "at": at,
            "reviewer": reviewer,
            "action": action,
            "before": json.loads(before) if before else None,
            "after": json.loads(after) if after else None,
            "note": note,
        }

    @staticmethod
    def _review_where(
        doc_id: str | None, reviewer: str | None, action: str | None
    ) -> tuple[str, list[Any]]:
        cond, params = [], []
        for column, value in (("doc_id", doc_id), ("reviewer", reviewer), ("action", action)):
            if value is not None:
                cond.append(f"{column} = ?")
                params.append(value)
        return (" WHERE " + " AND ".join(cond) if cond else ""), params

    def reviews(
        self,
        doc_id: str | None = None,
        *,
        reviewer: str | None = None,
        action: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict]:
        """Reviews in log order (oldest first; ``newest_first`` reverses), each
        ``{"id", "doc_id", "at", "reviewer", "action", "before", "after", "note"}`` with
        ``before`` / ``after`` decoded (dicts or None).

        Filters match exactly (``doc_id`` a full id; ``reviewer`` and ``action`` as stored);
        ``limit`` None means all. An unknown document simply has no reviews.
        """
        if (limit is not None and limit < 0) or offset < 0:
            raise QueryError(E_QUERY, f"limit and offset must be >= 0 (got {limit}, {offset})")
        where, params = self._review_where(doc_id, reviewer, action)
        order = "DESC" if newest_first else "ASC"
        sql = (
            'SELECT id, doc_id, at, reviewer, action, "before", "after", note FROM reviews'
            f"{where} ORDER BY id {order} LIMIT ? OFFSET ?"
        )
        with self._guard() as conn:
            rows = conn.execute(sql, (*params, -1 if limit is None else limit, offset)).fetchall()
        return [self._review_dict(r) for r in rows]

    def count_reviews(
        self, doc_id: str | None = None, *, reviewer: str | None = None, action: str | None = None
    ) -> int:
        """How many reviews ``reviews`` would return with these filters and no limit."""
        where, params = self._review_where(doc_id, reviewer, action)
        with self._guard() as conn:
            return int(conn.execute(f"SELECT count(*) FROM reviews{where}", params).fetchone()[0])

    def reviewed_documents(self) -> list[str]:
        """Ids of the documents with at least one review, in the order of their first review."""
        with self._guard() as conn:
            rows = conn.execute(
                "SELECT doc_id FROM reviews GROUP BY doc_id ORDER BY min(id)"
            ).fetchall()
        return [r[0] for r in rows]

    # -- adding spans (imported reviews) ----------------------------------------------------

    def add_spans(
        self, doc_id: str, spans: Iterable[Span], replace_sources: Iterable[str] = ()
    ) -> int:
        """Add spans to a stored document, keeping the spans it has, in one transaction.

        Spans whose source is exactly one of ``replace_sources`` are deleted first (exact
        match: "review:ana" never matches "review:ana@example.org"), so importing the same
        review again replaces its earlier import instead of doubling it; no other span is
        touched, so the model's output is never overwritten. Returns the number of spans
        deleted. NotFoundError (E202) for an unknown document, SpanError (E001) for a span
        beyond its text.
        """
        spans = list(spans)
        rows = self._span_rows(doc_id, spans)
        with self._write() as conn:
            self._check_fit(conn, doc_id, spans)
            deleted = 0
            for source in dict.fromkeys(replace_sources):
                cur = conn.execute(
                    "DELETE FROM spans WHERE doc_id = ? AND source = ?", (doc_id, source)
                )
                deleted += cur.rowcount
            conn.executemany(self._INSERT_SPAN, rows)
        return deleted
