"""One plan over one window: measures, attainment, and every component's lines.

In: the plan, the window's credit rows (already limited to the plan's payees and days), and
the payees' payee-level values (quota, target incentive, params, payee fields, period) as a
``PayeeTable``. Out: a line table (``engine.lines``), a row per line. Deal-level expressions
run vectorised over all rows at once; payee-level ones (caps, thresholds, bonuses) over all
payees at once, or through the reference evaluator payee by payee where a value is missing
or an expression fails for some payee.
What a component earns is its type's (rules_dsl/components): each type's ``earn`` runs on
``_Context``, this module's implementation of the types' ``EvaluationContext``.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from engine import caps as caps_of, lines, reference_evaluator, tiers, vector, zero_quota
from engine.errors import CalculationError
from engine.payee_table import ABSENT, PayeeTable
from rules_dsl.money import divide_rounded
from engine.names import deal_columns, per_row, ranked_measures, typed_column, used_names
from engine.reference_evaluator import EvaluationError
from rules_dsl.money import Money
from rules_dsl.components import registry
from rules_dsl import words
from rules_dsl.figures import figure_text, money
from rules_dsl.plan import Component, Expression, Plan
from rules_dsl.types import Type


class MissingQuotaError(CalculationError):
    """Payout periods that an assignment covers and no quota row does, every one of them:
    (plan, payee, measure, payout period), one line per plan, payee and measure."""

    def __init__(self, missing: list[tuple[str, str, str, str]]):
        self.missing = sorted(set(missing))
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for plan, payee, measure, period in self.missing:
            grouped.setdefault((plan, payee, measure), []).append(period)
        super().__init__("\n".join(
            ["no quota row covers these payout periods, which an assignment covers; import "
             "their quotas with `icm import quotas`:"]
            + [f"  payee {payee}, measure {measure}: {', '.join(periods)} (plan {plan})"
               for (plan, payee, measure), periods in grouped.items()]))


@dataclass
class Window:
    name: str  # the payout period whose earnings these are (for `period` windows)
    start: Any
    end: Any
    number: int


def _fail(plan: Plan, expression: Expression, error: EvaluationError, payee: str,
          window: Window) -> CalculationError:
    where = expression.source_at(error.span[0])
    return CalculationError(f"{where}: {error.message} (payee {payee}, period {window.name})")


def earn(plan: Plan, window: Window, rows: pd.DataFrame, payees: PayeeTable,
         fields: dict[str, Type], team: dict[str, pd.DataFrame] | None = None,
         versions: list | None = None, components: tuple[Component, ...] | None = None
         ) -> pd.DataFrame:
    """Every line the plan's components earn in the window, caps included, as a line table
    (``engine.lines``). ``payees`` holds the payee-level names of the window's payees; the
    measures, attainment and each component's ``earned.C`` are added to it. ``team`` holds
    the credit rows of each payee's direct reports and of everyone below, keyed to the
    manager, when the plan has overrides or team measures. ``versions`` are (plan, first
    day, last day) of each version in force in the window: a deal's rates and SPIFFs come
    from the version in force on its date; everything else from ``plan``. ``components``
    are those earned over this kind of window (PLAN_LANGUAGE.md 7.2): all by default; the
    plan cap applies only when they are all of them (the loader holds that)."""
    versions = versions or []
    every = components is None or len(components) == len(plan.components)
    components = plan.components if components is None else components
    rows = _coded(rows, payees)
    if team is not None:
        team = {scope: _coded(frame, payees) for scope, frame in team.items()}
    memo = _Memo()
    _measure(plan, rows, payees, fields, window, team, memo)
    context = _Context(plan, window, rows, payees, fields, team, versions, memo)
    found: list[pd.DataFrame] = []
    earned = []
    for component in components:
        measures = zero_quota.read_attainments(component)
        zero, zero_measure = zero_quota.zero_payees(measures, payees)
        with zero_quota.attainment_as_zero(payees, measures, zero):
            component_lines = _with_ranks(plan, component,
                                          _component_lines(component, context), payees,
                                          window)
            if plan.window_of(component) != plan.attainment_window:
                component_lines = _window_noted(component_lines, plan.window_of(component),
                                                plan.payout_period)
            codes = payees.codes_of(component_lines["payee"])
            totals = _payee_sums(component_lines["amount"], codes, len(payees))
            below, total, caps = caps_of.judged(plan, component, totals, payees,
                                                context.scalar)
        if below.any():
            amounts = component_lines["amount"].to_numpy(dtype=np.int64).copy()
            amounts[below[codes]] = 0
            component_lines["amount"] = amounts
        if zero.any():  # no attainment: nothing earned, and a line that says so
            component_lines = zero_quota.said(component_lines, component.id, payees, zero,
                                              zero_measure)
            total = np.where(zero, 0, total)
            kept = ~zero[caps[0]]
            caps = tuple(part[kept] for part in caps)
        payees.set_column(f"earned.{component.id}", vector.Col("money", total))
        earned.append(total)
        found += [component_lines, caps_of.cap_lines(component.id, payees, caps)]
    if plan.cap is not None and every:
        found.append(caps_of.cap_lines("plan_cap", payees, caps_of.plan_cap(
            plan, earned, payees, context.scalar)))
    return lines.combine(found)


_WINDOW_NOTES = {"period": "judged in each {length} on its own figures and kept",
                 "ytd": "judged on the fiscal year to date",
                 "annual": "judged on the fiscal year to date against the whole year's quota"}


def _window_noted(component_lines: pd.DataFrame, kind: str, length: str) -> pd.DataFrame:
    """A payee-level line of a component over its own kind of window says which: its
    earnings to date are not judged as the plan's other components are (7.2)."""
    own = (component_lines["kind"] == "component").to_numpy(dtype=bool)
    if not own.any():
        return component_lines
    words = _WINDOW_NOTES[kind].format(length=length)
    notes = component_lines["note"].to_numpy(dtype=object).copy()
    notes[own] = [f"{words}: {note}" if note else words for note in notes[own]]
    component_lines["note"] = notes
    return component_lines


