"""Store.actor_roles: role spans aggregated per (issuer, actor, role), exact values, on the
SQLite and the PostgreSQL store (the ``db`` fixture, see conftest.py).

All texts, organizations and people here are invented.
"""

from __future__ import annotations

import pytest

import communique
from communique.errors import E_QUERY, QueryError
from communique.model import Document, Span
from communique.storage import open_store
from communique.storage.sqlite import UNKNOWN_ISSUER, Store

SRC = "rule:role.apposition@1"


def _role(text: str, surface: str, label: str, actor: str | None, kind: str | None, score: float, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    attrs = {k: v for k, v in (("actor", actor), ("actor_kind", kind)) if v is not None}
    return Span(start, start + len(surface), "role", label, score, attrs, SRC)


def documents() -> list[Document]:
    t1 = (
        "The Varkan junta and its puppet Odran Vale betrayed the valley of Kesh. "
        "The Varkan junta will fall."
    )
    d1 = Document.from_text(t1, {"issuer": "Council of the Northern Banner", "published": "2024-03-01"}).with_spans([
        _role(t1, "The Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.9),
        _role(t1, "The Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.6, nth=1),
        _role(t1, "Odran Vale", "traitor", "Odran Vale", "PERSON", 0.8),
        # an entity span with an actor attr: not a role, never counted
        Span(0, 16, "entity", "ORG", 1.0, {"actor": "the Varkan junta"}, "entities@0.1"),
    ])  # fmt: skip
    t2 = "The junta of Varka shells our towns; the Tessaly Front stands with us."
    d2 = Document.from_text(t2, {"issuer": "Council of the Northern Banner", "published": "2024-05-10"}).with_spans([
        # a minority kind: the group's kind stays COLLECTIVE (2 spans against 1)
        _role(t2, "The junta of Varka", "enemy", "the Varkan junta", "ORG", 0.7),
        _role(t2, "the Tessaly Front", "ally", "Tessaly Front", "ORG", 0.75),
    ])  # fmt: skip
    t3 = "The Varkan junta is the enemy; the Council of the Northern Banner is our ally."
    d3 = Document.from_text(t3, {"issuer": "Tessaly Front", "published": "2023-11-20"}).with_spans([
        _role(t3, "The Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.95),
        _role(t3, "the Council of the Northern Banner", "ally", "Council of the Northern Banner", "ORG", 0.85),
    ])  # fmt: skip
    t4 = "قصفوا جبهة التحرير مرة أخرى، ولم يسمهم أحد."
    d4 = Document.from_text(t4, {}).with_spans([
        _role(t4, "جبهة التحرير", "victim", "جبهة التحرير", None, 0.5),
        # no actor, an empty actor, an actor that is not a string: left out
        _role(t4, "قصفوا", "enemy", None, "COLLECTIVE", 0.9),
        _role(t4, "مرة", "enemy", "", "COLLECTIVE", 0.9),
        Span(0, 5, "role", "enemy", 0.9, {"actor": ["a", "b"]}, SRC),
    ])  # fmt: skip
    return [d1, d2, d3, d4]


@pytest.fixture
def store(db: str):
    with open_store(db) as s:
        run = s.begin_run("0.1.0", "cfg", {})
        for i, d in enumerate(documents()):
            s.put_document(d, f"in/{i}.txt", "txt", run)
        yield s


def row(issuer, actor, kind, role, mentions, documents, score, first, last) -> dict:
    return {
        "issuer": issuer, "actor": actor, "actor_kind": kind, "role": role,
        "mentions": mentions, "documents": documents, "score": score, "first": first, "last": last,
    }  # fmt: skip


BANNER, TESSALY = "Council of the Northern Banner", "Tessaly Front"
ALL = [
    row(BANNER, "the Varkan junta", "COLLECTIVE", "enemy", 3, 2, 0.9, "2024-03-01", "2024-05-10"),
    # then one mention each, by actor (binary order: capitals first, Arabic last)
    row(TESSALY, BANNER, "ORG", "ally", 1, 1, 0.85, "2023-11-20", "2023-11-20"),
    row(BANNER, "Odran Vale", "PERSON", "traitor", 1, 1, 0.8, "2024-03-01", "2024-03-01"),
    row(BANNER, "Tessaly Front", "ORG", "ally", 1, 1, 0.75, "2024-05-10", "2024-05-10"),
    row(TESSALY, "the Varkan junta", "COLLECTIVE", "enemy", 1, 1, 0.95, "2023-11-20", "2023-11-20"),
    row(UNKNOWN_ISSUER, "جبهة التحرير", None, "victim", 1, 1, 0.5, None, None),
]


def test_every_row_exact(store: Store) -> None:
    assert store.actor_roles() == ALL


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"role": "enemy"}, [ALL[0], ALL[4]]),
        ({"role": "leader"}, []),
        # issuer and actor match whole names in any case
        ({"issuer": "council of the northern banner"}, [ALL[0], ALL[2], ALL[3]]),
        ({"issuer": "Council"}, []),
        ({"issuer": UNKNOWN_ISSUER}, [ALL[5]]),
        ({"actor": "THE VARKAN JUNTA"}, [ALL[0], ALL[4]]),
        ({"actor": "جبهة التحرير"}, [ALL[5]]),
        ({"issuer": TESSALY, "role": "ally", "actor": BANNER}, [ALL[1]]),
    ],
)
def test_filters(store: Store, filters: dict, expected: list[dict]) -> None:
    assert store.actor_roles(**filters) == expected


def test_unknown_role_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError) as e:
        store.actor_roles(role="foe")
    assert e.value.code == E_QUERY
    assert "unknown role 'foe'; roles are: ally, authority, enemy" in e.value.message


def test_empty_store(db: str) -> None:
    with open_store(db) as s:
        assert s.actor_roles() == []


def test_corpus_gives_the_same_rows(db: str, store: Store) -> None:
    with communique.open(db) as corpus:
        assert corpus.actor_roles() == ALL
        assert corpus.actor_roles(issuer=TESSALY, role="enemy") == [ALL[4]]


@pytest.mark.sqlite_only("SQLite query plans; test_postgres checks the PostgreSQL plan")
def test_role_spans_are_found_through_the_layer_label_index(store: Store) -> None:
    # the query must search spans(layer, label), not scan every span
    for columns, tail in (Store._ACTOR_ROLES, Store._ACTOR_KINDS):
        for where in ("", " AND s.label = :role"):
            sql = Store._ROLE_SPANS.format(columns=columns, where=where, actor="") + tail
            plan = " ".join(
                r[3] for r in store._conn.execute(
                    "EXPLAIN QUERY PLAN " + sql, {"unknown": UNKNOWN_ISSUER, "role": "enemy"}
                )
            )  # fmt: skip
            assert "SEARCH s USING INDEX spans_layer_label" in plan
