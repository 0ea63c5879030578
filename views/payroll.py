"""`icm export payroll`: the pay of a closed period as a CSV payroll can load.

Columns (DATA_AND_CLI.md): period, run_id, payee_id, payee_name, currency, gross, one column
per plan/component of the file's plans, then plan_cap, adjustments, balance, draw,
carried_forward, and a memo column `held` (not part of gross) when some payee holds pay not
yet payable (PLAN_LANGUAGE.md 7.3). Every row's other columns add up to gross, and gross is
the statement's payout, converted into the payee's pay currency when it differs from the
plan's. Built from the statements the close kept, so the file reconciles with them to the
cent. Text cells (the header, ids, names, currency) are ``csv_text_cell``s, so none can start
a spreadsheet formula or a new row; amounts are plain numbers, a negative one too.
"""
from __future__ import annotations

import csv
import io
from fractions import Fraction

from ledger.database import LedgerDb

from rules_dsl.money import convert_parts, format_minor_units
from views.safe_text import csv_text_cell
from views.source import Statement, closed_run, period_statements

SETTLEMENT = {"adjustment": "adjustments", "balance": "balance", "draw": "draw",
              "carried-forward": "carried_forward"}
TRAILING = ["plan_cap", "adjustments", "balance", "draw", "carried_forward"]


def payroll_csv(ledger_db: LedgerDb, period: str) -> str:
    """The payroll file of a closed period (LedgerRefused when it is not closed)."""
    closed_run(ledger_db, period)
    statements = period_statements(ledger_db, period)
    rows = []
    for statement in statements:
        columns = split_by_column(statement)
        paid = statement.payment
        names = list(columns)
        gross, parts = convert_parts([columns[n] for n in names],
                                     paid.ratio if paid else Fraction(1))
        rows.append((statement, paid.currency if paid else statement.currency, gross,
                     dict(zip(names, parts))))
    component_columns = list(dict.fromkeys(name for *_, parts in rows for name in parts
                                           if name not in TRAILING))  # in plan order
    # a memo column, outside the sum, when some payee holds pay not yet payable (7.3)
    memo = ["held"] if any(statement.record.held for statement, *_ in rows) else []
    header = ["period", "run_id", "payee_id", "payee_name", "currency", "gross",
              *component_columns, *TRAILING, *memo]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_text_cell(name) for name in header])
    for statement, currency, gross, parts in rows:
        period_cell, payee_id, payee_name, currency_cell = map(
            csv_text_cell, (period, statement.payee, statement.name, currency))
        writer.writerow([period_cell, statement.run_id, payee_id, payee_name, currency_cell,
                         format_minor_units(gross, currency)]
                        + [format_minor_units(parts[name], currency) if name in parts else ""
                           for name in component_columns]
                        + [format_minor_units(parts.get(name, 0), currency)
                           for name in TRAILING]
                        + [format_minor_units(_held(statement), currency)
                           for _ in memo])
    return out.getvalue()


def _held(statement: Statement) -> int:
    """What the payee has earned and is not yet payable, in the file's currency."""
    paid = statement.payment
    return convert_parts([statement.record.held], paid.ratio if paid else Fraction(1))[0]


def split_by_column(statement: Statement) -> dict[str, int]:
    """The statement's payout split into the file's columns, in the plan currency.

    This fiscal year's components come from ``components`` (a component's payout includes
    its cap line); lines of an earlier fiscal year that a late change reopened (those with a
    ``fiscal_year``) go to their component's column; settlement lines to the trailing
    columns. The parts add up to the payout, or this is a bug and says so."""
    record, lines = statement.record, statement.lines
    plan_ids = list(dict.fromkeys(plan.split("@")[0] for plan in record.plans))
    columns: dict[str, int] = {}
    for total in record.components:
        key = total.component
        name = "plan_cap" if key.split("/")[-1] == "plan_cap" else (
            key if "/" in key else f"{plan_ids[0]}/{key}")
        columns[name] = columns.get(name, 0) + total.payout
    earlier = lines["fiscal_year"].notna().tolist()
    for kind, component, plan, amount, prior in zip(*[lines[c].tolist() for c in (
            "kind", "component", "plan", "amount")], earlier):
        if kind in SETTLEMENT:
            name = SETTLEMENT[kind]
        elif prior:  # an earlier fiscal year's change, under the plan that earned it (a
            # statement kept before 0004 has no plan column: its earlier year's plan is last)
            name = "plan_cap" if component == "plan_cap" else \
                f"{plan or plan_ids[-1]}/{component}"
        else:
            continue  # counted in its component's payout above
        columns[name] = columns.get(name, 0) + amount
    if sum(columns.values()) != record.payout:
        raise AssertionError(f"payroll columns of {statement.payee} do not add up to its "
                             "payout")
    return columns
