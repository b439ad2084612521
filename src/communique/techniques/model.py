"""The learned persuasion-technique model at run time: ONNX Runtime + tokenizers + numpy.

One small encoder (all-MiniLM-L6-v2 fine-tuned on the PTC training split by
``communique train techniques``) reads each sentence once and gives

- per token, the probability that it lies inside a propaganda span (span identification,
  SI): runs of positive words become spans;
- per token, its hidden state: a span's states are pooled, joined with a few cheap
  article-level features (is the phrase repeated in the text, is it a question, is it in
  quotes, …) and a two-layer head in numpy gives one of the 14 PTC labels (technique
  classification, TC).

No torch here: the shipped folder holds ``model.onnx`` (int8), ``tokenizer.json``,
``tc_head.npz`` and ``config.json`` (labels, thresholds, version, held-out scores).
``train.py`` imports the preprocessing below, so training and run time read text the same way.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import E_CONFIG, ConfigError
from . import Finding
from .taxonomy import PTC_LABELS, from_ptc

#: the shipped artifact
DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "resources" / "models" / "techniques"

#: tokens per encoder input, [CLS] and [SEP] included. 99% of PTC sentences fit in 128
#: word pieces; longer sentences are cut into windows at word boundaries.
MAX_LEN = 128
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
#: sentences per ONNX call, at most, and tokens (padding included) per call: sorted by
#: length and cut by this budget, batches hold sentences of similar length. Measured on
#: held-out PTC articles (2 threads, int8): 32 × 128-token budget ran 400 sentences/s,
#: 8 per call 540 sentences/s; a 512-token budget is as fast for short and long sentences.
BATCH = 32
BATCH_TOKENS = 512

#: a pass of the encoder: (input_ids, attention_mask) int64 [B, T] →
#: (SI logits float32 [B, T], hidden states float32 [B, T, H])
Forward = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_WORD = re.compile(r"\w+")
_QUOTES = "\"'“”‘’«»„"
N_FEATS = 12


@dataclass(slots=True)
class Segment:
    """One encoder input: a sentence, or a window of a long one.

    ``starts``/``ends`` are character offsets into the document text (-1 for [CLS]/[SEP]);
    ``words`` numbers the pre-tokenizer words inside the segment (-1 for [CLS]/[SEP]).
    """

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    words: np.ndarray
    start: int  # character range of the text it covers
    end: int


def load_tokenizer(path: str | Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def _cut(n: int, words: list[int | None], room: int) -> list[tuple[int, int]]:
    """Token windows of at most ``room`` tokens, cut between words where possible."""
    out: list[tuple[int, int]] = []
    a = 0
    while n - a > room:
        b = a + room
        c = b
        while c > a + 1 and words[c] is not None and words[c] == words[c - 1]:
            c -= 1
        out.append((a, c if c > a + 1 else b))
        a = out[-1][1]
    out.append((a, n))
    return out


def encode_segments(tok: Any, text: str, ranges: Sequence[tuple[int, int]], max_len: int = MAX_LEN) -> list[Segment]:
    """Tokenize each character range of ``text`` into one or more segments (empty ranges give none)."""
    ranges = [(a, b) for a, b in ranges if b > a and text[a:b].strip()]
    if not ranges:
        return []
    encs = tok.encode_batch([text[a:b] for a, b in ranges], add_special_tokens=False)
    segs: list[Segment] = []
    for (a, _b), enc in zip(ranges, encs, strict=True):
        ids = enc.ids
        if not ids:
            continue
        offs = enc.offsets
        wids = enc.word_ids
        for i, j in _cut(len(ids), wids, max_len - 2):
            w0 = wids[i] if wids[i] is not None else 0
            segs.append(
                Segment(
                    ids=np.array([CLS_ID, *ids[i:j], SEP_ID], dtype=np.int64),
                    starts=np.array([-1, *(a + o[0] for o in offs[i:j]), -1], dtype=np.int64),
                    ends=np.array([-1, *(a + o[1] for o in offs[i:j]), -1], dtype=np.int64),
                    words=np.array([-1, *((w if w is not None else w0) - w0 for w in wids[i:j]), -1], dtype=np.int64),
                    start=a + offs[i][0],
                    end=a + offs[j - 1][1],
                )
            )
    return segs


def run_segments(forward: Forward, segs: Sequence[Segment], batch: int = BATCH) -> list[tuple[np.ndarray, np.ndarray]]:
    """(SI probabilities [n], hidden states [n, H]) per segment, batched by length."""
    order = sorted(range(len(segs)), key=lambda k: len(segs[k].ids))
    groups: list[list[int]] = []
    for k in order:
        # sorted by length, so the new one is the longest: padding stays ≤ the budget
        if groups and len(groups[-1]) < batch and (len(groups[-1]) + 1) * len(segs[k].ids) <= BATCH_TOKENS:
            groups[-1].append(k)
        else:
            groups.append([k])
    out: list[tuple[np.ndarray, np.ndarray]] = [None] * len(segs)  # type: ignore[list-item]
    for idx in groups:
        t = max(len(segs[k].ids) for k in idx)
        ids = np.full((len(idx), t), PAD_ID, dtype=np.int64)
        mask = np.zeros((len(idx), t), dtype=np.int64)
        for r, k in enumerate(idx):
            n = len(segs[k].ids)
            ids[r, :n] = segs[k].ids
            mask[r, :n] = 1
        logits, hidden = forward(ids, mask)
        probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
        for r, k in enumerate(idx):
            n = len(segs[k].ids)
            out[k] = (probs[r, :n], hidden[r, :n])
    return out


# ---------------------------------------------------------------- SI: tokens → spans


def word_probs(seg: Segment, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probability, first token, last token + 1) per word of the segment (mean over its tokens)."""
    w = seg.words[1:-1]
    p = probs[1:-1]
    nw = int(w.max()) + 1 if len(w) else 0
    sums = np.bincount(w, weights=p, minlength=nw)
    cnt = np.bincount(w, minlength=nw)
    pos = np.arange(1, len(seg.ids) - 1)
    first = np.full(nw, len(seg.ids), dtype=np.int64)
    last = np.zeros(nw, dtype=np.int64)
    np.minimum.at(first, w, pos)
    np.maximum.at(last, w, pos + 1)
    keep = cnt > 0
    return sums[keep] / cnt[keep], first[keep], last[keep]


