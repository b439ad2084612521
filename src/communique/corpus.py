"""The Python API: analyse texts and files, and a Corpus over a store.

The CLI and (later) the REST API call only what is here.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import E_INGEST_FORMAT, IngestError
from .model import Document, doc_id

if TYPE_CHECKING:
    from .analytics import Profile, Timeline
    from .engines.dask import DaskEngine
    from .ingest import Limits, RawDoc
    from .lineage import Diff, Reposts
    from .pipeline import Pipeline, StageFailure
    from .search import SearchResult
    from .storage import SearchHit, Store
    from .storage.filters import SearchFilters

_PIPELINE: Pipeline | None = None


def pipeline() -> Pipeline:
    """The default pipeline, built once per process."""
    global _PIPELINE
    if _PIPELINE is None:
        from .pipeline import Pipeline

        _PIPELINE = Pipeline()
    return _PIPELINE


def analyze(text_or_path: str | os.PathLike[str], meta: dict[str, Any] | None = None) -> Document:
    """Analyse one statement: a string of text, or the path of a file in a supported format.

    A string is taken as a path only if it names an existing file (and holds no newline).
    Raises :class:`communique.errors.IngestError` for a file that cannot be read and
    :class:`communique.errors.StageError` if a stage fails.
    """
    from .pipeline import raise_failure

    if isinstance(text_or_path, os.PathLike) or (
        isinstance(text_or_path, str)
        and "\n" not in text_or_path
        and len(text_or_path) < 4096
        and Path(text_or_path).is_file()
    ):
        from .ingest import read_path

        result = read_path(Path(text_or_path))
        if result.failures and not result.docs:
            f = result.failures[0]
            raise IngestError(f.code, f.reason, path=f.source)
        if not result.docs:
            raise IngestError(E_INGEST_FORMAT, "no statement in file", path=str(text_or_path))
        raw = result.docs[0]
        m = {**raw.meta, **(meta or {}), "source": raw.source, "format": raw.format}
        text = raw.text
    else:
        text = str(text_or_path)
        m = {"format": "text", **(meta or {})}
    (res,) = pipeline().run_many([(text, m)])
    if not isinstance(res, Document):
        raise_failure(res)
    assert isinstance(res, Document)
    return res


@dataclass
class Failure:
    source: str
    code: str
    reason: str


@dataclass
class RunSummary:
    """What one ``Corpus.analyze`` call did."""

    run_id: int
    files: int = 0
    added: int = 0
    known: int = 0  # already stored (same text), including new sources of known texts
    new_sources: int = 0
    skipped_files: int = 0  # unchanged files already processed by an earlier run
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0

    @property
    def failed(self) -> int:
        return len(self.failures)

    def counts(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "added": self.added,
            "known": self.known,
            "new_sources": self.new_sources,
            "skipped_files": self.skipped_files,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "bytes": self.bytes,
        }


Progress = Callable[[int, int, str], None]


class Corpus:
    """A store of analysed statements (SQLite by default)."""

    def __init__(self, db: str | os.PathLike[str]) -> None:
        """``db``: a SQLite file path (created on first use) or a ``postgresql://`` URL."""
        from .storage import is_postgres_url, open_store

        self.path = str(db) if is_postgres_url(db) else Path(db)
        self.store: Store = open_store(db)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing
    def analyze(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        limits: Limits | None = None,
        progress: Progress | None = None,
        batch_size: int = 32,
        jobs: int = 1,
        engine: DaskEngine | None = None,
    ) -> RunSummary:
        """Read every file under ``paths`` (files, folders, globs), analyse what is new and
        store it. Unchanged files already processed are skipped without reading; a file that
        fails becomes a failure record and the batch goes on. Safe to kill and re-run.

        ``jobs`` > 1 analyses batches in that many worker processes (each loads the models
        once); ``jobs=0`` uses every core. Results are stored in input order either way.

        ``engine``: a :class:`communique.engines.dask.DaskEngine` runs the pipeline on a Dask
        cluster instead (``jobs`` and ``batch_size`` are then ignored); the store ends up
        the same. It connects before the run is recorded, so a bad scheduler address raises
        :class:`communique.errors.ConfigError` and leaves no run behind."""
        from .ingest import IngestFailure, Limits, iter_inputs, read_path
        from .pipeline.normalize import normalize

        limits = limits or Limits()
        jobs = jobs or os.cpu_count() or 1
        if jobs > 1:
            batch_size = min(batch_size, 8)  # small batches keep every worker busy
        pipe = pipeline()
        remote = engine.connect(pipe.version) if engine is not None else None
        config = {"limits": [limits.max_bytes, limits.max_seconds, limits.max_chars]}
        config_hash = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
        args: dict[str, Any] = {"paths": [str(p) for p in paths], "pid": os.getpid(), "jobs": jobs}
        if remote is not None:
            args["engine"] = remote.describe()
        try:
            run_id = self.store.begin_run(pipe.version, config_hash, args)
        except BaseException:
            if remote is not None:
                remote.close()
            raise
        summary = RunSummary(run_id)
        t0 = time.perf_counter()
        inputs = list(iter_inputs(paths))
        total = len(inputs)
        # documents waiting for the pipeline; files whose documents are all queued; texts
        # queued once already (a second copy only adds a source once the first is stored)
        queue: list[tuple[str, dict[str, Any], RawDoc]] = []
        queued_files: list[tuple[str, int, int, list[str]]] = []
        queued_ids: dict[str, list[RawDoc]] = {}
        runner: Any = _BatchRunner(jobs) if remote is None else remote.start(run_id, total)
        if remote is not None:
            batch_size = remote.batch_size
        status = "done"

        def fail(source: str, code: str, reason: str) -> None:
            summary.failures.append(Failure(source, code, reason))
            self.store.record_failure(run_id, source, code, reason)

        def store(batch: _Batch, results: list[Document | StageFailure]) -> None:
            for (_text, _meta, raw), res in zip(batch.items, results, strict=True):
                if isinstance(res, Document):
                    self._count(summary, self.store.put_document(res, raw.source, raw.format, run_id))
                    for dup in batch.duplicates.get(res.id, ()):
                        outcome = "new_source" if self.store.add_source(res.id, dup.source, dup.format, run_id) else "known"
                        self._count(summary, outcome)
                else:
                    fail(raw.source, res.code, f"stage {res.stage}: {res.message}")
            for source, size, mtime_ns, ids in batch.files:
                self.store.mark_processed(source, size, mtime_ns, run_id, ids, "ok")

        def flush() -> None:
            batch = _Batch(list(queue), list(queued_files), dict(queued_ids))
            queue.clear()
            queued_files.clear()
            queued_ids.clear()
            for done, results in runner.submit(batch):
                store(done, results)

        try:
            for n, item in enumerate(inputs, 1):
                if isinstance(item, IngestFailure):
                    fail(item.source, item.code, item.reason)
                    continue
                path = item
                summary.files += 1
                if progress:
                    progress(n, total, str(path))
                try:
                    st = path.stat()
                except OSError as exc:
                    fail(str(path), "E100", f"cannot stat file: {exc.strerror or exc}")
                    continue
                if self.store.is_processed(str(path), st.st_size, st.st_mtime_ns):
                    summary.skipped_files += 1
                    continue
                summary.bytes += st.st_size
                result = read_path(path, limits)
                for f in result.failures:
                    fail(f.source, f.code, f.reason)
                ids: list[str] = []
                for raw in result.docs:
                    text, anchors = normalize(raw.text)
                    did = doc_id(text)
                    ids.append(did)
                    if did in queued_ids:
                        queued_ids[did].append(raw)
                        continue
                    if self.store.has_document(did):
                        outcome = "new_source" if self.store.add_source(did, raw.source, raw.format, run_id) else "known"
                        self._count(summary, outcome)
                        continue
                    meta = dict(raw.meta)
                    meta["source"] = raw.source
                    meta["format"] = raw.format
                    if anchors != [(0, 0)]:
                        meta["offset_map"] = anchors
                    queue.append((text, meta, raw))
                    queued_ids[did] = []
                queued_files.append((str(path), st.st_size, st.st_mtime_ns, ids))
                if len(queue) >= batch_size:
                    flush()
            flush()
            for done, results in runner.drain():
                store(done, results)
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        except BaseException:  # a lost scheduler, a store that failed: the run did not finish
            status = "failed"
            raise
        finally:
            runner.close()
            summary.seconds = time.perf_counter() - t0
            self.store.finish_run(run_id, summary.counts(), status)
        return summary

    @staticmethod
    def _count(summary: RunSummary, outcome: str) -> None:
        if outcome == "added":
            summary.added += 1
        else:
            summary.known += 1
            if outcome == "new_source":
                summary.new_sources += 1

    def add(self, doc: Document, source: str = "<api>", fmt: str = "text") -> str:
        """Store an already analysed document; returns "added", "new_source" or "known"."""
        run_id = self.store.begin_run(pipeline().version, "api", {"pid": os.getpid()})
        try:
            return self.store.put_document(doc, source, fmt, run_id)
        finally:
            self.store.finish_run(run_id, {"added": 1}, "done")

    # ---- reading
    def get(self, doc_id_or_prefix: str) -> Document:
        return self.store.get_document(doc_id_or_prefix)

    def documents(self) -> Iterator[Document]:
        return self.store.iter_documents()

    def __len__(self) -> int:
        return self.store.count_documents()

    def search(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        *,
        mode: str = "bm25",
        filters: SearchFilters | None = None,
        **filter_kw: str | None,
    ) -> list[SearchHit]:
        """Search hits, best first. ``mode``: "bm25" (default here, exact and cheap),
        "semantic" or "hybrid" (see :mod:`communique.search`); filters as a
        ``SearchFilters`` or keywords (``issuer=``, ``since=``, ``until=``, ``language=``,
        ``entity=``, ``role=``, ``actor=``, ``technique=``, ``doc_type=``)."""
        return self.find(query, limit, offset, mode=mode, filters=filters, **filter_kw).hits

    def find(
        self,
        query: str,
        limit: int = 20,
        offset: int = 0,
        *,
        mode: str = "hybrid",
        filters: SearchFilters | None = None,
        **filter_kw: str | None,
    ) -> SearchResult:
        """Like :meth:`search`, hybrid by default, returning the whole
        :class:`communique.search.SearchResult` (hits, total, filters, unembedded count)."""
        from .search import search
        from .storage.filters import SearchFilters

        if filter_kw:
            if filters is not None:
                from .errors import E_QUERY, QueryError

                raise QueryError(E_QUERY, "give filters either as SearchFilters or as keywords, not both")
            try:
                filters = SearchFilters(**{k: v for k, v in filter_kw.items() if v is not None})
            except TypeError as exc:
                from .errors import E_QUERY, QueryError

                raise QueryError(E_QUERY, f"unknown search filter: {exc}") from None
        return search(self.store, query, mode=mode, filters=filters, limit=limit, offset=offset)

    def index(self, progress: Callable[[int, int], None] | None = None, batch: int = 64) -> int:
        """Compute the semantic-search embedding of every statement that has none (from
        this embedder version), then merge the full-text index into one segment; returns
        how many embeddings were added. Safe to interrupt: each batch is stored as it is
        done."""
        from .semantic import VERSION, embedder, to_blob

        todo = self.store.count_documents() - self.store.count_embeddings(VERSION)
        done = 0
        while True:
            rows = self.store.missing_embeddings(VERSION, batch)
            if not rows:
                self.store.optimize_index(force=True)
                return done
            vecs = embedder().encode_documents([(title, text) for _, title, text in rows])
            self.store.put_embeddings((did, VERSION, to_blob(v)) for (did, _, _), v in zip(rows, vecs, strict=True))
            done += len(rows)
            if progress:
                progress(done, max(todo, done))

    def sources(self, doc_id: str) -> list[tuple[str, str, str]]:
        return self.store.sources(doc_id)

    def failures(self, run_id: int | None = None) -> list[dict[str, Any]]:
        return self.store.failures(run_id)

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.store.runs(limit)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    def actor_roles(
        self, issuer: str | None = None, role: str | None = None, actor: str | None = None
    ) -> list[dict[str, Any]]:
        """Who casts whom in which role, one row per (issuer, actor, role): see
        :meth:`communique.storage.Store.actor_roles` for the fields and filters."""
        return self.store.actor_roles(issuer=issuer, role=role, actor=actor)

    def timeline(
        self,
        issuer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        by: str = "month",
        events: bool = True,
    ) -> Timeline:
        """Statements per month (or year) and issuer, and the dated events they cite: a
        :class:`communique.analytics.Timeline` (see :func:`communique.analytics.timeline`)."""
        from .analytics import timeline

        return timeline(self.store, issuer=issuer, since=since, until=until, by=by, events=events)

    def profile(
        self,
        issuer: str,
        by: str = "year",
        since: str | None = None,
        until: str | None = None,
        top: int = 10,
    ) -> Profile:
        """One issuer's technique mix against the corpus, roles cast, actors, calls to action
        and all that over time: a :class:`communique.analytics.Profile`. NotFoundError (with
        the closest issuers) when it has no statements."""
        from .analytics import profile

        return profile(self.store, issuer, by=by, since=since, until=until, top=top)

    def reposts(self, threshold: float | None = None, min_size: int = 2) -> Reposts:
        """Re-posts and edited copies: near-duplicate clusters, largest first, each ordered
        by first seen (published date, else ingest time) with every member's sources and
        similarity to the earliest version. ``threshold``: Jaccard of word 5-shingles
        (default :data:`communique.lineage.THRESHOLD`); ``min_size`` 1 includes singletons.
        See :func:`communique.lineage.reposts`."""
        from .lineage import THRESHOLD, reposts

        return reposts(self.store, threshold=THRESHOLD if threshold is None else threshold, min_size=min_size)

    def diff(self, a: str, b: str) -> Diff:
        """What changed from document ``a`` to ``b`` (ids or unique prefixes): sentence
        ops with word-level changes and offsets into both texts, and a summary. See
        :func:`communique.lineage.diff_texts`."""
        from .lineage import diff_documents

        return diff_documents(self.get(a), self.get(b))

    # ---- reviews (see communique.reviews: an append-only log replayed over the model output)
    def review(
        self,
        doc_id: str,
        action: str,
        span: dict[str, Any],
        *,
        reviewer: str,
        label: str | None = None,
        attrs: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Record an analyst's decision (accept, reject, relabel, add) on a span of a document
        (id or unique prefix) and return the logged review. The stored spans are never
        changed. Raises NotFoundError for an unknown document and SpanError (E001) for a
        decision that does not fit the document (see :func:`communique.reviews.plan`)."""
        from .reviews import plan

        doc = self.get(doc_id)
        before, after = plan(
            doc, self.store.reviews(doc.id), action, span, reviewer=reviewer, label=label, attrs=attrs
        )
        return self.store.add_review(doc.id, reviewer, action, before, after, note)  # type: ignore[no-any-return]

    def reviews(
        self,
        doc_id: str | None = None,
        *,
        reviewer: str | None = None,
        action: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """The review log (oldest first unless ``newest_first``), optionally of one
        document (id or unique prefix), reviewer or action: see ``Store.reviews``."""
        if doc_id is not None:
            doc_id = self.get(doc_id).id if not self.store.has_document(doc_id) else doc_id
        return self.store.reviews(  # type: ignore[no-any-return]
            doc_id, reviewer=reviewer, action=action, limit=limit, offset=offset, newest_first=newest_first
        )

    def reviewed_document(self, doc_id: str) -> dict[str, Any]:
        """The document as ``Document.to_dict()`` with its reviews applied: each span has a
        ``"review"`` key (None, or the last decision on it); rejected spans stay, marked."""
        from .reviews import reviewed_document

        doc = self.get(doc_id)
        return reviewed_document(doc, self.store.reviews(doc.id))

    def export_reviews(self, out: Any, layer: str | None = None) -> int:
        """Write one JSON line per reviewed document to the text stream ``out``:
        ``{"id", "text", "spans": [confirmed spans], "rejected": [rejected spans]}``, each
        span with its review, for retraining. Returns the number of lines written."""
        from .model import LAYERS
        from .reviews import export_record

        if layer is not None and layer not in LAYERS:
            from .errors import E_QUERY, QueryError

            raise QueryError(E_QUERY, f"unknown layer {layer!r}; layers are: {', '.join(LAYERS)}")
        n = 0
        for did in self.store.reviewed_documents():
            record = export_record(self.get(did), self.store.reviews(did), layer)
            if record is not None:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                n += 1
        return n

    def export(
        self,
        fmt: str,
        out: Any,
        *,
        layers: Sequence[str] | None = None,
        report: dict[str, Any] | None = None,
    ) -> int:
        """Write every document as ``fmt`` and return the number written: ``jsonl``, ``csv``,
        ``csv-documents`` or ``ftm`` to a text stream or file path; ``parquet``, ``brat``,
        ``labelstudio`` or ``semeval`` into a new or empty folder. ``layers`` keeps only those
        layers' spans where the format allows it; ``report`` receives extra counts. See
        :func:`communique.exports.formats.export`."""
        from .exports.formats import export

        return export(self.documents(), fmt, out, layers=layers, report=report)

    def load_jsonl(self, path: str | os.PathLike[str]) -> Any:
        """Store the documents of a JSONL export (the contract); known texts are kept as they
        are. Bad lines become failure records of the load's run. Returns a
        :class:`communique.exports.load.LoadReport`."""
        from .exports.jsonl import iter_jsonl
        from .exports.load import load

        return load(self.store, iter_jsonl(Path(path)), "jsonl", {"path": str(path)})

    def load_parquet(self, path: str | os.PathLike[str]) -> Any:
        """Store the documents of a Parquet export (every part, full meta); as ``load_jsonl``."""
        from .exports.load import load, parquet_items

        return load(self.store, parquet_items(Path(path)), "parquet", {"path": str(path)})

    def import_reviews(self, fmt: str, path: str | os.PathLike[str], annotator: str | None = None) -> Any:
        """Add reviewed annotations from ``labelstudio`` (a JSON export) or ``brat`` (a folder
        of .ann/.txt) as spans with ``source="review:<annotator>"``; the model's spans are
        kept. Returns a :class:`communique.exports.review.ImportReport`; every rejected
        record is also a failure record of the import's run. See ``communique.exports.review``."""
        from .exports import review

        if fmt == "labelstudio":
            from .exports.labelstudio import read_labelstudio

            items: Any = read_labelstudio(Path(path), annotator)
        elif fmt == "brat":
            from .exports.brat import read_reviews

            items = read_reviews(Path(path), annotator)
        else:
            from .exports import ExchangeError

            raise ExchangeError("E400", f"reviews import from labelstudio or brat, not {fmt!r}")
        return review.apply(self.store, items, fmt, {"path": str(path), "annotator": annotator})


def open(db: str | os.PathLike[str] = "communique.db") -> Corpus:  # noqa: A001 - public API name
    """Open (or create) the corpus stored in ``db``."""
    return Corpus(db)


@dataclass
class _Batch:
    items: list[tuple[str, dict[str, Any], RawDoc]]
    files: list[tuple[str, int, int, list[str]]]
    duplicates: dict[str, list[RawDoc]]


def _analyze_packed(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, Any]]:
    """Worker side: analyse a batch and return picklable plain data."""
    out: list[tuple[str, Any]] = []
    for res in pipeline().run_many(items):
        if isinstance(res, Document):
            out.append(("doc", (res.id, res.text, _plain_meta(res.meta), [s.to_dict() for s in res.spans])))
        else:
            out.append(("fail", (res.stage, res.code, res.message)))
    return out


