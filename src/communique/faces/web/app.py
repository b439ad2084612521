"""The FastAPI app: the API, the pages (when present), auth, limits and one error shape.

``create_app`` opens the corpus once and wires, from the outside in:

1. ``_CatchAll``: a bug anywhere becomes a 500 JSON error with a reference; the traceback
   goes to the server log, never to the client; every response gets ``SECURITY_HEADERS``;
2. ``BodyLimit``: a request body over ``max_body`` bytes is refused with 413 before it is
   read (by ``Content-Length``) or as soon as it grows past the limit (chunked bodies);
3. ``AuthMiddleware`` (``auth.py``): who is asking; 401 / redirect to ``/login`` / 403;
4. the routes: ``/api/…`` (``api.py``), ``/login`` and ``/logout`` (here), the pages
   (``pages.py``) and ``/static``.

Every error answers ``{"error": {"code", "message", "status"}}``: library errors by their
class (NotFoundError → 404, QueryError / SpanError / ConfigError → 400, IngestError → 413
for a file over the size limit, 415 for an unsupported format, 400 otherwise, StoreError →
500 with a message that names no path or SQL), HTTP errors (unknown path, wrong method,
validation) with E6xx codes. Page requests that accept HTML get the same message as a small
HTML page.
"""

from __future__ import annotations

import html
import importlib.util
import logging
import uuid
from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...errors import (
    E_INGEST_FORMAT,
    E_INGEST_TOO_LARGE,
    E_SPAN,
    CommuniqueError,
    ConfigError,
    IngestError,
    NotFoundError,
    QueryError,
    SpanError,
    StoreError,
)
from ...ingest import Limits
from .auth import (
    COOKIE,
    SESSION_SECONDS,
    ASGIApp,
    Auth,
    AuthMiddleware,
    Message,
    Receive,
    Scope,
    Send,
    safe_next,
)
from .schemas import (
    E_HTTP_ERROR,
    E_HTTP_FORBIDDEN,
    E_HTTP_INTERNAL,
    E_HTTP_INVALID,
    E_HTTP_MEDIA,
    E_HTTP_METHOD,
    E_HTTP_NOT_FOUND,
    E_HTTP_TOO_LARGE,
    E_HTTP_UNAUTHORIZED,
)

log = logging.getLogger("communique.web")

#: Room for multipart framing and form fields around an upload of ``Limits.max_bytes``.
BODY_OVERHEAD = 1024 * 1024
#: Upload limit of the server unless told otherwise: smaller than the batch default (50 MB)
#: because an upload is analysed while the browser waits.
DEFAULT_UPLOAD_BYTES = 10 * 1024 * 1024

_HTTP_CODES = {
    401: E_HTTP_UNAUTHORIZED,
    403: E_HTTP_FORBIDDEN,
    404: E_HTTP_NOT_FOUND,
    405: E_HTTP_METHOD,
    413: E_HTTP_TOO_LARGE,
    415: E_HTTP_MEDIA,
    422: E_HTTP_INVALID,
}
#: Sent with every response unless a route set its own: no MIME sniffing (a JSON answer
#: holding "<script>" stays JSON), no framing by other sites, no full URLs in Referer.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """The one error shape."""
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def status_of(exc: CommuniqueError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, IngestError):
        if exc.code == E_INGEST_TOO_LARGE:
            return 413
        return 415 if exc.code == E_INGEST_FORMAT else 400
    if isinstance(exc, (QueryError, SpanError, ConfigError)) or exc.code == E_SPAN:
        return 400
    if isinstance(exc, StoreError) and "is ambiguous" in exc.message:
        return 400  # an id prefix that names several documents: the client types more
    return 500


def _scrub(message: str, corpus: Any) -> str:
    """A library message without the store's location (a server path, or a PostgreSQL URL
    that may hold a password): clients learn what went wrong, not where the data lives."""
    for where in {str(corpus.path), str(getattr(corpus.store, "path", "")), str(getattr(corpus.store, "url", ""))}:
        if len(where) > 1:
            message = message.replace(where, "the corpus")
    return message


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path == "/api" or path.startswith("/api/")) and "text/html" in request.headers.get("accept", "")


