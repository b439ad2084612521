"""Exports and imports: moving a corpus between communique and the tools analysts use.

One module per format:

- ``jsonl``: the public contract, one :meth:`Document.to_dict` a line (read back exactly);
- ``csvs``: one row per span, and one row per document (the two join back exactly);
- ``parquet``: ``documents`` and ``spans`` tables for DuckDB/pandas and the cluster engine;
- ``brat``: brat standoff (``.txt`` + ``.ann`` per document, ``annotation.conf``,
  ``visual.conf``), and reviewed ``.ann`` files back as review spans;
- ``labelstudio``: Label Studio tasks with predictions and the labeling config, and the
  reviewed annotations of a Label Studio JSON export back as review spans;
- ``semeval``: technique spans in the SemEval-2020 Task 11 format (PTC labels);
- ``ftm``: FollowTheMoney entities for Aleph / OpenAleph.

Reviewed annotations are *added* to a stored document with ``source="review:<annotator>"``
(``review.apply``); the model's own spans are never overwritten. Heavy imports (pyarrow)
stay inside the modules that need them.
"""

from __future__ import annotations

from ._common import ExchangeError, Rejection
from .csvs import CSV_COLUMNS, write_csv
from .jsonl import write_jsonl

__all__ = ["CSV_COLUMNS", "ExchangeError", "Rejection", "write_csv", "write_jsonl"]
