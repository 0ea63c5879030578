"""A plan year's assignments as columns: who is on the plan on which days, and what each
payee carries into a window (quota, target incentive, draw, params, payee fields).

In: the window's assignment, quota and payee frames (``ledger.window``). Out: ``Spans`` (an
assignment a row) and, per window, a ``PayeeTable`` of the payee-level names. The rules are
``engine.quota``'s (PLAN_LANGUAGE.md section 3); here they run over every payee at once. A
coverage share depends only on an assignment's first and last day, which a hundred thousand
payees share a handful of, so ``engine.quota.coverage`` is asked once per distinct pair and
the shares spread by index; rounding a prorated figure is ``divide_rounded``, the vectorised
twin of ``round_fraction``. Text values that need parsing (params, payee fields) are parsed
once per distinct text, and payee by payee, in order, where one fails, so an error names the
payee it always named.
"""
from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.earnings import MissingQuotaError, Window
from engine.lines import positions_of
from engine.names import params_of, typed_value, used_names
from engine.payee_table import ABSENT, PayeeTable
from engine.quota import coverage
from engine.vector import Col
from rules_dsl.components.rated import RatedComponent
from rules_dsl.money import OVERFLOW, SAFE_INT64, AmountTooLargeError, divide_rounded, \
    fits_int64, minor_digits
from rules_dsl.plan import Plan
from rules_dsl.types import Type

_OPEN = np.datetime64(datetime.date.max, "D")  # the last day of an assignment without one