def _html_error(status: int, code: str, message: str) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>communique: error</title>"
        "<body style='font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto'>"
        f"<h1>{status}</h1><p>{html.escape(message)}</p><p><small>{html.escape(code)}</small></p>"
        "<p><a href='/'>communique home</a></p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _respond(request: Request, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    if _wants_html(request):
        return _html_error(status, code, message)
    return error_response(status, code, message, details)


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when a body grows past the limit; an HTTPException so that
    FastAPI's body parsing lets it through to the 413 handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {_human(limit)} limit")


def _human(n: int) -> str:
    from ...ingest.limits import human_limit

    return human_limit(n)


class BodyLimit:
    """Refuse request bodies over ``max_body`` bytes: at once when ``Content-Length`` says
    so, else when the bytes received pass it."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers") or ():
            if k.lower() == b"content-length":
                try:
                    size = int(v)
                except ValueError:
                    size = -1
                if size < 0:
                    await error_response(400, E_HTTP_ERROR, "invalid Content-Length header")(scope, receive, send)
                    return
                if size > self.max_body:
                    message = f"request body of {size} bytes is over the {_human(self.max_body)} limit"
                    await error_response(413, E_HTTP_TOO_LARGE, message)(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, limited, send)


class _CatchAll:
    """Last line: an exception that escaped every handler becomes a 500 JSON error (if the
    response has not started) with a reference that is also in the server log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except BodyTooLarge as exc:
            if not started:
                await error_response(413, E_HTTP_TOO_LARGE, str(exc.detail))(scope, receive, send)
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("internal error %s on %s %s", ref, scope.get("method"), scope.get("path"))
            if not started:
                message = f"internal error (reference {ref}); the server log has the details"
                await error_response(500, E_HTTP_INTERNAL, message)(scope, receive, send)


