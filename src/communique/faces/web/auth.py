"""Who is asking, and what they may do: the local user, tokens, sessions, roles.

Two modes:

- **local** (no token configured; only allowed on a loopback address, which ``communique
  serve`` enforces): every request is the one local user, an analyst, named by ``--user``
  or the OS user. The ``Host`` header must name a loopback host, so a web page elsewhere
  cannot reach the server through DNS rebinding.
- **token** (``--token`` / ``COMMUNIQUE_TOKEN`` gives the analyst role,
  ``--reader-token`` / ``COMMUNIQUE_READER_TOKEN`` the reader role): a request proves its
  role with ``Authorization: Bearer <token>`` (scripts; the reviewer name comes from the
  ``X-Communique-User`` header, else ``api``) or with the session cookie that ``POST /login``
  sets for browsers (token and name from a form). Tokens are compared in constant time;
  the cookie holds no token, only role, name and issue time signed with HMAC-SHA256 under a
  key derived from the tokens, so changing a token ends every session.

Readers see everything; analysts may also review spans and store analysed documents. A
request without a valid credential gets a 401 JSON error on ``/api/…`` and a redirect to
``/login`` on pages. In every mode, a state-changing request (POST, PUT, PATCH, DELETE)
whose ``Origin`` header names another site is refused (403): the browser's defence against
cross-site request forgery, for the local mode too.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import json
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

Role = Literal["analyst", "reader"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "communique_session"
#: How long a browser session lasts: a long working day.
SESSION_SECONDS = 14 * 3600
#: Header naming the reviewer of a request authenticated by a Bearer token.
USER_HEADER = "x-communique-user"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
#: Paths served without credentials: the login form, static files, health and the API
#: description (it holds no data).
PUBLIC_PATHS = frozenset({"/login", "/logout", "/api/health", "/api/openapi.json", "/api/docs", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class User:
    """The person (or script) behind a request."""

    name: str
    role: Role
    auth: Literal["local", "token", "session"]

    @property
    def can_review(self) -> bool:
        return self.role == "analyst"


def clean_name(name: str | None) -> str | None:
    """A reviewer name as the audit log records it: trimmed, without control characters,
    at most ``MAX_NAME`` characters; None when nothing is left."""
    if name is None:
        return None
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return kept[:MAX_NAME] or None


def local_user_name(user: str | None = None) -> str:
    """``--user``, else the OS user, else "analyst"."""
    name = clean_name(user)
    if name:
        return name
    try:
        return clean_name(getpass.getuser()) or "analyst"
    except Exception:  # noqa: BLE001 - no user database (containers): any failure means unknown
        return "analyst"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name, IPv6 with or without brackets) is this machine only."""
    h = host.strip().lower().strip("[]")
    if h in LOOPBACK_HOSTS:
        return True
    try:
        import ipaddress

        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Auth:
    """The credentials a server accepts. ``token``: analyst; ``reader_token``: reader; with
    neither, the local mode (``local_user`` is the analyst's name)."""

    def __init__(
        self, token: str | None = None, reader_token: str | None = None, local_user: str | None = None
    ) -> None:
        self.token = token or None
        self.reader_token = reader_token or None
        if self.token and self.reader_token and hmac.compare_digest(self.token, self.reader_token):
            from ...errors import E_CONFIG, ConfigError

            raise ConfigError(E_CONFIG, "the analyst and reader tokens must differ")
        self.local = self.token is None and self.reader_token is None
        self.local_user = local_user_name(local_user)
        seed = f"communique-session\0{self.token or ''}\0{self.reader_token or ''}".encode()
        self._key = hashlib.sha256(seed).digest()

    def role_of(self, token: str) -> Role | None:
        """The role a token grants (constant-time comparison with each configured token)."""
        given = token.encode("utf-8", "surrogatepass")
        role: Role | None = None
        # compare with both, always, so timing does not tell which one matched
        if self.token and hmac.compare_digest(given, self.token.encode()):
            role = "analyst"
        if self.reader_token and hmac.compare_digest(given, self.reader_token.encode()):
            role = "reader"
        return role

    def session_value(self, user: User, now: float | None = None) -> str:
        """The signed cookie value for a logged-in user."""
        payload = json.dumps(
            {"r": user.role, "u": user.name, "t": int(now if now is not None else time.time())},
            separators=(",", ":"), ensure_ascii=False,
        ).encode()  # fmt: skip
        sig = hmac.new(self._key, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(sig)}"

    def from_session(self, value: str, now: float | None = None) -> User | None:
        """The user of a valid, unexpired session cookie; None otherwise."""
        try:
            body, sig = value.split(".", 1)
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(sig), hmac.new(self._key, payload, hashlib.sha256).digest()):
                return None
            data = json.loads(payload)
            role, name, issued = data["r"], data["u"], int(data["t"])
        except (ValueError, KeyError, TypeError):
            return None
        age = (now if now is not None else time.time()) - issued
        if role not in ("analyst", "reader") or not 0 <= age <= SESSION_SECONDS:
            return None
        # a role whose token was removed since is gone (the key changes too; belt and braces)
        if (role == "analyst" and not self.token) or (role == "reader" and not self.reader_token):
            return None
        return User(str(name), role, "session")

    def login(self, token: str, name: str | None) -> User | None:
        """The user a login form names, if the token is valid."""
        role = self.role_of(token)
        if role is None:
            return None
        return User(clean_name(name) or role, role, "session")

    def authenticate(self, headers: dict[str, str], cookies: dict[str, str]) -> User | None:
        """The user of a request (headers lower-cased), or None without valid credentials."""
        if self.local:
            return User(self.local_user, "analyst", "local")
        authz = headers.get("authorization", "")
        scheme, _, credential = authz.partition(" ")
        if scheme.lower() == "bearer" and credential.strip():
            role = self.role_of(credential.strip())
            if role is None:
                return None
            return User(clean_name(headers.get(USER_HEADER)) or "api", role, "token")
        session = cookies.get(COOKIE)
        if session:
            return self.from_session(session)
        return None


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers") or ():
        out[k.decode("latin-1").lower()] = v.decode("latin-1")
    return out


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        k, sep, v = part.strip().partition("=")
        if sep and k:
            out.setdefault(k, v.strip('"'))
    return out