def _said(plan: Plan, when: Expression | None, amount: Expression, payees: PayeeTable
          ) -> words.Words:
    """A payee-level component's note in words, with a slot for each figure the payees'
    table holds: "{when}, so {amount}", or the amount alone."""
    title = _titles(plan)
    figured = lambda name: name in payees  # noqa: E731
    said = words.said(amount.node, title, figured)
    if when is None:
        return said
    return [*words.said(when.node, title, figured, fact=True), ", so ", *said]


def _titles(plan: Plan):
    """What a sentence calls a plan's measure or component: its title as the plan writes it
    ("President's Club" is a name, never re-cased), else its id with underscores as
    spaces."""
    titles = {m.name: m.title for m in plan.measures if m.title}
    titles.update({c.id: c.title for c in plan.components if c.title})
    return lambda name: titles.get(name) or name.replace("_", " ")


def _noter(said: words.Words, payees: PayeeTable, currency: str):
    """The note of a payee's line by their position in ``payees``: the words with that
    payee's figures. The figures' columns are read once, for every note made with it."""
    columns = {name: payees.python_column(name) for name in words.slots(said)}

    def figure(name: str, i: int) -> str | None:
        value = columns[name][i]
        return None if value is ABSENT else figure_text(value, name, currency)
    return lambda i: words.filled(said, lambda name: figure(name, i))


def measure(plan: Plan, window: Window, rows: pd.DataFrame, payees: PayeeTable,
            fields: dict[str, Type]) -> None:
    """The plan's measures and attainment over ``rows`` into ``payees``, alone: the figures
    of another window of the same payout period (``engine.window_names``)."""
    _measure(plan, _coded(rows, payees), payees, fields, window, None, _Memo())


def _with_ranks(plan: Plan, component: Component, found: pd.DataFrame,
                payees: PayeeTable, window: Window) -> pd.DataFrame:
    """A payee-level line of a component that reads rank(M) says the rank, among how many
    payees, by which measure and over which days, before its own note (explain and
    statements show it; a line earned in several windows shows its first one's)."""
    measures = ranked_measures(component.expressions())
    own = np.flatnonzero((found["kind"] == "component").to_numpy(dtype=bool)) \
        if measures else ()
    if not len(own):
        return found
    codes = payees.codes_of(found["payee"].iloc[own])
    texts = [[] for _ in own]
    title = _titles(plan)
    for measure in measures:
        ranks = vector.competition_ranks(payees.lenient(measure))[codes]
        for text, rank in zip(texts, ranks.tolist()):
            text.append(f"ranked {rank} of {len(payees)} payees by {title(measure)} from "
                        f"{window.start} to {window.end}")
    notes = found["note"].to_numpy(dtype=object).copy()
    notes[own] = ["; ".join(text + ([note] if note else [])) for text, note in
                  zip(texts, notes[own].tolist())]
    return found.assign(note=notes)


