"""Storage: the embedded SQLite store (WAL, FTS5 search) and its helpers."""

from .sqlite import SearchHit, Store
from .textfold import fold, fold_query

__all__ = ["SearchHit", "Store", "fold", "fold_query"]
