"""Issuer → actor networks: building, and GraphML / GEXF / CSV that networkx reads back.

All organizations and people here are invented.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from communique.network import (
    CSV_HEADER,
    Edge,
    Network,
    Node,
    build_network,
    write_csv,
    write_gexf,
    write_graphml,
)

nx = pytest.importorskip("networkx")

BANNER = "Council of the Northern Banner"
ODD = 'Front "Free & <Tessaly>" d\'Aran'  # every character XML must escape
ARABIC = "جبهة التحرير"


def row(issuer, actor, kind, role, mentions, documents) -> dict:
    return {
        "issuer": issuer, "actor": actor, "actor_kind": kind, "role": role, "mentions": mentions,
        "documents": documents, "score": 0.9, "first": None, "last": None,
    }  # fmt: skip


ROWS = [
    row(BANNER, "the Varkan junta", "COLLECTIVE", "enemy", 5, 3),
    # the same pair in a second role: a parallel edge
    row(BANNER, "the Varkan junta", "COLLECTIVE", "traitor", 2, 2),
    row(BANNER, ODD, "ORG", "ally", 2, 1),
    # an actor named like an issuer (any case) is the issuer's node
    row(ODD, "council of the northern banner", "ORG", "ally", 1, 1),
    row("(unknown issuer)", ARABIC, "ORG", "victim", 1, 1),
]

NODES = (
    Node("(unknown issuer)", "issuer", None),
    Node(BANNER, "both", "ORG"),
    Node(ODD, "both", "ORG"),
    Node("the Varkan junta", "actor", "COLLECTIVE"),
    Node(ARABIC, "actor", "ORG"),
)
EDGES = (
    Edge("e0", BANNER, "the Varkan junta", "enemy", 5, 3),
    Edge("e1", BANNER, ODD, "ally", 2, 1),
    Edge("e2", BANNER, "the Varkan junta", "traitor", 2, 2),
    Edge("e3", "(unknown issuer)", ARABIC, "victim", 1, 1),
    Edge("e4", ODD, BANNER, "ally", 1, 1),
)


def test_build_network_nodes_and_edges() -> None:
    assert build_network(ROWS) == Network(NODES, EDGES)


def test_case_variants_of_an_actor_are_one_node_and_one_edge_per_role() -> None:
    net = build_network(
        [
            row(BANNER, "the Varkan junta", "COLLECTIVE", "enemy", 3, 2),
            row(BANNER, "The Varkan Junta", "ORG", "enemy", 1, 1),
        ]
    )
    # the most mentioned spelling and kind win; weights and document counts add up
    assert net == Network(
        (Node(BANNER, "issuer", None), Node("the Varkan junta", "actor", "COLLECTIVE")),
        (Edge("e0", BANNER, "the Varkan junta", "enemy", 4, 3),),
    )


def test_min_weight_drops_light_edges_and_the_nodes_they_leave_alone() -> None:
    net = build_network(ROWS, min_weight=2)
    assert [e.id for e in net.edges] == ["e0", "e1", "e2"]
    # ODD no longer issues anything and BANNER is no longer anybody's target
    assert net.nodes == (
        Node(BANNER, "issuer", None),
        Node(ODD, "actor", "ORG"),
        Node("the Varkan junta", "actor", "COLLECTIVE"),
    )


def test_characters_xml_cannot_carry_become_replacement_characters() -> None:
    net = build_network([row(BANNER, "the\x00Varkan\x1bjunta", None, "enemy", 1, 1)])
    assert [n.name for n in net.nodes] == [BANNER, "the\ufffdVarkan\ufffdjunta"]


def _written(writer, net: Network) -> str:
    fh = io.StringIO()
    writer(net, fh)
    return fh.getvalue()


def _edges(g) -> Counter:
    return Counter(
        (u, v, d["role"], float(d["weight"]), int(d["documents"])) for u, v, d in g.edges(data=True)
    )


EXPECTED_EDGES = Counter((e.source, e.target, e.role, float(e.weight), e.documents) for e in EDGES)


@pytest.mark.parametrize(
    ("writer", "reader"), [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)]
)
def test_networkx_reads_back_nodes_edges_roles_and_weights(writer, reader) -> None:
    text = _written(writer, build_network(ROWS))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    g = reader(io.BytesIO(text.encode("utf-8")))
    assert g.is_directed() and g.is_multigraph()
    assert {n: (d["label"], d["kind"], d.get("actor_kind")) for n, d in g.nodes(data=True)} == {
        n.name: (n.name, n.kind, n.actor_kind) for n in NODES
    }
    assert _edges(g) == EXPECTED_EDGES
    # the two roles of one pair stay two edges, keyed by edge id
    assert sorted(g[BANNER]["the Varkan junta"]) == ["e0", "e2"]
    assert {d["role"] for d in g[BANNER]["the Varkan junta"].values()} == {"enemy", "traitor"}


def test_gexf_declares_attributes_and_gives_each_edge_its_role_as_kind_and_label() -> None:
    text = _written(write_gexf, build_network(ROWS))
    assert '<gexf xmlns="http://gexf.net/1.3"' in text and 'version="1.3"' in text
    assert '<attribute id="documents" title="documents" type="integer" />' in text
    assert (
        '<edge id="e2" source="Council of the Northern Banner" target="the Varkan junta"'
        ' kind="traitor" label="traitor" weight="2.0">'
    ) in text
    g = nx.read_gexf(io.BytesIO(text.encode("utf-8")))
    assert {d["label"] for _, _, d in g.edges(data=True)} == {"enemy", "traitor", "ally", "victim"}


def test_csv_is_gephis_edge_table() -> None:
    text = _written(write_csv, build_network(ROWS))
    assert text.splitlines() == [
        "Source,Target,Type,Kind,Label,Weight,Documents",
        "Council of the Northern Banner,the Varkan junta,Directed,enemy,enemy,5,3",
        'Council of the Northern Banner,"Front ""Free & <Tessaly>"" d\'Aran",Directed,ally,ally,2,1',
        "Council of the Northern Banner,the Varkan junta,Directed,traitor,traitor,2,2",
        "(unknown issuer),جبهة التحرير,Directed,victim,victim,1,1",
        '"Front ""Free & <Tessaly>"" d\'Aran",Council of the Northern Banner,Directed,ally,ally,1,1',
    ]
    back = list(csv.DictReader(io.StringIO(text)))
    assert tuple(back[0]) == CSV_HEADER
    assert Counter(
        (r["Source"], r["Target"], r["Kind"], float(r["Weight"]), int(r["Documents"])) for r in back
    ) == EXPECTED_EDGES


@pytest.mark.parametrize(
    ("writer", "reader"), [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)]
)
def test_an_empty_network_is_a_valid_empty_graph(writer, reader) -> None:
    g = reader(io.BytesIO(_written(writer, build_network([])).encode("utf-8")))
    assert g.number_of_nodes() == 0 and g.number_of_edges() == 0