def _coded(rows: pd.DataFrame, payees: PayeeTable) -> pd.DataFrame:
    """The rows with ``payee_code``, each row's payee's position in ``payees``, and ``row``,
    its place in the window's order (deal date, deal id by code point, credit row), which
    the window's read gives and a frame made by hand gets here."""
    rows = rows.reset_index(drop=True)
    rows["payee_code"] = payees.codes_of(rows["payee_id"])
    if "row" not in rows:
        order = np.lexsort((rows["seq"].to_numpy(), lines.sorted_codes(rows["deal_id"]),
                            rows["date"].to_numpy()))
        rows["row"] = np.empty(len(rows), dtype=np.int64)
        rows.loc[order, "row"] = np.arange(len(rows))
    return rows


def _payee_sums(amounts: pd.Series, codes: np.ndarray, count: int) -> np.ndarray:
    """Amounts summed per payee position, exactly: a payee without a row has 0."""
    totals = np.zeros(count, dtype=np.int64)
    if len(codes):
        sums = lines.group_sums(pd.Series(amounts.to_numpy(dtype=np.int64)), codes)
        totals[sums.index.to_numpy()] = sums.to_numpy(dtype=np.int64)
    return totals


def _scalar(plan: Plan, expression: Expression, names: dict, payee: str, window: Window):
    try:
        return reference_evaluator.evaluate(expression.node, names, plan.currency, plan.rounding)
    except EvaluationError as error:
        raise _fail(plan, expression, error, payee, window) from None
    except KeyError as missing:
        raise CalculationError(f"{expression.source}: {missing.args[0]} has no value for payee "
                               f"{payee} in {window.name}") from None


def _columns(plan, expression, rows, payees: PayeeTable, fields, memo: _Memo | None = None
             ) -> dict[str, vector.Col]:
    wanted = used_names(expression.node)
    if memo is None:
        columns = deal_columns(rows, wanted, fields, plan.currency)
    else:  # a deal column read by several expressions (a text one costs) is made once
        columns = {name: col for name in wanted for col in [memo.get(
            ("column", name, plan.currency), rows, lambda name=name: deal_columns(
                rows, {name}, fields, plan.currency).get(name))] if col is not None}
    codes = rows["payee_code"].to_numpy()
    for name in wanted - set(columns):
        columns[name] = per_row(payees.lenient(name), codes)
        if name.startswith("param.") and payees.params_change:
            columns[name] = _params_on_deal_dates(name, rows, payees, columns[name])
    return columns


def _params_on_deal_dates(name, rows, payees: PayeeTable, fallback: vector.Col) -> vector.Col:
    """A param per row from the payee's assignment in force on the deal's date (a raise in
    March rates March's deals), by one join of the rows with the assignments' spans."""
    spans = pd.DataFrame([(i, pd.Timestamp(first), pd.Timestamp(last), params.get(name))
                          for i, first, last, params in payees.param_spans],
                         columns=["payee_code", "first", "last", "value"])
    joined = pd.DataFrame({"payee_code": rows["payee_code"].to_numpy(),
                           "date": rows["date"].to_numpy(),
                           "row": np.arange(len(rows))}).merge(spans, on="payee_code")
    hits = joined[(joined["date"] >= joined["first"]) & (joined["date"] <= joined["last"])]
    values = [None] * len(rows)
    for row, value in zip(hits["row"].tolist(), hits["value"].tolist()):
        values[row] = value
    chosen = typed_column(values, fallback.kind)
    keep = np.array([v is not None for v in values], dtype=bool)
    return vector.choose(keep, chosen, fallback)


def _vector(plan, expression, rows, payees, fields, window, memo: _Memo | None = None
            ) -> vector.Col:
    """The expression over the rows. With ``memo`` (the rows live through the earn call), a
    value that reads only the rows (no payee-level name, which a later step may add to) is
    computed once: a measure's `where` is read again by its commission."""
    if memo is not None and all(name.startswith(("deal.", "credit."))
                                for name in used_names(expression.node)):
        return memo.get(("value", id(expression.node)), rows, lambda: _evaluated(
            plan, expression, rows, payees, fields, window, memo))
    return _evaluated(plan, expression, rows, payees, fields, window, memo)


