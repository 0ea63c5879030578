"""`icm calc`: a payout period computed as if it closed now. The body of ``calculate_period``
is the pipeline: load the plans in force, read each plan's window from the ledger, build
quota and target incentive per payee, earn every window (each deal rated by the plan version
in force on its date), sum earnings to date per line key, settle against the last close, and
put the period's result together as data (``ledger.records.PeriodResult``).

Changes to an earlier fiscal year that a close recorded are recomputed whole and shown as
prior-year lines.
"""
from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from rules_dsl.calendar import fiscal_year_of, parse_period, period_span
from engine.earnings import CalculationError, MissingQuotaError, PayeeValues, Window, \
    earn
from rules_dsl.money import difference, minor_digits
from engine.names import params_of, typed_value, used_names
from engine.quota import equal_parts, payout_periods, prorate, spread_row
from rules_dsl.money import Money
from engine import lines
from engine.lines import NO_DEAL, NO_SEQ
from engine.changes import PayeeLines, changed_lines, compare, payee_lines
from engine.order import ordered_lines
from engine.settle import settle_payee
from ledger.database import LedgerDb
from ledger.history import read_prior
from ledger.plans import registered_plans
from ledger.records import DRAFT, PeriodResult
from ledger.progress import counted, quiet
from ledger.window import read_window, require_rates
from rules_dsl.components.rated import RatedComponent
from rules_dsl.plan import Plan
from rules_dsl.types import Type


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


@dataclass
class PlanResult:
    """One plan year computed for every payee it lists."""
    year: PlanYear
    lines: pd.DataFrame  # earnings to date per line key (engine.lines), every payee of the plan
    listed: list[str]  # the payees settled: in force in P (every one, for an earlier year)
    values: dict[str, PayeeValues]  # payee-level names of the last window
    draws: dict[str, int]
    period_target_incentive: dict[str, int]

    def of(self, payee: str, lines_of: PayeeLines) -> dict:
        """What settlement reads of one payee."""
        return {"lines": lines_of, "values": self.values.get(payee),
                "draw": self.draws.get(payee, 0),
                "period_target_incentive": self.period_target_incentive.get(payee, 0)}


@dataclass
class Calculation:
    result: PeriodResult  # every payee's record and statement lines (a draft)
    compared: list  # (plan year, its compared line keys)
    currency: dict[str, str]  # each payee's settlement currency

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """What a close records of each line key: earnings to date, change (only a close
        asks, so a calc never builds it)."""
        return _line_records(self.compared, self.currency)


def calculate_period(ledger_db: LedgerDb, period_name: str,
                     versions_by_plan: dict[str, list[Version]] | None = None,
                     status: Callable[[str], None] = quiet) -> Calculation:
    """The result of `icm calc --period P`, and what a close of P records.
    ``versions_by_plan`` replaces the registered plans (what-if runs a proposed plan);
    ``status`` hears each stage as it starts."""
    with _no_cycle_collection():
        return _calculate(ledger_db, period_name, versions_by_plan, status)


