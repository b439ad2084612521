"""Throughput of the whole per-document pipeline against spaCy's own parse.

Analyzes about 1 MB of statement text (the bundled example corpus, repeated with a
numbered suffix so that every document is distinct) and prints documents/s, MB/min and
peak memory; then times spaCy's ``nlp.pipe`` (en_core_web_sm, all components) over the same
texts and prints the ratio. Target (issue #2): pipeline ≤ 1.5 × spaCy alone.

    python benchmarks/throughput.py [--mb 1.0] [--batch 32]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpus_texts(target_bytes: int) -> list[str]:
    from communique.ingest import iter_inputs, read_path

    base: list[str] = []
    for item in iter_inputs([ROOT / "examples" / "corpus"]):
        if isinstance(item, Path):
            base.extend(d.text for d in read_path(item).docs)
    if not base:
        sys.exit("examples/corpus is empty: nothing to benchmark")
    texts: list[str] = []
    size = 0
    i = 0
    while size < target_bytes:
        t = base[i % len(base)] + f"\n\n(copy {i})\n"
        texts.append(t)
        size += len(t.encode("utf-8"))
        i += 1
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0, help="megabytes of text to analyze")
    ap.add_argument("--batch", type=int, default=32, help="documents per pipeline batch")
    args = ap.parse_args()

    from communique.nlp import spacy_nlp
    from communique.pipeline import Pipeline
    from communique.pipeline.registry import default_stage_names

    texts = corpus_texts(int(args.mb * 1_000_000))
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    # the foundation (issue #2's target) and the whole default pipeline, techniques included
    foundation = Pipeline([n for n in default_stage_names() if n != "techniques"])
    full = Pipeline()
    nlp = spacy_nlp()
    # warm up (model loading, lazy imports, caches) on a few documents
    full.run_many([(t, {}) for t in texts[:4]])
    list(nlp.pipe(texts[:4]))
    timings = {}
    for name, pipe in (("foundation stages", foundation), ("full pipeline", full)):
        gc.collect()
        t0 = time.perf_counter()
        n_spans = 0
        for i in range(0, len(texts), args.batch):
            for res in pipe.run_many([(t, {}) for t in texts[i : i + args.batch]]):
                n_spans += len(getattr(res, "spans", ()))
        timings[name] = (time.perf_counter() - t0, n_spans)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    gc.collect()
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    t_spacy = time.perf_counter() - t0

    print(f"documents            {len(texts)}  ({mb:.2f} MB)")
    print(f"spaCy nlp.pipe       {t_spacy:6.2f} s   {len(texts) / t_spacy:5.1f} docs/s   {mb / (t_spacy / 60):.2f} MB/min")
    for name, (t, n_spans) in timings.items():
        print(f"{name:20} {t:6.2f} s   {len(texts) / t:5.1f} docs/s   {mb / (t / 60):.2f} MB/min   "
              f"ratio to spaCy {t / t_spacy:.2f}   ({n_spans} spans)")  # fmt: skip
    print("target: foundation stages <= 1.5 x spaCy (issue #2)")
    print(f"peak memory (RSS)    {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