def decode_spans(seg: Segment, probs: np.ndarray, threshold: float, gap: int = 0, high: float = 0.0) -> list[tuple[int, int, float]]:
    """Runs of words with probability ≥ ``threshold`` → (first token, last token + 1, mean prob).

    Runs separated by at most ``gap`` words are joined; a run is kept only if its most
    probable word reaches ``high``.
    """
    wp, first, last = word_probs(seg, probs)
    on = np.flatnonzero(wp >= threshold)
    if not len(on):
        return []
    runs: list[list[int]] = [[int(on[0]), int(on[0])]]
    for k in on[1:]:
        if k - runs[-1][1] <= gap + 1:
            runs[-1][1] = int(k)
        else:
            runs.append([int(k), int(k)])
    return [(int(first[a]), int(last[b]), float(wp[a : b + 1].mean())) for a, b in runs if wp[a : b + 1].max() >= high]


@dataclass(frozen=True, slots=True)
class Decoding:
    """How SI probabilities become spans (tuned on held-out by the train command)."""

    threshold: float = 0.5  # words with p ≥ threshold form runs …
    high: float = 0.0  # … kept if their most probable word reaches this
    gap: int = 0  # runs at most this many words apart are joined
    repeat_min: float = 2.0  # a span of ≥ 2 words with confidence ≥ this is also marked at
    #                         the phrase's other occurrences in the text (> 1: off)

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Decoding:
        return cls(
            float(cfg["si_threshold"]),
            float(cfg.get("si_high", 0.0)),
            int(cfg.get("si_gap", 0)),
            float(cfg.get("si_repeat_min", 2.0)),
        )


@dataclass(frozen=True, slots=True)
class Predicted:
    """A predicted span: characters [start, end), tokens [i, j) of segment ``seg``."""

    start: int
    end: int
    seg: int
    i: int
    j: int
    conf: float
    repeat_of: tuple[int, int] | None = None


def predict_spans(segs: Sequence[Segment], probs: Sequence[np.ndarray], dec: Decoding, stats: TextStats) -> list[Predicted]:
    """SI: the spans of every segment, then the other occurrences of confident repeated phrases."""
    found: list[Predicted] = []
    for k, (seg, pr) in enumerate(zip(segs, probs, strict=True)):
        for i, j, conf in decode_spans(seg, pr, dec.threshold, dec.gap, dec.high):
            found.append(Predicted(int(seg.starts[i]), int(seg.ends[j - 1]), k, i, j, conf))
    if dec.repeat_min > 1 or not found:
        return found
    order = sorted(range(len(segs)), key=lambda k: segs[k].start)
    seg_starts = [segs[k].start for k in order]
    taken = sorted((p.start, p.end) for p in found)
    for p in list(found):
        if p.conf < dec.repeat_min or len(_WORD.findall(stats.text[p.start : p.end])) < 2:
            continue
        for s, e in stats.occurrences(p.start, p.end):
            if any(a < e and b > s for a, b in taken):
                continue
            pos = bisect.bisect_right(seg_starts, s) - 1
            if pos < 0:
                continue
            k = order[pos]
            seg = segs[k]
            if e > seg.end:
                continue
            tr = token_range(seg, s, e)
            if tr is None:
                continue
            found.append(Predicted(s, e, k, tr[0], tr[1], p.conf, (p.start, p.end)))
            bisect.insort(taken, (s, e))
    return found


