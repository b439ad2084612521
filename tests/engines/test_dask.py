"""The Dask engine: the same store as the local engine, on a local cluster or a running
`dask scheduler` + `dask worker`, with failures recorded and bad addresses refused quickly.

Clusters are slow to start (each worker loads the models once), so one real scheduler and
worker run as subprocesses for the whole module and most tests share them; one test starts
the default LocalCluster through the CLI on the example corpus.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pytest
from typer.testing import CliRunner

import communique
from communique.engines.dask import DaskEngine, _check_staging, partition_size
from communique.errors import ConfigError
from communique.faces.cli import common
from communique.faces.cli.main import app

# the helpers below run on the workers, which cannot import this test module
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "corpus"
BIN = Path(sys.executable).parent
CORES = len(os.sched_getaffinity(0))
runner = CliRunner(env={"COLUMNS": "240"})

STATEMENT = """Statement of the Harbour Committee of Port Aldane

On {day} March 2021 the Harbour Committee condemned the closure of the northern docks.
Its chair, Captain Ilse Varga, said, "The docks belong to the people of Port Aldane."

Media Office of the Harbour Committee in Port Aldane
"""


def _write_corpus(folder: Path, n: int) -> list[Path]:
    """``n`` distinct fictional statements, one a file, plus a re-post of the first under
    another name and an empty file (an ingest failure)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"harbour_{i:02d}.txt"
        p.write_text(STATEMENT.format(day=i + 1).replace("northern docks", f"northern dock {i + 1}"), encoding="utf-8")
        paths.append(p)
    (folder / "zz_repost.txt").write_text(paths[0].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "zz_empty.txt").write_text("", encoding="utf-8")
    return paths


def _dump(db: Path) -> dict:
    """Everything a run leaves in the store except run ids and timestamps."""
    with communique.open(db) as corpus:
        docs = [
            (d.to_dict(), dict(d.meta), [(s.start, s.end, s.layer, s.label, s.score, dict(s.attrs), s.source) for s in d.spans])
            for d in corpus.documents()
        ]
    con = sqlite3.connect(db)
    try:
        return {
            "docs": docs,
            "sources": sorted(con.execute("SELECT doc_id, source, format FROM sources")),
            "processed": sorted(con.execute("SELECT source, size, mtime_ns, doc_ids, status FROM processed")),
            "failures": sorted(con.execute("SELECT source, code, reason FROM failures")),
        }
    finally:
        con.close()


@pytest.fixture(autouse=True)
def wide_console():
    """Long temporary paths and messages must not wrap inside what the tests look for."""
    old = common.console.width, common.err_console.width
    common.console.width = common.err_console.width = 400
    try:
        yield
    finally:
        common.console.width, common.err_console.width = old


def _added(output: str) -> int:
    return int(re.search(r"documents added\s*│\s*(\d+)", output).group(1))  # type: ignore[union-attr]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A real `dask scheduler` and one single-threaded `dask worker` on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
    procs = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder,
        )  # fmt: skip
    ]
    try:
        deadline = time.monotonic() + 60
        address = None
        while address is None:
            assert time.monotonic() < deadline, "dask scheduler did not start"
            assert procs[0].poll() is None, "dask scheduler exited"
            try:
                address = json.loads(file.read_text(encoding="utf-8"))["address"]
            except (OSError, ValueError, KeyError):  # not written yet, or half written
                time.sleep(0.2)
        procs.append(
            subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--local-directory", str(folder)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder,
            )  # fmt: skip
        )
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_partition_size_follows_the_input_size_within_bounds():
    assert partition_size(49, 2) == 8  # small runs: the floor
    assert partition_size(320, 2) == 10  # about 16 partitions per worker thread
    assert partition_size(5_000, 4) == 79
    assert partition_size(1_000_000, 64) == 512  # a million statements: the ceiling
    assert partition_size(0, 1) == 8


