"""Load on the REST API: requests/s and latency percentiles under concurrent clients.

Builds (or reuses) a store of the example corpus scaled to ``--docs`` documents: the ~50
files of ``examples/corpus`` are analysed once, then stored again as modified copies (a
numbered bulletin line appended, so every copy has its own text, id and search terms; the
spans of the original keep their offsets) until the store holds ``--docs`` documents.
Starts ``communique serve`` on 127.0.0.1 (loopback only) in a subprocess, drives
``--clients`` concurrent clients (httpx.AsyncClient, one connection each) for
``--seconds`` after a short warm-up, against search (BM25 and hybrid), one document
(``GET /api/documents/{id}``) and the document list, and prints requests/s, p50/p95/p99
latency per endpoint and overall, and the number of failed requests (anything but a 2xx,
or no answer). Exit status 1 when any request failed.

    python benchmarks/serve.py [--docs 10000] [--clients 50] [--seconds 20] [--workers 1] [--db PATH]

Client and server share the machine: on a small box the load generator takes a good part
of the CPU, so the numbers are a floor for a server with the machine to itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "corpus"
#: Words that occur in the example corpus (fictional names and common terms), as queries.
QUERIES = (
    "Kessen", "Valdoria", "council", "referendum", "pipeline", "martyr*", '"Kessen City"', "army OR police",
    "Halvard", "Marovia", "curfew", "accord", "faithful -police", "front", "election", "ceasefire",
)  # fmt: skip
#: The copies' bulletin line: fictional outlets, so copies differ in words, not only numbers.
OUTLETS = ("Corvenna Wire", "Highland Courier", "Dressa Monitor", "Lindgrav Daily", "Harrow Post")


def build_store(db: Path, docs: int) -> list[str]:
    """A store of ``docs`` documents (reused when it already holds that many); their ids."""
    import communique
    from communique.corpus import pipeline
    from communique.model import Document

    with communique.open(db) as corpus:
        n = len(corpus)
        if n >= docs:
            print(f"store        {db} ({n} documents, reused)")
            return [r["id"] for r in corpus.store.catalog()]
        t0 = time.perf_counter()
        if n == 0:
            summary = corpus.analyze([EXAMPLES])
            print(f"analysed     {summary.added} example documents in {summary.seconds:.1f} s")
        base = list(corpus.documents())
        store = corpus.store
        run = store.begin_run(pipeline().version, "bench", {"benchmark": "serve"})
        rng = random.Random(7)
        have = len(corpus)
        k = 0
        batch: list[tuple[Document, str, str]] = []
        while have < docs:
            k += 1
            for doc in base:
                if have >= docs:
                    break
                tail = f"\n\nBulletin {k}, relayed by the {rng.choice(OUTLETS)}."
                text = doc.text + tail
                copy = Document(communique.doc_id(text), text, doc.meta, doc.spans)
                batch.append((copy, f"bench:copy-{k}-{doc.id}", "text"))
                have += 1
                if len(batch) >= 50:
                    store.put_documents(batch, run)
                    batch.clear()
        if batch:
            store.put_documents(batch, run)
        store.finish_run(run, {"added": have - n}, "done")
        print(f"store        {db} ({len(corpus)} documents, built in {time.perf_counter() - t0:.1f} s)")
        return [r["id"] for r in store.catalog()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "communique.faces.cli.main", "serve", "--db", str(db),
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("COMMUNIQUE_TOKEN", "COMMUNIQUE_READER_TOKEN")}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def wait_ready(url: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit("the server did not start")


def request_for(rng: random.Random, ids: list[str]) -> tuple[str, str, dict[str, str]]:
    """(endpoint name, path, params) of one request of the mix."""
    roll = rng.random()
    if roll < 0.30:
        return "search bm25", "/api/search", {"q": rng.choice(QUERIES), "mode": "bm25"}
    if roll < 0.45:
        return "search hybrid", "/api/search", {"q": rng.choice(QUERIES)}
    if roll < 0.90:
        return "document", f"/api/documents/{rng.choice(ids)}", {}
    return "document list", "/api/documents", {"offset": str(rng.randrange(0, max(1, len(ids) - 50))), "limit": "50"}


async def client(n: int, url: str, ids: list[str], stop: float, warm: float, lat: dict[str, list[float]], errors: list[str]) -> None:
    import httpx

    rng = random.Random(1000 + n)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as http:
        while True:
            now = time.perf_counter()
            if now >= stop:
                return
            name, path, params = request_for(rng, ids)
            t0 = time.perf_counter()
            try:
                r = await http.get(path, params=params)
                ok = 200 <= r.status_code < 300
                if not ok:
                    errors.append(f"{name}: HTTP {r.status_code} {r.text[:200]}")
            except httpx.HTTPError as exc:
                ok = False
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
            if t0 >= warm:  # after the warm-up
                lat[name].append(time.perf_counter() - t0)


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


async def drive(url: str, ids: list[str], clients: int, seconds: float, warmup: float) -> tuple[dict[str, list[float]], list[str], float]:
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    start = time.perf_counter()
    warm = start + warmup
    stop = warm + seconds
    await asyncio.gather(*(client(i, url, ids, stop, warm, lat, errors) for i in range(clients)))
    return lat, errors, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000, help="documents in the store")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients")
    ap.add_argument("--seconds", type=float, default=20.0, help="measured load time")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    ap.add_argument("--workers", type=int, default=1, help="server processes (communique serve --workers)")
    ap.add_argument("--db", type=Path, default=Path("/tmp/communique-serve-bench.db"), help="the store (built if smaller than --docs)")
    args = ap.parse_args()

    ids = build_store(args.db, args.docs)
    load_before = os.getloadavg()[0]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(args.db, port, args.workers)
    try:
        wait_ready(url, proc)
        lat, errors, seconds = asyncio.run(drive(url, ids, args.clients, args.seconds, args.warmup))
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    everything = [x for v in lat.values() for x in v]
    print(f"load         {args.clients} clients, {seconds:.0f} s measured after {args.warmup:.0f} s warm-up, {len(ids)} documents, "
          f"{args.workers} server process(es) on 127.0.0.1:{port}; load average before: {load_before:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'endpoint':16} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name in sorted(lat) + ["all"]:
        values = everything if name == "all" else lat[name]
        if not values:
            continue
        ms = [v * 1000 for v in values]
        print(f"{name:16} {len(values):8d} {len(values) / seconds:8.1f} {pct(ms, 50):8.1f} {pct(ms, 95):8.1f} {pct(ms, 99):8.1f}")
    print(f"failed       {len(errors)}")
    for e in errors[:10]:
        print(f"  {e}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
