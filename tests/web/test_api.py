"""The REST API on a small store of fictional statements: exact JSON for every endpoint, the
one error shape for every kind of error, limits on bodies and uploads, and hostile markup
that stays data.

Everything here is invented: the Harbour Union of Teskel, Governor Arvid Lomme, the Blue
Lantern Society, Morvale and the port of Teskel.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

import communique
from communique.errors import E_STORE, StoreError
from communique.faces.web.app import create_app
from communique.ingest import Limits

HARBOUR = """Press Release
Harbour Union of Teskel

The Harbour Union of Teskel condemns the closure of the Teskel docks on 4 June 2023 by the tyrant Lomme. Governor Arvid Lomme is a coward and a liar who betrayed every family in the port.

Our spokesman Elin Varga said: "We will not be silenced by decrees written in the dark."

Dock workers, join the march in Teskel Square on 12 June 2023!

Media Office of the Harbour Union of Teskel
5 June 2023"""

LANTERN = """Statement of the Blue Lantern Society

The Blue Lantern Society welcomes the agreement signed in Morvale on 2 March 2022. As the Qur'an says in Surah Al-Imran 3:103, hold firmly to the rope of God and do not be divided.

The Governor Arvid Lomme has acted wisely, and we thank the people of Morvale for their patience.

Blue Lantern Society
3 March 2022"""

# markup a page must never run: it is text, here and everywhere
HOSTILE_MARKUP = '<script>alert(1)</script> <img src=x onerror=alert(2)> <a href="javascript:alert(3)">click</a>'
HOSTILE = f"""Open letter on the docks

The Harbour Union of Teskel repeats: the closure of the Teskel docks is a crime. {HOSTILE_MARKUP}

Harbour Union of Teskel
20 June 2023"""

# the press release re-posted two days later with a line on top and a new sign-off date
REPOST = "Re-posted from the Teskel harbour bulletin\n\n" + HARBOUR.replace("5 June 2023", "7 June 2023")

H, L, X, R = "c1865842dece0e38", "42d027ec86cb3515", "bcf785452f298bfc", "0a092253fe907b30"


@pytest.fixture(scope="module")
def docs():
    return {d.id: d for d in (communique.analyze(t) for t in (HARBOUR, LANTERN, HOSTILE, REPOST))}


@pytest.fixture(scope="module")
def db(tmp_path_factory, docs):
    path = tmp_path_factory.mktemp("api") / "api.db"
    with communique.open(path) as corpus:
        for n, doc in enumerate(docs.values(), 1):
            assert corpus.add(doc, source=f"statement{n}.txt") == "added"
    return str(path)


@pytest.fixture(scope="module")
def client(db):
    app = create_app(db, user="Ines Aro", limits=Limits(max_bytes=4000, max_seconds=10))
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def error(r, status, code):
    """The one error shape: assert it and return the message."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) - {"details"} == {"code", "message", "status"}
    assert (body["error"]["code"], body["error"]["status"]) == (code, status)
    return body["error"]["message"]


def test_ids_are_the_fixture_statements(docs):
    assert list(docs) == [H, L, X, R]


# ---- service


def test_health_me_stats(client):
    assert client.get("/api/health").json() == {"status": "ok", "version": communique.__version__}
    assert client.get("/api/me").json() == {"user": "Ines Aro", "role": "analyst", "auth": "local"}
    stats = client.get("/api/stats").json()
    assert "path" not in stats  # the server's file system is not the client's business
    assert stats["documents"] == 4 and stats["sources"] == 4 and stats["reviews"] == 0
    assert stats["issuers"] == {"Harbour Union of Teskel": 2, "Blue Lantern Society": 1}


