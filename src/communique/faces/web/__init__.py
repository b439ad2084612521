"""The web face: a FastAPI app with the REST API (``api``) and the workbench pages.

``create_app(db, token=..., reader_token=...)`` builds the app; ``communique serve`` runs it
with uvicorn. What the pages and the API share, per request and per app:

- ``request.app.state.corpus``: the open :class:`communique.corpus.Corpus` (one per app,
  shared by every request; the SQLite store serializes its calls);
- ``request.state.user``: the :class:`communique.faces.web.auth.User` making the request
  (``name``, ``role`` "analyst" or "reader", ``can_review``), set by the auth middleware
  before any route runs; unauthenticated page requests never reach a route (they are
  redirected to ``/login``), unauthenticated API requests get a 401 JSON error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]


def create_app(db: str, **kwargs: Any) -> FastAPI:
    """See :func:`communique.faces.web.app.create_app`."""
    from .app import create_app as _create

    return _create(db, **kwargs)
