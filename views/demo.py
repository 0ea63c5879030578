"""`icm demo`: the whole job on a sample company, end to end, in a fresh ledger.

Generate the company's files (``views.sample_company``), register its plans, import its
payees, assignments, quotas, FX rates, deals and credits, add its manual adjustment, close
every payout period of the fiscal year in order, and write what each audience reads: every
statement (HTML and JSON), the payroll file of every close and the KPI page of each quarter.
The result is deterministic: the same seed gives the same figures and files.
"""
from __future__ import annotations

import csv

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from engine.closing import close_period
from ledger.closes import add_adjustment, record_export
from views.files import make_folder, write_file
from views.kpi import period_kpis
from views.kpi_render import kpi_html
from views.payroll import payroll_csv
from views.render import file_stem, write_statements
from views.source import period_statements
from ledger.database import open_ledger
from ledger.importing import import_csv
from ledger.plans import register_plans
from views.sample_company import write_sample_company
from rules_dsl import load_plans


@dataclass
class DemoResult:
    ledger: Path
    data: Path
    statements: Path
    payroll: list[Path] = field(default_factory=list)
    kpi_pages: list[Path] = field(default_factory=list)
    payees: int = 0
    deals: int = 0
    closes: int = 0
    statement_files: int = 0
    paid: dict[str, int] = field(default_factory=dict)  # currency -> minor units paid
    example: tuple = ()  # (payee, period, its HTML statement) to show first


def run_demo(out: Path, say: Callable[[str], None] = lambda text: None) -> DemoResult:
    make_folder(out)
    ledger_path = out / "icm.db"
    ledger_path.unlink(missing_ok=True)  # a fresh ledger every time
    result = DemoResult(ledger_path, out / "data", out / "statements")
    company = write_sample_company(result.data)
    ledger_db = open_ledger(f"sqlite:///{ledger_path}")
    try:
        plans, errors = load_plans(list(company.plan_files))
        if errors:
            raise RuntimeError(f"a reference plan does not check: {errors[0].message}")
        register_plans(ledger_db, plans)
        say(f"registered {len(plans)} plans from plans/")
        for kind, path in company.csv_files:
            say(f"imported {import_csv(ledger_db, kind, path)}")
        add_adjustment(ledger_db, *company.adjustment)
        for period in company.periods:
            closed, run_id = close_period(ledger_db, period)
            result.closes += 1
            found = period_statements(ledger_db, period)
            result.statement_files += len(write_statements(found, result.statements,
                                                           ("html", "json", "md")))
            payroll = out / "payroll" / f"payroll-{period}.csv"
            make_folder(payroll.parent)
            text = payroll_csv(ledger_db, period)
            write_file(payroll, text)
            record_export(ledger_db, run_id, period, str(payroll), text)
            result.payroll.append(payroll)
            if not result.example and found and "Q" in period:  # the richest quarter one
                richest = max(found, key=lambda s: (len(s.lines), s.payee))
                result.example = (richest.payee, period,
                                  result.statements / f"{file_stem(richest)}.html")
            for statement in found:
                result.paid[statement.currency] = result.paid.get(statement.currency, 0) + \
                    statement.record.payout
            if "Q" in period:
                page = out / f"kpi-{period}.html"
                write_file(page, kpi_html(period_kpis(ledger_db, period)))
                result.kpi_pages.append(page)
            say(f"closed {period}: {len(closed.payees)} payees")
        with open(dict(company.csv_files)["payees"], encoding="utf-8") as payees:
            result.payees = len({row["id"] for row in csv.DictReader(payees)})
        with open(dict(company.csv_files)["deals"], encoding="utf-8") as deals:
            result.deals = sum(1 for _ in csv.DictReader(deals))
    finally:
        ledger_db.dispose()
    return result