def test_staging_check_names_what_a_worker_cannot_see(tmp_path):
    probe = tmp_path / ".probe-x"
    assert _check_staging(str(probe), "tok").startswith("FileNotFoundError")
    probe.write_text("tok", encoding="utf-8")
    assert _check_staging(str(probe), "tok") == ""
    assert _check_staging(str(probe), "other") == "it holds another file at the probe's path"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".probe-x"]  # its own probe removed


def test_dask_engine_fills_the_same_store_as_the_local_engine(tmp_path):
    """The issue's test: the example corpus through the default LocalCluster (CLI) gives the
    local engine's store exactly: documents, full meta, raw spans, sources, processed files."""
    with communique.open(tmp_path / "local.db") as corpus:
        local = corpus.analyze([EXAMPLES], jobs=2)
    assert (local.added, local.new_sources, local.failed) == (52, 3, 0)
    r = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", str(tmp_path / "dask.db"), "--quiet", "--no-embed",
                            "--engine", "dask", "--workers", "2", "--staging", str(tmp_path / "staging")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert _added(r.output) == 52
    assert re.search(rf"parquet partitions\s*│ {re.escape(str(tmp_path / 'staging' / 'run-1'))} ", r.output)
    a, b = _dump(tmp_path / "local.db"), _dump(tmp_path / "dask.db")
    assert len(b["docs"]) == 52 and len(b["sources"]) == 55 and len(b["processed"]) == 49
    for key in ("sources", "processed", "failures"):
        assert a[key] == b[key], key
    for x, y in zip(a["docs"], b["docs"], strict=True):
        assert x == y, x[0]["id"]
    # the kept staging folder is one Parquet dataset of the run, in input (= store) order
    from communique.exports.parquet import parts, read_parquet

    run = tmp_path / "staging" / "run-1"
    assert sorted(p.name for p in run.iterdir()) == ["documents", "spans"]
    assert parts(run) == [f"part-{i:06d}" for i in range(7)]  # 52 new texts in partitions of 8
    assert [d.to_dict() for d in read_parquet(run)] == [x[0] for x in a["docs"]]
    with communique.open(tmp_path / "dask.db") as corpus:
        (run_row,) = corpus.runs()
    assert run_row["status"] == "done"
    # two workers share this machine's cores: the technique model gets half of them in each
    assert run_row["args"]["engine"] == {"name": "dask", "scheduler": "local", "workers": 2, "threads": 2,
                                         "staging": str(tmp_path / "staging"), "model_threads": [max(1, CORES // 2)]}  # fmt: skip


def test_scheduler_address_runs_on_an_existing_cluster_and_resumes(tmp_path, scheduler):
    _write_corpus(tmp_path / "in", 5)
    with communique.open(tmp_path / "local.db") as corpus:
        corpus.analyze([tmp_path / "in"])
    db = tmp_path / "dask.db"
    r = runner.invoke(app, ["analyze", str(tmp_path / "in"), "--db", str(db), "--quiet", "--no-embed",
                            "--engine", "dask", "--scheduler", scheduler, "--partition-size", "2"])  # fmt: skip
    assert r.exit_code == 3, r.output  # the empty file
    assert _added(r.output) == 5
    a, b = _dump(tmp_path / "local.db"), _dump(db)
    assert a == b
    assert b["failures"] == [(str(tmp_path / "in" / "zz_empty.txt"), "E106", a["failures"][0][2])]
    assert [s for _, s, _ in b["sources"]].count(str(tmp_path / "in" / "zz_repost.txt")) == 1
    first = b["docs"][0][0]
    dates = [s for s in first["spans"] if s["layer"] == "date"]
    assert [(first["text"][s["start"] : s["end"]], s["attrs"]["value"]) for s in dates][0] == ("1 March 2021", "2021-03-01")
    # a second run reads nothing: every file is unchanged and processed (the empty one too:
    # its failure is recorded, as the local engine does)
    with communique.open(db) as corpus:
        again = corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler))
        runs = corpus.runs()
    assert (again.added, again.skipped_files, again.failed) == (0, 7, 0)
    assert runs[1]["args"]["engine"] == {"name": "dask", "scheduler": scheduler, "workers": 1, "threads": 1,
                                         "staging": None, "model_threads": [CORES]}  # fmt: skip


def test_partitions_load_into_postgresql_as_into_sqlite(tmp_path, scheduler):
    """The store is the user's choice: the same partitions land in a PostgreSQL store."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_pg_conftest", ROOT / "tests" / "storage" / "conftest.py")
    assert spec is not None and spec.loader is not None
    pg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pg)
    bindir = pg.pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed; .ci/run installs them")
    _write_corpus(tmp_path / "in", 3)
    with communique.open(tmp_path / "local.db") as corpus:
        corpus.analyze([tmp_path / "in"])
    cluster = pg.Cluster(bindir)
    cluster.start()
    try:
        url = cluster.new_database(migrated=False)
        with communique.open(url) as corpus:
            summary = corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler))
        assert (summary.added, summary.new_sources, summary.failed) == (3, 1, 1)
        assert _api_dump(url) == _api_dump(tmp_path / "local.db")
    finally:
        cluster.stop()


def _api_dump(db: str | Path) -> tuple:
    with communique.open(db) as corpus:
        docs = [(d.to_dict(), dict(d.meta), sorted((s, f) for s, f, _ in corpus.sources(d.id))) for d in corpus.documents()]
        failures = [(f["source"], f["code"], f["reason"]) for f in corpus.failures()]
    return docs, failures


def test_a_failed_partition_becomes_failures_and_its_files_are_retried(tmp_path, scheduler):
    """A partition whose task raises on the worker (here: its Parquet cannot be written)
    costs only its documents, each recorded with the reason; the run goes on, and the next
    run analyses exactly those files."""
    from distributed import Client

    paths = _write_corpus(tmp_path / "in", 6)
    (tmp_path / "in" / "zz_repost.txt").unlink()
    (tmp_path / "in" / "zz_empty.txt").unlink()
    db = tmp_path / "c.db"
    with Client(scheduler, set_as_default=False) as client:
        client.run(_break_part, "part-000001")
        try:
            with communique.open(db) as corpus:
                summary = corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler, partition_size=2))
        finally:
            client.run(_break_part, None)
    reason = "stage dask: partition part-000001 failed (OSError: [Errno 28] No space left on device)"
    assert (summary.added, summary.failed) == (4, 2)
    assert [(f.source, f.code, f.reason) for f in summary.failures] == [
        (str(paths[2]), "E011", reason), (str(paths[3]), "E011", reason)
    ]  # fmt: skip
    with communique.open(db) as corpus:
        assert [f["reason"] for f in corpus.failures()] == [reason, reason]
        assert [corpus.sources(d.id)[0][0] for d in corpus.documents()] == [str(p) for p in paths[:2] + paths[4:]]
        again = corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler, partition_size=2))
        assert (again.added, again.skipped_files, again.failed) == (2, 4, 0)
        assert len(corpus) == 6


def _break_part(target: str | None) -> None:
    """Runs on the worker: make writing one partition's Parquet fail like a full disk
    (``None`` repairs it)."""
    import communique.exports.parquet as pq

    original = getattr(pq, "_original_write", pq.write_parquet)
    pq._original_write = original  # type: ignore[attr-defined]

    def broken(docs, out_dir, part="part-0"):  # type: ignore[no-untyped-def]
        if part == target:
            raise OSError(28, "No space left on device")
        return original(docs, out_dir, part)

    pq.write_parquet = original if target is None else broken  # type: ignore[assignment]


def test_models_load_once_per_worker_process(tmp_path, scheduler):
    from distributed import Client

    _write_corpus(tmp_path / "in", 4)
    with communique.open(tmp_path / "c.db") as corpus:
        corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler, partition_size=1))
    with Client(scheduler, set_as_default=False) as client:
        loads = client.run(_model_loads)
    # every test of this module ran on this worker: one spaCy load, one pipeline object
    assert list(loads.values()) == [1]


def _model_loads() -> int:
    from communique.nlp import spacy_nlp

    return spacy_nlp.cache_info().misses


def test_losing_the_scheduler_stops_the_run_and_the_next_run_resumes(tmp_path, scheduler):
    from distributed import LocalCluster

    paths = _write_corpus(tmp_path / "in", 8)
    (tmp_path / "in" / "zz_repost.txt").unlink()
    (tmp_path / "in" / "zz_empty.txt").unlink()
    db = tmp_path / "c.db"
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                           scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})  # fmt: skip
    address = cluster.scheduler_address

    def step(n: int, total: int, path: str) -> None:
        if n == 6:
            cluster.close()  # the scheduler goes away in the middle of the run

    try:
        with communique.open(db) as corpus, pytest.raises(ConfigError) as err:
            corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=address, partition_size=2, connect_timeout=2), progress=step)
    finally:
        cluster.close()
    assert err.value.message == (
        f"lost the connection to the dask scheduler at {address}; the documents stored so far "
        "are kept: run the same command again to resume"
    )
    with communique.open(db) as corpus:
        before = len(corpus)
        assert before < 8
        assert corpus.runs()[0]["status"] == "failed"  # not "done": the run stopped short
        again = corpus.analyze([tmp_path / "in"], engine=DaskEngine(scheduler=scheduler))
        assert (again.added, again.skipped_files, again.failed) == (8 - before, before, 0)
        assert [corpus.sources(d.id)[0][0] for d in corpus.documents()] == [str(p) for p in paths]


def test_bad_scheduler_address_is_a_clear_error_not_a_hang(tmp_path):
    port = _free_port()
    t0 = time.monotonic()
    r = runner.invoke(app, ["analyze", str(EXAMPLES / "vh_02_lindgrav_site.txt"), "--db", str(tmp_path / "c.db"),
                            "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "1"])  # fmt: skip
    assert time.monotonic() - t0 < 15
    assert r.exit_code == 6, r.output
    assert f"cannot reach the dask scheduler at 'tcp://127.0.0.1:{port}' within 1 s" in r.output
    r = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", str(tmp_path / "c.db"), "--engine", "dask",
                            "--scheduler", "no-port-here"])  # fmt: skip
    assert r.exit_code == 6
    assert "cannot use 'no-port-here' as a dask scheduler address (ValueError: missing port number" in r.output
    with communique.open(tmp_path / "c.db") as corpus:
        assert corpus.runs() == []  # refused before a run was recorded


def test_a_scheduler_without_workers_is_refused(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None, scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}) as cluster:  # fmt: skip
        with communique.open(tmp_path / "c.db") as corpus, pytest.raises(ConfigError) as err:
            corpus.analyze([EXAMPLES], engine=DaskEngine(scheduler=cluster.scheduler_address, connect_timeout=0.5))
    assert err.value.code == "E400"
    assert err.value.message.startswith(f"the dask scheduler at {cluster.scheduler_address} has no workers (waited 0.5 s")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2"], "--workers need --engine dask"),
        (["--staging", "x", "--scheduler", "tcp://h:1"], "--scheduler, --staging need --engine dask"),
        (["--engine", "dask", "--jobs", "2"], "--jobs is for the local engine"),
        (["--engine", "dask", "--scheduler", "tcp://h:1", "--workers", "2"], "--workers sizes the local cluster"),
        (["--engine", "spark"], "Invalid value for '--engine'"),
    ],
)
def test_options_that_do_not_fit_the_engine_are_usage_errors(tmp_path, args, message):
    r = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", str(tmp_path / "c.db"), *args])
    assert r.exit_code == 2
    assert message in r.output
    assert not (tmp_path / "c.db").exists()
