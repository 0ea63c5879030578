"""A statement laid out for reading: the summary that foots to the pay, each measure against
its quota, each component, and every line. The HTML, Markdown and PDF renderings all draw
from this one view, so they cannot disagree."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from rules_dsl.money import Money, format_grouped, format_minor_units, group_thousands
from views.chart import attainment_chart, attainment_text, chart_top, percent_text
from views.document import figure_text
from views.sentences import line_sentences, shown_rate
from ledger.records import slice_count
from views.labels import NONE, Labels
from views.source import PeriodLines, Statement
from rules_dsl.figures import percent

KIND_LABELS = {"deal": "Deal", "true-up": "True-up", "clawback": "Clawback", "cap": "Cap",
               "component": "Component", "adjustment": "Adjustment",
               "balance": "Balance brought forward", "draw": "Draw", "carried-forward":
               "Carried forward"}
EARNING_KINDS = ("deal", "true-up", "clawback", "cap", "component")


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    to_date: list  # (label, amount text, note): the fiscal year so far
    summary: list  # (label, amount text, note): the rows that add up to the pay
    measures: list  # dicts: name, value, quota, attainment, chart (SVG text or None)
    components: list  # (name, earned to date, held or None, payout)
    lines: list  # dicts: kind, component, deal, base, rate, amount, text
    total: str  # the lines' sum, which is the payout
    foots: bool
    paid_as: str | None = None  # the pay in the payee's own currency, and at what rate
    payout: str = ""  # the pay, grouped
    carried: str | None = None  # the balance still owed after the period, when there is one
    holds: bool = False  # some component holds pay not yet payable: a Held column
    card: list = None  # (label, amount text) under the pay at the top, in plain words
    team: list = ()  # a manager's reports (views.team), each a dict of texts
    team_total: dict | None = None  # the team's deals, pay and attainment, over those rows
    groups: list = ()  # the lines per report (label, count, subtotal, rows); one unlabelled
    # group of every line when there is no team
    made_of: list = ()  # (name, amount text): what this period's pay is made of, on the card
    headline: str | None = None  # the first measure's attainment, and what would raise it


def grouped_units(units: int | None, currency: str) -> str:
    """123456789 USD -> '1,234,567.89'; '' for no amount."""
    return "" if units is None or units is pd.NA else format_grouped(int(units), currency)


def figure(value, currency: str) -> str:
    """A measure's value or quota as a rep reads it: money grouped, a number exactly."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return format_grouped(int(value), currency)
    return group_thousands(figure_text(value, currency))


