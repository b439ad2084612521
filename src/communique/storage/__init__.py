"""Storage: the embedded SQLite store (WAL, FTS5 search), the PostgreSQL store for teams
and concurrent writers, and their helpers. ``open_store`` picks one from the ``--db`` value."""

from __future__ import annotations

import os
from typing import Any

from .sqlite import SearchHit, Store
from .textfold import fold, fold_query

__all__ = ["SearchHit", "Store", "fold", "fold_query", "is_postgres_url", "open_store"]


def is_postgres_url(db: str | os.PathLike[str]) -> bool:
    """Whether ``db`` names a PostgreSQL database (``postgresql://…`` or ``postgres://…``)."""
    return str(db).startswith(("postgresql://", "postgres://"))


def open_store(db: str | os.PathLike[str]) -> Any:
    """The store named by ``db``: a PostgreSQL URL opens the server store, anything else is
    the path of a SQLite file (created on first use) or ``":memory:"``."""
    if is_postgres_url(db):
        from .postgres import PgStore

        return PgStore(str(db))
    return Store(os.fspath(db))