def _login_form(message: str = "", next_url: str = "/", status: int = 200) -> HTMLResponse:
    note = f"<p role=alert style='color:#a40000'>{html.escape(message)}</p>" if message else ""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        "<title>communique: log in</title>"
        "<body style='font:16px/1.5 system-ui,sans-serif;max-width:26em;margin:4em auto'>"
        f"<h1>communique</h1>{note}"
        "<form method=post action='/login'>"
        f"<input type=hidden name=next value='{html.escape(next_url, quote=True)}'>"
        "<p><label>Access token<br><input name=token type=password required autocomplete=current-password autofocus></label></p>"
        "<p><label>Your name (recorded in the review log)<br><input name=name maxlength=64 autocomplete=username></label></p>"
        "<p><button type=submit>Log in</button></p></form></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _add_login_routes(app: FastAPI, auth: Auth) -> None:
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002 - the form field's name
        if auth.local:
            return RedirectResponse(safe_next(next), status_code=303)
        return _login_form(next_url=safe_next(next))

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        token: str = Form("", max_length=1000),
        name: str = Form("", max_length=200),
        next: str = Form("/", max_length=2000),  # noqa: A002
    ) -> Response:
        target = safe_next(next)
        if auth.local:
            return RedirectResponse(target, status_code=303)
        user = auth.login(token, name)
        if user is None:
            return _login_form("That token is not valid.", target, status=401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE, auth.session_value(user), max_age=SESSION_SECONDS, httponly=True,
            samesite="lax", secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
        return response

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login" if not auth.local else "/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response


def create_app(
    db: str,
    *,
    token: str | None = None,
    reader_token: str | None = None,
    user: str | None = None,
    limits: Limits | None = None,
    max_body: int | None = None,
    trusted_hosts: Iterable[str] | None = None,
) -> FastAPI:
    """The web app over the corpus ``db`` (a SQLite path or a ``postgresql://`` URL).

    ``token`` / ``reader_token``: the analyst's and the reader's access tokens; with
    neither, the app serves one local analyst (``user``, else the OS user) and answers only
    requests addressed to a loopback host (``trusted_hosts`` adds names, e.g. for tests).
    ``limits``: the ingest limits for uploads and analysed texts (default: 10 MB, 30 s,
    the standard character limit). ``max_body``: the request body limit (default: the
    upload limit plus 1 MB). Raises StoreError when the store cannot be opened.
    """
    import communique

    from . import api

    limits = limits or Limits(max_bytes=DEFAULT_UPLOAD_BYTES)
    auth = Auth(token, reader_token, user)
    corpus = communique.open(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        # opened by create_app already (so that a bad store fails before serving); a test
        # client may run the lifespan several times: reopen after a shutdown
        if app.state.corpus is None:
            app.state.corpus = communique.open(db)
        yield
        app.state.corpus.close()
        app.state.corpus = None

    app = FastAPI(
        title="communique",
        version=communique.__version__,
        summary="Political and extremist statements, read the way an analyst does, with evidence for every finding.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN: the workbench works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.corpus = corpus
    app.state.db = db
    app.state.auth = auth
    app.state.limits = limits

    @app.exception_handler(CommuniqueError)
    async def _library_error(request: Request, exc: CommuniqueError) -> Response:
        status = status_of(exc)
        message = _scrub(exc.message, corpus)
        if status == 500:
            ref = uuid.uuid4().hex[:8]
            log.error("store error %s on %s %s: %s", ref, request.method, request.url.path, exc)
            message = f"the store failed (reference {ref}); the server log has the details"
        return _respond(request, status, exc.code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        code = _HTTP_CODES.get(status, E_HTTP_ERROR)
        if isinstance(exc.detail, str) and exc.detail:
            message = exc.detail
        else:
            message = "error"
        if status == 404 and message == "Not Found":
            message = f"no such page or endpoint: {request.url.path}"
        elif status == 405 and message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.url.path}"
        response = _respond(request, status, code, message)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"]) or "request"
        message = f"{where}: {first['msg']}" + (f" (and {len(details) - 1} more)" if len(details) > 1 else "")
        return _respond(request, 422, E_HTTP_INVALID, message, details)

    app.include_router(api.public)
    app.include_router(api.router)
    _add_pages(app)
    _add_login_routes(app, auth)
    _describe_security(app, auth)

    app.add_middleware(AuthMiddleware, auth=auth, error=error_response, trusted_hosts=trusted_hosts)
    app.add_middleware(BodyLimit, max_body=max_body if max_body is not None else limits.max_bytes + BODY_OVERHEAD)
    app.add_middleware(_CatchAll)
    return app


def _describe_security(app: FastAPI, auth: Auth) -> None:
    """Make the spec say what this server asks for: no credentials in the local mode, a
    Bearer token everywhere but ``/api/health`` otherwise."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for path, ops in spec.get("paths", {}).items():
                for op in ops.values():
                    if not isinstance(op, dict):
                        continue
                    if auth.local or path == "/api/health":
                        op.pop("security", None)
                        op.get("responses", {}).pop("401", None)
            if auth.local:
                spec.get("components", {}).pop("securitySchemes", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_pages(app: FastAPI) -> None:
    """The HTML pages and their static files, when the pages module is installed."""
    here = Path(__file__).resolve().parent
    if importlib.util.find_spec(f"{__package__}.pages") is not None:
        from . import pages

        app.include_router(pages.router)
    static = here / "static"
    if static.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=static), name="static")


#: Environment variable through which ``communique serve --workers N`` hands its settings
#: to each worker process (tokens travel in COMMUNIQUE_TOKEN / COMMUNIQUE_READER_TOKEN).
SERVE_ENV = "COMMUNIQUE_SERVE"


def app_from_env() -> FastAPI:
    """The app of one uvicorn worker process, built from ``SERVE_ENV`` (a JSON object with
    ``db``, ``user``, ``max_bytes``, ``max_seconds``) and the token variables."""
    import json
    import os

    cfg = json.loads(os.environ[SERVE_ENV])
    limits = Limits(max_bytes=int(cfg["max_bytes"]), max_seconds=float(cfg["max_seconds"]))
    return create_app(
        cfg["db"],
        token=os.environ.get("COMMUNIQUE_TOKEN") or None,
        reader_token=os.environ.get("COMMUNIQUE_READER_TOKEN") or None,
        user=cfg.get("user"),
        limits=limits,
    )

