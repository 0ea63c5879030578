"""The `icm` commands that show a period to its readers: statements, explain, kpi, whatif,
export payroll, and the demo that produces them all. Each parses options and calls
`views` or `views.demo`; the group in cli.py registers them."""
from __future__ import annotations

from pathlib import Path

import click

from cli_support import InputError, db_option, engine_errors, loading, open_ledger_db, \
    period_option, print_plan_errors, quiet_option


def _formats(text: str) -> tuple[str, ...]:
    from views.render import FORMATS
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in chosen if kind not in FORMATS]
    if unknown or not chosen:
        raise click.UsageError(f"--format takes a comma-separated list of {', '.join(FORMATS)}"
                               f"; {', '.join(unknown) or 'nothing'} is not one")
    return chosen


@click.command()
@period_option()
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Directory for the statements (created if missing).")
@click.option("--format", "formats", default="html,json", show_default=True,
              help="Comma-separated: html, pdf, json, md.")
@click.option("--payee", default=None, help="One payee only.")
@quiet_option
@db_option
def statements(period_name: str, out_dir: Path, formats: str, payee: str | None, quiet: bool,
               db_url: str | None) -> None:
    """Write one statement per payee: a closed period as its close recorded it, an open one
    as a draft computed now.

    \b
    Example:
      icm statements --period 2026-Q1 --out statements/ --format html,pdf
    """
    with loading():
        from views.render import write_statements
        from views.source import period_statements
        from ledger.progress import progress_line
    chosen = _formats(formats)
    with engine_errors(), progress_line(f"icm statements {period_name}", quiet) as status:
        found = period_statements(open_ledger_db(db_url), period_name, payee, status)
        written = write_statements(found, out_dir, chosen, status)
    kind = "closed" if found and found[0].status == "closed" else "draft"
    click.echo(f"{len(found)} {kind} statement{'s' * (len(found) != 1)} of {period_name}, "
               f"{len(written)} file{'s' * (len(written) != 1)} in {out_dir}")


@click.command()
@period_option()
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
    with loading():
        from views.explain import explain as trace
    with engine_errors():
        click.echo(trace(open_ledger_db(db_url), period_name, payee, deal), nl=False)


@click.command()
@click.option("--plan", "plan_file", required=True, type=click.Path(path_type=Path),
              help="The proposed plan file (same plan id as a registered plan).")
@period_option()
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@db_option
def whatif(plan_file: Path, period_name: str, as_json: bool, db_url: str | None) -> None:
    """The period under a proposed plan beside the registered one; writes nothing.

    \b
    Example:
      icm whatif --plan proposals/enterprise-ae-v4.yaml --period 2026-Q4
    """
    with loading():
        from views.safe_text import json_text
        from views.whatif import load_proposal, whatif as compare, whatif_document, whatif_table
    proposed, errors = load_proposal(plan_file)
    if errors:
        print_plan_errors(errors, [plan_file])
        raise InputError(f"{plan_file} does not check: fix it before comparing")
    with engine_errors():
        comparison = compare(open_ledger_db(db_url), proposed, period_name)
    click.echo(json_text(whatif_document(comparison)) if as_json
               else whatif_table(comparison).rstrip("\n"))


@click.command()
@click.option("--out", "out_dir", default="icm-demo", show_default=True,
              type=click.Path(path_type=Path), help="Directory for the ledger and the files.")
def demo(out_dir: Path) -> None:
    """Build a sample company in a fresh ledger, close its fiscal year, and write its
    statements, payroll files and KPI pages: the whole job, end to end.

    \b
    Example:
      icm demo --out icm-demo
    """
    with loading():
        from views.demo import run_demo
        from rules_dsl.money import format_grouped
    with engine_errors():
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


@click.command()
@period_option()
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
    with loading():
        from views.files import write_file
        from views.kpi import period_kpis
        from views.kpi_document import kpi_document
        from views.kpi_render import kpi_html, kpi_table
        from views.safe_text import json_text
    with engine_errors():
        kpis = period_kpis(open_ledger_db(db_url), period_name)
        if html_file is not None:
            write_file(html_file, kpi_html(kpis))
            click.echo(f"KPI page of {period_name}: {html_file}", err=True)
    click.echo(json_text(kpi_document(kpis)) if as_json else kpi_table(kpis).rstrip("\n"))


@click.group()
def export() -> None:
    """Files for other systems."""


@export.command("payroll")
@period_option()
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="Write the CSV here (default: standard output).")
@db_option
def export_payroll(period_name: str, out_file: Path | None, db_url: str | None) -> None:
    """The payroll CSV of a closed period; its rows reconcile with the statements.

    \b
    Example:
      icm export payroll --period 2026-Q1 --out payroll-2026-Q1.csv
    """
    with loading():
        from ledger.closes import record_export
        from views.files import staged_files
        from views.payroll import payroll_csv
        from views.source import closed_run
    with engine_errors(), staged_files("nothing was written") as files:
        ledger_db = open_ledger_db(db_url)
        text = payroll_csv(ledger_db, period_name)
        if out_file is not None:
            files.write(out_file, text)  # in place once the export is recorded
        record_export(ledger_db, closed_run(ledger_db, period_name), period_name,
                      str(out_file) if out_file else "(stdout)", text)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        rows = text.count("\n") - 1
        click.echo(f"{rows} payee{'s' * (rows != 1)} of {period_name} in {out_file}", err=True)
