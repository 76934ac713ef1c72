"""docs/cli.md is generated from the commands' --help and must match it (``make docs``)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ceasemon.cli import cli
from ceasemon.clidocs import render

DOC = Path(__file__).parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_the_generated_help():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/cli.md differs from the commands' --help: run `make docs` "
        "(python -m ceasemon.clidocs > docs/cli.md) and commit the result"
    )


def test_every_command_and_option_is_documented():
    text = DOC.read_text(encoding="utf-8")
    ctx = cli.make_context("ceasemon", ["--help"], resilient_parsing=True)
    for name in cli.list_commands(ctx):
        assert f"## ceasemon {name}\n" in text
        for param in cli.get_command(ctx, name).params:
            shown = param.opts if param.param_type_name == "option" else [param.human_readable_name]
            for opt in shown:
                assert opt in text, f"{name} {opt} is not in docs/cli.md"


def test_the_page_shows_what_help_prints():
    help_run = CliRunner().invoke(cli, ["run", "--help"], terminal_width=100).stdout
    for line in ("--manifest PATH", "--ignore-limits", "--force"):
        assert line in help_run and line in DOC.read_text(encoding="utf-8")
