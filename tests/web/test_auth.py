"""Who may do what: the local analyst, analyst and reader tokens, browser sessions, and the
checks that keep other sites out (Host on loopback, Origin on writes). Also ``communique
serve``: it refuses a public address without a token and serves on loopback.

The store holds one fictional statement (the Varn River Council and Oskar Brede are invented).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import communique
from communique.errors import ConfigError
from communique.faces.cli.main import app as cli
from communique.faces.web.app import create_app
from communique.faces.web.auth import COOKIE, SESSION_SECONDS, Auth, User, is_loopback, safe_next

ANALYST, READER = "analyst-secret-7f3a", "reader-secret-19cd"
TEXT = "The Varn River Council accuses the traitor Oskar Brede of selling the river mills on 9 April 2024."
VARN_DATE = {"start": 85, "end": 97, "layer": "date", "label": "DATE", "source": "dates@1"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "auth.db"
    with communique.open(path) as corpus:
        doc = communique.analyze(TEXT)
        corpus.add(doc, source="varn.txt")
        assert TEXT[85:97] == "9 April 2024" and any(
            (s.start, s.end, s.layer, s.label, s.source) == tuple(VARN_DATE.values()) for s in doc.spans
        )
    return str(path)


@pytest.fixture(scope="module")
def doc_id():
    return communique.doc_id(TEXT)


@pytest.fixture
def secured(db):
    app = create_app(db, token=ANALYST, reader_token=READER)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def bearer(token, user=None):
    headers = {"Authorization": f"Bearer {token}"}
    if user:
        headers["X-Communique-User"] = user
    return headers


def review(client, doc_id, **headers):
    return client.post(f"/api/documents/{doc_id}/reviews", json={"action": "accept", "span": VARN_DATE}, headers=headers)


# ---- the matrix: who gets what


@pytest.mark.parametrize(
    ("headers", "me", "read", "write"),
    [
        ({}, None, 401, 401),  # nobody
        (bearer("wrong-token"), None, 401, 401),
        ({"Authorization": "Basic YTpi"}, None, 401, 401),  # another scheme
        (bearer(READER), {"user": "api", "role": "reader", "auth": "token"}, 200, 403),
        (bearer(ANALYST, "Ines Aro"), {"user": "Ines Aro", "role": "analyst", "auth": "token"}, 200, 201),
    ],
)
def test_token_matrix(secured, doc_id, headers, me, read, write):
    r = secured.get("/api/me", headers=headers)
    assert r.status_code == (200 if me else 401)
    if me:
        assert r.json() == me
    else:
        assert r.json()["error"]["code"] == "E601"
        assert r.headers["www-authenticate"] == 'Bearer realm="communique"'
    assert secured.get(f"/api/documents/{doc_id}", headers=headers).status_code == read
    w = review(secured, doc_id, **headers)
    assert w.status_code == write, w.text
    if write == 403:
        assert w.json()["error"] == {
            "code": "E602",
            "message": "api has the reader role: reviewing and storing need the analyst token",
            "status": 403,
        }


def test_reader_may_analyze_but_not_store(secured):
    ok = secured.post("/api/analyze", json={"text": "The Varn River Council meets."}, headers=bearer(READER))
    assert ok.status_code == 200 and ok.json()["stored"] is False
    no = secured.post("/api/analyze", json={"text": "The Varn River Council meets.", "store": True}, headers=bearer(READER))
    assert (no.status_code, no.json()["error"]["code"]) == (403, "E602")


def test_public_paths(secured):
    assert secured.get("/api/health").status_code == 200
    spec = secured.get("/api/openapi.json").json()
    assert spec["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "description": spec["components"]["securitySchemes"]["HTTPBearer"]["description"], "scheme": "bearer"}}
    assert "security" not in spec["paths"]["/api/health"]["get"]
    assert spec["paths"]["/api/search"]["get"]["security"] == [{"HTTPBearer": []}]


def test_pages_redirect_to_login(secured):
    r = secured.get("/search?q=Brede", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=%2Fsearch%3Fq%3DBrede")
    form = secured.get("/login", params={"next": "/search?q=Brede"})
    assert form.status_code == 200 and 'name="token"' in form.text.replace("name=token", 'name="token"')


# ---- browser sessions


def test_login_sets_a_session_that_names_the_reviewer(secured, doc_id):
    bad = secured.post("/login", data={"token": "nope", "name": "Ines Aro"}, follow_redirects=False)
    assert bad.status_code == 401 and "That token is not valid." in bad.text and COOKIE not in bad.cookies
    r = secured.post("/login", data={"token": ANALYST, "name": "Ines Aro", "next": "/api/me"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/api/me")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and ANALYST not in cookie
    assert secured.get("/api/me").json() == {"user": "Ines Aro", "role": "analyst", "auth": "session"}
    assert review(secured, doc_id).json()["reviewer"] == "Ines Aro"
    secured.post("/logout", follow_redirects=False)
    secured.cookies.clear()
    assert secured.get("/api/me").status_code == 401


def test_reader_session(secured, doc_id):
    secured.post("/login", data={"token": READER, "name": "Tomas Lind"}, follow_redirects=False)
    assert secured.get("/api/me").json() == {"user": "Tomas Lind", "role": "reader", "auth": "session"}
    assert review(secured, doc_id).status_code == 403


def test_forged_and_expired_sessions():
    auth = Auth(ANALYST, READER)
    value = auth.session_value(User("Ines Aro", "reader", "session"), now=1000.0)
    assert auth.from_session(value, now=1000.0 + 60) == User("Ines Aro", "reader", "session")
    assert auth.from_session(value, now=1000.0 + SESSION_SECONDS + 1) is None  # expired
    body, sig = value.split(".")
    forged = auth.session_value(User("Ines Aro", "analyst", "session"), now=1000.0).split(".")[0] + "." + sig
    assert auth.from_session(forged, now=1001.0) is None  # role changed, signature not
    assert Auth("another-token", READER).from_session(value, now=1001.0) is None  # tokens changed
    assert auth.from_session("garbage", now=1001.0) is None


def test_login_redirects_stay_on_this_site():
    assert [safe_next(t) for t in ("/documents/ab12", "//evil.example/x", "https://evil.example", "/\\evil", "", None)] == [
        "/documents/ab12", "/", "/", "/", "/", "/",
    ]  # fmt: skip


def test_tokens_must_differ():
    with pytest.raises(ConfigError, match="the analyst and reader tokens must differ"):
        Auth("same", "same")


def test_reviewer_names_are_cleaned(secured):
    me = secured.get("/api/me", headers=bearer(ANALYST, "Ines\tAro\x7f " + "x" * 100)).json()
    assert me["user"] == "InesAro " + "x" * 56  # control characters dropped, 64 characters at most


# ---- the local mode


def test_local_mode_is_one_analyst(db, doc_id):
    with TestClient(create_app(db, user="Ines Aro"), base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/me").json() == {"user": "Ines Aro", "role": "analyst", "auth": "local"}
        assert review(c, doc_id).json()["reviewer"] == "Ines Aro"
        assert c.get("/login", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize("host", ["evil.example", "192.168.1.20:8000", "testserver"])
def test_local_mode_answers_loopback_hosts_only(db, host):
    # a page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its
    # own Host header: refused
    with TestClient(create_app(db), base_url=f"http://{host}") as c:
        r = c.get("/api/me")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "E602")
    assert "is not allowed: this server answers on loopback only" in r.json()["error"]["message"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:9000"])
def test_local_mode_loopback_hosts(db, host):
    with TestClient(create_app(db), base_url="http://localhost") as c:
        assert c.get("/api/me", headers={"Host": host}).status_code == 200


def test_cross_site_writes_are_refused(db, doc_id):
    with TestClient(create_app(db, user="Ines Aro"), base_url="http://localhost:8000") as c:
        r = review(c, doc_id, Origin="https://evil.example")
        assert (r.status_code, r.json()["error"]["message"]) == (403, "cross-site request from 'https://evil.example' refused")
        assert review(c, doc_id, Origin="http://localhost:8000").status_code == 201
        assert c.get("/api/me", headers={"Origin": "https://evil.example"}).status_code == 200  # reads are fine


def test_is_loopback():
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "0.0.0.0", "10.0.0.1", "example.org")] == [
        True, True, True, True, True, False, False, False,
    ]  # fmt: skip


# ---- communique serve


def test_serve_refuses_a_public_address_without_token(db):
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0"], env={"COMMUNIQUE_TOKEN": ""})
    assert result.exit_code == 6
    assert "refusing to serve on 0.0.0.0 without an access token" in result.output


def test_serve_refuses_a_bad_store(tmp_path):
    bad = tmp_path / "not-a-store.db"
    bad.write_bytes(b"this is not SQLite at all" * 100)
    result = CliRunner().invoke(cli, ["serve", "--db", str(bad)])
    assert result.exit_code == 6
    assert "is not a communique store" in " ".join(result.output.split())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_on_loopback(db, doc_id):
    port = _free_port()
    env = {**os.environ, "COMMUNIQUE_TOKEN": ANALYST}
    proc = subprocess.Popen(
        [sys.executable, "-m", "communique.faces.cli.main", "serve", "--db", db, "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{url}/api/documents/{doc_id}").status_code == 401  # token from the environment
        doc = httpx.get(f"{url}/api/documents/{doc_id}", headers=bearer(ANALYST)).json()
        assert doc["text"] == TEXT
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"communique serving {db} at http://127.0.0.1:{port}/ (analyst token(s))" in out.replace("\n", "")
