"""communique actors — who casts whom as enemy, traitor, ally…: role findings per actor and issuer."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .common import DB_OPTION, EXIT_USAGE, console, err_console, translate_errors

#: Role columns, in reading order: hostile, then friendly, then group and leadership roles.
ROLES = ("enemy", "traitor", "ally", "victim", "authority", "in_group", "out_group", "leader")
#: Columns of the csv format (and keys of the json objects), as ``Corpus.actor_roles`` gives.
FIELDS = ("issuer", "actor", "actor_kind", "role", "mentions", "documents", "score", "first", "last")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def actors(
    db: str = DB_OPTION,
    issuer: str | None = typer.Option(None, "--issuer", help="Only statements of this issuer (whole name, any case)."),
    role: str | None = typer.Option(None, "--role", help=f"Only this role: {', '.join(ROLES)}."),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor (whole name, any case)."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="How many (actor, issuer) pairs, most mentioned first; 0 for all."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table (one row per actor and issuer), or csv / json (one row per issuer, actor and role)."),
) -> None:
    """Actors and the roles each issuer casts them in (enemy, traitor, ally, victim, …), from role findings.

    The table has one row per (actor, issuer): role spans per role, their total, and the first and last publication dates. csv and json give one row per (issuer, actor, role) with mentions, documents, top score and dates.
    """
    import communique

    if role is not None and role.lower() not in ROLES:
        err_console.print(f"[red]error[/red]: unknown role {escape(repr(role))}; use one of: {', '.join(ROLES)}")
        raise typer.Exit(EXIT_USAGE)
    with translate_errors(), communique.open(db) as corpus:
        rows = corpus.actor_roles(issuer=issuer, role=role.lower() if role else None, actor=actor)
    if not rows:
        wanted = [f"{k} {v!r}" for k, v in (("issuer", issuer), ("role", role), ("actor", actor)) if v]
        message = "no actor roles found" + (f" for {', '.join(wanted)}" if wanted else " (the store has no role findings)")
        if fmt is Format.table:
            console.print(message, markup=False)
            return
        err_console.print(message, markup=False)
    pairs = _pairs(rows)
    shown = pairs if limit == 0 else pairs[:limit]
    more = f"the {len(shown)} most mentioned of {len(pairs)} (actor, issuer) pairs; --limit 0 for all" if len(shown) < len(pairs) else ""
    if fmt is Format.table:
        table = _table(shown)
        table.caption = more or None
        console.print(table)
        return
    if more:
        err_console.print(more, markup=False)
    out = [r for p in shown for r in p["rows"]]
    if fmt is Format.json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        w = csv.writer(sys.stdout)
        w.writerow(FIELDS)
        w.writerows([["" if r[k] is None else r[k] for k in FIELDS] for r in out])


def _pairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped per (actor, issuer), most mentions first (ties: actor, then issuer)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        g = groups.setdefault((r["actor"], r["issuer"]), {"actor": r["actor"], "issuer": r["issuer"], "rows": [], "mentions": 0})
        g["rows"].append(r)
        g["mentions"] += r["mentions"]
    return sorted(groups.values(), key=lambda g: (-g["mentions"], g["actor"], g["issuer"]))


def _table(pairs: list[dict[str, Any]]) -> Table:
    present = [role for role in ROLES if any(r["role"] == role for p in pairs for r in p["rows"])]
    t = Table(title="role spans per actor and issuer", title_justify="left")
    # one compact "roles" column: eight role columns do not fit a terminal
    t.add_column("actor", style="bold", min_width=16, overflow="fold")
    t.add_column("kind", overflow="fold", max_width=10)
    t.add_column("issuer", min_width=12, overflow="fold")
    t.add_column("roles (spans)", min_width=12, overflow="fold")
    t.add_column("total", justify="right", no_wrap=True)
    t.add_column("first", no_wrap=True)
    t.add_column("last", no_wrap=True)
    for p in pairs:
        by_role = {r["role"]: r["mentions"] for r in p["rows"]}
        kinds = sorted({r["actor_kind"] for r in p["rows"] if r["actor_kind"]})
        firsts = [r["first"] for r in p["rows"] if r["first"]]
        lasts = [r["last"] for r in p["rows"] if r["last"]]
        t.add_row(
            Text(p["actor"]),
            Text("/".join(kinds) or "-"),
            Text(p["issuer"]),
            ", ".join(f"{role} {by_role[role]}" for role in present if role in by_role),
            str(p["mentions"]),
            min(firsts) if firsts else "-",
            max(lasts) if lasts else "-",
        )
    return t
