"""Fixtures for the ingest tests: the test PDF writer (tests/ingest/pdfmake.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _load_pdfmake():
    spec = importlib.util.spec_from_file_location("ingest_pdfmake", HERE / "pdfmake.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def make_pdf():
    """``make_pdf(pages: list[list[str]], info: dict | None) -> bytes`` (see pdfmake.py)."""
    return _load_pdfmake().make_pdf