def statement_view(statement: Statement, charts: bool = True) -> StatementView:
    """The statement laid out for reading; without ``charts`` (a rendering that shows none,
    such as the Markdown) each measure's chart is None."""
    record, currency = statement.record, statement.currency
    labels = statement.shared.labels if statement.shared is not None else NONE
    plan = record.plans[0].split("@")[0] if record.plans else None  # one plan, unprefixed
    kinds, amounts, rows = _line_rows(statement)
    by_kind: dict[str, int] = {}
    for kind, amount in zip(kinds, amounts):
        category = "earned" if kind in EARNING_KINDS else kind
        by_kind[category] = by_kind.get(category, 0) + amount
    money = lambda amount: format_grouped(amount, currency)  # noqa: E731
    to_date = [("Earned to date this fiscal year", money(record.earned_to_date),
                "every component, after caps"),
               ("Paid in earlier periods", money(record.paid_to_date),
                "what earlier closes of this fiscal year paid")]
    holds = bool(record.held) or any(c.held for c in record.components)
    if holds:
        to_date.append(("Held: earned, not yet payable", money(record.held),
                        "paid as each share falls due (the lines say when); every fiscal "
                        "year's"))
    footing = [
        ("Earned this period", "earned", "new lines, true-ups and clawbacks below"),
        ("Adjustments", "adjustment", "manual adjustments this period"),
        ("Balance brought forward", "balance",
         "owed from earlier periods, deducted from this pay"),
        ("Draw", "draw", "the guaranteed minimum paid above what was earned"),
        ("Carried forward", "carried-forward",
         "what is still owed, left to recover from later pay"),
    ]
    if holds:  # the lines are what became payable, not all that was earned
        footing[0] = ("Payable this period", "earned",
                      "new lines, shares released, true-ups and clawbacks below")
    summary = [(label, money(by_kind.get(kind, 0)), note) for label, kind, note in footing
               if kind == "earned" or by_kind.get(kind, 0)]
    total = sum(amounts)
    measures = []
    charted = {m.measure: (shown(m.attainment), _as_attainment(m.boundaries, m.quota))
               for m in statement.record.context.measures if m.attainment is not None}
    top = chart_top(list(charted.values())) if charted else None  # one scale for every bar
    team_shown = _team_measures(statement.record.context.measures)
    for measure in statement.record.context.measures:
        if measure.value is None and measure.quota is None:
            continue
        if measure.measure in team_shown and not measure.value:
            continue  # a manager who sells nothing: the team's figure says it all
        unit = f" {currency}" if measure.type == "money" else ""
        measures.append({
            "name": measure_name(labels, plan, measure.measure),
            "value": figure(measure.value, currency) + unit,
            "quota": figure(measure.quota, currency) + unit
            if measure.quota is not None else "no quota",
            "attainment": attainment_text(shown(measure.attainment)),
            "chart": attainment_chart(measure.measure, *charted[measure.measure], top)
            if charts and measure.measure in charted else None,
            "next": _next_tier(measure, labels, plan, currency),
            "year": _year_so_far(statement, measure)})
    components = [(labels.title(plan, c.component), money(c.earned_to_date),
                   money(c.held) if holds else None, money(c.payout))
                  for c in record.components]
    team, team_total = _team(statement, labels, plan, money)
    return StatementView(statement, to_date, summary, measures, components, rows, money(total),
                         total == record.payout, paid_as_text(statement),
                         money(record.payout),
                         money(record.carried_balance)
                         if format_minor_units(record.carried_balance, currency) not in ("0.00", "0")
                         else None, holds, _card(record, money), team, team_total,
                         _groups(statement, rows, amounts, money),
                         _made_of(components, record, footing, by_kind, money),
                         _headline(measures))


def _made_of(components: list, record, footing: list, by_kind: dict, money
             ) -> list[tuple[str, str]]:
    """What the pay is made of, for the card: each component that pays something this
    period, then each settlement row (adjustments, balance, draw, carried forward); they
    add up to the pay, as the tables below show. Like the rest of the card, no figure has a
    minus sign: what is taken off reads "less ..." ("less Balance brought forward
    1,500.00")."""
    parts = [(name, component.payout) for (name, *_), component
             in zip(components, record.components) if component.payout]
    parts += [(label, by_kind[kind]) for label, kind, _ in footing
              if kind != "earned" and by_kind.get(kind, 0)]
    return [(name if amount >= 0 else f"less {name}", money(abs(amount)))
            for name, amount in parts]


def _headline(measures: list[dict]) -> str | None:
    """The first measure against a quota: where it stands and what would raise the pay."""
    measure = next((m for m in measures if m["attainment"]), None)
    if measure is None:
        return None
    text = f"{measure['name']} at {measure['attainment']} of quota"
    return f"{text}: {measure['next']}." if measure["next"] else f"{text}."


def _team(statement: Statement, labels: Labels, plan: str | None, money
          ) -> tuple[list, dict | None]:
    """A manager's report rows and the team's total row: deals, what they pay the manager,
    and attainment (each report's own; the team's from the manager's team measure)."""
    if not statement.team:
        return [], None
    rows = [{"name": row.name, "id": row.report, "deals": f"{row.deals:,}",
             "pay": money(row.pay),
             "attainment": attainment_text(shown(row.attainment)) or "no quota",
             "measure": measure_name(labels, row.plan, row.measure) if row.measure else ""}
            for row in statement.team]
    team_measure = next((m for m in statement.record.context.measures
                         if m.attainment is not None and _team_part(m.measure)), None)
    reports = statement.lines["report"].notna().to_numpy()
    deals = statement.lines["deal"][reports].nunique()  # a split deal is one deal
    total = {"deals": f"{deals:,}",
             "pay": money(sum(row.pay for row in statement.team)),
             "attainment": attainment_text(shown(team_measure.attainment))
             if team_measure else "",
             "measure": measure_name(labels, plan, team_measure.measure)
             if team_measure else ""}
    return rows, total