def test_security_headers(client):
    r = client.get("/api/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_openapi_lists_every_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "communique"
    assert sorted(spec["paths"]) == [
        "/api/actors", "/api/actors/{name}", "/api/analyze", "/api/diff", "/api/documents",
        "/api/documents/{doc_id}", "/api/documents/{doc_id}/reviews", "/api/documents/{doc_id}/sources",
        "/api/documents/{doc_id}/spans", "/api/health", "/api/issuers/{issuer}/profile", "/api/me",
        "/api/network", "/api/reposts", "/api/reposts/{cluster}", "/api/reviews", "/api/reviews/export",
        "/api/search", "/api/stats", "/api/techniques", "/api/timeline",
    ]  # fmt: skip
    assert "securitySchemes" not in spec["components"]  # local mode asks for nothing
    body = spec["paths"]["/api/analyze"]["post"]["requestBody"]["content"]
    assert sorted(body) == ["application/json", "multipart/form-data"]


# ---- documents


def test_documents_page_and_next(client):
    r = client.get("/api/documents", params={"limit": 2})
    page = r.json()
    assert [d["id"] for d in page["documents"]] == [H, L]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    assert page["next"] == "/api/documents?limit=2&offset=2"
    assert page["documents"][1] == {
        "id": L, "title": None, "issuer": "Blue Lantern Society", "published": "2022-03-03",
        "doc_type": "statement", "languages": ["en"], "chars": len(LANTERN),
        "first_seen": page["documents"][1]["first_seen"],
    }  # fmt: skip
    last = client.get(page["next"]).json()
    assert [d["id"] for d in last["documents"]] == [X, R] and last["next"] is None


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"issuer": "harbour union of teskel"}, [H, R]),  # whole name, any case
        ({"since": "2023-06-06"}, [X, R]),
        ({"until": "2022"}, [L]),  # through 2022-12-31
        ({"since": "2023-06", "until": "2023-06-05"}, [H]),
        ({"doc_type": "open_letter"}, [X]),
        ({"role": "enemy", "actor": "Arvid Lomme"}, [H, R]),
        ({"technique": "Appeal_to_Authority"}, [L]),
        ({"entity": "Teskel Square"}, [H, R]),
        ({"issuer": "", "doc_type": " "}, [H, L, X, R]),  # blank form fields are unset
        ({"issuer": "Nobody"}, []),
    ],
)
def test_documents_filters(client, params, ids):
    page = client.get("/api/documents", params=params).json()
    assert [d["id"] for d in page["documents"]] == ids
    assert page["total"] == len(ids)


def test_documents_by_publication_date(client):
    newest = client.get("/api/documents", params={"sort": "-published", "limit": 3}).json()
    assert [d["published"] for d in newest["documents"]] == ["2023-06-20", "2023-06-07", "2023-06-05"]
    assert newest["next"] == "/api/documents?sort=-published&limit=3&offset=3"
    assert [d["id"] for d in client.get(newest["next"]).json()["documents"]] == [L]
    oldest = client.get("/api/documents", params={"sort": "published", "issuer": "Harbour Union of Teskel"}).json()
    assert [d["id"] for d in oldest["documents"]] == [H, R]


def test_filtered_paging(client):
    page = client.get("/api/documents", params={"issuer": "Harbour Union of Teskel", "limit": 1, "offset": 1}).json()
    assert [d["id"] for d in page["documents"]] == [R]
    assert (page["total"], page["next"]) == (2, None)


def test_document_is_the_jsonl_contract(client, docs):
    assert client.get(f"/api/documents/{H}").json() == docs[H].to_dict()
    assert client.get(f"/api/documents/{H[:6]}").json()["id"] == H  # a unique prefix


def test_document_spans_with_text(client):
    spans = client.get(f"/api/documents/{H}/spans", params={"layer": "date"}).json()
    assert spans["id"] == H
    assert [(s["start"], s["end"], s["label"], s["text"], s["attrs"]["value"]) for s in spans["spans"]] == [
        (111, 122, "DATE", "4 June 2023", "2023-06-04"),
        (367, 379, "DATE", "12 June 2023", "2023-06-12"),
        (426, 437, "DATE", "5 June 2023", "2023-06-05"),
    ]
    role = client.get(f"/api/documents/{H}/spans", params={"layer": "role", "label": "enemy"}).json()["spans"]
    assert [(s["text"], s["attrs"]["actor"], s["source"]) for s in role] == [
        ("the tyrant Lomme", "Arvid Lomme", "rule:role.modifier@1")
    ]


