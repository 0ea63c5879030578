"""`icm whatif`: a period under a proposed plan beside the registered one. Writes nothing.

Both sides are computed the same way (DATA_AND_CLI.md): the registered version in force on
the period's last day and the proposed plan, each as if in force for the whole fiscal year,
over today's ledger, for the payees assigned to that plan id; compared on earned to date at
the end of the period. ``whatif`` gives the comparison as typed records (minor units);
``whatif_document`` writes its JSON and ``whatif_table`` its text, each from the records."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.database import LedgerDb
from rules_dsl.errors import IcmError

from engine.calculate import calculate_period
from engine.plan_years import Version, plan_versions, plan_year
from rules_dsl.calendar import parse_period
from rules_dsl.money import format_grouped, format_minor_units
from views.safe_text import terminal_safe
from rules_dsl import load_plans
from rules_dsl.plan import Plan


class ProposalError(IcmError, ValueError):
    """The proposed plan cannot be compared (the message says why and what to do)."""


@dataclass(frozen=True, slots=True)
class Earned:
    """Earned to date in minor units: under the registered plan and under the proposal."""
    payee: str
    current: int
    proposed: int

    @property
    def change(self) -> int:
        return self.proposed - self.current


@dataclass(frozen=True, slots=True)
class Comparison:
    period: str
    plan: str  # the proposal, id@version
    registered: str
    currency: str
    payees: tuple[Earned, ...]  # by payee id

    @property
    def total(self) -> Earned:
        return Earned("total", sum(p.current for p in self.payees),
                      sum(p.proposed for p in self.payees))


def whatif(ledger_db: LedgerDb, proposed: Plan, period: str) -> Comparison:
    """The comparison of `icm whatif`."""
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
    rows = tuple(Earned(payee, current.get(payee, 0), changed.get(payee, 0))
                 for payee in sorted(set(current) | set(changed)))
    return Comparison(period, f"{proposed.id}@{proposed.version}",
                      f"{year.plan.id}@{year.plan.version}", year.plan.currency, rows)


def whatif_document(comparison: Comparison) -> dict:
    """The JSON document of `icm whatif --json`."""
    currency = comparison.currency

    def amounts(row: Earned) -> dict:
        return {"current": format_minor_units(row.current, currency),
                "proposed": format_minor_units(row.proposed, currency),
                "change": format_minor_units(row.change, currency)}
    return {"period": comparison.period, "plan": comparison.plan,
            "registered": comparison.registered, "currency": currency,
            "payees": [{"payee": row.payee, **amounts(row)} for row in comparison.payees],
            "total": amounts(comparison.total)}


def load_proposal(path: Path):
    """(the plan, errors): a proposal is checked like any plan file."""
    plans, errors = load_plans([path])
    return (plans[0] if plans and not errors else None), errors


def _earned(ledger_db: LedgerDb, period: str, version: Version) -> dict[str, int]:
    result = calculate_period(ledger_db, period, {version.plan.id: [version]}).result
    return {record.payee: record.earned_to_date for record in result.payees
            if any(plan.split("@")[0] == version.plan.id for plan in record.plans)}


def whatif_table(comparison: Comparison) -> str:
    """The comparison for the terminal: per payee, the total, who gains and who loses."""
    currency = comparison.currency
    grouped = lambda units: format_grouped(units, currency)  # noqa: E731

    def line(name: str, row: Earned) -> str:
        return (f"{name:<20} {grouped(row.current):>16} {grouped(row.proposed):>16} "
                f"{grouped(row.change):>16}")
    out = [f"{comparison.period}: {comparison.registered} (registered) against "
           f"{comparison.plan} (proposed), earned to date in {currency}", "",
           f"{'payee':<20} {'current':>16} {'proposed':>16} {'change':>16}"]
    payees = [(terminal_safe(row.payee), row) for row in comparison.payees]
    out += [line(name, row) for name, row in payees]
    total = comparison.total
    out.append(line("total", total))
    gains = [f"{name} (+{grouped(row.change)})" for name, row in payees if row.change > 0]
    losses = [f"{name} ({grouped(row.change)})" for name, row in payees if row.change < 0]
    unchanged = len(payees) - len(gains) - len(losses)
    out += ["", "gain: " + (", ".join(gains) or "nobody"),
            "lose: " + (", ".join(losses) or "nobody"),
            f"unchanged: {unchanged}; the cost changes by {grouped(total.change)} {currency}"]
    return "\n".join(out) + "\n"