def _groups(statement: Statement, rows: list, amounts: list, money) -> list[dict]:
    """The lines as the statement lists them: one group of them all, or for a manager a
    group per report (in the team table's order), then the lines of no report's deal."""
    if not statement.team:
        return [{"label": None, "count": len(rows), "subtotal": None, "rows": rows}]
    reports = statement.lines["report"].tolist()
    found = []
    for row in statement.team:
        picked = [i for i, report in enumerate(reports) if report == row.report]
        found.append({"label": f"{row.name} ({row.report})", "count": len(picked),
                      "subtotal": money(sum(amounts[i] for i in picked)),
                      "rows": [rows[i] for i in picked]})
    rest = [i for i, report in enumerate(reports) if not isinstance(report, str)]
    if rest:
        found.append({"label": "Other lines", "count": len(rest),
                      "subtotal": money(sum(amounts[i] for i in rest)),
                      "rows": [rows[i] for i in rest]})
    return found


def _year_so_far(statement: Statement, measure) -> str | None:
    """The measure's attainment in each closed earlier period of the fiscal year, then
    this one's: the year's trend in a line. None without an earlier period."""
    earlier = statement.year_so_far.get(measure.measure)
    if not earlier:
        return None
    periods = [f"{period} {attainment_text(shown(value))}" for period, value in earlier]
    periods.append(f"{statement.period} {attainment_text(shown(measure.attainment))}")
    return "This fiscal year: " + ", ".join(periods)


def _card(record, money) -> list[tuple[str, str]]:
    """What explains the pay, under it at the top of the statement, each figure positive
    and said in words: what is owed is "you owe", never a minus sign on one row and a plus
    on the next."""
    card = [("Earned this fiscal year", money(record.earned_to_date)),
            ("Paid in earlier periods", money(record.paid_to_date))]
    if record.held:
        card.append(("Held, paid as each share falls due", money(record.held)))
    if record.carried_balance > 0:
        card.append(("You owe, recovered from future pay", money(record.carried_balance)))
    elif record.carried_balance < 0:
        card.append(("Owed to you after this period", money(-record.carried_balance)))
    return card


def _line_rows(statement: Statement) -> tuple[list, list, list]:
    """The statement's lines' kinds, amounts and rows as the view shows them. A statement
    that is a span of its period's lines (``source.PeriodLines``) takes its rows from those
    computed once for the whole period (a column at a time: computing them per payee costs
    more in overhead than in work), when its lines are all in the statement's currency."""
    shared = statement.shared
    labels = shared.labels if shared is not None else NONE
    if statement.own_lines is None and shared is not None:
        start, stop = statement.span
        currencies, kinds, amounts, rows = period_rows(shared)
        if all(c == statement.currency for c in currencies[start:stop]):
            return kinds[start:stop], amounts[start:stop], rows[start:stop]
    _, kinds, amounts, rows = _table_rows(statement.lines, labels, statement.currency)
    return kinds, amounts, rows


def period_rows(shared: PeriodLines) -> tuple[list, list, list, list]:
    """``_table_rows`` of a period's whole lines table, computed once."""
    return shared.cached("view rows", lambda lines: _table_rows(lines, shared.labels))


def _table_rows(lines: pd.DataFrame, labels: Labels, currency: str | None = None
                ) -> tuple[list, list, list, list]:
    """Each line's currency, kind, amount and row of the view, in ``currency`` (else in
    the line's own). Of the lines' documents (``line_documents``) a row shows only the kind,
    component (by its title), deal (with its name) and sentence, so only the sentences are
    rendered."""
    currencies = [currency] * len(lines) if currency is not None \
        else lines["currency"].tolist()
    kinds, amounts = lines["kind"].tolist(), lines["amount"].tolist()
    components = lines["component"].tolist()
    if labels.titles:  # each (plan, component) looked up once
        keys = list(zip(lines["plan"].tolist(), components))
        titled = {key: labels.title(*key) for key in set(keys) if key[1]}
        components = [titled.get(key, key[1]) for key in keys]
    deals = lines["deal"].tolist()
    described = [labels.deals.get(deal) if deal else None for deal in deals] \
        if labels.deals else [None] * len(deals)
    rows = [{"kind": KIND_LABELS.get(kind, kind), "component": component or "",
             "deal": deal or "", "deal_name": name or "", "base": grouped_units(base, unit),
             "rate": rate, "amount": format_grouped(amount, unit), "text": text}
            for kind, component, deal, name, text, base, rate, amount, unit in zip(
                kinds, components, deals, described,
                line_sentences(lines, components, labels.person if labels.people else None),
                lines["base"].tolist(),
                _rates(lines), amounts, currencies)]
    return currencies, kinds, amounts, rows


