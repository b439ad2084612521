"""Speed of the technique detector: rules only, and rules + the learned model.

Runs ``communique.techniques.detect.detect`` on plain article text (sentences = lines, as in
PTC) and prints articles/s and sentences/s for each. Uses the PTC articles in
``../shared/data/ptc/train-articles`` when present (the first --articles of them), else the
bundled example corpus. Target (issue #3): >= 200 sentences/s for rules + model on 2 cores.

    OMP_NUM_THREADS=2 python benchmarks/techniques.py [--articles 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PTC = ROOT.parent / "shared" / "data" / "ptc" / "train-articles"


def texts(n: int) -> list[str]:
    if PTC.is_dir():
        from communique.techniques.ptc import read_articles

        return list(read_articles(PTC).values())[:n]
    from communique.ingest import iter_inputs, read_path

    out = [d.text for p in iter_inputs([ROOT / "examples" / "corpus"]) if isinstance(p, Path) for d in read_path(p).docs]
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100)
    args = ap.parse_args()
    from communique.techniques.detect import detect, model_version, sentences_of

    arts = texts(args.articles)
    n_sent = sum(len(sentences_of(t, [])) for t in arts)
    print(f"{len(arts)} articles, {n_sent} sentences ({'PTC' if PTC.is_dir() else 'example corpus'})")
    detect(arts[0])  # load the model and warm up
    for label, use_model in (("rules only", False), ("rules + model", True)):
        if use_model and model_version() is None:
            print("rules + model: no model shipped", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        found = sum(len(detect(t, use_model=use_model)) for t in arts)
        dt = time.perf_counter() - t0
        print(f"{label:14} {dt:7.2f} s  {len(arts) / dt:7.1f} articles/s  {n_sent / dt:8.1f} sentences/s  ({found} findings)")
    if model_version():
        print(f"model: {model_version()}")


if __name__ == "__main__":
    main()
