"""`icm calc`: a payout period computed as if it closed now, in two stages. ``earn_period``:
load the plans in force, read each plan's window from the ledger, build quota and target
incentive per payee, earn every window (each deal rated by the plan version in force on its
date), sum earnings to date per line key and compare them with the last close: the earning
lines are final there (``Earned``). ``Earned.settle``: each payee's pay against the last
close, and the period's result as data (``ledger.records.PeriodResult``). A close writes
the earning lines while the payees are settled (``engine.closing``).

Changes to an earlier fiscal year that a close recorded are recomputed whole and shown as
prior-year lines.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import gc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rules_dsl.calendar import fiscal_year_of, parse_period, period_span
from engine import earnings, payable, window_names
from engine.earnings import CalculationError, MissingQuotaError, Window, earn
from engine.names import used_names
from engine.payee_table import PayeeTable
from engine.quota import payout_periods
from engine.plan_years import (PlanYear, Version, deal_fields_of, period_years, plan_versions,
                               plan_year, window_span)
from engine.read_ahead import Ahead
from engine import assignments, clawback, lines
from engine.lines import NO_DEAL, NO_SEQ
from engine.metrics import set_metrics
from engine.changes import PayeeLines, changed_lines, compare, payee_lines, stated
from engine.order import ordered_earnings, settlement_lines, with_settlement
from engine.settle import PlanSettlement, settle_payee, settled_names
from ledger.database import LedgerDb
from ledger.history import read_prior
from ledger.records import DRAFT, PeriodResult
from ledger.progress import counted, quiet
from ledger.window import read_payments, read_window, require_rates
from ledger.window_read import ReadAhead
from rules_dsl.plan import Plan


@dataclass
class PlanResult:
    """One plan year computed for every payee it lists."""
    year: PlanYear
    lines: pd.DataFrame  # earnings to date per line key (engine.lines), every payee of the plan
    listed: list[str]  # the payees settled: in force in P (every one, for an earlier year)
    values: PayeeTable  # payee-level names of the last window
    draws: dict[str, int]
    period_target_incentive: dict[str, int]
    clawed: pd.DataFrame  # credit rows a partial clawback keeps at part of their amount
    cancelled: dict = None  # deal -> cancel date, of the year's deals cancelled by now

    def of(self, payee: str, lines_of: PayeeLines) -> dict:
        """What settlement reads of one payee."""
        position = self.values.position.get(payee)
        return {"lines": lines_of,
                "values": None if position is None else self._settled[position],
                "draw": self.draws.get(payee, 0),
                "period_target_incentive": self.period_target_incentive.get(payee, 0)}


    @functools.cached_property
    def _settled(self) -> list[dict]:
        """The names settlement reads, a plain dict per payee of the last window, made a
        column at a time."""
        return self.values.records(settled_names(self.year.plan))

    @functools.cached_property
    def settlement(self) -> PlanSettlement:
        """Settlement of the payees whose one result this is."""
        return PlanSettlement(self.year, self.values, self.draws,
                              self.period_target_incentive)


@dataclass
class Calculation:
    """A period computed: every payee's record, their earning and settlement lines, and
    what a close records of the line keys compared."""
    period: str
    payees: tuple  # every payee's record (ledger.records.PayeeRecord), sorted by payee
    earning_lines: pd.DataFrame | None  # in statement order (engine.order.ordered_earnings)
    settlement_lines: pd.DataFrame  # the records' (engine.order.settlement_lines)
    compared: list  # (plan year, its unchanged line keys, whether an earlier fiscal year)
    currency: dict[str, str]  # each payee's settlement currency

    @functools.cached_property
    def result(self) -> PeriodResult:
        """Every payee's record and statement lines (a draft). The earning lines' columns
        go into it: a close asks once it has written them."""
        lines, self.earning_lines = self.earning_lines, None
        return PeriodResult(self.period, DRAFT, None, self.payees,
                            with_settlement(lines, self.settlement_lines))

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """What a close records of each unchanged line key (a changed one is recorded as
        its statement line): only a close asks, so a calc never builds it."""
        return _line_records(self.compared, self.currency)

    @property
    def plan_years(self) -> list[tuple[str, int, bool]]:
        """Each plan year compared: (plan id, fiscal year, whether an earlier fiscal year,
        whose statement lines name their year)."""
        return [(year.plan.id, year.fiscal_year, prior) for year, _, prior in self.compared]


@dataclass
class Earned:
    """A period earned and compared with the last close, its payees not yet settled. Its
    earning lines are final and in statement order (settlement only adds lines after
    them), so a close writes them while ``settle`` runs."""
    period: str
    lines: pd.DataFrame  # every changed line key's statement line (engine.order)
    payees: dict[str, list]  # payee -> [(plan result, its lines)]
    results: list  # this fiscal year's PlanResults
    prior: object  # ledger.history.Prior
    fiscal_year: int
    still_held: dict[str, int]  # held in an earlier fiscal year that changed nothing now
    compared: list  # as Calculation.compared

    def settle(self, status: Callable[[str], None] = quiet) -> Calculation:
        """Every payee's record: this period's pay, what is held, the balance carried."""
        with _no_cycle_collection():
            return self._settled(status)

    def _settled(self, status) -> Calculation:
        prior, payees, fiscal_year = self.prior, self.payees, self.fiscal_year
        listed = sorted(set(payees) | {p for p, b in prior.balance.items() if b}
                        | set(prior.adjustments))
        settled = _settled_alone(payees, self.results, prior, fiscal_year)
        records = tuple(settled[payee] if payee in settled else
                        settle_payee(payee, [(result.year, result.of(payee, lines_of))
                                             for result, lines_of in payees.get(payee, ())],
                                     prior, fiscal_year)
                        for payee in counted(listed, status, "settling", len(listed),
                                             "payees"))
        still_held = self.still_held
        if still_held:  # held in an earlier fiscal year that changed nothing now (7.3)
            records = tuple(dataclasses.replace(record, held=record.held + still_held[
                record.payee]) if still_held.get(record.payee) else record
                for record in records)
        currency = {record.payee: record.currency for record in records}
        lines, self.lines = self.lines, None  # the Calculation's now
        return Calculation(self.period, records, lines, settlement_lines(records),
                           self.compared, currency)


def calculate_period(ledger_db: LedgerDb, period_name: str,
                     versions_by_plan: dict[str, list[Version]] | None = None,
                     status: Callable[[str], None] = quiet,
                     ahead: Ahead | None = None) -> Calculation:
    """The result of `icm calc --period P`, and what a close of P records.
    ``versions_by_plan`` replaces the registered plans (what-if runs a proposed plan);
    ``status`` hears each stage as it starts; ``ahead`` (``engine.read_ahead``) has read
    the plans and may have read the window already."""
    return earn_period(ledger_db, period_name, versions_by_plan, status, ahead).settle(status)


def earn_period(ledger_db: LedgerDb, period_name: str,
                versions_by_plan: dict[str, list[Version]] | None = None,
                status: Callable[[str], None] = quiet,
                ahead: Ahead | None = None) -> Earned:
    """``calculate_period`` up to settlement: every window earned and compared with the
    last close, the statement lines of earnings in order."""
    if ahead is not None:
        ahead.wait()  # the engine has loaded: its reads may begin
        versions_by_plan = ahead.versions_by_plan
    with _no_cycle_collection():
        return _earned(ledger_db, period_name, versions_by_plan, status,
                       ahead.window if ahead is not None else None)


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


def _earned(ledger_db: LedgerDb, period_name: str, versions_by_plan, status,
            read_ahead: ReadAhead | None) -> Earned:
    length, _, _ = parse_period(period_name)
    if versions_by_plan is None:
        status("reading the plans")
        versions_by_plan = plan_versions(ledger_db)
    years = period_years(versions_by_plan, period_name)
    windows = _Windows(ledger_db, [v.plan for versions in versions_by_plan.values()
                                   for v in versions], read_ahead)
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
    payees: dict[str, list] = defaultdict(list)  # payee -> [(plan result, its lines)]
    compared, changed = [], []
    for result in results:
        lines_of, found = _against_last_close(result, prior)
        result.lines = None  # compared now: the frame is the comparison's
        for payee in result.listed:
            payees[payee].append((result, lines_of[payee]))
        changed.append(changed_lines(found, result.year.plan, None, result.clawed,
                                     result.cancelled))
        compared.append((result.year, _unchanged(found), False))
        del found
    if len(prior.recorded):
        status("comparing with the last close and earlier fiscal years")
    earlier, still_held = _earlier_years(windows, period_name, fiscal_year, prior,
                                         versions_by_plan)
    for result, changed_payees, found in earlier:
        for payee, lines_of in changed_payees.items():
            payees[payee].append((result, lines_of))
        changed.append(changed_lines(found, result.year.plan, result.year.fiscal_year,
                                     result.clawed, result.cancelled))
        compared.append((result.year, _unchanged(found), True))
    return Earned(period_name, ordered_earnings(changed, [year for year, _, _ in compared]),
                  payees, results, prior, fiscal_year, still_held, compared)


def _settled_alone(payees: dict[str, list], results: list, prior, fiscal_year: int
                   ) -> dict:
    """The records of the payees whose one result is one of this year's plans, a plan at a
    time (PlanSettlement); settle_payee makes the others'."""
    found = {}
    for result in results:
        alone = [payee for payee in result.listed if len(payees[payee]) == 1
                 and result.year.fiscal_year == fiscal_year]
        lines = [payees[payee][0][1] for payee in alone]
        found.update(zip(alone, result.settlement.records(alone, lines, prior)))
    return found


