"""The Dask engine: the same per-document pipeline, run over partitions on a Dask cluster.

``Corpus.analyze(paths, engine=DaskEngine(...))`` (``communique analyze --engine dask``)
keeps everything the local engine guarantees, because the driver still does the reading,
normalizing, de-duplication and storing exactly as the local engine does: only the
``pipeline().run_many`` call moves to the cluster. Each batch becomes one partition task;
the worker analyses it and writes the documents as Parquet
(``communique.exports.parquet.write_parquet``) into a staging folder; the driver loads
finished partitions into the store in input order (so the store is the same as the local
engine's), then marks their files processed. A run killed half-way resumes like a local
one: files are marked processed only once their documents are stored.

Cluster: a ``distributed.LocalCluster`` on 127.0.0.1 (one single-threaded worker process
per core, no dashboard) when no scheduler address is given; otherwise the client connects
to an existing ``dask scheduler`` whose ``dask worker`` processes must have the same
communique installed and see the staging folder (a shared filesystem when they run on other
machines). Both are checked before anything is analysed, and fail with a ``ConfigError``
(CLI exit 6), never a hang.

Models load once per worker process: the pipeline is the process-global built lazily by
:func:`communique.corpus.pipeline`, warmed on every worker when the engine connects; tasks
carry plain ``(text, meta)`` tuples and a function reference, never the pipeline itself.
Workers on one machine share its cores: the technique model gets ``cores // workers``
ONNX Runtime threads in each (its default, one per core in every worker, oversubscribes).

A partition that fails on the cluster (worker killed, disk full...) becomes one failure
record per document with the reason; its files are not marked processed, so the next run
retries them, and the run goes on. Losing the scheduler itself stops the run with a
``ConfigError``; what was stored stays, and the same command resumes.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import threading
import uuid
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import E_CONFIG, E_STAGE, ConfigError

if TYPE_CHECKING:
    from ..corpus import _Batch
    from ..model import Document
    from ..pipeline import StageFailure

#: Largest partition the adaptive default makes (documents); ``partition_size`` overrides.
MAX_PARTITION = 512
#: Smallest partition the adaptive default makes: below this, per-task overhead shows.
MIN_PARTITION = 8
#: The adaptive default aims at this many partitions per worker thread, so that the last
#: partitions (the tail where some workers idle) are a small part of the run.
PARTITIONS_PER_THREAD = 16
#: Dask settings for the LocalCluster this engine starts: the statistical profiler (every
#: 10 ms), event-loop ticks (20 ms) and system monitor (500 ms) feed a dashboard that is not
#: running here, and take CPU and GIL time from the pipeline; memory is checked once a second.
QUIET_WORKERS: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
#: A short statement that touches every model the pipeline loads (parse, language id,
#: technique model), analysed once per worker when the engine connects.
WARM_UP_TEXT = (
    "Statement of the Harbour Committee\n\n"
    'On 3 March 2021 the committee in Port Aldane said: "We will not leave the docks."\n'
)


@dataclass
class DaskEngine:
    """Where and how to run the pipeline on Dask.

    ``scheduler``: address of a running ``dask scheduler`` (``tcp://host:8786``); ``None``
    starts a LocalCluster of ``workers`` single-threaded processes (default: one per core).
    ``client``: an already connected ``distributed.Client`` to use instead (not closed).
    ``partition_size``: documents per partition; ``None`` picks one from the input size
    (between 8 and 512, about 16 partitions per worker thread).
    ``staging``: folder for the Parquet partitions, kept after the run: each run leaves
    ``run-<id>/documents/part-NNNNNN.parquet`` and ``run-<id>/spans/...`` (the documents it
    analysed, in input order; readable by ``read_parquet`` or DuckDB); ``staged`` names the
    last one. ``None`` uses a temporary folder removed at the end. With workers on other
    machines it must be a folder that they and this process share.
    ``connect_timeout``: seconds to wait for the scheduler and its first worker.
    """

    scheduler: str | None = None
    workers: int | None = None
    partition_size: int | None = None
    staging: str | os.PathLike[str] | None = None
    client: Any = None
    connect_timeout: float = 10.0
    staged: Path | None = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError(E_CONFIG, f"workers must be at least 1, not {self.workers}")
        if self.partition_size is not None and self.partition_size < 1:
            raise ConfigError(E_CONFIG, f"partition size must be at least 1, not {self.partition_size}")
        if self.connect_timeout <= 0:
            raise ConfigError(E_CONFIG, f"connect timeout must be positive, not {self.connect_timeout}")
        if self.workers is not None and (self.scheduler or self.client is not None):
            raise ConfigError(
                E_CONFIG, "workers sets the size of a local cluster; an existing cluster has its own workers"
            )

    def connect(self, pipeline_version: str) -> DaskRunner:
        """Connect (or start a LocalCluster), check every worker and the staging folder.

        Raises :class:`ConfigError` when the scheduler cannot be reached, has no workers,
        a worker cannot run this communique (missing, or another pipeline version), or the
        staging folder is not shared with the workers.
        """
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - install problem
            raise ConfigError(E_CONFIG, f"the dask engine needs dask and distributed installed: {exc}") from exc

        cluster = None
        client = self.client
        owned = client is None
        where = "the given client"
        if client is None and self.scheduler:
            where = f"the dask scheduler at {self.scheduler}"
            try:
                client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    E_CONFIG,
                    f"cannot reach the dask scheduler at {self.scheduler!r} within "
                    f"{self.connect_timeout:g} s ({exc}); is `dask scheduler` running there?",
                ) from None
            except Exception as exc:  # a bad address, or a server that is not a scheduler
                raise ConfigError(
                    E_CONFIG,
                    f"cannot use {self.scheduler!r} as a dask scheduler address ({type(exc).__name__}: "
                    f"{str(exc)[:200]}); expected e.g. tcp://10.0.0.5:8786",
                ) from None
        elif client is None:
            where = "the local dask cluster"
            n = self.workers or os.cpu_count() or 1
            try:
                import dask

                with dask.config.set(QUIET_WORKERS):
                    cluster = LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",  # nothing listens beyond this machine
                        dashboard_address=None,
                        # the scheduler's plain HTTP routes still start: a free local port, not :8787
                        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.CRITICAL,  # failures are recorded with their reasons
                    )
                client = Client(cluster, set_as_default=False)
            except Exception as exc:
                if cluster is not None:
                    cluster.close()
                raise ConfigError(E_CONFIG, f"cannot start a local dask cluster of {n} workers: {exc}") from None
        runner = DaskRunner(self, client, cluster if owned else None, owns_client=owned, where=where)
        try:
            runner.check(pipeline_version)
        except BaseException:
            runner.close()
            raise
        return runner


class DaskRunner:
    """Submits pipeline batches as partition tasks and yields finished batches in order,
    with the same interface as ``communique.corpus._BatchRunner`` (submit, drain, close)."""

    def __init__(self, engine: DaskEngine, client: Any, cluster: Any, *, owns_client: bool, where: str) -> None:
        self.engine = engine
        self.client = client
        self.cluster = cluster
        self.owns_client = owns_client
        self.where = where
        self.threads = 1
        self.workers: dict[str, dict[str, Any]] = {}
        self.batch_size = engine.partition_size or MIN_PARTITION
        self.run_id = 0
        self.root = Path()
        self.run_dir: Path | None = None
        self._temp_root: Path | None = None
        self._token = uuid.uuid4().hex[:8]
        self._seq = 0
        self._pending: deque[tuple[_Batch, str, Any, list[str | None]]] = deque()
        # text id → its partition (in flight), True (a document) or its failure, for the
        # texts of the latest partitions: a copy queued while the first is in flight
        self._outcomes: OrderedDict[str, str | bool | StageFailure] = OrderedDict()
        self._keep_outcomes = 100_000

    # ---- setup
    def check(self, pipeline_version: str) -> None:
        """Wait for a worker, warm the pipeline on every worker and compare its version with
        ours, and make sure every worker can write into the staging folder we read."""
        timeout = self.engine.connect_timeout
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError) as exc:
            raise ConfigError(
                E_CONFIG,
                f"{self.where} has no workers (waited {timeout:g} s: {exc}); start some with "
                f"`dask worker {self.engine.scheduler or 'ADDRESS'} --nthreads 1`",
            ) from None
        try:
            hosts = self.client.run(_host_info)
            # a worker per core must not run one model thread per core: a fair share each
            per_host = Counter(h["host"] for h in hosts.values())
            share = {addr: max(1, h["cores"] // per_host[h["host"]]) for addr, h in hosts.items()}
            info: dict[str, dict[str, Any]] = {}
            for n in sorted(set(share.values())):
                info.update(self.client.run(_warm_worker, n, workers=[a for a, k in share.items() if k == n]))
        except Exception as exc:
            raise ConfigError(
                E_CONFIG, f"a worker of {self.where} cannot run communique ({type(exc).__name__}: {exc})"
            ) from None
        wrong = {addr: d["version"] for addr, d in info.items() if d["version"] != pipeline_version}
        if wrong:
            addr, version = sorted(wrong.items())[0]
            raise ConfigError(
                E_CONFIG,
                f"worker {addr} runs pipeline version {version}, this process {pipeline_version}: "
                "install the same communique on every worker",
            )
        self.workers = info
        nthreads = self.client.nthreads()
        self.threads = max(1, sum(nthreads.get(a, 1) for a in info))
        if self.engine.staging is None:
            self._temp_root = Path(tempfile.mkdtemp(prefix="communique-dask-"))
            root = self._temp_root
        else:
            root = Path(self.engine.staging).expanduser().resolve()
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(E_CONFIG, f"cannot create the staging folder {root}: {exc.strerror or exc}") from None
        self.root = root
        probe = root / f".probe-{self._token}"
        try:
            probe.write_text(self._token, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(E_CONFIG, f"cannot write into the staging folder {root}: {exc.strerror or exc}") from None
        try:
            seen = self.client.run(_check_staging, str(probe), self._token)
        finally:
            probe.unlink(missing_ok=True)
        blind = {addr: why for addr, why in seen.items() if why}
        if blind:
            addr, why = sorted(blind.items())[0]
            raise ConfigError(
                E_CONFIG,
                f"worker {addr} cannot use the staging folder {root} ({why}); pass --staging "
                "a folder that this machine and every worker share",
            )

    def start(self, run_id: int, n_inputs: int) -> DaskRunner:
        """Begin run ``run_id`` over ``n_inputs`` files: its partition size (the staging
        folder ``run-<id>`` is made with the first partition)."""
        self.run_id = run_id
        self.batch_size = self.engine.partition_size or partition_size(n_inputs, self.threads)
        self._keep_outcomes = max(100_000, 4 * (2 * self.threads + 2) * self.batch_size)
        return self

    def _run_dir(self) -> Path:
        if self.run_dir is None:
            run_dir = self.root / f"run-{self.run_id}"
            try:
                run_dir.mkdir()
            except FileExistsError:  # kept by a run of another store with the same id
                run_dir = self.root / f"run-{self.run_id}-{self._token}"
                run_dir.mkdir()
            self.run_dir = run_dir
            if self._temp_root is None:
                self.engine.staged = run_dir
        return self.run_dir

    def describe(self) -> dict[str, Any]:
        """What the run records about the engine."""
        return {
            "name": "dask",
            "scheduler": self.engine.scheduler or ("local" if self.cluster is not None else "client"),
            "workers": len(self.workers),
            "threads": self.threads,
            "staging": str(self.engine.staging) if self.engine.staging is not None else None,
            "model_threads": sorted({d["model_threads"] for d in self.workers.values()}, key=str),
        }

    # ---- running
    def submit(self, batch: _Batch) -> Iterator[tuple[_Batch, list[Document | StageFailure]]]:
        """Queue one batch as a partition task; yield every finished batch at the head of
        the queue (waiting only while more than two partitions per thread are queued).

        A text already in an earlier partition still on its way (the corpus cannot know it
        yet: it is not stored) is not analysed again; it gets the earlier copy's outcome, so
        it becomes an extra source as with one process, and the Parquet holds it once."""
        from ..model import doc_id

        if not batch.items and not batch.files:
            return
        run_dir = self._run_dir()
        part = f"part-{self._seq:06d}"
        self._seq += 1
        refs: list[str | None] = []  # per item: None (analysed here) or the earlier copy's id
        items: list[tuple[str, dict[str, Any]]] = []
        for text, meta, _raw in batch.items:
            did = doc_id(text)
            if did in self._outcomes:
                refs.append(did)
                continue
            refs.append(None)
            items.append((text, meta))
            self._outcomes[did] = part
        while len(self._outcomes) > self._keep_outcomes:
            self._outcomes.popitem(last=False)
        future = None
        if items:
            try:
                future = self.client.submit(
                    _analyze_partition, items, str(run_dir / part), part,
                    key=f"communique-{self._token}-{part}", pure=False,
                )  # fmt: skip
            except Exception:
                if self.client.status in ("closing", "closed"):
                    raise self._lost_connection() from None
                raise
        self._pending.append((batch, part, future, refs))
        yield from self._collect(2 * self.threads)

    def drain(self) -> Iterator[tuple[_Batch, list[Document | StageFailure]]]:
        yield from self._collect(0)

    def _collect(self, keep: int) -> Iterator[tuple[_Batch, list[Document | StageFailure]]]:
        from ..model import Document, doc_id
        from ..pipeline import StageFailure

        while self._pending:
            batch, part, future, refs = self._pending[0]
            if future is not None and not future.done() and len(self._pending) <= keep:
                return
            self._pending.popleft()
            analysed = [(t, m) for (t, m, _r), ref in zip(batch.items, refs, strict=True) if ref is None]
            lost = False
            try:
                results = self._load(analysed, part, future) if future is not None else []
            except _SchedulerLost:  # every partition in flight is gone: stop, resumable
                raise self._lost_connection() from None
            except Exception as exc:  # the partition is lost, not the run
                shutil.rmtree(self._run_dir() / part, ignore_errors=True)
                results = [_lost(part, exc)] * len(analysed)
                lost = True
            for (text, _m), res in zip(analysed, results, strict=True):
                self._outcomes[doc_id(text)] = True if isinstance(res, Document) else res
            fresh = iter(results)
            out: list[Document | StageFailure] = []
            for (text, _m, _r), ref in zip(batch.items, refs, strict=True):
                if ref is None:
                    out.append(next(fresh))
                    continue
                earlier = self._outcomes.get(ref)
                if earlier is True:  # stored by an earlier partition: this copy adds a source
                    out.append(Document(ref, text))
                elif isinstance(earlier, StageFailure):
                    out.append(earlier)
                    lost = lost or earlier.stage == "dask"
                else:  # pragma: no cover - outcomes outlive every partition in flight
                    out.append(StageFailure("dask", E_STAGE, f"lost track of the copy of {ref} in flight"))
                    lost = True
            # a lost partition's files stay unprocessed: the next run retries them
            yield (replace(batch, files=[]) if lost else batch), out

    def _lost_connection(self) -> ConfigError:
        return ConfigError(
            E_CONFIG,
            f"lost the connection to {self.where}; the documents stored so far are kept: "
            "run the same command again to resume",
        )

    def _load(self, items: list[tuple[str, dict[str, Any]]], part: str, future: Any) -> list[Document | StageFailure]:
        """A finished partition: its stage failures from the task, its documents from Parquet,
        aligned with the items analysed."""
        from ..pipeline import StageFailure

        while True:
            try:
                statuses: list[tuple[str, str, str] | None] = future.result(timeout=5)
                break
            except TimeoutError:
                if future.done():  # the task itself raised TimeoutError
                    raise
                if self.client.status in ("closing", "closed"):
                    raise _SchedulerLost() from None
            except Exception as exc:
                if getattr(exc, "reason", None) == "scheduler-connection-lost":
                    raise _SchedulerLost() from None
                raise
        future.release()
        run_dir = self._run_dir()
        folder = run_dir / part
        docs: list[Document] = []
        if any(s is None for s in statuses):
            from ..exports.parquet import read_parquet

            docs = list(read_parquet(folder, full_meta=True))
        expected = [t for (t, _m), s in zip(items, statuses, strict=True) if s is None]
        if len(docs) != len(expected) or any(d.text != t for d, t in zip(docs, expected, strict=False)):
            raise ConfigError(
                E_CONFIG,
                f"Parquet in {folder} holds {len(docs)} documents that do not match the "
                f"{len(expected)} analysed",
            )
        it = iter(docs)
        out: list[Document | StageFailure] = [next(it) if s is None else StageFailure(*s) for s in statuses]
        if self._temp_root is None and docs:  # kept: one dataset per run, parts in input order
            for table in ("documents", "spans"):
                (run_dir / table).mkdir(exist_ok=True)
                os.replace(folder / table / f"{part}.parquet", run_dir / table / f"{part}.parquet")
        shutil.rmtree(folder, ignore_errors=True)
        return out

    def close(self) -> None:
        """Cancel what is still queued, close what this runner started, remove temporary
        staging. Safe to call twice."""
        pending = [f for _, _, f, _ in self._pending if f is not None]
        self._pending.clear()
        client, self.client = self.client, None
        if client is not None:
            try:
                if pending:
                    client.cancel(pending)
                if self.owns_client:
                    client.close()
            except Exception:  # noqa: S110 - closing a broken connection must not mask the run's outcome
                pass
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            try:
                cluster.close()
            except Exception:  # noqa: S110
                pass
        if self._temp_root is not None:
            shutil.rmtree(self._temp_root, ignore_errors=True)


class _SchedulerLost(Exception):
    """The client lost its scheduler: the partitions in flight will never come back."""


def _lost(part: str, exc: BaseException) -> StageFailure:
    """The failure each document of a partition lost on the cluster gets: which partition, why."""
    from ..pipeline import StageFailure

    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return StageFailure("dask", E_STAGE, f"partition {part} failed ({type(exc).__name__}{': ' + msg if msg else ''})")


def partition_size(n_inputs: int, threads: int) -> int:
    """Documents per partition when none is given: about ``PARTITIONS_PER_THREAD``
    partitions per worker thread, between ``MIN_PARTITION`` and ``MAX_PARTITION``.

    Small runs get small partitions (workers finish together); a million statements get
    512-document Parquet files instead of a hundred thousand tiny ones."""
    want = math.ceil(max(n_inputs, 1) / (PARTITIONS_PER_THREAD * max(threads, 1)))
    return max(MIN_PARTITION, min(MAX_PARTITION, want))


# ---- worker side (module-level functions: pickled by reference, never with the pipeline)

_LOCK = threading.Lock()  # a worker with several threads runs one batch at a time
_MODEL_THREADS: int | None = None  # the technique model's ONNX Runtime threads, when we set them


def _host_info() -> dict[str, Any]:
    """Which machine this worker runs on and how many cores it may use."""
    import socket

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"host": socket.gethostname(), "cores": cores or 1}


def _warm_worker(model_threads: int | None = None) -> dict[str, Any]:
    """Build this worker's pipeline and load its models once; report its version.

    ``model_threads``: ONNX Runtime threads for the technique model, which would otherwise
    take one per core in every worker (with a worker per core they fight over the cores:
    measured 14.4 s against 11.4 s for 100 statements on 2 workers and 2 cores)."""
    import time

    from ..corpus import pipeline

    global _MODEL_THREADS
    t0 = time.perf_counter()
    with _LOCK:
        if model_threads and _load_technique_model(model_threads):
            _MODEL_THREADS = model_threads
        pipe = pipeline()
        pipe.run_many([(WARM_UP_TEXT, {"format": "text"})])
    return {
        "version": pipe.version,
        "pid": os.getpid(),
        "model_threads": _MODEL_THREADS,
        "warm_s": round(time.perf_counter() - t0, 3),
    }


def _load_technique_model(threads: int) -> bool:
    """Load the technique model with ``threads`` ONNX Runtime threads, before the pipeline
    loads it with its default (one per core). False when it was loaded already."""
    from ..techniques import detect

    if not detect.set_model_threads(threads):
        return False
    detect.model_version()  # loads it
    return True


def _check_staging(probe: str, token: str) -> str:
    """Empty when this worker sees the driver's probe file and can write next to it."""
    path = Path(probe)
    try:
        if path.read_text(encoding="utf-8") != token:
            return "it holds another file at the probe's path"
        mine = path.with_name(f"{path.name}-{os.getpid()}")
        mine.write_text(token, encoding="utf-8")
        mine.unlink()
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return ""


def _analyze_partition(items: list[tuple[str, dict[str, Any]]], folder: str, part: str) -> list[tuple[str, str, str] | None]:
    """Analyse one partition with this worker's pipeline and write its documents as Parquet
    into ``folder``; return, per item in order, None (a document, in the Parquet) or its
    stage failure as (stage, code, message)."""
    from ..corpus import pipeline
    from ..exports.parquet import write_parquet
    from ..model import Document

    with _LOCK:
        results = pipeline().run_many(items)
    docs = [r for r in results if isinstance(r, Document)]
    if docs:
        write_parquet(docs, folder, part=part)
    return [None if isinstance(r, Document) else (r.stage, r.code, r.message) for r in results]
