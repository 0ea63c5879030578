"""`icm`: the command line. It parses options and calls the library; nothing else lives here.

Exit codes (DATA_AND_CLI.md): 0 success, 1 the input or a plan is wrong, 2 usage error,
3 the ledger refused.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

import cli_reports
from cli_support import DB_HELP, CommandGroup, InputError, db_option, \
    engine_errors, in_file_order, loading, open_ledger_db, period_option, print_plan_errors, \
    quiet_option, version
from ledger.kind_names import INPUT_KINDS
from views.safe_text import json_text, terminal_safe


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help=DB_HELP + " Also accepted after the "
              "command.")
@click.version_option(version(), "--version", prog_name="icm")
def main(db_url: str | None) -> None:
    """Incentive compensation: plans as files, payouts exact to the cent."""


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the errors and warnings as a JSON list.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check(plans: tuple[Path, ...], as_json: bool, strict: bool) -> None:
    """Check plan files and report every mistake at its line and column.

    Warnings (a rate above 100%, tier rates that fall, a condition judged on a window its
    author probably did not mean) are printed like errors and fail only with --strict.

    \b
    Example:
      icm check plans/*.yaml
      icm check --strict --json plans/enterprise-ae.yaml
    """
    from rules_dsl import load_plans, plan_warnings
    checked, errors = load_plans(plans)
    warnings = plan_warnings(checked)
    problems = in_file_order(errors + warnings, plans)
    failed = bool(errors) or (strict and bool(warnings))
    if as_json:
        click.echo(json.dumps([problem.as_dict() for problem in problems], indent=2))
    else:
        print_plan_errors(problems, plans)
        click.echo(_check_summary(len(checked), errors, warnings, strict), err=failed)
    if failed:
        sys.exit(1)


def _check_summary(plans: int, errors: list, warnings: list, strict: bool) -> str:
    files = len({problem.file for problem in errors + warnings})
    in_files = f"in {_count(files, 'file')}"
    if errors:
        found = _count(len(errors), "error")
        if warnings:
            found += f" and {_count(len(warnings), 'warning')}"
        return f"{found} {in_files}"
    if strict and warnings:
        return f"{_count(len(warnings), 'warning')} {in_files}, and --strict makes them errors"
    return f"{_count(plans, 'plan')} checked: no errors" + (
        f", {_count(len(warnings), 'warning')}" if warnings else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


@main.group()
def db() -> None:
    """The ledger database itself."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create the ledger or migrate it to the newest schema.

    \b
    Example:
      icm db upgrade --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    """
    from ledger.database import ledger_url, schema_revision, shown_url
    ledger_db = open_ledger_db(db_url, create=True)
    click.echo(f"{shown_url(ledger_url(db_url))}: schema at revision "
               f"{schema_revision(ledger_db)}")


@main.group()
def plans() -> None:
    """Plan versions registered in the ledger."""


@plans.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
def plans_add(files: tuple[Path, ...], db_url: str | None) -> None:
    """Check plan files, then register their versions in the ledger (warnings are printed,
    and do not stop it).

    \b
    Example:
      icm plans add plans/enterprise-ae.yaml plans/sdr.yaml
    """
    from ledger.plans import register_plans
    from rules_dsl import load_plans, plan_warnings
    checked, errors = load_plans(files)
    print_plan_errors(in_file_order(errors + plan_warnings(checked), files), files)
    if errors:
        raise InputError("no plan was registered")
    outcome = register_plans(open_ledger_db(db_url, create=True), checked)
    for key, status in outcome:
        click.echo(f"{key}: {status}")


@main.command("import")
@click.argument("kind", type=click.Choice(INPUT_KINDS))
@click.argument("file", type=click.Path(path_type=Path))
@quiet_option
@db_option
def import_(kind: str, file: Path, quiet: bool, db_url: str | None) -> None:
    """Import a CSV file of one kind; any bad row and nothing is imported.

    \b
    Example:
      icm import payees payees.csv
      icm import deals deals.csv --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    """
    with loading():
        from ledger.errors import ImportRefused
        from ledger.importing import import_csv
        from ledger.progress import progress_line
    try:
        with progress_line(f"icm import {kind}", quiet) as status:
            summary = import_csv(open_ledger_db(db_url, create=True), kind, file, progress=status)
    except ImportRefused as refusal:
        for error in refusal.errors:
            click.echo(terminal_safe(str(error)), err=True)
        raise InputError(f"{len(refusal.errors)} problem(s) in {file}: nothing was imported")
    click.echo(str(summary))


@main.command()
@period_option("The payout period: 2026-03, 2026-Q1 or 2026.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@quiet_option
@db_option
def calc(period_name: str, as_json: bool, quiet: bool, db_url: str | None) -> None:
    """Compute a period as if it closed now; writes nothing.

    \b
    Example:
      icm calc --period 2026-Q1 --json
    """
    with loading():
        from ledger.progress import progress_line
    with engine_errors(), progress_line(f"icm calc {period_name}", quiet) as status:
        ledger_db, ahead = _read_ahead(db_url, period_name, status)
        with loading():
            from engine.calculate import calculate_period
        result = calculate_period(ledger_db, period_name, status=status, ahead=ahead).result
        status("writing the result")
        status.clear()
        _print_calc(result, as_json)


def _read_ahead(db_url: str | None, period_name: str, status):
    """The ledger, and what a calc or close reads before the engine loads: its state, its
    plans, and the period's window on its way (``engine.read_ahead``)."""
    with loading():
        from engine.read_ahead import read_ahead
    ledger_db = open_ledger_db(db_url)
    status("reading the plans")
    return ledger_db, read_ahead(ledger_db, period_name)


def _print_calc(result, as_json: bool) -> None:
    """The whole document with ``--json``; else one line per payee, from the records alone:
    the statement lines are rendered only when they are asked for."""
    if as_json:
        from views.document import to_json
        click.echo(json_text(to_json(result)))
        return
    from rules_dsl.money import format_minor_units
    if result.payees:
        click.echo("\n".join(
            f"{terminal_safe(record.payee):<16} {', '.join(record.plans):<32} "
            f"{format_minor_units(record.payout, record.currency):>14} {record.currency}"
            for record in result.payees))


@main.command()
@period_option("The payout period to close: 2026-03, 2026-Q1 or 2026.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@quiet_option
@db_option
def close(period_name: str, as_json: bool, quiet: bool, db_url: str | None) -> None:
    """Compute a period, record its run and results, and lock it.

    \b
    Example:
      icm close --period 2026-Q1
    """
    with loading():
        from ledger.progress import progress_line
    with engine_errors(), progress_line(f"icm close {period_name}", quiet) as status:
        ledger_db, ahead = _read_ahead(db_url, period_name, status)
        with loading():
            from engine.closing import close_period
        result, run_id = close_period(ledger_db, period_name, status=status, ahead=ahead)
        status("writing the result")
        status.clear()
        _print_calc(result, as_json)
    click.echo(f"{period_name} closed as run {run_id}", err=True)


@main.command()
@period_option()
@click.option("--reason", required=True, help="Why the period is reopened (kept in the audit).")
@db_option
def reopen(period_name: str, reason: str, db_url: str | None) -> None:
    """Unlock the last closed period of its length; its run is superseded, not deleted.

    \b
    Example:
      icm reopen --period 2026-Q1 --reason "late credit split for D-1001"
    """
    from ledger.closes import reopen_period, voided_exports
    with engine_errors():
        ledger_db = open_ledger_db(db_url)
        run_id = reopen_period(ledger_db, period_name, reason)
    click.echo(f"{period_name} reopened; run {run_id} is superseded")
    for exported in voided_exports(ledger_db, run_id):
        click.echo(f"the payroll file {exported} of run {run_id} is void: do not pay it",
                   err=True)


@main.command()
@click.option("--payee", required=True)
@period_option()
@click.option("--amount", required=True, help='Signed amount and currency: "-150.00 USD".')
@click.option("--reason", required=True)
@db_option
def adjust(payee: str, period_name: str, amount: str, reason: str, db_url: str | None) -> None:
    """Add a manual adjustment line to an open period.

    \b
    Example:
      icm adjust --payee rep-7 --period 2026-Q2 --amount "-150.00 USD" --reason "expense"
    """
    from ledger.closes import add_adjustment
    with engine_errors():
        adjustment_id = add_adjustment(open_ledger_db(db_url), payee, period_name, amount, reason)
    click.echo(f"adjustment {adjustment_id} added to {period_name} for {payee}")


for command in (cli_reports.statements, cli_reports.explain, cli_reports.kpi,
                cli_reports.whatif, cli_reports.export, cli_reports.demo):
    main.add_command(command)


def run() -> None:
    """The ``icm`` command: ``main``, and then the process ends at once, with main's exit
    code, its output flushed and its ledger connections closed, but its heap not taken
    apart: the interpreter's shutdown freed the command's objects one at a time (and once
    walked their cycles too), 0.07 s after a 1M-deal close and more after statements. Every
    file and transaction is closed before ``main`` returns. (Tests call ``main`` in their
    own process.)"""
    try:
        main()
    except SystemExit as ended:
        end_process(ended.code)


def end_process(code: int | str | None) -> None:
    """``sys.exit(code)`` without the interpreter's shutdown (``os._exit``)."""
    status = code if isinstance(code, int) else 0 if code is None else 1
    if isinstance(code, str):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away: nothing left to say
            pass
    if "ledger.database" in sys.modules:
        try:
            sys.modules["ledger.database"].close_ledgers()
        except Exception:  # a connection already broken: the process ends all the same
            pass
    os._exit(status)


if __name__ == "__main__":
    run()