def _evaluated(plan, expression, rows, payees, fields, window, memo) -> vector.Col:
    try:
        return vector.evaluate(expression.node, _columns(plan, expression, rows, payees, fields,
                                                         memo),
                               len(rows), plan.currency, plan.rounding)
    except EvaluationError as error:
        raise _fail(plan, expression, error, "(several)", window) from None


class _Memo:
    """What one earn call computes once per frame that lives through it (the window's rows,
    the team's): a frame is held beside its values, so its id cannot be reused meanwhile."""

    def __init__(self):
        self.found: dict[tuple, tuple] = {}

    def get(self, key: tuple, frame, make):
        hit = self.found.get((key, id(frame)))
        if hit is None or hit[0] is not frame:
            hit = self.found[(key, id(frame))] = (frame, make())
        return hit[1]


def _measure(plan, rows, payees: PayeeTable, fields, window, team, memo) -> None:
    """Each measure's value per payee (and over the team, where the plan looks at it), then
    attainment, into the payees' names."""
    for measure in plan.measures:
        sources = [("", rows)]
        if team is not None and measure.aggregate in ("sum", "count"):
            sources += [("team.", team["direct"]), ("team_all.", team["all"])]
        for prefix, source in sources:
            _set_measure(payees, prefix + measure.name, measure.type,
                         _aggregate(plan, measure, source, payees, fields, window, memo))
        _set_attainment(payees, measure.name)


def _set_measure(payees: PayeeTable, name: str, measure_type: Type, values: pd.Series
                 ) -> None:
    """A measure per payee position into the table: a payee with no rows has 0 (or no
    date at all)."""
    positions = values.index.to_numpy(dtype=np.int64)
    if measure_type in (Type.MONEY, Type.INT) and values.dtype != object:
        data = np.zeros(len(payees), dtype=np.int64)
        data[positions] = values.to_numpy(dtype=np.int64)
        payees.set_column(name, vector.Col(
            "money" if measure_type == Type.MONEY else "int", data))
        return
    typed = [_typed(None, measure_type)] * len(payees)
    for position, value in zip(positions.tolist(), values.tolist()):
        typed[position] = _typed(value, measure_type)
    payees.set_values(name, typed)


def _set_attainment(payees: PayeeTable, measure: str) -> None:
    """attainment.M = M / quota.M, exact, for each payee whose quota is not 0."""
    quota_name = f"quota.{measure}"
    value, quota = payees.numeric(measure), payees.numeric(quota_name)
    if value is not None and quota is not None and {value[0].kind, quota[0].kind} <= {
            "money", "int"} and not (quota[0].data == np.iinfo(np.int64).min).any():
        present = quota[1] & (quota[0].data != 0)
        sign = np.where(quota[0].data < 0, -1, 1)
        numerator = np.where(present, value[0].data * sign, 0)
        denominator = np.where(present, quota[0].data * sign, 1)
        payees.set_column(f"attainment.{measure}", vector.Col(
            "number", (numerator, denominator)), present)
        return
    found = [ABSENT] * len(payees)
    for i in range(len(payees)):
        quota_value = payees.get(quota_name, i)
        if quota_value:
            found[i] = Fraction(payees.value(measure, i)) / Fraction(quota_value)
    payees.set_values(f"attainment.{measure}", found)


def _typed(value, measure_type: Type):
    """A measure's value for the reference evaluator; a payee with no rows has 0 (or no
    date at all)."""
    if measure_type == Type.DATE:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
    if value is None or (not isinstance(value, Fraction) and pd.isna(value)):
        value = 0
    if measure_type == Type.MONEY:
        return Money(int(value))
    if measure_type == Type.NUMBER:
        return Fraction(value)
    return int(value)


