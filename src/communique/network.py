"""Issuer → actor networks from role findings, written for Gephi, networkx and spreadsheets.

``build_network`` turns the rows of ``Corpus.actor_roles`` into a directed multigraph:
one node per issuer and per actor (an actor whose name is an issuer's, ignoring case, is
that issuer's node), one edge per (issuer, actor, role) from issuer to actor. Two issuers or
two actors whose names differ only in case are one node too, and their edges for the same
role are merged (weights and document counts added; a document naming both spellings is
then counted twice).

Node ids are the node names, so a graph read back with networkx is keyed by name. Edge ids
are ``e0``, ``e1``, … in edge order (most mentions first); they keep the edges of one pair
with different roles distinct: networkx reads such a file as a MultiDiGraph keyed by edge
id, and the GEXF and CSV writers also give each edge its role as Gephi's edge ``kind``,
which Gephi uses to keep parallel edges apart.

The writers are stdlib only: ``xml.etree`` escapes names with ``&``, ``<``, quotes,
non-ASCII and Arabic; characters XML cannot carry (control characters) become U+FFFD.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GEXF_NS = "http://gexf.net/1.3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Header of ``write_csv``: the edge-table columns Gephi's spreadsheet import recognises
#: (Source, Target, Type, Kind, Label, Weight); Documents becomes an edge attribute.
CSV_HEADER = ("Source", "Target", "Type", "Kind", "Label", "Weight", "Documents")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Node:
    """An issuer or actor. ``name`` is both its id and its label in every format."""

    name: str
    kind: str  # issuer | actor | both
    actor_kind: str | None  # entity label (PERSON, ORG, …) or COLLECTIVE; None for issuers


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` (an issuer) casts ``target`` (an actor) as ``role`` in ``weight`` role
    spans over ``documents`` documents."""

    id: str
    source: str
    target: str
    role: str
    weight: int
    documents: int


@dataclass(frozen=True, slots=True)
class Network:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def _clean(name: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(name))