@contextlib.contextmanager
def _no_cycle_collection():
    """A calculation allocates millions of small objects (keys, dates, text) and no cycles
    worth collecting while it runs; the collector's passes over them cost a fifth of a
    million-deal calc. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _calculate(ledger_db: LedgerDb, period_name: str, versions_by_plan, status
               ) -> Calculation:
    length, _, _ = parse_period(period_name)
    if versions_by_plan is None:
        status("reading the plans")
        versions_by_plan = plan_versions(ledger_db)
    years = [year for versions in versions_by_plan.values()
             if versions[-1].plan.payout_period == length
             for year in [plan_year(versions, period_name)] if year is not None]
    windows = _Windows(ledger_db, [v.plan for versions in versions_by_plan.values()
                                for v in versions])
    def compute(year: PlanYear) -> PlanResult:
        status(f"plan {year.plan.id} ({years.index(year) + 1} of {len(years)}): reading and "
               "earning its windows")
        return _plan_results(windows, year, year.period.end)

    results = _every_plan(compute, years)
    windows.read.clear()  # this year's frames: earlier years read their own windows
    status("reading earlier closes")
    start, fiscal_year = (years[0].period.start, years[0].fiscal_year) if years else \
        _fiscal_position(period_name, versions_by_plan)
    prior = read_prior(ledger_db, length, period_name, fiscal_year, start)
    payees: dict[str, list] = defaultdict(list)
    compared, changed = [], []
    for result in results:
        lines_of, found = _against_last_close(result, prior)
        result.lines = None  # compared now: the frame is the comparison's
        for payee in result.listed:
            payees[payee].append((result.year, result.of(payee, lines_of[payee])))
        changed.append(changed_lines(found, result.year.plan, None))
        compared.append((result.year, found[_RECORDED_COLUMNS]))
        del found
    if len(prior.recorded):
        status("comparing with the last close and earlier fiscal years")
    for result, changed_payees, found in _earlier_years(windows, period_name, fiscal_year,
                                                        prior, versions_by_plan):
        for payee, lines_of in changed_payees.items():
            payees[payee].append((result.year, result.of(payee, lines_of)))
        changed.append(changed_lines(found, result.year.plan, result.year.fiscal_year))
        compared.append((result.year, found[_RECORDED_COLUMNS]))
    listed = sorted(set(payees) | {p for p, b in prior.balance.items() if b}
                    | set(prior.adjustments))
    records = tuple(settle_payee(payee, payees.get(payee, []), prior, fiscal_year)
                    for payee in counted(listed, status, "settling", len(listed), "payees"))
    currency = {record.payee: record.currency for record in records}
    statement_lines = ordered_lines(changed, [year for year, _ in compared], records)
    return Calculation(PeriodResult(period_name, DRAFT, None, records, statement_lines),
                       compared, currency)


def _against_last_close(result: PlanResult, prior
                        ) -> tuple[dict[str, PayeeLines], pd.DataFrame]:
    """The listed payees' lines against what the last close recorded of the plan year."""
    found = compare(result.lines, prior.recorded_for(result.year.fiscal_year,
                                                     result.year.plan.id), result.listed)
    return defaultdict(PayeeLines, payee_lines(found)), found


# what a close records of a compared line key (``_line_records``)
_RECORDED_COLUMNS = ["payee", "component", "deal", "seq", "kind", "current", "before", "date"]


def _line_records(compared: list, currency: dict[str, str]) -> pd.DataFrame:
    """Every compared line key as a close records it (ledger.schema.ResultLine): typed
    columns, missing values as nulls, for the close's bulk write."""
    frames = []
    for year, found in compared:
        deal, seq = found["deal"], found["seq"]
        frames.append(pd.DataFrame({
            "payee_id": found["payee"], "plan_id": year.plan.id,
            "component": found["component"],
            "deal_id": deal.where(deal != NO_DEAL),
            "credit_seq": seq.astype("Int64").where(seq != NO_SEQ),
            "kind": found["kind"].fillna("deal"),
            "earned_to_date": found["current"],
            "amount": difference(found["current"].to_numpy(), found["before"].to_numpy()),
            "currency": found["payee"].map(currency), "text": "",
            "fiscal_year": year.fiscal_year, "deal_date": found["date"]}))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _fiscal_position(period_name: str, versions_by_plan: dict) -> tuple[datetime.date, int]:
    """P's first day and fiscal year when no plan of its length is in force in P (a close
    that only pays balances, adjustments or changes to an earlier year): by the fiscal year
    start of the newest plan paid at P's length, so `2027-02` under a February start is in
    fiscal 2028."""
    length, year, _ = parse_period(period_name)
    starts = [versions[-1].plan.fiscal_year_start for versions in versions_by_plan.values()
              if versions[-1].plan.payout_period == length]
    start_month = starts[0] if starts else 1
    first = period_span(period_name, start_month)[0]
    return first, fiscal_year_of(first, start_month) if length == "month" else year


def _every_plan(compute, years: list) -> list:
    """``compute`` of each plan year, gathering every missing quota of them all into one
    error, so one run names every (payee, measure, period) to import."""
    results, missing = [], []
    for year in years:
        try:
            results.append(compute(year))
        except MissingQuotaError as error:
            missing += error.missing
    if missing:
        raise MissingQuotaError(missing)
    return results