def _aggregate(plan, measure, rows, payees, fields, window, memo) -> pd.Series:
    """sum, count, min or max of the measure over the rows, per payee position."""
    call = measure.expression.node
    mask = np.ones(len(rows), dtype=bool)
    if call.where is not None:
        where = Expression(measure.expression.text, call.where, Type.BOOL,
                           measure.expression.source, measure.expression.positions)
        mask = _vector(plan, where, rows, payees, fields, window, memo).data
    codes = rows["payee_code"].to_numpy()
    if measure.aggregate == "count":
        return pd.Series(mask.astype(np.int64)).groupby(codes).sum()
    summand = Expression(measure.expression.text, call.args[0], measure.type,
                         measure.expression.source, measure.expression.positions)
    col = _vector(plan, summand, rows, payees, fields, window, memo)
    if col.kind == "number":
        return _rational_aggregate(measure.aggregate, col, mask, codes)
    values = pd.Series(col.data)[mask]
    if measure.aggregate == "sum":
        return lines.group_sums(values, codes[mask])
    grouped = values.groupby(codes[mask])
    return {"min": grouped.min, "max": grouped.max}[measure.aggregate]()


def _rational_aggregate(aggregate: str, col, mask, codes) -> pd.Series:
    """sum, min or max of exact rationals per payee: whole-column integer sums when the rows
    share a denominator (shares, percents), exact Fractions otherwise."""
    numerator, denominator = col.data
    numerator, denominator = numerator[mask], denominator[mask]
    codes = codes[mask]
    if aggregate == "sum" and len(denominator) and (denominator == denominator[0]).all():
        sums = pd.Series(numerator.astype(object)).groupby(codes).sum()
        return sums.map(lambda total: Fraction(int(total), int(denominator[0])))
    values = pd.Series([Fraction(int(n), int(d)) for n, d in zip(numerator, denominator)],
                       dtype=object)
    grouped = values.groupby(codes)
    return {"sum": grouped.sum, "min": grouped.min, "max": grouped.max}[aggregate]()


class _Context:
    """The ``EvaluationContext`` (rules_dsl.components.contract) a component type earns
    through: this plan, window, credit rows and payees, over the vectorised primitives."""

    def __init__(self, plan, window, rows, payees, fields, team, versions, memo):
        self.plan, self.window, self.rows, self.payees = plan, window, rows, payees
        self.fields, self.team, self.versions, self.memo = fields, team, versions, memo
        self.currency, self.rounding = plan.currency, plan.rounding

    def scalar(self, expression: Expression, payee: str):
        return _scalar(self.plan, expression, self.payees.names_of(payee), payee, self.window)

    def value(self, name: str, payee: str):
        return self.payees.value(name, self.payees.position[payee])

    def payee_lines(self, component: Component, earn) -> pd.DataFrame:
        found = []
        for payee in self.payees.ids:
            value, note = earn(payee)
            if value:
                found.append((payee, value, note))
        payee, amount, note = zip(*found) if found else ((), (), ())
        return lines.table(len(found), payee=list(payee), component=component.id,
                           kind="component", amount=list(amount), note=list(note))

    def payee_amounts(self, component: Component, amount: Expression,
                      when: Expression | None) -> pd.DataFrame:
        noted = _noter(_said(self.plan, when, amount, self.payees), self.payees,
                       self.currency)
        held = None if when is None else self.payees.evaluate(when, self.currency,
                                                              self.rounding)
        paid = self.payees.evaluate(amount, self.currency, self.rounding)
        if paid is None or (when is not None and held is None):
            return self.payee_lines(component, lambda payee: (0, "") if when is not None and
                                    not self.scalar(when, payee) else
                                    (int(self.scalar(amount, payee)),
                                     noted(self.payees.position[payee])))
        amounts = np.asarray(paid.data, dtype=np.int64)
        earning = np.flatnonzero((amounts != 0) & (True if held is None else held.data))
        return lines.table(len(earning), payee=self.payees.id_array[earning],
                           component=component.id, kind="component",
                           amount=amounts[earning],
                           note=[noted(i) for i in earning.tolist()])

    def deal_values(self, component: Component, key: str) -> np.ndarray:
        plan, rows, payees, fields, window = (self.plan, self.rows, self.payees, self.fields,
                                              self.window)
        return _versioned(plan, component, rows, self.versions, lambda version, own: _vector(
            version, getattr(own, key), rows, payees, fields, window, self.memo)).data

    def deal_lines(self, component: Component, paid, kind: str, amount) -> pd.DataFrame:
        return _deal_lines(self.rows[paid], component.id, kind, amount=amount[paid])

    def rated_lines(self, component: Component, team: str | None) -> pd.DataFrame:
        rows = self.rows if team is None else self.team[team]
        return _rated_lines(self.plan, component, rows, self.payees, self.fields, self.window,
                           self.versions, self.memo)