def _against_last_close(result: PlanResult, prior
                        ) -> tuple[dict[str, PayeeLines], pd.DataFrame]:
    """The listed payees' lines against what the last close recorded of the plan year."""
    found = compare(result.lines, prior.recorded_for(result.year.fiscal_year,
                                                     result.year.plan.id), result.listed)
    return defaultdict(PayeeLines, payee_lines(found)), found


# what a close records of a compared line key (``_line_records``)
_RECORDED_COLUMNS = ["payee", "component", "deal", "seq", "kind", "current", "date"]


def _unchanged(found: pd.DataFrame) -> pd.DataFrame:
    """The compared keys whose earnings to date did not change: the changed ones are the
    statement lines (``changed_lines``), which the close records once, as such."""
    same = found["current"].to_numpy() == found["before"].to_numpy()
    same &= ~stated(found, np.zeros(len(found), dtype=np.int64))  # a zero-quota line
    return found.loc[same, _RECORDED_COLUMNS]


def _line_records(compared: list, currency: dict[str, str]) -> pd.DataFrame:
    """Every unchanged line key as a close records it (ledger.schema.result_lines): typed
    columns, missing values as nulls, for the close's bulk write."""
    frames = []
    for year, found, _ in compared:
        if not len(found):
            continue
        deal, seq = found["deal"], found["seq"]
        frames.append(pd.DataFrame({
            "payee_id": found["payee"], "plan_id": year.plan.id,
            "component": found["component"],
            "deal_id": deal.where(deal != NO_DEAL),
            "credit_seq": seq.astype("Int64").where(seq != NO_SEQ),
            "kind": found["kind"].fillna("deal"),
            "earned_to_date": found["current"],
            "amount": 0,  # unchanged
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
                   versions_by_plan: dict) -> tuple[list, dict[str, int]]:
    """Earlier fiscal years that closes recorded, recomputed on today's ledger whole, so a
    change to them shows up now as prior-year lines: (result, the changed payees' lines,
    their compared line keys). Only payees with a difference are kept; what the others
    still hold (earned, not yet payable) comes second, by payee."""
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

    still_held: dict[str, int] = defaultdict(int)
    for result in _every_plan(recompute, years):
        lines_of, compared = _against_last_close(result, prior)
        changed = {payee: mine for payee, mine in lines_of.items() if mine.changed}
        for payee, mine in lines_of.items():
            if mine.held and payee not in changed:
                still_held[payee] += mine.held
        if changed:
            found.append((result, changed, compared[compared["payee"].isin(list(changed))]))
    return found, still_held


def _windows(year: PlanYear, kind: str) -> list[tuple[Window, list]]:
    """(window, the payout periods whose quota it holds), in order, for a kind of window."""
    periods, index = year.periods, year.index
    if kind == "period":
        return [(Window(p.name, p.start, p.end, p.number), [p]) for p in periods[:index + 1]]
    window = Window(year.period.name, periods[0].start, year.period.end, year.period.number)
    return [(window, _quota_periods(year, kind))]


def _window_kinds(plan: Plan) -> list[tuple[str, tuple]]:
    """Each kind of window the plan earns over, with the components earned over it: the
    plan's attainment_window first (its last window's figures are the payee's attainment),
    then any a component sets for itself (PLAN_LANGUAGE.md 7.2)."""
    kinds = dict.fromkeys([plan.attainment_window] + [plan.window_of(c)
                                                      for c in plan.components])
    return [(kind, tuple(c for c in plan.components if plan.window_of(c) == kind))
            for kind in kinds]


class _Windows:
    """The ledger's window frames for one calculation, read once per (first day, last day,
    currency): plans that share a fiscal year and a currency share one read, which carries
    every deal field any of the plans uses. (Plans of one fiscal year start share its last
    day too, so the key needs no more.)"""

    def __init__(self, ledger_db: LedgerDb, plans: list[Plan],
                 ahead: ReadAhead | None = None):
        self.ledger_db = ledger_db
        self.deal_fields = deal_fields_of(plans)
        self.ahead = ahead  # the first read may have been made already
        self.read: dict[tuple, object] = {}
        self.paid: dict = {}  # judged_on -> payments up to that day

    def payments(self, plan: Plan, judged_on: datetime.date):
        """The payments dated up to ``judged_on``, for a plan paid on collection."""
        if not any(c.payable is not None and c.payable.kind == "collected"
                   for c in plan.components):
            return None
        if judged_on not in self.paid:  # read once for every plan and year judged then
            self.paid[judged_on] = read_payments(self.ledger_db, judged_on)
        return self.paid[judged_on]

    def frames(self, year: PlanYear, currency: str):
        """The deals of the fiscal year up to the end of P; its assignments and quota rows
        to the end of the year."""
        span = window_span(year, self.deal_fields)
        key = (span.start, span.end, currency)
        if key not in self.read:
            ahead, self.ahead = self.ahead, None
            frames = self.read[key] = read_window(self.ledger_db, span.start, span.end,
                                                  currency, self.deal_fields, span.through,
                                                  ahead)
            # each row's place in the read's order: (deal date, deal id, credit row)
            frames.credits["row"] = np.arange(len(frames.credits), dtype=np.int64)
        return self.read[key]


def _plan_results(windows: _Windows, year: PlanYear, judged_on: datetime.date,
                  every_payee: bool = False) -> PlanResult:
    """The plan year's lines for every payee it lists. ``judged_on`` is the last day of the
    period being computed: a cancellation by then takes its deal out of the year's windows
    (under the clawback rule), even when the year is an earlier one recomputed."""
    plan = year.plan
    fields = dict(plan.fields)
    frames = windows.frames(year, plan.currency)
    spans = assignments.spans_of(frames.assignments[frames.assignments["plan_id"] == plan.id])
    quotas = assignments.quota_table(frames.quotas, plan, year.periods, spans)
    kinds = _window_kinds(plan)
    other_names = window_names.names_read(plan)
    evaluated = np.zeros(len(spans.ids), dtype=bool)
    for kind, _ in kinds:
        for window, _ in _windows(year, kind):
            evaluated |= spans.payees_in(window.start, window.end)
    assignments.require_quotas(plan, _quota_read(year, kinds, other_names), spans, evaluated,
                               quotas)
    incentive = assignments.spread_annual(plan, year.periods, spans, spans.target_incentive)
    draws = assignments.draws(plan, year.periods, year.index, spans) \
        if plan.draw is not None else None
    found: list[pd.DataFrame] = []
    clawed: list[pd.DataFrame] = []
    positions = spans.positions_of(frames.credits["payee_id"])

    def window_rows(window: Window, in_window: np.ndarray) -> tuple[pd.DataFrame, ...]:
        """The window's credit rows, those of them on its payees' own days, and the rows a
        partial clawback keeps at part of their amount."""
        dated, partly = _in_window(frames.credits, window, year, plan, judged_on, fields)
        return dated, dated[spans.inside(positions[dated["row"].to_numpy()],
                                         dated["date"].to_numpy(), in_window)], partly

    def names_table(window: Window, quota_periods: list, in_window: np.ndarray):
        return assignments.payee_table(plan, window, year.periods, quota_periods, spans,
                                       in_window, quotas, incentive, frames.payees, fields)

    for kind, components in kinds:
        for window, quota_periods in _windows(year, kind):
            in_window = spans.payees_in(window.start, window.end)
            values = names_table(window, quota_periods, in_window)
            set_metrics(values, plan, window, frames.metrics, fields)
            for prefix, names in other_names.items():
                first, last, its_quota = window_names.span(prefix, year.periods,
                                                           window.number - 1)
                other = Window(window.name, first, last, window.number)
                figures = names_table(other, its_quota, in_window)
                earnings.measure(plan, other, window_rows(other, in_window)[1], figures,
                                 fields)
                window_names.adopt(values, prefix, names, figures)
            dated, rows, partly = window_rows(window, in_window)
            clawed.append(partly)
            team = _team(dated, frames.payees, spans, in_window) if _uses_team(plan) else None
            for used in [rows] + list((team or {}).values()):
                require_rates(used, plan.currency)
            versions = [(v.plan, pd.Timestamp(v.start), pd.Timestamp(v.end))
                        for v in year.versions
                        if v.start <= window.end and v.end >= window.start]
            found.append(earn(plan, window, rows, values, fields, team, versions,
                              components))
            if kind == plan.attainment_window:
                last_values = values
    listed_mask = np.ones(len(spans.ids), dtype=bool) if every_payee else \
        spans.payees_in(year.period.start, year.period.end)
    listed = sorted(spans.ids[i] for i in np.flatnonzero(listed_mask))
    earned = lines.earned_to_date(lines.combine(found))
    if payable.uses_payable(plan):
        earned = payable.payable_lines(plan, earned, frames.credits,
                                       windows.payments(plan, judged_on), judged_on)
    return PlanResult(year, earned, listed, last_values,
                      {} if draws is None else dict(zip(spans.ids, map(int, draws))),
                      dict(zip(spans.ids, map(int, incentive[:, year.index]))),
                      pd.concat(clawed, ignore_index=True),
                      _cancelled(frames.credits, judged_on))


def _cancelled(credits: pd.DataFrame, judged_on: datetime.date) -> dict:
    """Each deal of the year cancelled by ``judged_on``, with its cancel date: a clawback
    line says when its deal was cancelled. Few deals: a dict."""
    rows = credits[(credits["status"] == "cancelled")
                   & (credits["cancel_date"] <= pd.Timestamp(judged_on))]
    rows = rows.drop_duplicates("deal_id")
    return dict(zip(rows["deal_id"].tolist(), rows["cancel_date"].dt.date.tolist()))


def _in_window(credits: pd.DataFrame, window: Window, year: PlanYear, plan: Plan,
               judged_on: datetime.date, fields: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Credit rows on deals dated in the window, less cancelled deals that leave every
    window by the clawback rule: cancelled by ``judged_on``, inside their own payout period
    or within the plan's ``within_days`` of their date; or, under a clawback schedule or
    share, taken back by it (engine.clawback). Beside them, the rows kept at part of their
    amount (``clawback.CLAWED_COLUMNS``)."""
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    rows = credits[(credits["date"] >= start) & (credits["date"] <= end)]
    cancelled = ((rows["status"] == "cancelled")
                 & (rows["cancel_date"] <= pd.Timestamp(judged_on))).to_numpy()
    if not cancelled.any():
        return rows, _NONE_CLAWED
    if plan.partial_clawback:
        return clawback.taken_back(rows, cancelled, plan, fields)
    months = 12 // len(year.periods)
    same_period = _period_key(rows["date"], plan, months) == _period_key(
        rows["cancel_date"], plan, months)
    within = (rows["cancel_date"] - rows["date"]).dt.days.to_numpy() <= (
        plan.clawback_within_days if plan.clawback_within_days is not None else -1)
    return rows[~(cancelled & (same_period | within))], _NONE_CLAWED


_NONE_CLAWED = pd.DataFrame(columns=clawback.CLAWED_COLUMNS)


def _period_key(dates: pd.Series, plan: Plan, months: int) -> np.ndarray:
    """One number per payout period: equal for two dates in the same payout period."""
    index = dates.dt.year.to_numpy(dtype=np.int64, na_value=0) * 12 + \
        dates.dt.month.to_numpy(dtype=np.int64, na_value=0) - plan.fiscal_year_start
    return index // months


def _uses_team(plan: Plan) -> bool:
    """An override, or an expression reading a team measure, needs the team's rows."""
    return any(c.team_scope() is not None for c in plan.components) or any(
        name.startswith(("team.", "team_all.")) for expression in plan.expressions()
        for name in used_names(expression.node))


def _team(dated: pd.DataFrame, payees: pd.DataFrame, spans: assignments.Spans,
          in_window: np.ndarray) -> dict:
    """The window's credit rows of every payee's reports, keyed to the managers on the plan
    (on the manager's own days), for direct reports and for every level below: one walk up
    the hierarchy, each row tagged with its level."""
    found = team_rows(dated, payees)
    found = found[spans.inside(spans.positions_of(found["payee_id"]), found["date"].to_numpy(),
                               in_window)]
    return {"direct": found[found["level"] == 1], "all": found}


def team_rows(credits: pd.DataFrame, payees: pd.DataFrame) -> pd.DataFrame:
    """Credit rows re-keyed to every manager above their payee, each as of the deal's date,
    level by level (``level`` 1 for the direct manager). ``payee_id`` becomes the manager,
    ``report_id`` keeps whose row it is."""
    history = payees[["id", "effective_from", "manager_id"]].astype(
        {"id": credits["payee_id"].dtype, "manager_id": credits["payee_id"].dtype})
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


def _quota_periods(year: PlanYear, kind: str) -> list:
    """The payout periods whose quota a kind of window reads."""
    return year.periods if kind == "annual" else year.periods[:year.index + 1]


def _quota_read(year: PlanYear, kinds: list, other_names: dict) -> list:
    """Every payout period whose quota the plan year reads: its windows' and those of the
    other windows its names read (`annual.quota.M` reads the whole year's)."""
    whole = "annual" in other_names or any(kind == "annual" for kind, _ in kinds)
    return _quota_periods(year, "annual" if whole else "ytd")