def _earlier_years(windows: _Windows, period_name: str, fiscal_year: int, prior,
                   versions_by_plan: dict) -> list:
    """Earlier fiscal years that closes recorded, recomputed on today's ledger whole, so a
    change to them shows up now as prior-year lines: (result, the changed payees' lines,
    their compared line keys). Only payees with a difference are kept."""
    length, _, _ = parse_period(period_name)
    found = []
    recorded_years = set(prior.recorded["fiscal_year"].tolist())
    years = []
    for year_number in sorted(y for y in recorded_years if y < fiscal_year):
        for versions in versions_by_plan.values():
            newest = versions[-1].plan
            if newest.payout_period != length:
                continue
            last = payout_periods(year_number, newest.fiscal_year_start, length)[-1]
            year = plan_year(versions, last.name)
            if year is not None:
                years.append(year)

    def recompute(year: PlanYear) -> PlanResult:
        judged_on = period_span(period_name, year.plan.fiscal_year_start)[1]
        return _plan_results(windows, year, judged_on, every_payee=True)

    for result in _every_plan(recompute, years):
        lines_of, compared = _against_last_close(result, prior)
        changed = {payee: mine for payee, mine in lines_of.items() if mine.changed}
        if changed:
            found.append((result, changed, compared[compared["payee"].isin(list(changed))]))
    return found


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


def _windows(year: PlanYear) -> list[tuple[Window, list]]:
    """(window, the payout periods whose quota it holds), in order."""
    plan, periods, index = year.plan, year.periods, year.index
    if plan.attainment_window == "period":
        return [(Window(p.name, p.start, p.end, p.number), [p]) for p in periods[:index + 1]]
    window = Window(year.period.name, periods[0].start, year.period.end, year.period.number)
    return [(window, _quota_periods(year))]


class _Windows:
    """The ledger's window frames for one calculation, read once per (first day, last day,
    currency): plans that share a fiscal year and a currency share one read, which carries
    every deal field any of the plans uses. (Plans of one fiscal year start share its last
    day too, so the key needs no more.)"""

    def __init__(self, ledger_db: LedgerDb, plans: list[Plan]):
        self.ledger_db = ledger_db
        self.deal_fields = tuple(sorted({name.split(".", 1)[1] for plan in plans
                                         for name in dict(plan.fields)
                                         if name.startswith("deal.")}))
        self.read: dict[tuple, object] = {}

    def frames(self, year: PlanYear, currency: str):
        """The deals of the fiscal year up to the end of P; its assignments and quota rows
        to the end of the year."""
        start, end, through = year.periods[0].start, year.period.end, year.periods[-1].end
        key = (start, end, currency)
        if key not in self.read:
            self.read[key] = read_window(self.ledger_db, start, end, currency,
                                         self.deal_fields, through)
        return self.read[key]


def _plan_results(windows: _Windows, year: PlanYear, judged_on: datetime.date,
                  every_payee: bool = False) -> PlanResult:
    """The plan year's lines for every payee it lists. ``judged_on`` is the last day of the
    period being computed: a cancellation by then takes its deal out of the year's windows
    (under the clawback rule), even when the year is an earlier one recomputed."""
    plan = year.plan
    fields = dict(plan.fields)
    frames = windows.frames(year, plan.currency)
    assignments = frames.assignments[frames.assignments["plan_id"] == plan.id]
    spans = defaultdict(list)
    for row in assignments.itertuples():
        spans[row.payee_id].append((row.effective_from, row.effective_to, row))
    quotas = _quota_by_period(frames.quotas, year, spans)
    year_windows = _windows(year)
    missing = _missing_quotas(year, {p: s for p, s in spans.items()
                                     if any(_overlaps(s, window) for window, _ in year_windows)},
                              quotas)
    if missing:
        raise MissingQuotaError(missing)
    ti = _target_incentive(year, spans)
    draws = _draws(year, spans)
    found: list[pd.DataFrame] = []
    history = _payee_history(frames.payees)
    for window, quota_periods in year_windows:
        in_window = {p: s for p, s in spans.items() if _overlaps(s, window)}
        values = {p: _payee_values(p, s, window, quota_periods, quotas, ti, history, fields,
                                   plan) for p, s in in_window.items()}
        dated = _in_window(frames.credits, window, year, plan, judged_on)
        rows = dated[_in_assignment(dated["payee_id"], dated["date"], in_window)]
        team = _team(dated, frames.payees, in_window) if _uses_team(plan) else None
        for used in [rows] + list((team or {}).values()):
            require_rates(used, plan.currency)
        versions = [(v.plan, pd.Timestamp(v.start), pd.Timestamp(v.end))
                    for v in year.versions if v.start <= window.end and v.end >= window.start]
        found.append(earn(plan, window, rows, values, fields, team, versions))
        last_values = values
    listed = sorted(set(spans) if every_payee else {
        p for p, s in spans.items()
        if any(start <= year.period.end and (end is None or end >= year.period.start)
               for start, end, _ in s)})
    return PlanResult(year, lines.earned_to_date(lines.combine(found)), listed, last_values,
                      draws, {payee: by_period.get(year.period.name, 0)
                              for payee, by_period in ti.items()})