def test_document_sources(client):
    sources = client.get(f"/api/documents/{R}/sources").json()
    assert sources["id"] == R
    assert [(s["source"], s["format"]) for s in sources["sources"]] == [("statement4.txt", "text")]


def test_hostile_markup_is_data(client):
    r = client.get(f"/api/documents/{X}")
    assert r.headers["content-type"] == "application/json"
    doc = r.json()
    assert HOSTILE_MARKUP in doc["text"] and doc["meta"]["title"].endswith(HOSTILE_MARKUP)
    hit = client.get("/api/search", params={"q": "onerror", "mode": "bm25"}).json()["results"]
    assert [h["id"] for h in hit] == [X]
    assert "<img src=x «onerror»=alert(2)>" in hit[0]["snippet"]


# ---- search


def test_search_contract(client):
    r = client.get("/api/search", params={"q": "Lomme", "mode": "bm25"}).json()
    assert (r["query"], r["mode"], r["total"], r["next"], r["filters"]) == ("Lomme", "bm25", 3, None, {})
    assert [h["id"] for h in r["results"]] == [R, H, L]
    first = r["results"][0]
    assert set(first) == {"id", "title", "snippet", "score", "issuer", "published", "spans", "matches", "scores"}
    assert first["snippet"].startswith("…Governor Arvid «Lomme» is a coward")
    assert first["matches"] == [[181, 186], [203, 208]]
    assert REPOST[181:186] == "Lomme"


def test_search_with_span_filter_gives_evidence(client):
    r = client.get("/api/search", params={"q": "docks", "mode": "bm25", "role": "enemy"}).json()
    assert [h["id"] for h in r["results"]] == [H, R] or [h["id"] for h in r["results"]] == [R, H]
    assert r["filters"] == {"role": "enemy"}
    for hit in r["results"]:
        assert [(s["text"], s["layer"], s["label"], s["attrs"]["actor"]) for s in hit["spans"]] == [
            ("the tyrant Lomme", "role", "enemy", "Arvid Lomme")
        ]


def test_search_paging(client):
    r = client.get("/api/search", params={"q": "Lomme", "mode": "bm25", "limit": 2}).json()
    assert [h["id"] for h in r["results"]] == [R, H]
    assert r["next"] == "/api/search?q=Lomme&mode=bm25&limit=2&offset=2"
    assert [h["id"] for h in client.get(r["next"]).json()["results"]] == [L]


def test_search_hybrid_default(client):
    r = client.get("/api/search", params={"q": "Lomme"}).json()
    assert r["mode"] == "hybrid"
    assert {h["id"] for h in r["results"]} == {H, L, R}


# ---- actors, network, techniques, timeline, lineage


def test_actors(client):
    r = client.get("/api/actors").json()
    assert r["total"] == 3
    assert [(a["issuer"], a["actor"], a["role"], a["mentions"], a["documents"]) for a in r["actors"]] == [
        ("Harbour Union of Teskel", "Arvid Lomme", "enemy", 2, 2),
        ("Blue Lantern Society", "Blue Lantern Society", "in_group", 1, 1),
        ("Blue Lantern Society", "the people of Morvale", "ally", 1, 1),
    ]
    one = client.get("/api/actors", params={"role": "ally"}).json()["actors"]
    assert [a["actor"] for a in one] == ["the people of Morvale"]


def test_actor_profile(client):
    a = client.get("/api/actors/arvid lomme").json()
    assert {k: a[k] for k in ("actor", "mentions", "documents", "roles", "issuers")} == {
        "actor": "Arvid Lomme",
        "mentions": 2,
        "documents": 2,
        "roles": {"enemy": 2},
        "issuers": {"Harbour Union of Teskel": 2},
    }
    message = error(client.get("/api/actors/Arvid Lome"), 404, "E202")
    assert message == "no role finding names the actor 'Arvid Lome'; did you mean 'Arvid Lomme'?"


