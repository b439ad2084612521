"""Speed of the learned technique model alone (``TechniqueModel.spans``: SI + TC).

Runs on the held-out PTC articles (sentences = lines) when ``../shared/data/ptc`` is present,
else on the bundled example corpus cut at lines, and prints sentences/s. The whole
detector (rules + model, ``benchmarks/techniques.py``) must reach 200 sentences/s on 2 cores.

    OMP_NUM_THREADS=2 taskset -c 0,1 python benchmarks/techniques_model.py [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PTC_DIR = ROOT.parent / "shared" / "data" / "ptc"


def lines(text: str) -> list[tuple[int, int]]:
    out, a = [], 0
    for ln in text.split("\n"):
        if ln.strip():
            out.append((a, a + len(ln)))
        a += len(ln) + 1
    return out


def texts() -> list[str]:
    if PTC_DIR.is_dir():
        from communique.techniques.ptc import PTC

        ptc = PTC.load(PTC_DIR)
        return [ptc.articles[a] for a in ptc.split()[1]]
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples" / "corpus").rglob("*.txt"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes (the best is reported)")
    args = ap.parse_args()
    from communique.techniques.model import TechniqueModel

    model = TechniqueModel.load(threads=args.threads)
    docs = [(t, lines(t)) for t in texts()]
    n = sum(len(s) for _, s in docs)
    for t, s in docs[:3]:
        model.spans(t, s)  # warm-up
    best = float("inf")
    found = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = sum(len(model.spans(t, s)) for t, s in docs)
        best = min(best, time.perf_counter() - t0)
    print(f"{model.version}: {len(docs)} texts, {n} sentences, {found} spans in {best:.2f} s: {n / best:.0f} sentences/s ({args.threads} threads)")


if __name__ == "__main__":
    main()