def _in_window(credits: pd.DataFrame, window: Window, year: PlanYear, plan: Plan,
               judged_on: datetime.date) -> pd.DataFrame:
    """Credit rows on deals dated in the window, less cancelled deals that leave every
    window by the clawback rule: cancelled by ``judged_on``, inside their own payout period
    or within the plan's ``within_days`` of their date."""
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    rows = credits[(credits["date"] >= start) & (credits["date"] <= end)]
    cancelled = ((rows["status"] == "cancelled")
                 & (rows["cancel_date"] <= pd.Timestamp(judged_on))).to_numpy()
    if not cancelled.any():
        return rows
    months = 12 // len(year.periods)
    same_period = _period_key(rows["date"], plan, months) == _period_key(
        rows["cancel_date"], plan, months)
    within = (rows["cancel_date"] - rows["date"]).dt.days.to_numpy() <= (
        plan.clawback_within_days if plan.clawback_within_days is not None else -1)
    return rows[~(cancelled & (same_period | within))]


def _period_key(dates: pd.Series, plan: Plan, months: int) -> np.ndarray:
    """One number per payout period: equal for two dates in the same payout period."""
    index = dates.dt.year.to_numpy(dtype=np.int64, na_value=0) * 12 + \
        dates.dt.month.to_numpy(dtype=np.int64, na_value=0) - plan.fiscal_year_start
    return index // months


def _in_assignment(payee_ids: pd.Series, dates: pd.Series, spans: dict) -> np.ndarray:
    """Rows whose date falls inside one of their payee's assignments to the plan."""
    table = pd.DataFrame([(payee, pd.Timestamp(first), pd.Timestamp(last or datetime.date.max))
                          for payee, payee_spans in spans.items()
                          for first, last, _ in payee_spans],
                         columns=["payee_id", "first", "last"])
    rows = pd.DataFrame({"payee_id": payee_ids.to_numpy(), "date": dates.to_numpy(),
                         "row": np.arange(len(payee_ids))})
    merged = rows.merge(table, on="payee_id")
    hits = merged.loc[(merged["date"] >= merged["first"]) & (merged["date"] <= merged["last"]),
                      "row"]
    inside = np.zeros(len(payee_ids), dtype=bool)
    inside[hits.to_numpy()] = True
    return inside


def _uses_team(plan: Plan) -> bool:
    """An override, or an expression reading a team measure, needs the team's rows."""
    return any(c.team_scope() is not None for c in plan.components) or any(
        name.startswith(("team.", "team_all.")) for expression in plan.expressions()
        for name in used_names(expression.node))


def _team(dated: pd.DataFrame, payees: pd.DataFrame, spans: dict) -> dict:
    """The window's credit rows of every payee's reports, keyed to the managers on the plan
    (on the manager's own days), for direct reports and for every level below: one walk up
    the hierarchy, each row tagged with its level."""
    found = team_rows(dated, payees)
    found = found[found["payee_id"].isin(list(spans))]
    found = found[_in_assignment(found["payee_id"], found["date"], spans)]
    return {"direct": found[found["level"] == 1], "all": found}


