"""The communique command line: a thin face over the Python API.

Exit codes (scripts may rely on them):
  0  success
  1  unexpected internal error
  2  usage error (bad option or argument)
  3  finished, but some inputs failed (each is listed and recorded in the store)
  4  not found (no such document)
  5  invalid query
  6  store or configuration error
"""

from __future__ import annotations

import typer

from . import actors, analyze, export, network, search, show, techniques, train
from . import imports as imports_cli
from . import reposts as reposts_cli
from . import serve as serve_cli
from . import timeline as timeline_cli

app = typer.Typer(
    name="communique",
    help="Read political and extremist statements the way an analyst does, with evidence for every finding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("analyze")(analyze.analyze)
app.command("show")(show.show)
app.command("search")(search.search)
app.command("index")(search.index)
app.command("export")(export.export)
app.command("import")(imports_cli.import_)
app.command("actors")(actors.actors)
app.command("network")(network.network)
app.command("timeline")(timeline_cli.timeline)
app.command("profile")(timeline_cli.profile)
app.command("reposts")(reposts_cli.reposts)
app.command("diff")(reposts_cli.diff)
app.command("techniques")(techniques.techniques)
app.command("serve")(serve_cli.serve)
app.add_typer(techniques.eval_app, name="eval")
app.add_typer(train.train_app, name="train")


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        from ... import __version__

        typer.echo(f"communique {__version__}")
        raise typer.Exit(0)


if __name__ == "__main__":  # pragma: no cover
    app()