def _component_lines(component: Component, context: _Context) -> pd.DataFrame:
    """The lines of one component, by its type's own ``earn``; a type the registry does not
    list never runs as another."""
    component_type = registry.lookup(component.type)
    if component_type is None:
        raise CalculationError(f"{component.source}: component type {component.type!r} is "
                               f"not registered (the types are {', '.join(registry.names())})")
    return component_type.earn(component, context)


def _rated_lines(plan, component, rows, payees, fields, window, versions, memo
                 ) -> pd.DataFrame:
    """A commission's or an override's lines: each counted row's base at the rate, or
    through the tiers, of the version in force on its date."""
    measure = plan.measure(component.measure)
    call = measure.expression.node
    mask = np.ones(len(rows), dtype=bool)
    if call.where is not None:
        where = Expression(measure.expression.text, call.where, Type.BOOL,
                           measure.expression.source, measure.expression.positions)
        mask = _vector(plan, where, rows, payees, fields, window, memo).data
    # the counted rows in (payee by code point, deal date, deal id by code point, credit
    # row) order: the window's rows stand in (date, deal, credit row) order already, so
    # their position ("row") sorts within a payee; one take of the rows, not a sorted copy
    picked = np.flatnonzero(mask)
    positions = rows["payee_code"].to_numpy()[picked]
    ranks = payees.sorted_rank[positions]
    places = rows["row"].to_numpy()[picked]  # in the window read, of which rows are some
    # one argsort of (payee rank, place) packed into an int64: places are below 2^31
    order = np.argsort(ranks * (int(places.max(initial=0)) + 1) + places, kind="stable")
    counted = _Taken(rows, picked[order])
    positions = positions[order]
    payee_codes = ranks[order]
    del picked, order
    summand = Expression(measure.expression.text, call.args[0], Type.MONEY,
                         measure.expression.source, measure.expression.positions)
    base = np.asarray(_vector(plan, summand, counted, payees, fields, window).data,
                      dtype=np.int64)
    counted["base"] = base
    def number(pick):
        """An exact rational per row, from the version in force on the row's date."""
        return _versioned(plan, component, counted, versions, lambda version, own: (
            vector._number(_vector(version, pick(own), counted, payees, fields, window))))

    def boundaries(starts_of):
        return _versioned(plan, component, counted, versions, lambda version, own: vector.Col(
            "int", starts_of(tuple(_tier(own, k, table).start for k in range(tier_count)))))

    if component.rate is not None:
        numerator, denominator = number(lambda own: own.rate).data
        amounts = divide_rounded(vector._mul(base, numerator), denominator, plan.rounding)
        return _deal_lines(counted, component.id, "deal", amount=amounts, base=base,
                           rate=(numerator, denominator))
    table = component.tiers
    tier_count = len(table.table)
    rates = [number(lambda own, k=k: _tier(own, k, table).rate).data for k in range(tier_count)]
    if table.basis == "amount":
        no_quota = np.zeros(len(counted), dtype=bool)
        starts = boundaries(lambda froms: np.tile(np.array(froms, dtype=np.int64),
                                                  (len(counted), 1))).data
    else:
        quotas = _whole(payees.lenient(f"quota.{measure.name}"))[positions]
        no_quota = quotas == 0
        starts = boundaries(lambda froms: tiers.attainment_starts(froms, quotas,
                                                                  plan.rounding)).data
    first = np.r_[True, payee_codes[1:] != payee_codes[:-1]] if len(counted) else \
        np.zeros(0, dtype=bool)
    floored = None
    if table.method == "per_deal":
        result = tiers.per_deal(base, starts, rates, plan.rounding)
        tiered = result.amounts
        if table.min is not None:
            floors = np.asarray(_versioned(plan, component, counted, versions, lambda version,
                                           own: _vector(version, own.tiers.min, counted, payees,
                                                        fields, window)).data, dtype=np.int64)
            result, floored = tiers.raised_to(result, base, floors)
    elif table.method in ("marginal", "landing"):
        before = tiers.running_totals(base, first)
        rated = tiers.marginal if table.method == "marginal" else tiers.landing
        result = rated(base, before, starts, rates, plan.rounding)
    else:
        sums = lines.group_sums(counted["base"], payee_codes)
        totals = sums.reindex(payee_codes).to_numpy(dtype=np.int64)
        paid = base
        if table.above is not None:  # only each row's slice above X, in row order
            floor = np.full(len(counted), table.above, dtype=np.int64) \
                if table.basis == "amount" else \
                tiers.attainment_starts((table.above,), quotas, plan.rounding)[:, 0]
            paid = tiers.above(base, tiers.running_totals(base, first), floor)
        result = tiers.retroactive(paid, totals, starts, rates, plan.rounding)
    slice_bases = result.slice_bases
    # a line inside one tier also shows that tier's rate as its own
    inside_one = (slice_bases != 0).sum(axis=1) == 1
    tier_of = np.argmax(slice_bases != 0, axis=1)
    every = np.arange(len(counted))
    one_rate = tuple(np.where(inside_one, np.stack([rate[part] for rate in rates], axis=1)[
        every, tier_of], 0) for part in (0, 1))
    note = np.where(no_quota, zero_quota.note(measure.name), None)
    if floored is not None and floored.any():
        note = note.astype(object)
        for i in np.flatnonzero(floored):
            note[i] = (f"base {money(int(base[i]), plan.currency)} earns "
                       f"{money(int(tiered[i]), plan.currency)} at its tiers, raised to the "
                       f"minimum of {money(int(result.amounts[i]), plan.currency)}")
    found = _deal_lines(
        counted, component.id, "deal", amount=np.where(no_quota, 0, result.amounts),
        base=base, rate=one_rate,
        slices=[(slice_bases[:, k], *rates[k]) for k in range(tier_count)], note=note)
    if no_quota.any():
        found["zero_quota"] = no_quota
    return found