def team_rows(credits: pd.DataFrame, payees: pd.DataFrame) -> pd.DataFrame:
    """Credit rows re-keyed to every manager above their payee, each as of the deal's date,
    level by level (``level`` 1 for the direct manager). ``payee_id`` becomes the manager,
    ``report_id`` keeps whose row it is."""
    history = payees[["id", "effective_from", "manager_id"]].copy()
    history["effective_from"] = pd.to_datetime(history["effective_from"]).astype(
        "datetime64[s]")
    history = history.sort_values("effective_from")
    current = credits.assign(report_id=credits["payee_id"], _row=np.arange(len(credits)))
    current = current.assign(_chain=current["payee_id"])
    found, level = [], 0
    deepest = history["id"].nunique()  # no chain without a loop is longer
    while len(current):
        if level > deepest:
            first = current.iloc[0]
            raise CalculationError(_loop_message(history, first["report_id"],
                                                 first["date"]))
        looked = pd.merge_asof(current.sort_values("date"), history, left_on="date",
                               right_on="effective_from", left_by="_chain", right_by="id",
                               direction="backward").sort_values("_row")
        looked = looked[looked["manager_id"].notna()]
        if looked.empty:
            break
        level += 1
        step = looked.drop(columns=["id", "effective_from", "manager_id"]).assign(
            payee_id=looked["manager_id"], _chain=looked["manager_id"])
        found.append(step.assign(level=level))
        current = step
    if not found:
        return credits.iloc[0:0].assign(report_id=pd.Series(dtype=str),
                                        level=pd.Series(dtype=np.int64))
    return pd.concat(found).drop(columns=["_row", "_chain"]).reset_index(drop=True)


def _loop_message(history: pd.DataFrame, payee: str, day: pd.Timestamp) -> str:
    """Which managers loop above ``payee`` on ``day``: the import refuses a loop, so one in
    the ledger came some other way, and a calculation must not walk it forever."""
    in_force = history[history["effective_from"] <= day].groupby("id")["manager_id"].last()
    chain, current = [payee], in_force.get(payee)
    while current is not None and pd.notna(current) and current not in chain:
        chain.append(current)
        current = in_force.get(current)
    chain.append(current)
    return (f"the manager chain loops on {day.date()}: {' -> '.join(map(str, chain))}; fix "
            "the manager_id of these payees and import the payees file again")


def _quota_by_period(quotas: pd.DataFrame, year: PlanYear, spans) -> dict:
    """(payee, measure) -> {payout period name: prorated quota}."""
    result: dict[tuple, dict] = defaultdict(dict)
    for payee, measure, start, end, amount in zip(*[quotas[c].tolist() for c in (
            "payee_id", "measure", "start", "end", "amount")]):
        if payee not in spans:
            continue
        for name, part in spread_row(start, end, int(amount), year.periods).items():
            by_period = result[(payee, measure)]
            by_period[name] = by_period.get(name, 0) + part
    prorated: dict[tuple, dict] = {}
    for (payee, measure), by_period in result.items():
        coverage_spans = [(s, e) for s, e, _ in spans[payee]]
        prorated[(payee, measure)] = {
            p.name: sum(prorate(by_period[p.name], p, coverage_spans, year.plan.proration,
                                year.plan.rounding))
            for p in year.periods if p.name in by_period}
    return prorated


def _quota_periods(year: PlanYear) -> list:
    """The payout periods whose quota the plan year's windows read."""
    return year.periods if year.plan.attainment_window == "annual" else \
        year.periods[:year.index + 1]


def quota_measures(plan: Plan) -> set[str]:
    """The measures whose quota the plan reads: by `quota.M` or `attainment.M`, or through
    tiers on attainment (a commission's, or an override's over the payee's own quota)."""
    read = {name.split(".", 1)[1] for expression in plan.expressions()
            for name in used_names(expression.node)
            if name.startswith(("quota.", "attainment."))}
    read |= {component.measure for component in plan.components
             if isinstance(component, RatedComponent) and component.tiers is not None
             and component.tiers.basis == "attainment"}
    return read & {measure.name for measure in plan.measures}


def _overlaps(payee_spans: list, window) -> bool:
    """Whether one of a payee's assignments is in force on some day of the window (or of
    any span with a start and an end, such as a payout period)."""
    return any(start <= window.end and (end is None or end >= window.start)
               for start, end, _ in payee_spans)


def _missing_quotas(year: PlanYear, spans, quotas: dict) -> list[tuple[str, str, str, str]]:
    """(plan, payee, measure, payout period) for each payout period of the windows that an
    assignment covers and no quota row does (PLAN_LANGUAGE.md section 3). ``spans`` holds
    the payees the windows evaluate: a hire later in the year needs no quota yet."""
    periods = _quota_periods(year)
    measures = sorted(quota_measures(year.plan))
    missing = []
    for payee, payee_spans in sorted(spans.items()):
        for measure in measures:
            have = quotas.get((payee, measure), {})
            missing += [(year.plan.id, payee, measure, period.name) for period in periods
                        if period.name not in have and _overlaps(payee_spans, period)]
    return missing