def _plain_meta(meta: Any) -> dict[str, Any]:
    from .model import _plain

    return _plain(meta)  # type: ignore[no-any-return]


def _unpack(packed: list[tuple[str, Any]]) -> list[Document | StageFailure]:
    from .pipeline import StageFailure

    out: list[Document | StageFailure] = []
    for kind, data in packed:
        if kind == "doc":
            did, text, meta, spans = data
            out.append(Document.from_dict({"id": did, "text": text, "meta": meta, "spans": spans}))
        else:
            out.append(StageFailure(*data))
    return out


class _BatchRunner:
    """Runs pipeline batches inline (jobs=1) or in worker processes, yielding finished
    batches in submission order."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: Any = None
        self._pending: list[tuple[_Batch, Any]] = []

    def submit(self, batch: _Batch) -> Iterator[tuple[_Batch, list[Document | StageFailure]]]:
        if not batch.items and not batch.files:
            return
        if self.jobs == 1 or not batch.items:
            yield batch, pipeline().run_many([(t, m) for t, m, _ in batch.items]) if batch.items else []
            return
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # fork: workers share the parent's loaded code; each loads the models once
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        future = self._pool.submit(_analyze_packed, [(t, m) for t, m, _ in batch.items])
        self._pending.append((batch, future))
        while len(self._pending) > 2 * self.jobs:
            done, fut = self._pending.pop(0)
            yield done, _unpack(fut.result())

    def drain(self) -> Iterator[tuple[_Batch, list[Document | StageFailure]]]:
        while self._pending:
            done, fut = self._pending.pop(0)
            yield done, _unpack(fut.result())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
