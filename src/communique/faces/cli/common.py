"""What every command shares: the console, the default db, and error translation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

from ...errors import CommuniqueError, ConfigError, NotFoundError, QueryError, StoreError

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_NOT_FOUND = 4
EXIT_QUERY = 5
EXIT_STORE = 6

DB_OPTION = typer.Option("communique.db", "--db", help="The corpus: a SQLite file (created on first use) or a postgresql:// URL.")


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Library errors → one red line on stderr and the documented exit code."""
    try:
        yield
    except NotFoundError as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except QueryError as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(EXIT_QUERY) from None
    except (StoreError, ConfigError) as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(EXIT_STORE) from None
    except CommuniqueError as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(EXIT_INTERNAL) from None