def _host_name(host_header: str) -> str:
    """The host of a Host header without its port (``[::1]:8000`` → ``::1``)."""
    h = host_header.strip()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def safe_next(target: str | None) -> str:
    """A redirect target after login: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


class AuthMiddleware:
    """Sets ``scope["state"]["user"]`` (``request.state.user``) or answers 401/403/redirect.

    ``trusted_hosts``: in the local mode, the Host names accepted (default: loopback names);
    ``error``: builds the JSON error response (status, code, message)."""

    def __init__(
        self,
        app: ASGIApp,
        auth: Auth,
        error: Callable[[int, str, str], Any],
        trusted_hosts: Iterable[str] | None = None,
    ) -> None:
        self.app = app
        self.auth = auth
        self.error = error
        self.trusted = {h.lower() for h in (trusted_hosts or LOOPBACK_HOSTS)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from .schemas import E_HTTP_FORBIDDEN, E_HTTP_UNAUTHORIZED

        headers = _headers(scope)
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        api = path == "/api" or path.startswith("/api/")
        host = _host_name(headers.get("host", ""))
        if self.auth.local and host.lower() not in self.trusted and not is_loopback(host):
            response = self.error(403, E_HTTP_FORBIDDEN, f"host {host!r} is not allowed: this server answers on loopback only")
            await response(scope, receive, send)
            return
        origin = headers.get("origin")
        if method in _UNSAFE and origin and origin != "null":
            o = urlsplit(origin)
            if (o.netloc or "").lower() != headers.get("host", "").lower():
                response = self.error(403, E_HTTP_FORBIDDEN, f"cross-site request from {origin!r} refused")
                await response(scope, receive, send)
                return
        user = self.auth.authenticate(headers, _cookies(headers.get("cookie", "")))
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if user is None and not public:
            if api or method not in ("GET", "HEAD"):
                response = self.error(401, E_HTTP_UNAUTHORIZED, "a valid token is needed: Authorization: Bearer <token>, or log in at /login")
                response.headers["WWW-Authenticate"] = 'Bearer realm="communique"'
            else:
                from starlette.responses import RedirectResponse

                query = scope.get("query_string", b"").decode("latin-1")
                target = path + (f"?{query}" if query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)
