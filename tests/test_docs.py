"""The README documents every command and option of the CLI (a docs test, as in Datasette)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from communique.faces.cli.main import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> dict:
    group = typer.main.get_command(app)  # typer vendors its own click: duck-type it
    return dict(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_documented():
    for name in _commands():
        assert f"communique {name}" in README, f"command {name!r} missing from README"


def test_every_option_is_documented():
    for name, cmd in _commands().items():
        for param in cmd.params:
            if param.param_type_name == "option":
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--help":
                        assert f"`{opt}" in README, f"option {opt} of {name!r} missing from README"


def test_readme_opens_with_the_two_commands():
    first = README.split("---")[0]
    assert "communique analyze examples/corpus" in first
    assert "python -m pytest" in first
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in first
