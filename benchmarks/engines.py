"""Per-document cost of the Dask engine against the local engine, same number of processes.

Writes the bundled example corpus's texts, replicated with a numbered suffix until there
are ``--docs`` distinct statements, as .txt files; then analyses them into a fresh SQLite
store with the local engine (``--jobs N``) and the Dask engine (a LocalCluster of N
single-threaded workers), for N = 1 and N = 2, each measurement in a fresh Python process.
Printed per engine:

- run s/doc: wall-clock ``RunSummary.seconds / docs``, the run itself (read, analyse,
  store). Model loading is outside it for both engines: the local engine's parent loads
  the models before the run (``--jobs`` workers are forked from it), the Dask engine's
  workers load them when it connects.
- CPU s/doc: CPU time of the whole process tree (driver, workers, scheduler) per extra
  document, from a second run over ``--small`` documents: (CPU(docs) - CPU(small)) /
  (docs - small). Start-up (imports, model loading, cluster) cancels out, and unlike wall
  time it does not depend on what else the machine is running.
- total s: the whole measurement process, start-up included.
- the ratio dask / local. Target (issue 5): per-document cost within 10 %.

    python benchmarks/engines.py [--docs 300] [--small 20] [--repeat 1] [--processes 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_corpus(folder: Path, n: int) -> int:
    from communique.ingest import iter_inputs, read_path

    base: list[str] = []
    for item in iter_inputs([ROOT / "examples" / "corpus"]):
        if isinstance(item, Path):
            base.extend(d.text for d in read_path(item).docs)
    if not base:
        sys.exit("examples/corpus is empty: nothing to benchmark")
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for i in range(n):
        text = base[i % len(base)] + f"\n\n(copy {i})\n"
        (folder / f"statement_{i:05d}.txt").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size


def measure(engine: str, processes: int, corpus: Path, db: Path) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    import communique
    from communique.corpus import pipeline

    t0 = time.perf_counter()
    options: dict[str, object] = {}
    if engine == "local":
        from communique.engines.dask import WARM_UP_TEXT

        pipeline().run_many([(WARM_UP_TEXT, {"format": "text"})])  # models load here, forks share them
        options["jobs"] = processes
    else:
        from communique.engines.dask import DaskEngine

        options["engine"] = DaskEngine(workers=processes)
    with communique.open(db) as corpus_:
        summary = corpus_.analyze([corpus], **options)  # type: ignore[arg-type]
    total = time.perf_counter() - t0
    if summary.failed or summary.added == 0:
        sys.exit(f"{engine}: {summary.added} added, {summary.failed} failed: {summary.failures[:3]}")
    # start-up: the local parent's model loading; the Dask cluster's start and its workers'
    return {"docs": summary.added, "run": summary.seconds, "total": total, "startup": total - summary.seconds}


def run_one(engine: str, n: int, folder: Path, db: Path) -> dict[str, float]:
    """One measurement in a fresh process; adds the CPU time of its whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--one", engine, str(n), str(folder), str(db)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    m["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    m["wall"] = wall
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300, help="distinct statements to analyse")
    ap.add_argument("--small", type=int, default=20, help="documents of the run that measures start-up CPU")
    ap.add_argument("--repeat", type=int, default=1, help="measurements per engine (the fastest run is kept)")
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="local --jobs = dask workers")
    ap.add_argument("--one", nargs=4, metavar=("ENGINE", "N", "CORPUS", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        engine, n, corpus, db = args.one
        print(json.dumps(measure(engine, int(n), Path(corpus), Path(db))))
        return
    if not 0 < args.small < args.docs:
        sys.exit("--small must be between 0 and --docs")

    with tempfile.TemporaryDirectory(prefix="communique-bench-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        size = write_corpus(big, args.docs)
        write_corpus(small, args.small)
        print(f"documents   {args.docs} distinct statements ({size / 1e6:.2f} MB) as .txt files; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        for n in args.processes:
            best: dict[str, dict[str, float]] = {}
            for r in range(args.repeat):
                order = ("local", "dask") if r % 2 == 0 else ("dask", "local")
                for engine in order:
                    m = run_one(engine, n, big, Path(tmp) / f"{engine}-{n}-{r}.db")
                    s = run_one(engine, n, small, Path(tmp) / f"{engine}-{n}-{r}-small.db")
                    m["cpu_doc"] = (m["cpu"] - s["cpu"]) / (m["docs"] - s["docs"])
                    if engine not in best or m["run"] < best[engine]["run"]:
                        best[engine] = m
            loc, dsk = best["local"], best["dask"]
            for name, m in ((f"local jobs={n}", loc), (f"dask {n} worker{'s' if n > 1 else ''}", dsk)):
                print(f"{name:18} run {m['run'] / m['docs']:.3f} s/doc ({m['run']:6.1f} s)   "
                      f"CPU {m['cpu_doc']:.3f} s/doc   total {m['wall']:6.1f} s")  # fmt: skip
            print(f"{'ratio dask/local':18} run {dsk['run'] / loc['run']:.3f}             "
                  f"CPU {dsk['cpu_doc'] / loc['cpu_doc']:.3f}         total {dsk['wall'] / loc['wall']:.3f}")  # fmt: skip
        print(f"load average at the end {os.getloadavg()[0]:.2f}; target: dask per-document cost within 10% of local")


if __name__ == "__main__":
    main()