def _spread_annual(year: PlanYear, spans, amount_of) -> dict[str, dict[str, int]]:
    """An annual amount per assignment, divided over the payout periods and prorated."""
    result: dict[str, dict[str, int]] = {}
    for payee, payee_spans in spans.items():
        per_period: dict[str, int] = defaultdict(int)
        for start, end, row in payee_spans:
            annual = amount_of(row)
            if not annual:
                continue
            parts = equal_parts(annual, len(year.periods))
            for period, part in zip(year.periods, parts):
                per_period[period.name] += prorate(part, period, [(start, end)],
                                                   year.plan.proration, year.plan.rounding)[0]
        result[payee] = dict(per_period)
    return result


def _target_incentive(year: PlanYear, spans) -> dict[str, dict[str, int]]:
    return _spread_annual(year, spans, lambda row: int(row.target_incentive)
                          if pd.notna(row.target_incentive) else 0)


def _draws(year: PlanYear, spans) -> dict[str, int]:
    """The prorated draw of each payee in P (the draw is per payout period)."""
    draw = year.plan.draw
    if draw is None:
        return {}
    return {payee: sum(prorate(draw.amount, year.period, [(s, e)], year.plan.proration,
                               year.plan.rounding)[0] for s, e, _ in payee_spans)
            for payee, payee_spans in spans.items()}


def _payee_history(payees: pd.DataFrame) -> dict[str, list[dict]]:
    """Each payee's rows, oldest first."""
    history = defaultdict(list)
    for row in payees.to_dict("records"):
        history[row["id"]].append(row)
    return history


def _params(text: str, fields: dict, plan: Plan, assignment, row) -> dict:
    """``params_of`` an assignment's params, made once per distinct text, plan and fields
    (a hundred thousand payees share a handful); each caller gets its own dict. An error
    is not kept, so it names the payee whose assignment it is."""
    key = (text, plan.id, plan.currency, tuple(fields.items()))
    found = _PARAMS.get(key)
    if found is None:
        found = _PARAMS[key] = params_of(text, fields, plan.currency, assignment(row))
        if len(_PARAMS) > 10_000:
            _PARAMS.clear()
    return dict(found)


_PARAMS: dict = {}


def _payee_values(payee, payee_spans, window, quota_periods, quotas, ti, history, fields,
                  plan) -> PayeeValues:
    values = PayeeValues(payee)
    names = values.names
    names["target_incentive"] = Money(sum(ti.get(payee, {}).get(p.name, 0)
                                          for p in quota_periods))
    for measure in plan.measures:
        by_period = quotas.get((payee, measure.name))
        if by_period is not None:
            quota = sum(by_period.get(p.name, 0) for p in quota_periods)
            # count and number quotas are stored in minor units of the plan currency
            # (docs/decisions.md)
            scale = 10 ** minor_digits(plan.currency)
            names[f"quota.{measure.name}"] = (
                Money(quota) if measure.type == Type.MONEY
                else Fraction(quota, scale) if measure.type == Type.NUMBER
                else quota // scale)
    def assignment(row) -> str:
        return f"the assignment of {payee} to {plan.id} from {row.effective_from}"

    started = [span for span in payee_spans if span[0] <= window.end] or payee_spans
    last = max(started, key=lambda s: s[0])[2]  # in force on the window's last day
    names.update(_params(last.params, fields, plan, assignment, last))
    values.params_by_date = [(first, last_day or datetime.date.max,
                              _params(row.params, fields, plan, assignment, row))
                             for first, last_day, row in payee_spans
                             if _overlaps([(first, last_day, row)], window)]
    rows = [row for row in history.get(payee, []) if row["effective_from"] <= window.end]
    if rows:
        current = rows[-1]
        for name in ("id", "name", "role", "hire_date"):
            names[f"payee.{name}"] = current[name]
        extra = json.loads(current["extra"] or "{}")
        for name, field_type in fields.items():
            if name.startswith("payee."):
                names[name] = typed_value(extra.get(name.split(".", 1)[1]), field_type,
                                          plan.currency, f"payee {payee}: {name}")
    names["period.start"], names["period.end"] = window.start, window.end
    names["period.number"] = window.number
    return values