def _whole(col: vector.Col) -> np.ndarray:
    """A payee-level column as whole minor units (a quota): a Number truncated."""
    if col.kind in ("money", "int"):
        return np.asarray(col.data, dtype=np.int64)
    return np.array([int(Fraction(int(n), int(d))) for n, d in zip(*col.data)],
                    dtype=np.int64)


class _Taken:
    """Rows of a frame in a given order, each column taken the first time it is read (the
    deal expressions and the lines read a handful of the window's columns, not all)."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray):
        self.frame, self.rows, self.taken = frame, rows, {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, column: str) -> bool:
        return column in self.taken or column in self.frame.columns

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self.taken:
            self.taken[column] = self.frame[column].take(self.rows).reset_index(drop=True)
        return self.taken[column]

    def __setitem__(self, column: str, values) -> None:
        self.taken[column] = pd.Series(values)


def _versioned(plan, component, rows, versions, evaluate) -> vector.Col:
    """A deal-level value from the version of the plan in force on each row's date.

    ``evaluate(version_plan, its_component)`` gives the column over all rows; each row keeps
    the value of its own version. Rows in no version's days, and versions without this
    component, take the plan's own; a version whose days hold no row is not read, so its
    component may even be of another type."""
    result = evaluate(plan, component)
    dates = rows["date"].to_numpy() if len(rows) else np.array([], dtype="datetime64[s]")
    for version, first, last in versions:  # (plan, first day, last day) in the window
        own = next((c for c in version.components if c.id == component.id), None)
        if version is plan or own is None:
            continue
        mask = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
        if not mask.any():  # no row of this version's days: its component is never read
            continue
        if own.type != component.type:
            raise CalculationError(f"{own.source}: versions of a plan in one fiscal year must "
                                   f"keep the type of component {component.id!r} "
                                   f"({component.type})")
        result = vector.choose(mask, evaluate(version, own), result)
    return result


def _tier(component, k: int, main_table):
    """Tier k of a version's component; the versions of a plan keep the tier count."""
    table = component.tiers
    if table is None or len(table.table) != len(main_table.table):
        raise CalculationError(f"{component.source}: versions of a plan in one fiscal year "
                               "must have the same number of tiers")
    return table.table[k]


def _deal_lines(rows: pd.DataFrame, component: str, kind: str, **columns) -> pd.DataFrame:
    """A line per credit row; an override's lines also name whose credit row each is."""
    report = rows["report_id"].to_numpy(dtype=object) if "report_id" in rows else None
    return lines.table(len(rows), payee=rows["payee_id"], component=component, kind=kind,
                       deal=rows["deal_id"],
                       seq=rows["seq"].to_numpy(dtype=np.int64), date=rows["date"].to_numpy(),
                       report=report, **columns)
