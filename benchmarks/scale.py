"""Corpus scale: ingest + analysis throughput, store size, search latency, re-post clustering.

Generates N fictional statements (invented issuers, places and people; about 10% are edited
re-posts of earlier ones) and measures, for N = 10k and (with --grow) 100k or 1M:

- **analysis** (ingest + the whole pipeline + embedding) on a sample of ``--sample``
  statements written to files and run through ``Corpus.analyze``: statements/s, MB/min, and
  resident memory after each quarter of the sample (flat memory = no growth with N);
- **store**: a store of N statements bulk-loaded with ``put_documents`` (the analysis above
  is ~5 statements/s on 2 cores, so N analysed statements would take hours): load rate and
  size on disk. The loaded statements carry the spans the generator knows exactly (entities
  it inserted, the enemy role it cast) so that filters have something to match, and an
  embedding that is the normalised mean of the real MiniLM embeddings of their sentence
  templates (real vectors, real matrix size: the latency is what is measured, not quality);
- **search latency**, p50/p95 over a fixed query set (words, phrases, OR/NOT, prefix,
  filters): BM25 and hybrid (``Corpus.find``), after one warm-up call (reported: the first
  hybrid call loads the embedding matrix);
- **re-post clustering** (``lineage.cluster_texts`` over the store's texts): time, peak
  memory, and the precision/recall of the clusters against the generator's truth.

Each figure is printed per N with its growth factor. Targets (issue 5, 2-core machine):
search p95 < 50 ms at 100k; clustering 100k < 60 s; analysis memory flat in N.

    python benchmarks/scale.py                 # N = 10k
    python benchmarks/scale.py --grow 100000   # 10k, then 100k, with growth
    python benchmarks/scale.py --n 1000 --sample 20   # a quick look
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ISSUERS = [
    f"{a} {b}"
    for a in ("Council", "Front", "Committee", "Assembly", "Movement", "Brigade", "League", "Office")
    for b in ("of Varnholt", "of Kessel", "of the Aster Valley", "for Meridia", "of Ostrava Free Lands")
]
PLACES = [
    "Varnholt", "Kessel", "Meridia", "Ostrava", "Aster", "Harrow Pass", "Dessa", "Lunmark", "Tiraz",
    "Belgor", "Quen", "Sarovel", "Nordhaven", "Keshet", "Orlin", "Vashti Plain", "Caldra", "Mirefield",
]  # fmt: skip
PEOPLE = [
    f"{a} {b}"
    for a in ("Odran", "Lena", "Tamir", "Yusra", "Piet", "Mara", "Idris", "Sela", "Corvin", "Hadi")
    for b in ("Vale", "Oskar", "Qassan", "Rendt", "Mahrous", "Ilves", "Darrow", "Sayegh")
]
TEMPLATES = [
    "The {org} condemns the closure of the road to {place}.",
    "Families in {place} have waited for water for {n} days.",
    "{person} told reporters that the talks in {place} had failed.",
    "We call on every citizen of {place} to join the march on Saturday.",
    "The {org} is an enemy of the people of {place}.",
    "Our fighters held their positions near {place} through the night.",
    "The so-called reform council in {place} serves foreign bankers.",
    "Prices of bread in {place} have doubled since the spring.",
    "The ministry announced new subsidies for farmers around {place}.",
    "{person} was detained at the checkpoint outside {place}.",
    "History will judge those who abandoned {place} in its hour of need.",
    "The {org} thanks the volunteers who rebuilt the school in {place}.",
    "Heavy rain flooded the lower districts of {place} overnight.",
    "We warn the occupiers that every stolen field in {place} will be returned.",
    "The election commission of {place} published the final turnout figures.",
    "Remember the martyrs of {place} and honour their sacrifice.",
    "{person} signed the agreement on behalf of the {org}.",
    "The border crossing at {place} was closed for {n} hours.",
    "Doctors in {place} report shortages of medicine and fuel.",
    "The {org} denies any role in the attack near {place}.",
    "Students in {place} marched against the new curfew.",
    "The court in {place} sentenced {person} to {n} years in prison.",
    "Traders from {place} reopened the old market on Friday.",
    "Only unity will free {place} from those who rule it by fear.",
    "The {org} rejects the lies spread by the radio of {place}.",
    "Aid convoys reached {place} after {n} days on the road.",
    "It is time for the people of {place} to decide their own future.",
    "A spokesman for the {org} said the ceasefire would hold.",
    "The dam above {place} is at risk after the earthquake.",
    "Workers in the mines of {place} went on strike for higher pay.",
]  # fmt: skip
SIGNOFFS = ["Issued by the media office.", "Glory to the steadfast.", "End of statement.", "Press office."]
QUERIES = [
    ("word", "subsidies", {}),
    ("word", "martyrs", {}),
    ("two words", "bread prices", {}),
    ("common", "people", {}),
    ("phrase", '"border crossing"', {}),
    ("or", "strike OR curfew", {}),
    ("not", "flooded -earthquake", {}),
    ("prefix", "volunt*", {}),
    ("issuer", "checkpoint", {"issuer": ISSUERS[3]}),
    ("dates", "ceasefire", {"since": "2015", "until": "2019-06"}),
    ("entity", "talks", {"entity": PEOPLE[5]}),
    ("role", "occupiers", {"role": "enemy"}),
    ("meaning", "shortage of food and rising costs", {}),
    ("meaning", "refugees waiting at the frontier", {}),
]


@dataclass
class Gen:
    text: str
    meta: dict
    spans: list[tuple[int, int, str, str, dict]] = field(default_factory=list)
    templates: list[int] = field(default_factory=list)
    family: int = 0  # re-posts share their original's family


def generate(n: int, seed: int = 5) -> Iterator[Gen]:
    """N fictional statements; about 10% are edited re-posts of an earlier one."""
    rng = random.Random(seed)
    recent: list[Gen] = []
    for i in range(n):
        if recent and rng.random() < 0.10:
            yield _repost(rng, rng.choice(recent), i)
            continue
        issuer = rng.choice(ISSUERS)
        parts: list[str] = []
        spans: list[tuple[int, int, str, str, dict]] = []
        used: list[int] = []
        pos = 0
        head = f"Statement No. {i} of the {issuer}\n\n"
        parts.append(head)
        pos += len(head)
        for _ in range(rng.randint(10, 22)):
            k = rng.randrange(len(TEMPLATES))
            used.append(k)
            t = TEMPLATES[k]
            slots = {"org": rng.choice(ISSUERS), "place": rng.choice(PLACES), "person": rng.choice(PEOPLE), "n": str(rng.randint(2, 40))}
            out = ""
            for piece in _split(t):
                if piece.startswith("{"):
                    name = piece[1:-1]
                    value = slots[name]
                    label = {"org": "ORG", "place": "GPE", "person": "PERSON"}.get(name)
                    if label:
                        spans.append((pos + len(out), pos + len(out) + len(value), "entity", label, {"canonical": value}))
                    if k == 4 and name == "org":
                        spans.append((pos + len(out), pos + len(out) + len(value), "role", "enemy", {"actor": value}))
                    out += value
                else:
                    out += piece
            out += " "
            parts.append(out)
            pos += len(out)
        sign = rng.choice(SIGNOFFS)
        parts.append("\n\n" + sign)
        year = rng.randint(2010, 2025)
        g = Gen(
            "".join(parts),
            {"title": f"Statement No. {i}", "issuer": issuer, "published": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             "doc_type": "statement", "languages": ["en"], "source": f"gen/{i}.txt"},
            spans, used, i,
        )  # fmt: skip
        recent.append(g)
        if len(recent) > 500:
            recent.pop(0)
        yield g


def _split(t: str) -> list[str]:
    out, cur = [], ""
    for ch in t:
        if ch == "{":
            out.append(cur)
            cur = "{"
        elif ch == "}":
            out.append(cur + "}")
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p for p in out if p]


def _repost(rng: random.Random, g: Gen, i: int) -> Gen:
    """An edited copy: a changed sentence, a new sign-off, or a prefix line (spans that
    still fit are kept at shifted offsets)."""
    kind = rng.choice(("sentence", "signoff", "prefix"))
    text, shift = g.text, 0
    if kind == "prefix":
        pre = f"Re-posted from the channel of the {rng.choice(ISSUERS)}:\n\n"
        text, shift = pre + text, len(pre)
    elif kind == "signoff":
        text = text + "\n" + rng.choice(SIGNOFFS) + f" Ref {i}."
    else:
        cut = text.find(". ", len(text) // 2)
        text = text[: cut + 2] + "Nothing will be forgiven. " + text[cut + 2 :] if cut > 0 else text + " Addendum."
    limit = len(g.text) if kind != "sentence" else max(0, text.find("Nothing will be forgiven."))
    spans = [(a + shift, b + shift, lay, lab, at) for a, b, lay, lab, at in g.spans if b <= limit or kind != "sentence"]
    meta = dict(g.meta, source=f"gen/{i}.txt", title=g.meta["title"] + " (re-post)")
    year = int(g.meta["published"][:4])
    meta["published"] = f"{min(year + rng.randint(0, 1), 2025)}{g.meta['published'][4:]}"
    return Gen(text, meta, spans, g.templates, g.family)


# ------------------------------------------------------------------------------- measuring


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    return float("nan")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def analysis_sample(n: int, work: Path) -> dict:
    import communique

    folder = work / "sample"
    folder.mkdir()
    size = 0
    for g in generate(n, seed=11):
        p = folder / Path(g.meta["source"]).name
        p.write_text(g.meta["title"] + "\n\n" + g.text, encoding="utf-8")
        size += p.stat().st_size
    marks: list[tuple[int, float]] = []
    quarter = max(1, n // 4)
    with communique.open(work / "sample.db") as c:
        communique.analyze("A warm-up statement of the Council of Varnholt.")  # load the models
        gc.collect()
        t0 = time.perf_counter()

        def step(k: int, total: int, path: str) -> None:
            if k % quarter == 0:
                marks.append((k, rss_mb()))

        summary = c.analyze([folder], progress=step)
        t_an = time.perf_counter() - t0
        t1 = time.perf_counter()
        c.index()
        t_emb = time.perf_counter() - t1
    marks.append((n, rss_mb()))
    return {"docs": summary.added, "mb": size / 1e6, "analyze_s": t_an, "embed_s": t_emb, "rss": marks}


def template_vectors() -> np.ndarray:
    from communique.semantic import embedder

    fill = {"org": "Council of Varnholt", "place": "Kessel", "person": "Lena Oskar", "n": "12"}
    return embedder().encode([t.format(**fill) for t in TEMPLATES])


def build_store(n: int, path: Path, tvecs: np.ndarray) -> dict:
    import communique
    from communique.model import Document, Span
    from communique.semantic import VERSION, to_blob

    rng = np.random.default_rng(3)
    truth: dict[str, int] = {}
    t0 = time.perf_counter()
    with communique.open(path) as c:
        store = c.store
        run = store.begin_run("bench", "scale", {"n": n})
        batch: list[tuple] = []
        vecs: list[tuple[str, str, bytes]] = []
        for g in generate(n):
            spans = [Span(a, b, lay, lab, 1.0, at, "bench:generator") for a, b, lay, lab, at in g.spans]
            doc = Document.from_text(g.text, g.meta).with_spans(spans)
            truth[doc.id] = g.family
            batch.append((doc, g.meta["source"], "text"))
            v = tvecs[g.templates].mean(axis=0) + rng.normal(0, 0.01, tvecs.shape[1])
            vecs.append((doc.id, VERSION, to_blob(v / np.linalg.norm(v))))
            if len(batch) == 1000:
                store.put_documents(batch, run)
                store.put_embeddings(vecs)
                batch, vecs = [], []
        if batch:
            store.put_documents(batch, run)
            store.put_embeddings(vecs)
        store.finish_run(run, {"added": n})
        load_s = time.perf_counter() - t0
        docs = len(c)
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {"load_s": load_s, "docs": docs, "size_mb": size / 1e6, "truth": truth}


def search_latency(path: Path, repeat: int) -> dict:
    import communique

    out: dict[str, list[float]] = {"bm25": [], "hybrid": []}
    per: dict[tuple[str, str], list[float]] = {}
    with communique.open(path) as c:
        t = time.perf_counter()
        c.find("warm up", mode="hybrid")
        cold = time.perf_counter() - t
        c.find("warm up", mode="bm25")
        for _ in range(repeat):
            for _kind, q, f in QUERIES:
                for mode in ("bm25", "hybrid"):
                    t = time.perf_counter()
                    c.find(q, mode=mode, **f)
                    out[mode].append((time.perf_counter() - t) * 1000)
                    per.setdefault((mode, q), []).append(out[mode][-1])
    worst = sorted(((statistics.median(v), m, q) for (m, q), v in per.items()), reverse=True)[:6]
    print("slowest queries (median ms): " + "; ".join(f"{m} {q!r} {ms:.0f}" for ms, m, q in worst))
    return {"cold_hybrid_ms": cold * 1000, **{m: (pct(v, 50), pct(v, 95)) for m, v in out.items()}}


def clustering(path: Path, truth: dict[str, int]) -> dict:
    import communique
    from communique.lineage import cluster_texts

    gc.collect()
    reset_peak()
    base = rss_mb()
    with communique.open(path) as c:
        t = time.perf_counter()
        lin = cluster_texts(c.store.iter_texts())
        secs = time.perf_counter() - t
    # the high-water mark above the resident size before: at 10k the clustering's arrays
    # are within the noise of the two counters, which may then differ by a few MB below 0
    peak = max(0.0, peak_mb() - base)
    got: dict[str, int] = {}
    for k, cl in enumerate(_groups(lin)):
        for i in cl:
            got[i] = k
    tp = fp = fn = 0
    fam: dict[int, list[str]] = {}
    for i, f in truth.items():
        fam.setdefault(f, []).append(i)
    pred: dict[int, list[str]] = {}
    for i, k in got.items():
        pred.setdefault(k, []).append(i)
    truth_pairs = sum(len(v) * (len(v) - 1) // 2 for v in fam.values())
    for members in pred.values():
        for a_i in range(len(members)):
            for b_i in range(a_i + 1, len(members)):
                if truth.get(members[a_i]) == truth.get(members[b_i]):
                    tp += 1
                else:
                    fp += 1
    fn = truth_pairs - tp
    return {
        "seconds": secs,
        "peak_mb": peak,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "clusters": len(pred),
    }


def _groups(lin: object) -> list[list[str]]:
    """Member ids of each cluster (two or more statements) of a ``lineage.Lineage``."""
    return [list(g) for g in lin.groups]  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="statements in the first store (default 10k)")
    ap.add_argument("--grow", type=int, nargs="*", default=[], help="further sizes (100000, 1000000)")
    ap.add_argument("--sample", type=int, default=100, help="statements analysed end to end (0: skip)")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the query set")
    ap.add_argument("--work", type=Path, default=None, help="keep stores here (default: a temp dir)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory() if args.work is None else None
    work = Path(tmp.name) if tmp else args.work
    work.mkdir(parents=True, exist_ok=True)
    print(f"# communique scale benchmark ({os.cpu_count()} cores)")
    if args.sample:
        a = analysis_sample(args.sample, work)
        rate = a["docs"] / a["analyze_s"]
        print(f"analysis: {a['docs']} statements, {a['mb']:.2f} MB in {a['analyze_s']:.1f} s = {rate:.2f} statements/s, "
              f"{a['mb'] / (a['analyze_s'] / 60):.2f} MB/min; embedding {a['docs'] / a['embed_s']:.1f} statements/s")
        during, after = a["rss"][:-1], a["rss"][-1][1]
        print("analysis memory (statements done: RSS MB): " + ", ".join(f"{k}: {m:.0f}" for k, m in during))
        print(f"analysis memory growth from the first quarter to the last: {during[-1][1] - during[0][1]:+.0f} MB"
              f"; after embedding (the embedder loaded once): {after:.0f} MB")
    tvecs = template_vectors()
    rows = []
    for n in [args.n, *args.grow]:
        path = work / f"scale-{n}.db"
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        b = build_store(n, path, tvecs)
        s = search_latency(path, args.repeat)
        c = clustering(path, b["truth"])
        row = {
            "N": n, "load/s": b["docs"] / b["load_s"], "store MB": b["size_mb"],
            "bm25 p50 ms": s["bm25"][0], "bm25 p95 ms": s["bm25"][1],
            "hybrid p50 ms": s["hybrid"][0], "hybrid p95 ms": s["hybrid"][1], "hybrid cold ms": s["cold_hybrid_ms"],
            "cluster s": c["seconds"], "cluster peak MB": c["peak_mb"],
            "cluster P": c["precision"], "cluster R": c["recall"],
        }  # fmt: skip
        rows.append(row)
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    print()
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys) + " |")
    if len(rows) > 1:
        g = rows[-1]
        f = rows[0]
        print("growth " + f"{f['N']} → {g['N']}: " + ", ".join(
            f"{k} ×{g[k] / f[k]:.2f}" for k in keys[1:] if isinstance(g[k], float) and f[k]
        ))  # fmt: skip
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
