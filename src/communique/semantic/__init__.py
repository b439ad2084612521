"""Sentence embeddings for semantic search: all-MiniLM-L6-v2 as int8 ONNX, run with
onnxruntime and tokenizers (no torch at run time, nothing downloaded).

A statement is embedded from its title and the start of its body: up to ``MAX_LEN`` word
pieces per window, ``DOC_WINDOWS`` windows, mean-pooled over tokens, averaged over windows
and L2-normalised, so the dot product of two embeddings is their cosine similarity. The
shipped model lives in ``resources/models/embedder`` and is rebuilt by
``communique train embedder`` (see ``semantic.build`` and its MODEL_CARD.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import E_CONFIG, ConfigError

VERSION = "minilm-l6-int8@1"
#: Word pieces per window (the base model was trained on 128 and accepts 512; 256 covers a
#: typical statement's opening paragraphs at a cost that keeps indexing practical on 2 cores).
MAX_LEN = 256
#: Windows per document: the title with the lead, plus the next windows of the body.
DOC_WINDOWS = 2
BATCH = 16
DIM = 384
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "models" / "embedder"

_LOCK = threading.Lock()
_DEFAULT: Embedder | None = None


class Embedder:
    """Turns texts into L2-normalised float32 vectors of ``DIM`` dimensions."""

    def __init__(self, session: Any, tokenizer: Any, config: dict[str, Any]) -> None:
        self._sess = session
        self._tok = tokenizer
        self.config = config
        self.version: str = config.get("version", VERSION)
        self.max_len: int = int(config.get("max_len", MAX_LEN))

    @classmethod
    def load(cls, folder: Path | None = None, *, threads: int | None = None) -> Embedder:
        folder = Path(folder) if folder is not None else DEFAULT_FOLDER
        cfg = folder / "config.json"
        onnx, tok = folder / "model.onnx", folder / "tokenizer.json"
        if not (cfg.is_file() and onnx.is_file() and tok.is_file()):
            raise ConfigError(
                E_CONFIG,
                f"no sentence embedder in {folder} (config.json, model.onnx and tokenizer.json "
                "are needed): rebuild it with `communique train embedder`",
            )
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(str(onnx), opts, providers=["CPUExecutionProvider"])
        return cls(sess, Tokenizer.from_file(str(tok)), json.loads(cfg.read_text(encoding="utf-8")))

    # -- encoding
    def _windows(self, text: str, windows: int) -> list[list[int]]:
        """Token id windows of at most ``max_len`` (with [CLS]/[SEP]) covering the text start."""
        ids = self._tok.encode(text, add_special_tokens=False).ids
        room = self.max_len - 2
        out = [[101, *ids[i : i + room], 102] for i in range(0, max(len(ids), 1), room)]
        return out[:windows]

    def _run(self, seqs: Sequence[list[int]]) -> np.ndarray:
        """Mean-pooled, unnormalised vectors for token id sequences (batched by length)."""
        vecs = np.zeros((len(seqs), DIM), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda k: len(seqs[k]))
        for b in range(0, len(order), BATCH):
            idx = order[b : b + BATCH]
            n = max(len(seqs[k]) for k in idx)
            ids = np.zeros((len(idx), n), dtype=np.int64)
            mask = np.zeros((len(idx), n), dtype=np.int64)
            for r, k in enumerate(idx):
                ids[r, : len(seqs[k])] = seqs[k]
                mask[r, : len(seqs[k])] = 1
            hidden = self._sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            m = mask[..., None].astype(np.float32)
            vecs[idx] = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return vecs

    def encode(self, texts: Sequence[str], windows: int = 1) -> np.ndarray:
        """One normalised vector per text: the mean of its first ``windows`` windows."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        seqs: list[list[int]] = []
        owner: list[int] = []
        for k, t in enumerate(texts):
            for w in self._windows(t, windows):
                seqs.append(w)
                owner.append(k)
        raw = self._run(seqs)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        np.add.at(out, np.asarray(owner), raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9))
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def encode_documents(self, docs: Sequence[tuple[str | None, str]]) -> np.ndarray:
        """Vectors for (title, text) pairs: the title leads the first window."""
        return self.encode([f"{t}\n{x}" if t else x for t, x in docs], windows=DOC_WINDOWS)


def embedder() -> Embedder:
    """The shipped embedder, loaded once per process."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = Embedder.load()
        return _DEFAULT


def to_blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def from_blobs(blobs: Sequence[bytes]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), DIM).astype(np.float32)