# ---------------------------------------------------------------- TC: features of a span


class TextStats:
    """Article-level counts a span's features need, computed once per text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = Counter(w.lower() for w in _WORD.findall(text))
        self._cache: dict[str, list[tuple[int, int]]] = {}

    def occurrences(self, start: int, end: int) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of the span's words in the text, whole words, case
        and the punctuation between words folded (at least the span itself)."""
        words = _WORD.findall(self.text[start:end])
        if not words:
            return [(start, end)]
        key = " ".join(w.lower() for w in words)
        hit = self._cache.get(key)
        if hit is None:
            pat = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
            hit = [(m.start(), m.end()) for m in re.finditer(pat, self.text, re.IGNORECASE)]
            self._cache[key] = hit
        return hit or [(start, end)]


def span_features(stats: TextStats, start: int, end: int, seg_start: int, seg_end: int) -> np.ndarray:
    """The hand-made features of a span (N_FEATS floats, each roughly in [0, 1])."""
    text = stats.text
    s = text[start:end]
    words = _WORD.findall(s)
    occ = stats.occurrences(start, end)
    n = len(occ)
    before = sum(1 for o, _ in occ if o < start - 1)
    long_words = [w.lower() for w in words if len(w) >= 4]
    rep_words = float(np.mean([np.log1p(max(stats.words[w], 1) - 1) for w in long_words])) / 3 if long_words else 0.0
    letters = [c for c in s if c.isalpha()]
    caps = [w for w in words if w[:1].isupper()]
    sent = text[seg_start:seg_end]
    prev = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return np.array(
        [
            np.log1p(n - 1) / 2,  # the phrase occurs elsewhere in the text (Repetition)
            float(n > 1),
            float(before > 0),  # … and this is not its first occurrence
            rep_words,  # its longer words recur in the text
            np.log1p(len(words)) / 3,  # length in words
            float("?" in s),
            float("?" in sent),
            float(prev in _QUOTES or s[:1] in _QUOTES or s[-1:] in _QUOTES or after in _QUOTES),
            float("!" in s or after == "!"),
            min(1.0, len(s) / max(1, len(sent))),  # share of the sentence it covers
            len(caps) / len(words) if words else 0.0,  # Title Case words
            float(len(letters) >= 4 and all(c.isupper() for c in letters)),  # ALL CAPS
        ],
        dtype=np.float32,
    )


def pool(hidden: np.ndarray, a: int, b: int) -> np.ndarray:
    """The encoder part of a span's representation: [mean of its tokens; first; last; mean of the segment]."""
    return np.concatenate([hidden[a:b].mean(0), hidden[a], hidden[b - 1], hidden.mean(0)])