@dataclass
class Spans:
    """A plan's assignments in the plan year, a row each, in the ledger's order (payee,
    then first day): each one's payee (its position in ``ids``), first and last day."""
    ids: list[str]  # the payees, in the order of their first assignment
    payee: np.ndarray  # int64 position in ids
    first: np.ndarray  # datetime64[D]
    last: np.ndarray  # datetime64[D]; _OPEN without an end
    target_incentive: np.ndarray  # annual, int64 minor units; 0 without one
    params: pd.Series  # text

    @functools.cached_property
    def texts(self) -> list[str]:
        """The params as Python strings, made when a plan reads a param."""
        return self.params.tolist()

    def start(self, span: int) -> datetime.date:
        return self.first[span].item()

    def end(self, span: int) -> datetime.date | None:
        """The assignment's last day, None without one."""
        return None if self.last[span] == _OPEN else self.last[span].item()

    def positions_of(self, payee_ids) -> np.ndarray:
        """Each of ``payee_ids``' position in ``ids``, -1 for a payee not on the plan."""
        return positions_of(payee_ids, pa.array(self.ids, type=pa.large_string()))

    def overlapping(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """Which assignments are in force on some day of start..end."""
        return (self.first <= np.datetime64(end, "D")) & (self.last >= np.datetime64(start,
                                                                                      "D"))

    def payees_in(self, start: datetime.date, end: datetime.date) -> np.ndarray:
        """Which payees have an assignment in force on some day of start..end."""
        return _any_per_payee(self.overlapping(start, end), self.payee, len(self.ids))

    def inside(self, positions: np.ndarray, dates: np.ndarray, payees: np.ndarray
               ) -> np.ndarray:
        """Rows whose date falls inside one of their payee's assignments; ``positions`` is
        each row's payee in ``ids`` (-1: none), ``payees`` which payees count at all."""
        days = dates.astype("datetime64[D]")
        known = positions >= 0
        known[known] = payees[positions[known]]
        found = np.zeros(len(positions), dtype=bool)
        order = np.argsort(self.payee, kind="stable")
        counts = np.bincount(self.payee, minlength=len(self.ids))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        rows = np.flatnonzero(known)
        payee = positions[rows]
        day = days[rows]
        for k in range(int(counts.max(initial=0))):
            has = counts[payee] > k
            span = order[np.minimum(starts[payee] + k, len(order) - 1)]
            found[rows[has & (self.first[span] <= day) & (day <= self.last[span])]] = True
        return found


def spans_of(assignments: pd.DataFrame) -> Spans:
    """The plan's rows of the window's assignments frame (``ledger.window``)."""
    codes, ids = pd.factorize(assignments["payee_id"])
    last = assignments["effective_to"].to_numpy().astype("datetime64[D]")
    incentive = assignments["target_incentive"].fillna(0).to_numpy(dtype=np.int64)
    return Spans(ids.tolist(), codes.astype(np.int64),
                 assignments["effective_from"].to_numpy().astype("datetime64[D]"),
                 np.where(np.isnat(last), _OPEN, last),
                 _int_column(incentive), assignments["params"])


def _int_column(values: np.ndarray) -> np.ndarray:
    """int64, or Python integers where a sum of them could leave int64."""
    if len(values) and max(int(values.max()), -int(values.min())) * len(values) >= SAFE_INT64:
        return values.astype(object)
    return values


def _any_per_payee(mask: np.ndarray, payee: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(payee[mask], minlength=count) > 0


def _add_per_payee(values: np.ndarray, payee: np.ndarray, count: int) -> np.ndarray:
    """Rows of per-period values summed per payee, exactly (Python integers past int64)."""
    if values.dtype != object:
        largest = int(np.abs(values).max(initial=0))
        if largest * max(len(values), 1) >= SAFE_INT64:
            values = values.astype(object)
    totals = np.zeros((count,) + values.shape[1:], dtype=values.dtype)
    np.add.at(totals, payee, values)
    return totals


def _shares(spans: Spans, periods: list, proration: str) -> tuple[np.ndarray, np.ndarray]:
    """(numerators, denominators) [assignment, period] of the share of each payout period
    each assignment covers under the plan's proration (``engine.quota.coverage``)."""
    days = spans.first.astype(np.int64) * (1 << 32) + spans.last.astype(np.int64)
    codes, distinct = pd.factorize(days)
    pairs = [(spans.start(s), spans.end(s)) for s in _first_of_each(codes, len(distinct))]
    shares = [[coverage(period, [pair], proration)[0] for period in periods]
              for pair in pairs]
    numerators = np.array([[s.numerator for s in row] for row in shares], dtype=np.int64)
    denominators = np.array([[s.denominator for s in row] for row in shares], dtype=np.int64)
    empty = (0, len(periods))
    return (numerators[codes] if len(codes) else np.zeros(empty, dtype=np.int64),
            denominators[codes] if len(codes) else np.ones(empty, dtype=np.int64))


def _first_of_each(codes: np.ndarray, count: int) -> np.ndarray:
    """The first row of each code 0..count-1."""
    first = np.full(count, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _prorated(figures: np.ndarray, numerators: np.ndarray, denominators: np.ndarray,
              mode: str) -> np.ndarray:
    """figure x share, rounded once with the plan's mode: the figure itself where the share
    is whole (``engine.quota.prorate``)."""
    whole = numerators == denominators
    if whole.all():
        return figures
    product = figures.astype(object) * numerators if figures.dtype == object or \
        int(np.abs(figures).max(initial=0)) * int(numerators.max(initial=0)) >= SAFE_INT64 \
        else figures * numerators
    return np.where(whole, figures, divide_rounded(product, denominators, mode))


def equal_shares(totals: np.ndarray, count: int) -> np.ndarray:
    """Each total in ``count`` equal whole parts [row, part], the units left over to the
    earlier parts, the sign restored (``engine.quota.equal_parts`` of every row at once)."""
    sign = np.where(totals < 0, -1, 1)
    magnitude = totals * sign
    share, left = magnitude // count, magnitude % count
    parts = share[:, None] + (np.arange(count)[None, :] < left[:, None])
    return parts * sign[:, None]


def spread_annual(plan: Plan, periods: list, spans: Spans, annual: np.ndarray) -> np.ndarray:
    """An annual amount per assignment divided over the payout periods and prorated by the
    assignment's own days, summed per payee: [payee, period] (``_spread_annual``)."""
    numerators, denominators = _shares(spans, periods, plan.proration)
    parts = _prorated(equal_shares(annual, len(periods)), numerators, denominators,
                      plan.rounding)
    return _add_per_payee(parts, spans.payee, len(spans.ids))


def draws(plan: Plan, periods: list, index: int, spans: Spans) -> np.ndarray:
    """The prorated draw of each payee in the payout period ``periods[index]`` (the draw is
    per payout period), summed over the payee's assignments."""
    numerators, denominators = _shares(spans, [periods[index]], plan.proration)
    amounts = np.full((len(spans.payee), 1), plan.draw.amount, dtype=object)
    parts = _prorated(amounts, numerators, denominators, plan.rounding)
    return _add_per_payee(parts, spans.payee, len(spans.ids))[:, 0]


@dataclass
class Quotas:
    """One measure's quota [payee, period], prorated, and where a quota row reaches."""
    values: np.ndarray
    present: np.ndarray


def quota_table(quotas: pd.DataFrame, plan: Plan, periods: list, spans: Spans
                ) -> dict[str, Quotas]:
    """Each measure's quota per payee and payout period: every quota row spread over the
    periods it spans (``engine.quota.spread_row``), summed per payee, then prorated by the
    share of the period the payee's assignments cover together."""
    payee = spans.positions_of(quotas["payee_id"])
    mine = payee >= 0
    found = {}
    covered = _covered(spans, periods, plan.proration)
    for measure in sorted({m.name for m in plan.measures}):
        rows = np.flatnonzero(mine & (quotas["measure"] == measure).to_numpy(dtype=bool))
        if not len(rows):
            continue
        parts, present = _spread_rows(quotas.iloc[rows], periods)
        values = _add_per_payee(parts, payee[rows], len(spans.ids))
        present = _any_per_payee_2d(present, payee[rows], len(spans.ids))
        found[measure] = Quotas(_prorated(values, *covered, plan.rounding), present)
    return found


def _any_per_payee_2d(present: np.ndarray, payee: np.ndarray, count: int) -> np.ndarray:
    totals = np.zeros((count, present.shape[1]), dtype=np.int64)
    np.add.at(totals, payee, present.astype(np.int64))
    return totals > 0


def _spread_rows(rows: pd.DataFrame, periods: list) -> tuple[np.ndarray, np.ndarray]:
    """Each quota row's amount per payout period [row, period], and which periods it
    reaches: equal parts over the periods inside its span, else all of it in the period
    holding its first day."""
    start = rows["start"].to_numpy().astype("datetime64[D]")[:, None]
    end = rows["end"].to_numpy().astype("datetime64[D]")[:, None]
    first = np.array([p.start for p in periods], dtype="datetime64[D]")[None, :]
    last = np.array([p.end for p in periods], dtype="datetime64[D]")[None, :]
    inside = (first >= start) & (last <= end)
    amount = _int_column(rows["amount"].to_numpy(dtype=np.int64))
    count = inside.sum(axis=1)
    parts = np.zeros(inside.shape, dtype=amount.dtype)
    for k in range(1, len(periods) + 1):  # rows spanning k periods: k equal parts
        spread = np.flatnonzero(count == k)
        if len(spread):
            shares = equal_shares(amount[spread], k)
            parts[spread[:, None], np.argsort(~inside[spread], axis=1, kind="stable")[:, :k]
                  ] = shares
    holding = (first <= start) & (start <= last) & (count == 0)[:, None]
    holder = np.argmax(holding, axis=1)
    held = np.flatnonzero(holding.any(axis=1))
    parts[held, holder[held]] = amount[held]
    return parts, inside | holding


def _covered(spans: Spans, periods: list, proration: str) -> tuple[np.ndarray, np.ndarray]:
    """(numerators, denominators) [payee, period] of the share of each period a payee's
    assignments cover together, at most all of it."""
    numerators, denominators = _shares(spans, periods, proration)
    count = np.bincount(spans.payee, minlength=len(spans.ids))
    payee_numerators = np.zeros((len(spans.ids), len(periods)), dtype=np.int64)
    payee_denominators = np.ones((len(spans.ids), len(periods)), dtype=np.int64)
    single = count[spans.payee] == 1
    payee_numerators[spans.payee[single]] = numerators[single]
    payee_denominators[spans.payee[single]] = denominators[single]
    for payee in np.flatnonzero(count > 1):
        mine = np.flatnonzero(spans.payee == payee)
        for k in range(len(periods)):
            share = min(sum(Fraction(int(numerators[s, k]), int(denominators[s, k]))
                            for s in mine), Fraction(1))
            payee_numerators[payee, k] = share.numerator
            payee_denominators[payee, k] = share.denominator
    return payee_numerators, payee_denominators


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


def require_quotas(plan: Plan, periods: list, spans: Spans, evaluated: np.ndarray,
                   quotas: dict[str, Quotas]) -> None:
    """Refuse payout periods of the windows that an assignment covers and no quota row
    does (PLAN_LANGUAGE.md section 3), naming every (plan, payee, measure, period).
    ``evaluated`` marks the payees the windows evaluate: a hire later in the year needs no
    quota yet. ``periods`` are the payout periods whose quota the windows read."""
    if not periods:
        return
    covered = np.stack([spans.payees_in(p.start, p.end) for p in periods], axis=1)
    covered &= evaluated[:, None]
    gaps = {}
    for measure in sorted(quota_measures(plan)):
        found = quotas.get(measure)
        present = found.present[:, :len(periods)] if found is not None else False
        gap = covered & ~present
        if gap.any():
            gaps[measure] = gap
    if not gaps:
        return
    missing = []
    for payee in sorted(range(len(spans.ids)), key=lambda i: spans.ids[i]):
        for measure, gap in gaps.items():
            missing += [(plan.id, spans.ids[payee], measure, period.name)
                        for k, period in enumerate(periods) if gap[payee, k]]
    raise MissingQuotaError(missing)


def payee_table(plan: Plan, window: Window, periods: list, quota_periods: list, spans: Spans,
                payees: np.ndarray, quotas: dict[str, Quotas], incentive: np.ndarray,
                people: pd.DataFrame, fields: dict[str, Type]) -> PayeeTable:
    """The payee-level names of a window for ``payees`` (a mask over ``spans.ids``): target
    incentive and quota of the window's payout periods, params of the assignment in force
    on its last day, payee fields as of its last day, and the period."""
    positions = np.flatnonzero(payees)
    table = PayeeTable([spans.ids[p] for p in positions])
    read = [periods.index(p) for p in quota_periods]
    table.set_column("target_incentive", Col("money", _money(
        _row_sums(incentive[positions][:, read]))))
    scale = 10 ** minor_digits(plan.currency)
    for measure in plan.measures:
        found = quotas.get(measure.name)
        if found is None:
            continue
        quota = _money(_row_sums(found.values[positions][:, read]))
        # count and number quotas are stored in minor units of the plan currency
        # (docs/decisions.md)
        col = Col("money", quota) if measure.type == Type.MONEY else \
            Col("number", (quota, np.full(len(quota), scale, dtype=np.int64))) \
            if measure.type == Type.NUMBER else Col("int", quota // scale)
        table.set_column(f"quota.{measure.name}", col, found.present[positions].any(axis=1))
    if any(name.startswith("param.") for name in fields):
        _set_params(table, plan, window, spans, positions, fields)
        for name in prorated_params(plan):
            annual = spread_annual(plan, periods, spans, _annual_param(spans, plan, fields,
                                                                       name))
            table.set_column(f"prorated({name})", Col("money", _money(
                _row_sums(annual[positions][:, read]))))
    _set_payee_fields(table, plan, window, people, fields)
    count = len(positions)
    table.set_column("period.start", Col("date", np.full(count, np.datetime64(window.start,
                                                                               "D"))))
    table.set_column("period.end", Col("date", np.full(count, np.datetime64(window.end, "D"))))
    table.set_column("period.number", Col("int", np.full(count, window.number,
                                                         dtype=np.int64)))
    return table


def _row_sums(values: np.ndarray) -> np.ndarray:
    """Each row added up, exactly: Python integers where int64 could wrap."""
    if values.dtype != object and \
            int(np.abs(values).max(initial=0)) * values.shape[1] < SAFE_INT64:
        return values.sum(axis=1)
    return np.array([sum(row) for row in values.tolist()], dtype=object)


def _money(values: np.ndarray) -> np.ndarray:
    """Sums as int64 minor units, refusing one beyond int64 as ``Money`` does."""
    if values.dtype == object:
        if not all(fits_int64(v) for v in values):
            raise AmountTooLargeError(OVERFLOW)
        return values.astype(np.int64)
    return values


def _set_params(table: PayeeTable, plan: Plan, window: Window, spans: Spans,
                positions: np.ndarray, fields: dict[str, Type]) -> None:
    """param.NAME of the assignment in force on the window's last day (the last started),
    and the params of each assignment in force in the window, for the deals."""
    names = [name for name in fields if name.startswith("param.")]
    values = {name: [] for name in names}
    mine = {payee: [] for payee in positions.tolist()}
    for span, payee in enumerate(spans.payee.tolist()):
        if payee in mine:
            mine[payee].append(span)
    overlapping = spans.overlapping(window.start, window.end)
    for i, payee in enumerate(positions.tolist()):
        own = mine[payee]
        started = [s for s in own if spans.start(s) <= window.end] or own
        last = max(started, key=spans.start)
        params = _params(spans, last, plan, fields)
        for name in names:
            values[name].append(params.get(name))
        dated = [(i, spans.start(s), spans.end(s) or datetime.date.max,
                  _params(spans, s, plan, fields)) for s in own if overlapping[s]]
        table.param_spans += dated
        table.params_change |= len(dated) > 1
    for name in names:
        table.set_values(name, values[name])


def prorated_params(plan: Plan) -> list[str]:
    """The parameters the plan reads as `prorated(param.NAME)`, in name order."""
    return sorted({name[len("prorated("):-1] for expression in plan.expressions()
                   for name in used_names(expression.node) if name.startswith("prorated(")})


def _annual_param(spans: Spans, plan: Plan, fields: dict[str, Type], name: str
                  ) -> np.ndarray:
    """An annual Money parameter of each assignment, in minor units (0 where an
    assignment has none, as for target incentive)."""
    return _int_column(np.array([int(_params(spans, s, plan, fields).get(name) or 0)
                                 for s in range(len(spans.payee))], dtype=np.int64))


def _params(spans: Spans, span: int, plan: Plan, fields: dict[str, Type]) -> dict:
    """``params_of`` an assignment's params, made once per distinct text, plan and fields
    (a hundred thousand payees share a handful). An error is not kept, so it names the
    payee whose assignment it is."""
    text = spans.texts[span]
    key = (text, plan.id, plan.currency, tuple(fields.items()))
    found = _PARAMS.get(key)
    if found is None:
        payee = spans.ids[spans.payee[span]]
        found = _PARAMS[key] = params_of(
            text, fields, plan.currency,
            f"the assignment of {payee} to {plan.id} from {spans.start(span)}")
        if len(_PARAMS) > 10_000:
            _PARAMS.clear()
    return found


_PARAMS: dict = {}


_PAYEE_COLUMNS = ("id", "name", "role", "hire_date")


def _set_payee_fields(table: PayeeTable, plan: Plan, window: Window, people: pd.DataFrame,
                      fields: dict[str, Type]) -> None:
    """payee.name (settlement reads it), any other of payee.id, role and hire_date the
    plan reads, and the plan's payee fields, from each payee's row in force on the window's
    last day; a payee without one has none of them."""
    read = {name for expression in plan.expressions() for name in used_names(expression.node)
            if name.startswith("payee.")} | {"payee.name"}
    dates = people["effective_from"].to_numpy().astype("datetime64[D]")
    current = people[dates <= np.datetime64(window.end, "D")].drop_duplicates("id",
                                                                               keep="last")
    rows = table.codes_of(current["id"])  # each current row's payee in the table
    row_of = np.full(len(table), -1, dtype=np.int64)
    row_of[rows[rows >= 0]] = np.flatnonzero(rows >= 0)
    rows = row_of.tolist()
    for name in _PAYEE_COLUMNS:
        if f"payee.{name}" not in read:
            continue
        column = table.ids if name == "id" else _python(current[name])
        table.set_values(f"payee.{name}", [column[i if name == "id" else r] if r >= 0
                                           else ABSENT for i, r in enumerate(rows)])
    declared = [(name, field_type) for name, field_type in fields.items()
                if name.startswith("payee.")]
    if not declared:
        return
    extras = _python(current["extra"])
    parsed: dict[str, dict] = {}
    values = {name: [] for name, _ in declared}
    for payee, r in zip(table.ids, rows):
        if r < 0:
            for name, _ in declared:
                values[name].append(ABSENT)
            continue
        text = extras[r] or "{}"
        extra = parsed.get(text)
        if extra is None:
            extra = parsed[text] = json.loads(text)
        for name, field_type in declared:
            values[name].append(typed_value(extra.get(name.split(".", 1)[1]), field_type,
                                            plan.currency, f"payee {payee}: {name}"))
    for name, _ in declared:
        table.set_values(name, values[name])


def _python(column: pd.Series) -> list:
    """A column as Python values, None where missing: dates as datetime.date."""
    if column.dtype.kind == "M":
        return column.to_numpy().astype("datetime64[D]").tolist()
    return pa.array(column.array).to_pylist()
