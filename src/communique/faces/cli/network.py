"""communique network — the issuer → actor role network as GraphML, GEXF or a CSV edge list."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from .actors import ROLES
from .common import DB_OPTION, EXIT_USAGE, err_console, translate_errors


class Format(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"


def network(
    db: str = DB_OPTION,
    fmt: Format = typer.Option(..., "--format", "-f", help="graphml or gexf (Gephi, networkx), or csv (Gephi's edge table)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    min_weight: int = typer.Option(1, "--min-weight", min=1, help="Leave out edges with fewer role spans than this."),
    role: str | None = typer.Option(None, "--role", help=f"Only edges of this role: {', '.join(ROLES)}."),
) -> None:
    """Write the network of who casts whom in which role: issuers → actors, one edge per role.

    Nodes are issuers and actors (an actor named like an issuer is that issuer's node); each edge carries its role, its weight (role spans) and its number of documents. A one-line summary goes to standard error.
    """
    import communique
    from communique.network import WRITERS, build_network

    if role is not None and role.lower() not in ROLES:
        err_console.print(f"[red]error[/red]: unknown role {escape(repr(role))}; use one of: {', '.join(ROLES)}")
        raise typer.Exit(EXIT_USAGE)
    with translate_errors(), communique.open(db) as corpus:
        net = build_network(corpus.actor_roles(role=role.lower() if role else None), min_weight=min_weight)
    write = WRITERS[fmt.value]
    if output is None:
        write(net, sys.stdout)
    else:
        try:
            with output.open("w", encoding="utf-8", newline="") as fh:
                write(net, fh)
        except OSError as exc:
            err_console.print(f"[red]error[/red]: cannot write {escape(str(output))}: {escape(exc.strerror or str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
    where = f" to {output}" if output else ""
    err_console.print(f"network: {len(net.nodes)} node(s), {len(net.edges)} edge(s){where}", markup=False)