def test_network_json_and_files(client):
    net = client.get("/api/network").json()
    assert [n["name"] for n in net["nodes"]] == ["Arvid Lomme", "Blue Lantern Society", "Harbour Union of Teskel", "the people of Morvale"]
    assert net["edges"][0] == {
        "id": "e0", "source": "Harbour Union of Teskel", "target": "Arvid Lomme", "role": "enemy", "weight": 2, "documents": 2,
    }  # fmt: skip
    r = client.get("/api/network", params={"format": "graphml", "role": "ally"})
    assert r.headers["content-type"].startswith("application/graphml+xml")
    root = ET.fromstring(r.content)
    edges = root.findall(".//{http://graphml.graphdrawing.org/xmlns}edge")
    assert [(e.get("source"), e.get("target")) for e in edges] == [("Blue Lantern Society", "the people of Morvale")]
    assert client.get("/api/network", params={"format": "csv"}).text.splitlines()[0] == "Source,Target,Type,Kind,Label,Weight,Documents"


def test_technique_statistics(client):
    t = client.get("/api/techniques").json()
    assert (t["documents"], t["with_techniques"], t["spans"]) == (4, 3, 10)
    assert [(x["technique"], x["spans"], x["documents"]) for x in t["techniques"]] == [
        ("Name_Calling-Labeling", 6, 2),
        ("Loaded_Language", 2, 2),
        ("Appeal_to_Authority", 1, 1),
        ("Appeal_to_Fear-Prejudice", 1, 1),
    ]
    assert t["categories"][0] == {"category": "Attack on reputation", "spans": 6, "documents": 2}
    assert [(i["issuer"], i["spans"], i["documents"]) for i in t["issuers"]] == [
        ("Harbour Union of Teskel", 9, 2),
        ("Blue Lantern Society", 1, 1),
        ("(unknown issuer)", 0, 1),
    ]
    lantern = client.get("/api/techniques", params={"issuer": "Blue Lantern Society"}).json()
    assert lantern["techniques"] == [
        {"technique": "Appeal_to_Authority", "category": "Justification", "spans": 1, "documents": 1}
    ]
    assert client.get("/api/techniques", params={"since": "2023-06-06"}).json()["documents"] == 2


def test_timeline(client):
    t = client.get("/api/timeline", params={"by": "year", "events": "false"}).json()
    assert t["statements"] == {
        "Harbour Union of Teskel": {"2023": 2},
        "(unknown issuer)": {"2023": 1},
        "Blue Lantern Society": {"2022": 1},
    }
    assert t["periods"] == ["2022", "2023"]


def test_reposts_cluster_and_diff(client):
    r = client.get("/api/reposts").json()
    assert r["total"] == 1
    (cluster,) = r["clusters"]
    assert (cluster["id"], [m["id"] for m in cluster["members"]]) == (H, [H, R])
    assert [m["seen"] for m in cluster["members"]] == ["2023-06-05", "2023-06-07"]
    assert client.get(f"/api/reposts/{R}").json()["id"] == H  # found by any member
    error(client.get(f"/api/reposts/{L}"), 404, "E202")
    d = client.get("/api/diff", params={"a": H, "b": R}).json()
    assert (d["summary"]["added"], d["summary"]["changed"], d["summary"]["removed"]) == (1, 1, 0)
    assert d["ops"][0] == {
        "op": "insert", "a_start": 0, "a_end": 0, "b_start": 0, "b_end": 42, "a_text": "",
        "b_text": "Re-posted from the Teskel harbour bulletin",
    }  # fmt: skip


# ---- analyze


def test_analyze_text_stores_nothing(client):
    text = "The tyrant Kardos closed the Ostrel bridge on 3 May 2024."
    r = client.post("/api/analyze", json={"text": text, "meta": {"issuer": "Ostrel Assembly"}})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = communique.analyze(text, {"issuer": "Ostrel Assembly"}).to_dict()
    assert body == {"documents": [expected], "stored": False, "outcomes": None, "failures": []}
    assert client.get("/api/stats").json()["documents"] == 4


