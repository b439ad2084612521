"""communique serve — the REST API and the web workbench over a corpus, with uvicorn."""

from __future__ import annotations

import json
import os
from enum import StrEnum

import typer
from rich.markup import escape

from .common import DB_OPTION, EXIT_STORE, console, err_console, translate_errors


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


def serve(
    db: str = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback needs --token."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    token: str | None = typer.Option(None, "--token", envvar="COMMUNIQUE_TOKEN", help="Access token of the analyst role (also COMMUNIQUE_TOKEN)."),
    reader_token: str | None = typer.Option(None, "--reader-token", envvar="COMMUNIQUE_READER_TOKEN", help="Access token of the read-only role (also COMMUNIQUE_READER_TOKEN)."),
    user: str | None = typer.Option(None, "--user", help="Your name in the review log when no token is set (default: the OS user)."),
    max_mb: float = typer.Option(10.0, "--max-mb", min=0.001, help="Largest upload to analyse, in MB."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds allowed to parse one upload."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Server processes (each opens the store; SQLite allows many readers)."),
    log_level: LogLevel = typer.Option(LogLevel.info, "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve the REST API (/api, OpenAPI at /api/openapi.json) and the workbench pages.

    Bound to 127.0.0.1 by default, for you alone (an analyst, named by --user). Any other address needs an access token: --token for analysts (who may review), --reader-token for readers; clients send it as "Authorization: Bearer TOKEN", browsers log in at /login. Exit code 6 when the store cannot be opened or a public address has no token.
    """
    from communique.faces.web.auth import is_loopback
    from communique.ingest import Limits

    if not is_loopback(host) and not (token or reader_token):
        err_console.print(
            f"[red]error[/red] E400: refusing to serve on {escape(host)} without an access token: "
            "set --token (or COMMUNIQUE_TOKEN), or serve on 127.0.0.1"
        )
        raise typer.Exit(EXIT_STORE)
    limits = Limits(max_bytes=int(max_mb * 1024 * 1024), max_seconds=timeout)
    with translate_errors():
        import uvicorn

        from communique.faces.web.app import SERVE_ENV, create_app

        # built here in every case, so that a bad store or setting fails before serving
        app = create_app(db, token=token, reader_token=reader_token, user=user, limits=limits)
    shown = f"[{host}]" if ":" in host else host
    roles = "local analyst" if not (token or reader_token) else " and ".join(
        r for r, t in (("analyst", token), ("reader", reader_token)) if t
    ) + " token(s)"
    procs = f", {workers} processes" if workers > 1 else ""
    console.print(f"communique serving {escape(db)} at [bold]http://{escape(shown)}:{port}/[/bold] ({roles}{procs}); Ctrl+C stops", highlight=False)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level=log_level.value, server_header=False)
        return
    app.state.corpus.close()
    os.environ[SERVE_ENV] = json.dumps({"db": db, "user": user, "max_bytes": limits.max_bytes, "max_seconds": limits.max_seconds})
    for name, value in (("COMMUNIQUE_TOKEN", token), ("COMMUNIQUE_READER_TOKEN", reader_token)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    uvicorn.run(
        "communique.faces.web.app:app_from_env", factory=True, workers=workers,
        host=host, port=port, log_level=log_level.value, server_header=False,
    )  # fmt: skip
