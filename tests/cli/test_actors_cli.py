"""communique actors and communique network: exact rows, formats, exit codes.

All texts, organizations and people here are invented.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.faces.cli.main import app
from communique.model import Document, Span
from communique.storage.sqlite import Store

runner = CliRunner(env={"COLUMNS": "240"})  # wide: table rows must not wrap

BANNER, TESSALY, ARABIC = "Council of the Northern Banner", "Tessaly Front", "جبهة التحرير"


def _doc(text: str, meta: dict, roles: list[tuple[str, str, str, str | None, float]]) -> Document:
    spans = []
    for surface, label, actor, kind, score in roles:
        start = text.index(surface)
        attrs = {"actor": actor} | ({"actor_kind": kind} if kind else {})
        spans.append(Span(start, start + len(surface), "role", label, score, attrs, "rule:role.apposition@1"))
    return Document.from_text(text, meta).with_spans(spans)


@pytest.fixture
def db(tmp_path: Path) -> str:
    docs = [
        _doc(
            "The Varkan junta and its puppet Odran Vale betrayed the valley of Kesh.",
            {"issuer": BANNER, "published": "2024-03-01"},
            [("The Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.9),
             ("Odran Vale", "traitor", "Odran Vale", "PERSON", 0.8)],
        ),
        _doc(
            "The junta of Varka shells our towns; the Tessaly Front stands with us.",
            {"issuer": BANNER, "published": "2024-05-10"},
            [("The junta of Varka", "enemy", "the Varkan junta", "COLLECTIVE", 0.7),
             ("the Tessaly Front", "ally", TESSALY, "ORG", 0.75)],
        ),
        _doc(
            "The Varkan junta is the enemy; the Council of the Northern Banner is our ally.",
            {"issuer": TESSALY, "published": "2023-11-20"},
            [("The Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.95),
             ("Council of the Northern Banner", "ally", BANNER, "ORG", 0.85)],
        ),
        _doc("قصفوا جبهة التحرير مرة أخرى.", {}, [(ARABIC, "victim", ARABIC, None, 0.5)]),
    ]  # fmt: skip
    path = tmp_path / "c.db"
    with Store(path) as s:
        run = s.begin_run("0.1.0", "cfg", {})
        for i, d in enumerate(docs):
            s.put_document(d, f"in/{i}.txt", "txt", run)
    return str(path)


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_actors_table_one_row_per_actor_and_issuer(db: str) -> None:
    from communique.faces.cli.common import console

    old = console.width
    console.width = 200  # one line per row, whatever the test terminal is
    try:
        r = _run("actors", "--db", db)
    finally:
        console.width = old
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].rstrip() == "role spans per actor and issuer"
    assert [c.strip() for c in lines[2].split("┃")[1:-1]] == [
        "actor", "kind", "issuer", "roles (spans)", "total", "first", "last",
    ]  # fmt: skip
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines[4:10]]
    assert rows == [
        ["the Varkan junta", "COLLECTIVE", "Council of the Northern Banner", "enemy 2", "2", "2024-03-01", "2024-05-10"],
        ["Council of the Northern Banner", "ORG", "Tessaly Front", "ally 1", "1", "2023-11-20", "2023-11-20"],
        ["Odran Vale", "PERSON", "Council of the Northern Banner", "traitor 1", "1", "2024-03-01", "2024-03-01"],
        ["Tessaly Front", "ORG", "Council of the Northern Banner", "ally 1", "1", "2024-05-10", "2024-05-10"],
        ["the Varkan junta", "COLLECTIVE", "Tessaly Front", "enemy 1", "1", "2023-11-20", "2023-11-20"],
        ["جبهة التحرير", "-", "(unknown issuer)", "victim 1", "1", "-", "-"],
    ]  # fmt: skip
    assert len(lines) == 11


def test_actors_csv_one_line_per_issuer_actor_and_role(db: str) -> None:
    r = _run("actors", "--db", db, "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "issuer,actor,actor_kind,role,mentions,documents,score,first,last",
        "Council of the Northern Banner,the Varkan junta,COLLECTIVE,enemy,2,2,0.9,2024-03-01,2024-05-10",
        "Tessaly Front,Council of the Northern Banner,ORG,ally,1,1,0.85,2023-11-20,2023-11-20",
        "Council of the Northern Banner,Odran Vale,PERSON,traitor,1,1,0.8,2024-03-01,2024-03-01",
        "Council of the Northern Banner,Tessaly Front,ORG,ally,1,1,0.75,2024-05-10,2024-05-10",
        "Tessaly Front,the Varkan junta,COLLECTIVE,enemy,1,1,0.95,2023-11-20,2023-11-20",
        "(unknown issuer),جبهة التحرير,,victim,1,1,0.5,,",
    ]


def test_actors_filters_and_json(db: str) -> None:
    # roles in any case; issuer and actor: whole names in any case
    r = _run("actors", "--db", db, "--role", "ENEMY", "--actor", "THE varkan JUNTA", "-f", "json")
    assert r.exit_code == 0, r.output
    assert [(x["issuer"], x["mentions"], x["score"]) for x in json.loads(r.stdout)] == [
        (BANNER, 2, 0.9),
        (TESSALY, 1, 0.95),
    ]
    r = _run("actors", "--db", db, "--issuer", "(unknown issuer)", "-f", "json")
    assert json.loads(r.stdout) == [
        {"issuer": "(unknown issuer)", "actor": ARABIC, "actor_kind": None, "role": "victim",
         "mentions": 1, "documents": 1, "score": 0.5, "first": None, "last": None},
    ]  # fmt: skip


def test_actors_limit_counts_actor_issuer_pairs(db: str) -> None:
    r = _run("actors", "--db", db, "--limit", "1", "-f", "csv")
    assert r.exit_code == 0
    assert len(r.stdout.splitlines()) == 2
    assert "the 1 most mentioned of 6 (actor, issuer) pairs; --limit 0 for all" in r.stderr
    r = _run("actors", "--db", db, "--limit", "2")
    assert "the 2 most mentioned of 6 (actor, issuer) pairs; --limit 0 for all" in r.stdout
    assert "Odran Vale" not in r.stdout


def test_actors_unknown_role_is_a_usage_error(db: str) -> None:
    r = _run("actors", "--db", db, "--role", "foe")
    assert r.exit_code == 2
    assert "unknown role 'foe'; use one of: enemy, traitor, ally, victim, authority, in_group, out_group, leader" in r.stderr


def test_actors_nothing_found_says_so_and_succeeds(db: str, tmp_path: Path) -> None:
    r = _run("actors", "--db", db, "--actor", "Nobody", "--role", "leader")
    assert r.exit_code == 0
    assert r.stdout.strip() == "no actor roles found for role 'leader', actor 'Nobody'"
    r = _run("actors", "--db", str(tmp_path / "new.db"))
    assert r.exit_code == 0
    assert r.stdout.strip() == "no actor roles found (the store has no role findings)"
    # scripts still get a valid (empty) document on stdout
    r = _run("actors", "--db", db, "--actor", "Nobody", "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    r = _run("actors", "--db", db, "--actor", "Nobody", "-f", "csv")
    assert r.stdout.splitlines() == ["issuer,actor,actor_kind,role,mentions,documents,score,first,last"]


def _unusable(tmp_path: Path) -> list[tuple[str, str]]:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite database" * 100)
    folder = tmp_path / "folder.db"
    folder.mkdir()
    return [(str(junk), "is not a communique store"), (str(folder), "is a folder, not a store file")]


@pytest.mark.parametrize("command", [["actors"], ["network", "--format", "csv"]])
def test_an_unusable_store_is_exit_6(tmp_path: Path, command: list[str]) -> None:
    for path, message in _unusable(tmp_path):
        r = _run(*command, "--db", path)
        assert r.exit_code == 6, r.output
        assert "error E200: " in r.stderr and message in r.stderr.replace("\n", "")


def test_network_csv_to_stdout_with_a_summary_on_stderr(db: str) -> None:
    r = _run("network", "--db", db, "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "Source,Target,Type,Kind,Label,Weight,Documents",
        "Council of the Northern Banner,the Varkan junta,Directed,enemy,enemy,2,2",
        "(unknown issuer),جبهة التحرير,Directed,victim,victim,1,1",
        "Council of the Northern Banner,Odran Vale,Directed,traitor,traitor,1,1",
        "Council of the Northern Banner,Tessaly Front,Directed,ally,ally,1,1",
        "Tessaly Front,Council of the Northern Banner,Directed,ally,ally,1,1",
        "Tessaly Front,the Varkan junta,Directed,enemy,enemy,1,1",
    ]
    assert r.stderr.strip() == "network: 6 node(s), 6 edge(s)"


def test_network_to_a_file_with_filters(db: str, tmp_path: Path) -> None:
    nx = pytest.importorskip("networkx")
    out = tmp_path / "roles.graphml"
    r = _run("network", "--db", db, "-f", "graphml", "-o", str(out), "--role", "enemy")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert r.stderr.strip() == f"network: 3 node(s), 2 edge(s) to {out}"
    g = nx.read_graphml(out)
    assert sorted((u, v, d["role"], d["weight"]) for u, v, d in g.edges(data=True)) == [
        (BANNER, "the Varkan junta", "enemy", 2.0),
        (TESSALY, "the Varkan junta", "enemy", 1.0),
    ]
    out = tmp_path / "heavy.gexf"
    r = _run("network", "--db", db, "-f", "gexf", "-o", str(out), "--min-weight", "2")
    assert r.exit_code == 0, r.output
    g = nx.read_gexf(out)
    assert list(g.edges(data="label")) == [(BANNER, "the Varkan junta", "enemy")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing option '--format'"),
        (["-f", "dot"], "Invalid value for '--format'"),
        (["-f", "csv", "--role", "foe"], "unknown role 'foe'"),
        (["-f", "csv", "--min-weight", "0"], "Invalid value for '--min-weight'"),
    ],
)
def test_network_usage_errors_are_exit_2(db: str, args: list[str], message: str) -> None:
    r = _run("network", "--db", db, *args)
    assert r.exit_code == 2
    assert message in r.stderr


def test_the_cli_lists_every_role_of_the_role_layer() -> None:
    from communique.faces.cli.actors import ROLES
    from communique.model import LAYERS

    assert set(ROLES) == LAYERS["role"] and len(ROLES) == len(LAYERS["role"])
