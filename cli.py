"""`icm`: the command line. It parses options and calls the library; nothing else lives here.

Exit codes (DATA_AND_CLI.md): 0 success, 1 the input or a plan is wrong, 2 usage error,
3 the ledger refused.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rules_dsl import format_error, load_plans


class InputError(click.ClickException):
    """The input or a plan is wrong; the message has already said where."""

    exit_code = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Incentive compensation: plans as files, payouts exact to the cent."""


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the errors as a JSON list.")
def check(plans: tuple[Path, ...], as_json: bool) -> None:
    """Check plan files and report every mistake at its line and column.

    \b
    Example:
      icm check plans/*.yaml
      icm check --json plans/enterprise-ae.yaml
    """
    checked, errors = load_plans(plans)
    if as_json:
        click.echo(json.dumps([error.as_dict() for error in errors], indent=2))
    else:
        sources = {str(path): _read_or_none(path) for path in plans}
        for error in errors:
            click.echo(format_error(error, sources.get(error.file)), err=True)
        if errors:
            files = len({error.file for error in errors})
            click.echo(f"{len(errors)} error{'s' * (len(errors) != 1)} in {files} "
                       f"file{'s' * (files != 1)}", err=True)
        else:
            click.echo(f"{len(checked)} plan{'s' * (len(checked) != 1)} checked: no errors")
    if errors:
        sys.exit(1)


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


if __name__ == "__main__":
    main()
