"""A plan's versions and its fiscal year around a payout period: what a calculation reads
first, before any deal. Nothing here needs pandas, so a command can work out which window
to read (``engine.read_ahead``) while the rest of the engine loads.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from engine.errors import CalculationError
from engine.quota import payout_periods
from ledger.database import LedgerDb
from ledger.plans import registered_plans
from ledger.window_read import WindowSpan
from rules_dsl.calendar import fiscal_year_of, parse_period
from rules_dsl.plan import Plan


@dataclass(frozen=True)
class Version:
    """A plan version and the days it is in force: from its effective start to its end, or
    the day before a later version starts, whichever comes first (PLAN_LANGUAGE.md 6)."""

    plan: Plan
    start: datetime.date
    end: datetime.date


@dataclass
class PlanYear:
    plan: Plan  # the version in force on P's last day: payee-level values, measures, caps
    fiscal_year: int
    periods: list  # the fiscal year's payout periods
    index: int  # P's position in them
    versions: list = None  # every Version in force in the fiscal year: a deal's rates come
    # from the version in force on its date

    @property
    def period(self):
        return self.periods[self.index]


def plan_versions(ledger_db: LedgerDb) -> dict[str, list[Version]]:
    """Each plan id's versions, oldest first, with the days each is in force."""
    by_id: dict[str, list[Plan]] = defaultdict(list)
    for found in registered_plans(ledger_db):
        if found.plan is None:
            raise CalculationError(f"{found.plan_id}@{found.version} no longer checks: "
                                   f"{found.errors[0].message}")
        by_id[found.plan_id].append(found.plan)
    result = {}
    for plan_id, plans in sorted(by_id.items()):
        versions = []
        for i, plan in enumerate(plans):
            later_starts = [p.effective_from for p in plans[i + 1:]
                            if p.effective_from > plan.effective_from]
            end = min([plan.effective_to] + [d - datetime.timedelta(days=1)
                                              for d in later_starts])
            if end >= plan.effective_from:
                versions.append(Version(plan, plan.effective_from, end))
        result[plan_id] = sorted(versions, key=lambda v: v.start)
    return result


def plan_year(versions: list[Version], period_name: str) -> PlanYear | None:
    """The plan's fiscal year around P, with the version in force on P's last day."""
    newest = versions[-1].plan
    length, year, index = parse_period(period_name)
    fiscal_year = year if length != "month" else fiscal_year_of(
        datetime.date(year, index, 1), newest.fiscal_year_start)
    periods = payout_periods(fiscal_year, newest.fiscal_year_start, length)
    position = next((i for i, p in enumerate(periods) if p.name == period_name), None)
    if position is None:
        return None
    period_end = periods[position].end
    in_year = [v for v in versions if v.start <= periods[-1].end and v.end >= periods[0].start]
    started = [v for v in in_year if v.start <= period_end]
    if not started:
        return None
    main = next((v for v in started if v.start <= period_end <= v.end), started[-1])
    return PlanYear(main.plan, fiscal_year, periods, position, in_year)


def period_years(versions_by_plan: dict[str, list[Version]], period_name: str
                 ) -> list[PlanYear]:
    """The fiscal year around P of each plan paid at P's length and in force in it."""
    length, _, _ = parse_period(period_name)
    return [year for versions in versions_by_plan.values()
            if versions[-1].plan.payout_period == length
            for year in [plan_year(versions, period_name)] if year is not None]


def window_span(year: PlanYear, deal_fields: tuple[str, ...]) -> WindowSpan:
    """What the plan year's window reads: the deals of the fiscal year up to the end of P,
    its assignments and quota rows to the end of the year."""
    return WindowSpan(year.periods[0].start, year.period.end, year.periods[-1].end,
                      deal_fields)


def deal_fields_of(plans: list[Plan]) -> tuple[str, ...]:
    """The deal fields beyond the stored ones that any of ``plans`` names: one read of a
    window carries them all."""
    return tuple(sorted({name.split(".", 1)[1] for plan in plans
                         for name in dict(plan.fields) if name.startswith("deal.")}))
