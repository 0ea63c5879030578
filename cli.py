"""`icm`: the command line. It parses options and calls the library; nothing else lives here.

Exit codes (DATA_AND_CLI.md): 0 success, 1 the input or a plan is wrong, 2 usage error,
3 the ledger refused.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from rules_dsl import format_error, load_plans

KINDS = ("payees", "assignments", "quotas", "deals", "credits", "fx")


class InputError(click.ClickException):
    """The input or a plan is wrong; the message has already said where."""

    exit_code = 1


class RefusedError(click.ClickException):
    """The ledger refused: a closed period, an order, a race or a version clash."""

    exit_code = 3


def _ledger(url: str | None):
    from ledger.database import open_ledger
    return open_ledger(url)


db_option = click.option("--db", "db_url", metavar="URL", envvar="ICM_DATABASE_URL",
                         help="Ledger URL (default sqlite:///icm.db; env ICM_DATABASE_URL).")


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
        _print_plan_errors(errors, plans)
        if errors:
            files = len({error.file for error in errors})
            click.echo(f"{len(errors)} error{'s' * (len(errors) != 1)} in {files} "
                       f"file{'s' * (files != 1)}", err=True)
        else:
            click.echo(f"{len(checked)} plan{'s' * (len(checked) != 1)} checked: no errors")
    if errors:
        sys.exit(1)


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
    from ledger.database import ledger_url, open_ledger, schema_revision
    engine = open_ledger(db_url)
    click.echo(f"{ledger_url(db_url)}: schema at revision {schema_revision(engine)}")


@main.group()
def plans() -> None:
    """Plan versions registered in the ledger."""


@plans.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
def plans_add(files: tuple[Path, ...], db_url: str | None) -> None:
    """Check plan files, then register their versions in the ledger.

    \b
    Example:
      icm plans add plans/enterprise-ae.yaml plans/sdr.yaml
    """
    from ledger.errors import LedgerRefused
    from ledger.plans import register_plans
    checked, errors = load_plans(files)
    if errors:
        _print_plan_errors(errors, files)
        raise InputError("no plan was registered")
    try:
        outcome = register_plans(_ledger(db_url), checked)
    except LedgerRefused as refusal:
        raise RefusedError(str(refusal)) from None
    for key, status in outcome:
        click.echo(f"{key}: {status}")


@main.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(path_type=Path))
@db_option
def import_(kind: str, file: Path, db_url: str | None) -> None:
    """Import a CSV file of one kind; any bad row and nothing is imported.

    \b
    Example:
      icm import payees payees.csv
      icm import deals deals.csv --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    """
    from ledger.errors import ImportRefused
    from ledger.importing import import_csv
    try:
        summary = import_csv(_ledger(db_url), kind, file)
    except ImportRefused as refusal:
        for error in refusal.errors:
            click.echo(str(error), err=True)
        raise InputError(f"{len(refusal.errors)} problem(s) in {file}: nothing was imported")
    click.echo(str(summary))


@main.command()
@click.option("--period", "period_name", required=True, metavar="P",
              help="The payout period: 2026-03, 2026-Q1 or 2026.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@db_option
def calc(period_name: str, as_json: bool, db_url: str | None) -> None:
    """Compute a period as if it closed now; writes nothing.

    \b
    Example:
      icm calc --period 2026-Q1 --json
    """
    from engine.calculate import calculate_period
    with _engine_errors():
        result, _records = calculate_period(_ledger(db_url), period_name)
    _print_calc(result, as_json)


def _print_calc(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for payee in result["payees"]:
        click.echo(f"{payee['payee']:<16} {', '.join(payee['plans']):<32} "
                   f"{payee['payout']:>14} {payee['currency']}")


@main.command()
@click.option("--period", "period_name", required=True, metavar="P",
              help="The payout period to close: 2026-03, 2026-Q1 or 2026.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@db_option
def close(period_name: str, as_json: bool, db_url: str | None) -> None:
    """Compute a period, record its run and results, and lock it.

    \b
    Example:
      icm close --period 2026-Q1
    """
    from engine.closing import close_period
    with _engine_errors():
        result, run_id = close_period(_ledger(db_url), period_name)
    _print_calc(result, as_json)
    click.echo(f"{period_name} closed as run {run_id}", err=True)


@main.command()
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--reason", required=True, help="Why the period is reopened (kept in the audit).")
@db_option
def reopen(period_name: str, reason: str, db_url: str | None) -> None:
    """Unlock the last closed period of its length; its run is superseded, not deleted.

    \b
    Example:
      icm reopen --period 2026-Q1 --reason "late credit split for D-1001"
    """
    from engine.closing import reopen_period
    with _engine_errors():
        ledger = _ledger(db_url)
        run_id = reopen_period(ledger, period_name, reason)
    click.echo(f"{period_name} reopened; run {run_id} is superseded")
    from engine.reports.payroll import voided_exports
    for exported in voided_exports(ledger, run_id):
        click.echo(f"the payroll file {exported} of run {run_id} is void: do not pay it",
                   err=True)


@main.command()
@click.option("--payee", required=True)
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--amount", required=True, help='Signed amount and currency: "-150.00 USD".')
@click.option("--reason", required=True)
@db_option
def adjust(payee: str, period_name: str, amount: str, reason: str, db_url: str | None) -> None:
    """Add a manual adjustment line to an open period.

    \b
    Example:
      icm adjust --payee rep-7 --period 2026-Q2 --amount "-150.00 USD" --reason "expense"
    """
    from engine.closing import add_adjustment
    with _engine_errors():
        adjustment_id = add_adjustment(_ledger(db_url), payee, period_name, amount, reason)
    click.echo(f"adjustment {adjustment_id} added to {period_name} for {payee}")


def _formats(text: str) -> tuple[str, ...]:
    from engine.reports.render import FORMATS
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in chosen if kind not in FORMATS]
    if unknown or not chosen:
        raise click.UsageError(f"--format takes a comma-separated list of {', '.join(FORMATS)}"
                               f"; {', '.join(unknown) or 'nothing'} is not one")
    return chosen


@main.command()
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Directory for the statements (created if missing).")
@click.option("--format", "formats", default="html,json", show_default=True,
              help="Comma-separated: html, pdf, json, md.")
@click.option("--payee", default=None, help="One payee only.")
@db_option
def statements(period_name: str, out_dir: Path, formats: str, payee: str | None,
               db_url: str | None) -> None:
    """Write one statement per payee: a closed period as its close recorded it, an open one
    as a draft computed now.

    \b
    Example:
      icm statements --period 2026-Q1 --out statements/ --format html,pdf
    """
    from engine.reports.render import write_statements
    from engine.reports.source import period_statements
    from ledger.progress import Progress
    chosen = _formats(formats)
    with _engine_errors():
        found = period_statements(_ledger(db_url), period_name, payee)
        progress = Progress("statements", len(found))
        written = write_statements(found, out_dir, chosen, progress.advance)
    kind = "closed" if found and found[0].status == "closed" else "draft"
    click.echo(f"{len(found)} {kind} statement{'s' * (len(found) != 1)} of {period_name}, "
               f"{len(written)} file{'s' * (len(written) != 1)} in {out_dir}")


@main.command()
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--payee", required=True)
@click.option("--deal", default=None, help="Only this deal: its credits and its lines.")
@db_option
def explain(period_name: str, payee: str, deal: str | None, db_url: str | None) -> None:
    """The calculation trace of one payee: quota, attainment, tier slices, caps, true-ups
    and settlement, from the same figures as the statement.

    \b
    Example:
      icm explain --period 2026-Q1 --payee rep-7 --deal D-1001
    """
    from engine.reports.explain import explain as trace
    with _engine_errors():
        click.echo(trace(_ledger(db_url), period_name, payee, deal), nl=False)


@main.command()
@click.option("--plan", "plan_file", required=True, type=click.Path(path_type=Path),
              help="The proposed plan file (same plan id as a registered plan).")
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@db_option
def whatif(plan_file: Path, period_name: str, as_json: bool, db_url: str | None) -> None:
    """The period under a proposed plan beside the registered one; writes nothing.

    \b
    Example:
      icm whatif --plan proposals/enterprise-ae-v4.yaml --period 2026-Q4
    """
    from engine.reports.whatif import ProposalError, load_proposal, whatif as compare, \
        whatif_table
    proposed, errors = load_proposal(plan_file)
    if errors:
        _print_plan_errors(errors, [plan_file])
        raise InputError(f"{plan_file} does not check: fix it before comparing")
    with _engine_errors():
        try:
            document = compare(_ledger(db_url), proposed, period_name)
        except ProposalError as error:
            raise InputError(str(error)) from None
    click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json
               else whatif_table(document).rstrip("\n"))


@main.command()
@click.option("--out", "out_dir", default="icm-demo", show_default=True,
              type=click.Path(path_type=Path), help="Directory for the ledger and the files.")
def demo(out_dir: Path) -> None:
    """Build a sample company in a fresh ledger, close its fiscal year, and write its
    statements, payroll files and KPI pages: the whole job, end to end.

    \b
    Example:
      icm demo --out icm-demo
    """
    from engine.demo import run_demo
    from engine.money import format_grouped
    with _engine_errors():
        result = run_demo(out_dir, say=lambda text: click.echo(text, err=True))
    db = f"sqlite:///{result.ledger}"
    payee, period, first = result.example
    paid = ", ".join(f"{format_grouped(amount, currency)} {currency}"
                     for currency, amount in sorted(result.paid.items()))
    click.echo("\n".join([
        f"Sample company: {result.payees} payees, {result.deals:,} deal rows; "
        f"{result.closes} periods closed; paid in the year: {paid}.",
        f"  ledger      {result.ledger}",
        f"  statements  {result.statements}/ ({result.statement_files} files), "
        f"e.g. {first}",
        f"  payroll     {result.payroll[0].parent}/ ({len(result.payroll)} files)",
        f"  KPI pages   {', '.join(str(page) for page in result.kpi_pages)}",
        f"  input CSVs  {result.data}/",
        f"Next: icm explain --db {db} --period {period} --payee {payee}"]))


@main.command()
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--json", "as_json", is_flag=True, help="Print the KPIs as JSON.")
@click.option("--html", "html_file", type=click.Path(path_type=Path), default=None,
              help="Also write the KPI page (one self-contained HTML file) here.")
@db_option
def kpi(period_name: str, as_json: bool, html_file: Path | None, db_url: str | None) -> None:
    """Attainment and payout KPIs per payee, per team and for the organisation.

    \b
    Example:
      icm kpi --period 2026-Q1 --html kpi-2026-Q1.html
    """
    from engine.reports.kpi import kpi_html, kpi_table, period_kpis
    with _engine_errors():
        document = period_kpis(_ledger(db_url), period_name)
    if html_file is not None:
        html_file.write_text(kpi_html(document), encoding="utf-8")
        click.echo(f"KPI page of {period_name}: {html_file}", err=True)
    click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json
               else kpi_table(document).rstrip("\n"))


@main.group()
def export() -> None:
    """Files for other systems."""


@export.command("payroll")
@click.option("--period", "period_name", required=True, metavar="P")
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="Write the CSV here (default: standard output).")
@db_option
def export_payroll(period_name: str, out_file: Path | None, db_url: str | None) -> None:
    """The payroll CSV of a closed period; its rows reconcile with the statements.

    \b
    Example:
      icm export payroll --period 2026-Q1 --out payroll-2026-Q1.csv
    """
    from engine.reports.payroll import payroll_csv, record_export
    with _engine_errors():
        ledger = _ledger(db_url)
        text = payroll_csv(ledger, period_name)
        if out_file is not None:
            out_file.write_text(text, encoding="utf-8")
        record_export(ledger, period_name, str(out_file) if out_file else "(stdout)", text)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        rows = text.count("\n") - 1
        click.echo(f"{rows} payee{'s' * (rows != 1)} of {period_name} in {out_file}", err=True)


@contextlib.contextmanager
def _engine_errors():
    """Library errors as exit codes: 1 wrong input, 2 usage, 3 the ledger refused."""
    from engine.calendar import PeriodError
    from engine.closing import AdjustmentError
    from engine.earnings import CalculationError
    from ledger.errors import LedgerRefused
    from ledger.window import MissingRateError
    from engine.reports.errors import RenderError
    try:
        yield
    except PeriodError as error:
        raise click.UsageError(str(error)) from None
    except (CalculationError, MissingRateError, AdjustmentError, RenderError,
            LookupError) as error:
        raise InputError(str(error)) from None
    except LedgerRefused as error:
        raise RefusedError(str(error)) from None


def _print_plan_errors(errors, paths) -> None:
    sources = {str(path): _read_or_none(path) for path in paths}
    for error in errors:
        click.echo(format_error(error, sources.get(error.file)), err=True)


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


if __name__ == "__main__":
    main()
