"""`icm whatif`: a period under a proposed plan beside the registered one. Writes nothing.

Both sides are computed the same way (DATA_AND_CLI.md): the registered version in force on
the period's last day and the proposed plan, each as if in force for the whole fiscal year,
over today's ledger, for the payees assigned to that plan id; compared on earned to date at
the end of the period."""
from __future__ import annotations

from pathlib import Path

from ledger.database import LedgerDb
from rules_dsl.errors import IcmError

from engine.calculate import Version, plan_year, calculate_period, plan_versions
from rules_dsl.calendar import parse_period
from rules_dsl.money import format_minor_units, group_thousands, text_to_minor_units
from views.safe_text import terminal_safe
from rules_dsl import load_plans
from rules_dsl.plan import Plan


class ProposalError(IcmError, ValueError):
    """The proposed plan cannot be compared (the message says why and what to do)."""


def whatif(ledger_db: LedgerDb, proposed: Plan, period: str) -> dict:
    """The JSON document of `icm whatif --json`."""
    registered = plan_versions(ledger_db).get(proposed.id)
    if not registered:
        raise ProposalError(f"no plan {proposed.id!r} is registered: a proposal is compared "
                            "with the registered plan of the same id, whose assignments it "
                            "uses")
    length, _, _ = parse_period(period)
    if proposed.payout_period != length:
        raise ProposalError(f"{period} is a {length}, but the proposal pays every "
                            f"{proposed.payout_period}: give a period of that length")
    year = plan_year(registered, period)
    if year is None:
        raise ProposalError(f"plan {proposed.id!r} is not in force in {period}")
    for what, now, then in (("currency", year.plan.currency, proposed.currency),
                            ("fiscal_year_start", year.plan.fiscal_year_start,
                             proposed.fiscal_year_start)):
        if now != then:
            raise ProposalError(f"the proposal changes the plan's {what} ({now} to {then}); "
                                "what-if compares the same payees over the same fiscal year "
                                "in the same currency: keep it, or register a new plan id")
    start, end = year.periods[0].start, year.periods[-1].end
    current = _earned(ledger_db, period, Version(year.plan, start, end))
    changed = _earned(ledger_db, period, Version(proposed, start, end))
    currency = year.plan.currency
    rows, totals = [], [0, 0]
    for payee in sorted(set(current) | set(changed)):
        before, after = current.get(payee, 0), changed.get(payee, 0)
        totals[0], totals[1] = totals[0] + before, totals[1] + after
        rows.append({"payee": payee, "current": format_minor_units(before, currency),
                     "proposed": format_minor_units(after, currency),
                     "change": format_minor_units(after - before, currency)})
    return {"period": period, "plan": f"{proposed.id}@{proposed.version}",
            "registered": f"{year.plan.id}@{year.plan.version}", "currency": currency,
            "payees": rows,
            "total": {"current": format_minor_units(totals[0], currency),
                      "proposed": format_minor_units(totals[1], currency),
                      "change": format_minor_units(totals[1] - totals[0], currency)}}


def load_proposal(path: Path):
    """(the plan, errors): a proposal is checked like any plan file."""
    plans, errors = load_plans([path])
    return (plans[0] if plans and not errors else None), errors


def _earned(ledger_db: LedgerDb, period: str, version: Version) -> dict[str, int]:
    result = calculate_period(ledger_db, period, {version.plan.id: [version]}).result
    return {record.payee: record.earned_to_date for record in result.payees
            if any(plan.split("@")[0] == version.plan.id for plan in record.plans)}


def whatif_table(document: dict) -> str:
    """The comparison for the terminal: per payee, the total, who gains and who loses."""
    currency = document["currency"]
    out = [f"{document['period']}: {document['registered']} (registered) against "
           f"{document['plan']} (proposed), earned to date in {currency}", "",
           f"{'payee':<20} {'current':>16} {'proposed':>16} {'change':>16}"]
    payees = [{**row, "payee": terminal_safe(row["payee"])} for row in document["payees"]]
    for row in payees:
        out.append(f"{row['payee']:<20} {group_thousands(row['current']):>16} "
                   f"{group_thousands(row['proposed']):>16} {group_thousands(row['change']):>16}")
    total = document["total"]
    out.append(f"{'total':<20} {group_thousands(total['current']):>16} "
               f"{group_thousands(total['proposed']):>16} {group_thousands(total['change']):>16}")
    gains = [r for r in payees if text_to_minor_units(r["change"], currency) > 0]
    losses = [r for r in payees if text_to_minor_units(r["change"], currency) < 0]
    unchanged = len(payees) - len(gains) - len(losses)
    out += ["", "gain: " + (", ".join(f"{r['payee']} (+{group_thousands(r['change'])})" for r in gains)
                           or "nobody"),
            "lose: " + (", ".join(f"{r['payee']} ({group_thousands(r['change'])})" for r in losses)
                        or "nobody"),
            f"unchanged: {unchanged}; the cost changes by {group_thousands(total['change'])} {currency}"]
    return "\n".join(out) + "\n"