def test_analyze_text_that_names_a_file_is_text(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The Ostrel password is swordfish.", encoding="utf-8")
    doc = client.post("/api/analyze", json={"text": str(secret)}).json()["documents"][0]
    assert doc["text"] == str(secret)  # never opened as a path


def test_analyze_upload_name_is_not_a_path(client):
    files = {"file": ("../../etc/ostrel.txt", b"Press Release\n\nThe Ostrel Assembly condemns the tyrant Kardos.\n")}
    body = client.post("/api/analyze", files=files).json()
    (doc,) = body["documents"]
    assert doc["meta"]["source"] == "upload:ostrel.txt"
    assert doc["text"] == "Press Release\n\nThe Ostrel Assembly condemns the tyrant Kardos.\n"
    assert (body["stored"], body["failures"]) == (False, [])


def test_analyze_and_store(tmp_path):
    app = create_app(str(tmp_path / "s.db"), user="Ines Aro")
    with TestClient(app, base_url="http://localhost") as c:
        assert c.get("/api/techniques").json()["documents"] == 0  # a cached corpus view...
        r = c.post("/api/analyze", data={"store": "true", "meta": '{"issuer": "Ostrel Assembly"}'},
                   files={"file": ("note.md", b"# Ostrel\n\nThe Ostrel Assembly thanks the people of Varn.\n")})  # fmt: skip
        body = r.json()
        assert (body["stored"], body["outcomes"]) == (True, ["added"])
        did = body["documents"][0]["id"]
        stored = c.get(f"/api/documents/{did}").json()
        assert stored == body["documents"][0] and stored["meta"]["issuer"] == "Ostrel Assembly"
        assert c.get(f"/api/documents/{did}/sources").json()["sources"][0]["source"] == "upload:note.md"
        assert c.get("/api/techniques").json()["documents"] == 1  # ...is recomputed once the corpus changed
        again = c.post("/api/analyze", json={"text": stored["text"], "store": True}).json()
        assert again["outcomes"] == ["new_source"]  # the same text from the API: one more source


def test_upload_over_the_ingest_limit(client):
    message = error(client.post("/api/analyze", files={"file": ("big.txt", b"word " * 1000)}), 413, "E101")
    assert message == "file is 4.9 KB, over the 3.9 KB limit (--max-bytes)"


def test_upload_in_an_unsupported_format(client):
    message = error(client.post("/api/analyze", files={"file": ("x.bin", bytes(range(256)))}), 415, "E103")
    assert "not a supported document format" in message


def test_text_over_the_character_limit(tmp_path):
    app = create_app(str(tmp_path / "c.db"), limits=Limits(max_chars=10))
    with TestClient(app, base_url="http://localhost") as c:
        message = error(c.post("/api/analyze", json={"text": "The Ostrel Assembly"}), 413, "E101")
    assert message == "text of 19 characters is over the 10 limit"


def test_body_over_the_request_limit(tmp_path):
    app = create_app(str(tmp_path / "b.db"), max_body=1000)
    with TestClient(app, base_url="http://localhost") as c:
        # refused by Content-Length, before anything is read
        message = error(c.post("/api/analyze", json={"text": "x" * 2000}), 413, "E605")
        assert message == "request body of 2011 bytes is over the 1000 bytes limit"

        # a chunked body without Content-Length is cut off as it passes the limit
        def chunks():
            yield b'{"text": "'
            for _ in range(50):
                yield b"x" * 100
            yield b'"}'

        r = c.post("/api/analyze", content=chunks(), headers={"content-type": "application/json"})
        assert error(r, 413, "E605") == "request body over the 1000 bytes limit"


# ---- errors: one shape for every kind


def test_error_shapes(client):
    assert "no document 'ffff0000'" in error(client.get("/api/documents/ffff0000"), 404, "E202")
    assert error(client.get("/api/nowhere"), 404, "E603") == "no such page or endpoint: /api/nowhere"
    assert error(client.delete("/api/health"), 405, "E604") == "DELETE is not allowed on /api/health"
    r = client.get("/api/documents", params={"limit": 0})
    assert error(r, 422, "E600").startswith("query.limit: Input should be greater than or equal to 1")
    assert r.json()["error"]["details"][0]["loc"] == ["query", "limit"]
    assert error(client.get("/api/search", params={"q": '"open'}), 400, "E300").startswith("unbalanced quote")
    assert error(client.get("/api/documents", params={"since": "June"}), 400, "E300") == (
        "since='June' is not an ISO date: use YYYY, YYYY-MM or YYYY-MM-DD"
    )
    assert error(client.get(f"/api/documents/{H}/spans", params={"layer": "mood"}), 400, "E300").startswith("unknown layer 'mood'")
    r = client.post("/api/analyze", content=b"text", headers={"content-type": "text/plain"})
    assert error(r, 415, "E606") == "send application/json or multipart/form-data, not text/plain"
    assert error(client.post("/api/analyze", json={"text": "x", "store": 1}), 422, "E600") == "body.store: Input should be a valid boolean"


def test_store_path_never_leaks(client, db):
    message = error(client.get("/api/documents/abcd9999"), 404, "E202")
    assert db not in message and message == "no document 'abcd9999' in the corpus"


def test_ambiguous_prefix_is_a_client_error(tmp_path):
    # two documents whose ids share a prefix: find one pair among short texts
    texts, seen = {}, {}
    n = 0
    while True:
        t = f"Ostrel notice {n}."
        prefix = communique.doc_id(t)[:4]
        if prefix in seen:
            texts = {seen[prefix], t}
            break
        seen[prefix] = t
        n += 1
    db = tmp_path / "amb.db"
    with communique.open(db) as corpus:
        for t in texts:
            corpus.add(communique.analyze(t))
    with TestClient(create_app(str(db)), base_url="http://localhost") as c:
        assert "is ambiguous" in error(c.get(f"/api/documents/{prefix}"), 400, "E200")


def test_internal_errors_say_nothing(db):
    app = create_app(db)

    def broken() -> dict:
        raise RuntimeError("secret detail /srv/keys")

    app.state.corpus.stats = broken
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        message = error(c.get("/api/stats"), 500, "E699")
    assert message.startswith("internal error (reference ") and "secret" not in message


def test_store_errors_say_nothing(db):
    app = create_app(db)

    def broken() -> dict:
        raise StoreError(E_STORE, "store /srv/data/corpus.db: disk I/O error")

    app.state.corpus.stats = broken
    with TestClient(app, base_url="http://localhost") as c:
        message = error(c.get("/api/stats"), 500, "E200")
    assert message.startswith("the store failed (reference ") and "/srv" not in message


# ---- the same API over PostgreSQL


def _pg_cluster_class():
    """The throwaway-cluster helper of the storage tests (tests/storage/conftest.py)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_pg_conftest", Path(__file__).parents[1] / "storage" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_over_postgresql(docs):
    pg = _pg_cluster_class()
    bindir = pg.pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed; .ci/run installs them")
    cluster = pg.Cluster(bindir)
    cluster.start()
    try:
        url = cluster.new_database(migrated=False)
        with communique.open(url) as corpus:
            for doc in docs.values():
                corpus.add(doc, source="statement.txt")
        with TestClient(create_app(url, user="Ines Aro"), base_url="http://localhost") as c:
            assert c.get(f"/api/documents/{H}").json() == docs[H].to_dict()
            assert [h["id"] for h in c.get("/api/search", params={"q": "onerror", "mode": "bm25"}).json()["results"]] == [X]
            assert [d["id"] for d in c.get("/api/documents", params={"issuer": "Harbour Union of Teskel"}).json()["documents"]] == [H, R]
            date = {"start": 111, "end": 122, "layer": "date", "label": "DATE", "source": "dates@1"}
            r = c.post(f"/api/documents/{H}/reviews", json={"action": "reject", "span": date, "note": "wrong day"})
            assert (r.status_code, r.json()["reviewer"], r.json()["text"]) == (201, "Ines Aro", "4 June 2023")
            view = c.get(f"/api/documents/{H}", params={"reviewed": "true"}).json()
            assert [s["review"]["status"] for s in view["spans"] if s["review"]] == ["rejected"]
            message = error(c.get("/api/documents/abcd9999"), 404, "E202")
            assert "postgresql://" not in message and message == "no document 'abcd9999' in the corpus"
    finally:
        cluster.stop()