def _pick(counts: Counter[str]) -> str:
    """The most frequent value; ties go to the alphabetically first."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def build_network(rows: Iterable[Mapping[str, Any]], min_weight: int = 1) -> Network:
    """The issuer → actor network of ``actor_roles`` rows.

    Edges with fewer than ``min_weight`` mentions are dropped, then nodes left without an
    edge. A node's name is its issuer spelling if it is an issuer, else its most mentioned
    actor spelling; its ``actor_kind`` is the kind given in most mentions.
    """
    issuer_names: dict[str, Counter[str]] = {}
    actor_names: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    edges: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        issuer, actor = _clean(row["issuer"]), _clean(row["actor"])
        src, dst = issuer.casefold(), actor.casefold()
        mentions, docs = int(row["mentions"]), int(row["documents"])
        issuer_names.setdefault(src, Counter())[issuer] += mentions
        actor_names.setdefault(dst, Counter())[actor] += mentions
        if row.get("actor_kind"):
            kinds.setdefault(dst, Counter())[_clean(row["actor_kind"])] += mentions
        totals = edges.setdefault((src, dst, str(row["role"])), [0, 0])
        totals[0] += mentions
        totals[1] += docs
    kept = {k: v for k, v in edges.items() if v[0] >= min_weight}
    sources = {src for src, _, _ in kept}
    targets = {dst for _, dst, _ in kept}
    names: dict[str, str] = {}
    nodes = []
    for key in sources | targets:
        is_issuer, is_actor = key in sources, key in targets
        names[key] = _pick(issuer_names[key]) if is_issuer else _pick(actor_names[key])
        kind = "both" if is_issuer and is_actor else "issuer" if is_issuer else "actor"
        actor_kind = _pick(kinds[key]) if is_actor and key in kinds else None
        nodes.append(Node(names[key], kind, actor_kind))
    nodes.sort(key=lambda n: (n.name.casefold(), n.name))
    order = sorted(
        kept.items(),
        key=lambda kv: (-kv[1][0], names[kv[0][0]].casefold(), names[kv[0][1]].casefold(), kv[0][2]),
    )
    return Network(
        tuple(nodes),
        tuple(
            Edge(f"e{i}", names[src], names[dst], role, weight, docs)
            for i, ((src, dst, role), (weight, docs)) in enumerate(order)
        ),
    )


def _write_xml(root: ET.Element, fh: IO[str]) -> None:
    ET.indent(root)
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    fh.write(ET.tostring(root, encoding="unicode"))
    fh.write("\n")


def write_graphml(net: Network, fh: IO[str]) -> None:
    """GraphML (directed; parallel edges with distinct ids): node data ``label``, ``kind``,
    ``actor_kind``; edge data ``role``, ``weight``, ``documents``. Key ids are the attribute
    names, which is how Gephi finds the label and weight."""
    root = ET.Element(
        "graphml",
        {
            "xmlns": GRAPHML_NS,
            "xmlns:xsi": _XSI,
            "xsi:schemaLocation": f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd",
        },
    )
    keys = (
        ("node", "label", "string"), ("node", "kind", "string"), ("node", "actor_kind", "string"),
        ("edge", "role", "string"), ("edge", "weight", "double"), ("edge", "documents", "int"),
    )  # fmt: skip
    for where, name, typ in keys:
        ET.SubElement(
            root, "key", {"id": name, "for": where, "attr.name": name, "attr.type": typ}
        )
    graph = ET.SubElement(root, "graph", {"id": "communique", "edgedefault": "directed"})

    def data(parent: ET.Element, key: str, value: Any) -> None:
        ET.SubElement(parent, "data", {"key": key}).text = str(value)

    for n in net.nodes:
        node = ET.SubElement(graph, "node", {"id": n.name})
        data(node, "label", n.name)
        data(node, "kind", n.kind)
        if n.actor_kind:
            data(node, "actor_kind", n.actor_kind)
    for e in net.edges:
        edge = ET.SubElement(graph, "edge", {"id": e.id, "source": e.source, "target": e.target})
        data(edge, "role", e.role)
        data(edge, "weight", float(e.weight))
        data(edge, "documents", e.documents)
    _write_xml(root, fh)


def write_gexf(net: Network, fh: IO[str]) -> None:
    """GEXF 1.3 (directed, static): node attributes ``kind``, ``actor_kind``; each edge has
    its role as ``label`` and ``kind`` (Gephi keeps parallel edges of different kinds), its
    mentions as ``weight``, and ``role`` and ``documents`` attributes."""
    root = ET.Element(
        "gexf",
        {
            "xmlns": GEXF_NS,
            "xmlns:xsi": _XSI,
            "xsi:schemaLocation": f"{GEXF_NS} {GEXF_NS}/gexf.xsd",
            "version": "1.3",
        },
    )
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "communique"
    ET.SubElement(meta, "description").text = "issuer → actor roles"
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    for cls, attrs in (
        ("node", (("kind", "string"), ("actor_kind", "string"))),
        ("edge", (("role", "string"), ("documents", "integer"))),
    ):
        decl = ET.SubElement(graph, "attributes", {"class": cls, "mode": "static"})
        for name, typ in attrs:
            ET.SubElement(decl, "attribute", {"id": name, "title": name, "type": typ})

    def values(parent: ET.Element, pairs: Iterable[tuple[str, Any]]) -> None:
        box = ET.SubElement(parent, "attvalues")
        for key, value in pairs:
            if value is not None:
                ET.SubElement(box, "attvalue", {"for": key, "value": str(value)})

    nodes = ET.SubElement(graph, "nodes")
    for n in net.nodes:
        node = ET.SubElement(nodes, "node", {"id": n.name, "label": n.name})
        values(node, (("kind", n.kind), ("actor_kind", n.actor_kind)))
    edges = ET.SubElement(graph, "edges")
    for e in net.edges:
        edge = ET.SubElement(
            edges,
            "edge",
            {
                "id": e.id,
                "source": e.source,
                "target": e.target,
                "kind": e.role,
                "label": e.role,
                "weight": str(float(e.weight)),
            },
        )
        values(edge, (("role", e.role), ("documents", e.documents)))
    _write_xml(root, fh)


def write_csv(net: Network, fh: IO[str]) -> None:
    """Gephi's edge table (Data Laboratory → Import Spreadsheet): ``CSV_HEADER``, one row per
    edge with Type ``Directed`` and the role as both Kind and Label."""
    w = csv.writer(fh)
    w.writerow(CSV_HEADER)
    for e in net.edges:
        w.writerow((e.source, e.target, "Directed", e.role, e.role, e.weight, e.documents))


WRITERS = {"graphml": write_graphml, "gexf": write_gexf, "csv": write_csv}