def tc_head(head: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Span representations [n, d] → label probabilities [n, 14] (Linear → GELU → Linear → softmax)."""
    h = x @ head["w1"].T + head["b1"]
    h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
    z = h @ head["w2"].T + head["b2"] + head["bias"]
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def token_range(seg: Segment, start: int, end: int) -> tuple[int, int] | None:
    """[first, last + 1) of the segment's tokens that overlap characters [start, end)."""
    hit = np.flatnonzero((seg.starts < end) & (seg.ends > start) & (seg.starts >= 0))
    if not len(hit):
        return None
    return int(hit[0]), int(hit[-1]) + 1


def _whole(tok: Any, text: str, ranges: Sequence[tuple[int, int]]) -> list[Segment]:
    """One uncut segment per range (a range without tokens gives a bare [CLS] [SEP])."""
    encs = tok.encode_batch([text[a:b] for a, b in ranges], add_special_tokens=False)
    out = []
    for (a, b), enc in zip(ranges, encs, strict=True):
        offs = enc.offsets
        wids = [w if w is not None else 0 for w in enc.word_ids]
        out.append(
            Segment(
                ids=np.array([CLS_ID, *enc.ids, SEP_ID], dtype=np.int64),
                starts=np.array([-1, *(a + o[0] for o in offs), -1], dtype=np.int64),
                ends=np.array([-1, *(a + o[1] for o in offs), -1], dtype=np.int64),
                words=np.array([-1, *wids, -1], dtype=np.int64),
                start=a,
                end=b,
            )
        )
    return out


def _window(seg: Segment, lo: int, hi: int) -> Segment:
    """Tokens [lo, hi) of a segment (positions without [CLS]) as a segment of their own."""
    sl = slice(1 + lo, 1 + hi)
    return Segment(
        ids=np.concatenate([[CLS_ID], seg.ids[sl], [SEP_ID]]).astype(np.int64),
        starts=np.concatenate([[-1], seg.starts[sl], [-1]]).astype(np.int64),
        ends=np.concatenate([[-1], seg.ends[sl], [-1]]).astype(np.int64),
        words=np.concatenate([[-1], seg.words[sl], [-1]]).astype(np.int64),
        start=int(seg.starts[1 + lo]),
        end=int(seg.ends[hi]),
    )


def context_windows(
    tok: Any, text: str, spans: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]] | None = None
) -> list[tuple[Segment, int, int]]:
    """For each span: a segment around it and the span's token range [i, j) in that segment.

    The context is the sentence(s) holding the span (``sentences`` if given, else the
    line(s) of ``text``); a context longer than MAX_LEN tokens is cut to a window centred
    on the span, and a span longer than that keeps its first MAX_LEN - 2 tokens. A span
    without a token of its own (blanks only) is represented by the nearest token.
    """
    ctx: list[tuple[int, int]] = []
    for a, b in spans:
        if sentences:
            cover = [(s, e) for s, e in sentences if s < max(b, a + 1) and e > a]
            lo = min([a, *(s for s, _ in cover)])
            hi = max([b, *(e for _, e in cover)])
        else:
            lo = text.rfind("\n", 0, a) + 1
            hi = text.find("\n", b)
            hi = len(text) if hi == -1 else hi
        ctx.append((lo, max(hi, b)))
    uniq = sorted(set(ctx))
    whole = dict(zip(uniq, _whole(tok, text, uniq), strict=True))
    out: list[tuple[Segment, int, int]] = []
    room = MAX_LEN - 2
    for (a, b), r in zip(spans, ctx, strict=True):
        seg = whole[r]
        n = len(seg.ids) - 2
        if n == 0:
            out.append((seg, 0, 1))
            continue
        tr = token_range(seg, a, b)
        if tr is None:
            mid = int(np.argmin(np.abs(seg.starts[1:-1] - a))) + 1
            tr = (mid, mid + 1)
        i, j = tr[0] - 1, tr[1] - 1  # positions without [CLS]
        if n > room:
            if j - i >= room:
                lo, hi = i, i + room
            else:
                lo = max(0, i - (room - (j - i)) // 2)
                hi = min(n, lo + room)
                lo = max(0, hi - room)
            seg = _window(seg, lo, hi)
            i, j = i - lo, min(j, hi) - lo
        out.append((seg, i + 1, j + 1))
    return out


# ---------------------------------------------------------------- the model


class TechniqueModel:
    """The shipped SI + TC model. ``TechniqueModel.load()`` reads the packaged artifact."""

    def __init__(self, forward: Forward, tokenizer: Any, config: dict[str, Any], head: dict[str, np.ndarray]) -> None:
        self._forward = forward
        self.tokenizer = tokenizer
        self.config = config
        self.head = head
        self.labels: tuple[str, ...] = tuple(config["labels"])
        self.version: str = config["version"]
        self.decoding = Decoding.from_config(config)

    @classmethod
    def load(cls, folder: Path | None = None, *, threads: int | None = None, onnx_file: str | None = None) -> TechniqueModel:
        """Load the model from ``folder`` (default: the shipped resources folder).

        ``threads``: ONNX Runtime intra-op threads (default: its own choice).
        """
        folder = Path(folder) if folder is not None else DEFAULT_FOLDER
        cfg_path = folder / "config.json"
        if not cfg_path.is_file():
            raise ConfigError(
                E_CONFIG,
                f"no technique model in {folder} (config.json missing): rebuild it with "
                "`communique train techniques --ptc DIR --out DIR`",
            )
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        paths = {
            "onnx": folder / (onnx_file or config.get("onnx", "model.onnx")),
            "tokenizer": folder / "tokenizer.json",
            "head": folder / config.get("tc_head", "tc_head.npz"),
        }
        for what, p in paths.items():
            if not p.is_file():
                raise ConfigError(E_CONFIG, f"technique model in {folder} is incomplete: {p.name} ({what}) missing")
        if tuple(config.get("labels", ())) != PTC_LABELS:
            raise ConfigError(E_CONFIG, f"{cfg_path}: labels do not match the 14 PTC labels of this version")
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - a runtime dependency
            raise ConfigError(E_CONFIG, "onnxruntime is not installed (pip install onnxruntime)") from exc
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(str(paths["onnx"]), opts, providers=["CPUExecutionProvider"])

        def forward(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            logits, hidden = sess.run(None, {"input_ids": ids, "attention_mask": mask})
            return logits, hidden

        with np.load(paths["head"], allow_pickle=False) as z:
            head = {k: z[k].astype(np.float32) for k in z.files}
        return cls(forward, load_tokenizer(paths["tokenizer"]), config, head)

    # -- the two tasks

    def spans(self, text: str, sentences: Sequence[tuple[int, int]]) -> list[Finding]:
        """Propaganda spans in ``text`` (SI) with the most likely technique of each (TC).

        ``sentences`` are (start, end) character ranges of ``text``; every span lies inside
        one of them and covers whole words. ``score`` = SI confidence × technique probability.
        """
        segs = encode_segments(self.tokenizer, text, sentences)
        if not segs:
            return []
        outs = run_segments(self._forward, segs)
        stats = TextStats(text)
        found = predict_spans(segs, [p for p, _ in outs], self.decoding, stats)
        reps = [
            np.concatenate([pool(outs[p.seg][1], p.i, p.j), span_features(stats, p.start, p.end, segs[p.seg].start, segs[p.seg].end)])
            for p in found
        ]
        if not found:
            return []
        probs = tc_head(self.head, np.stack(reps))
        out: list[Finding] = []
        for f, p in zip(found, probs, strict=True):
            top = np.argsort(-p, kind="stable")[:3]
            label = self.labels[int(top[0])]
            technique = from_ptc(label)
            evidence: dict[str, Any] = {
                "ptc": label,
                "si": round(f.conf, 4),
                "probs": {self.labels[int(k)]: round(float(p[k]), 4) for k in top},
            }
            if f.repeat_of is not None:
                evidence["repeat_of"] = list(f.repeat_of)
            out.append(
                Finding(
                    start=f.start,
                    end=f.end,
                    technique=technique,
                    score=round(f.conf * float(p[top[0]]), 4),
                    source=f"model:{self.version}",
                    explanation=f"model: {technique} (p={float(p[top[0]]):.2f})",
                    evidence=evidence,
                )
            )
        return sorted(out, key=lambda f: (f.start, f.end))

    def classify(
        self, text: str, spans: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]] | None = None
    ) -> list[tuple[str, float]]:
        """The PTC label and its probability for each given span of ``text`` (the TC task).

        A span given k times (a span with k gold labels) gets the k best labels in turn.
        """
        probs = self.label_probs(text, spans, sentences)
        seen: Counter[tuple[int, int]] = Counter()
        out: list[tuple[str, float]] = []
        for sp, p in zip(spans, probs, strict=True):
            key = (int(sp[0]), int(sp[1]))
            rank = seen[key]
            seen[key] += 1
            k = int(np.argsort(-p, kind="stable")[min(rank, len(p) - 1)])
            out.append((self.labels[k], float(p[k])))
        return out

    def label_probs(
        self, text: str, spans: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]] | None = None
    ) -> np.ndarray:
        """[len(spans), 14] label probabilities of the given spans."""
        if not spans:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        spans = [(int(a), int(b)) for a, b in spans]
        wins = context_windows(self.tokenizer, text, spans, sentences)
        # one encoder pass per distinct window
        keyed: dict[tuple[int, ...], int] = {}
        uniq: list[Segment] = []
        which: list[int] = []
        for seg, _, _ in wins:
            key = (seg.start, seg.end, len(seg.ids))
            if key not in keyed:
                keyed[key] = len(uniq)
                uniq.append(seg)
            which.append(keyed[key])
        outs = run_segments(self._forward, uniq)
        stats = TextStats(text)
        reps = [
            np.concatenate([pool(outs[w][1], i, j), span_features(stats, a, b, seg.start, seg.end)])
            for (a, b), (seg, i, j), w in zip(spans, wins, which, strict=True)
        ]
        return tc_head(self.head, np.stack(reps))

    def si_probs(self, text: str, sentences: Sequence[tuple[int, int]]) -> list[tuple[Segment, np.ndarray, np.ndarray]]:
        """(segment, SI probabilities, hidden states) for every segment: for tuning and tests."""
        segs = encode_segments(self.tokenizer, text, sentences)
        return [(s, p, h) for s, (p, h) in zip(segs, run_segments(self._forward, segs), strict=True)]
