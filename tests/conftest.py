"""Shared fixtures: the path to ../shared (real samples, PTC) and a cached pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"


def sample_text(name: str) -> str:
    """Read one of the real sample statements; skip the test when ../shared is absent."""
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} not present (real samples are never committed)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pipeline():
    from communique.pipeline import Pipeline

    return Pipeline()