def paid_as_text(statement: Statement) -> str | None:
    paid = statement.payment
    if paid is None:
        return None
    return (f"the pay converted at 1 {statement.currency} = {paid.rate} {paid.currency} (the "
            f"rate of {paid.rate_date}), rounded half up once")


def _next_tier(measure, labels, plan: str | None, currency: str) -> str | None:
    """How much more of the measure reaches the next tier above where it stands: what
    would raise the pay, in the measure's own units. None past the last tier or without
    money figures to say it in."""
    if measure.type != "money" or measure.value is None or not measure.boundaries:
        return None
    value, quota = int(measure.value), int(measure.quota or 0)
    ahead = [(boundary.start * quota if boundary.basis == "attainment" else
              int(boundary.start), boundary) for boundary in measure.boundaries
             if boundary.basis != "attainment" or quota]
    ahead = [(start, boundary) for start, boundary in ahead if start > value]
    if not ahead:
        return None
    start, boundary = min(ahead, key=lambda found: found[0])
    where = f"{percent_text(boundary.start)} of quota" if boundary.basis == "attainment" \
        else f"{format_grouped(int(boundary.start), currency)} {currency}"
    more = format_grouped(math.ceil(start - value), currency)  # whole minor units, up
    return (f"{more} {currency} more reaches the next tier of "
            f"{labels.title(plan, boundary.component)}, at {where}")


def _team_part(name: str) -> tuple[str, str, str] | None:
    """A team's measure (`team.M`, `team_all.M`, `plan/team.M` for a payee on several
    plans) as (`plan/` or "", `team` or `team_all`, `M`); None for any other measure."""
    plan, slash, own = name.rpartition("/")
    scope, dot, bare = own.partition(".")
    return (plan + slash, scope, bare) if dot and scope in ("team", "team_all") else None


def measure_name(labels: Labels, plan: str | None, name: str) -> str:
    """A measure as a statement calls it: its title, and a team's measure (`team.M`,
    `team_all.M`) as the team's."""
    team = _team_part(name)
    if team is None:
        return labels.title(plan, name)
    prefix, scope, bare = team
    whose = "Team" if scope == "team" else "Whole team's"
    return f"{prefix}{whose} {labels.title(plan, bare)}"


def _team_measures(measures) -> set[str]:
    """The measures a statement also shows as a team's (``team.M``, ``team_all.M``, against
    the payee's own quota): their own figure, where it is zero, would be a misleading 0%
    bar on a manager's statement."""
    return {prefix + bare for prefix, _, bare in
            filter(None, (_team_part(measure.measure) for measure in measures))}


def _as_attainment(boundaries, quota) -> list:
    """Tier starts as shares of quota, so money tiers can be drawn on the attainment bar."""
    shares = []
    for boundary in boundaries:
        if boundary.basis == "attainment":
            shares.append(shown(boundary.start))
        elif quota:
            shares.append(Fraction(boundary.start) / Fraction(quota))
    return shares


def shown(ratio: Fraction | None) -> Fraction | None:
    """A ratio as the statement's JSON writes it (ten places at most)."""
    return None if ratio is None else shown_rate(ratio.numerator, ratio.denominator)


def _rates(lines) -> list[str]:
    """Each line's rate as a percent, or its tier slices' rates joined."""
    slices = [(lines[f"slice_base_{k}"].tolist(), lines[f"slice_rate_{k}"].tolist(),
               lines[f"slice_per_{k}"].tolist()) for k in range(slice_count(lines))]
    found = []
    for i, (rate, per) in enumerate(zip(lines["rate"].tolist(), lines["rate_per"].tolist())):
        if per:
            found.append(percent(shown_rate(rate, per)))
        else:
            found.append(" + ".join(percent(shown_rate(n[i], d[i]))
                                    for base, n, d in slices if base[i]))
    return found
