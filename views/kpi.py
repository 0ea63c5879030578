"""`icm kpi`: attainment and payout KPIs of a period, per payee, per team and for the whole
organisation, as the JSON document of ``period_kpis`` (``kpi_render`` shows it as terminal
tables and one HTML page).

Where the numbers come from:

* Attainment, payout and target incentive come from the period's statements
  (``source.period_statements``): what the close recorded for a closed period, a draft computed
  now otherwise. The KPIs therefore agree with the statements to the cent. ``payout`` is the
  statement's pay for the period (after caps, adjustments, balance brought forward and draw);
  ``target_incentive`` is the payout period's own share of the annual target incentive (its
  quota period, prorated like the quota), whatever the attainment window, so payout ÷ target
  incentive has one basis across plans.
* Credited amount, deals, average deal and new logos come from the ledger's credit rows, read
  now with ``ledger.window.read_window``: every credit row of the payee on a current deal
  version dated in the period, whatever the payee's plan measures count (renewals included),
  with ``credit.amount`` = the row's share of the deal converted into the payee's statement
  currency (the engine's conversion: latest rate on or before the deal's date, half up, shares
  by largest remainder). A row on a foreign-currency deal with no rate is an error
  (``MissingRateError``), never a silent zero.
* The period of a payee is the period in the fiscal calendar of its (first) plan, so
  ``2027-Q1`` of a plan whose fiscal year starts in February runs February to April 2026.
* Cancelled deals: a deal cancelled on or before the last day of the period does not count
  (it was no sale of the period); a deal cancelled after it counts, as it stood at the period's
  end. This keeps a past period's KPIs from changing when a deal is cancelled later, and is
  independent of any plan's clawback rule.
* A deal's ``type`` of ``new`` makes a credit row a new logo; ``deals`` counts credit rows
  (a payee with two rows on one deal counts two), as the spec says.

The payees are those with a statement in the period (listed payees, sorted by id); credit
rows of anyone else are not read. Besides ``period``, ``payees``, ``teams`` and
``organisation`` the document says ``status``: ``closed`` or ``draft``, as a statement does.

Ratios are exact ``Fraction``s and money integer minor units throughout; the JSON gives money
as decimal text with the currency's digits and ratios rounded half even to four places, the
way ``icm calc --json`` gives attainment. A ratio is null when its divisor is zero or missing.
Average deal is the credited amount over the deals, rounded half even to a minor unit.

Teams: a manager (the ``manager_id`` of each payee's row in force on the period's last day)
with their direct reports that have a statement in the period; the manager is a member when
they have a statement too. Money totals are per currency, never converted. A team's
``attainment`` is the sum of its direct reports' primary-measure values over the sum of their
quotas (reports with a quota only), null when none has a quota or when their primary measures
differ in type or currency; the manager is left out because a manager's quota on an override
plan is the team's number, and adding it to the reports' would count the quota twice.
``at_or_above_quota`` counts every member (manager included) at or above 100% on their own
primary measure.

Organisation: each payee's primary measure is the first measure of its plan that has a quota
(the first entry of the statement's measures with an attainment). Bands are half-open:
below 50%, [50%, 100%), [100%, 150%), 150% and above; payees without a quota are counted apart
and are in no band, in no share and not on the leaderboard. The share at or above quota is
over the payees with a quota. The leaderboard ranks by exact attainment, highest first, ties
by payee id; equal attainment shares a rank (1, 2, 2, 4). Attainment is read from the
statement's measures, which keep it exact (or to ten places when it has no finite decimal
expansion: for a quota under 10**10 minor units, 100,000,000.00 USD, that rounding cannot
move an attainment onto or across a band edge).
"""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from rules_dsl.calendar import period_span
from rules_dsl.money import (Money, format_minor_units, minor_digits, round_fraction,
                             rounded_text, text_to_minor_units)
from views.view import shown
from views.source import Statement, closed_run, period_statements
from ledger.database import LedgerDb
from ledger.errors import LedgerRefused
from ledger.plans import fiscal_year_starts
from ledger.reads import PayeeRows, payee_rows
from ledger.window import read_window, require_rates

BANDS = ("below 50%", "50-100%", "100-150%", "150% and above")
LEADERBOARD_CHART_ROWS = 25


def band_of(attainment: Fraction) -> str:
    """The band of an exact attainment: 0.5 is in 50-100%, 1 in 100-150%, 1.5 in 150%+."""
    if attainment < Fraction(1, 2):
        return BANDS[0]
    if attainment < 1:
        return BANDS[1]
    if attainment < Fraction(3, 2):
        return BANDS[2]
    return BANDS[3]


def ratio_text(numerator: Fraction | int, denominator: Fraction | int | None) -> str | None:
    """numerator ÷ denominator rounded half even to four places, or None without a divisor."""
    if not denominator:
        return None
    return rounded_text(Fraction(numerator) / Fraction(denominator), 4)


# --------------------------------------------------------------------------------- the JSON

def period_kpis(ledger_db: LedgerDb, period: str) -> dict:
    """The document of `icm kpi --period P --json`."""
    statements = sorted(period_statements(ledger_db, period), key=lambda s: s.payee)
    status = _status(ledger_db, period, statements)
    starts = fiscal_year_starts(ledger_db)
    history = payee_rows(ledger_db)
    spans = {s.payee: period_span(period, _start_month(s, starts)) for s in statements}
    credited = _credit_figures(ledger_db, statements, spans)
    payees, primary = [], {}
    for statement in statements:
        span_end = spans[statement.payee][1]
        row = history.as_of(statement.payee, span_end)
        manager = row.manager_id if row else None
        entry, found = _payee_entry(statement, credited[statement.payee], manager)
        payees.append(entry)
        if found is not None:
            primary[statement.payee] = found
    return {"period": period, "status": status, "payees": payees,
            "teams": _teams(payees, primary, history, spans),
            "organisation": _organisation(payees, primary)}


def _status(ledger_db: LedgerDb, period: str, statements: list[Statement]) -> str:
    if statements:
        return statements[0].status
    try:
        closed_run(ledger_db, period)
    except LedgerRefused:
        return "draft"
    return "closed"


def _start_month(statement: Statement, starts: dict) -> int:
    """The fiscal year start of the payee's first plan (January for a payee with none)."""
    for text in statement.record.plans:
        plan, _, version = text.rpartition("@")
        if version.isdigit() and (plan, int(version)) in starts:
            return starts[(plan, int(version))]
    return 1


def _credit_figures(ledger_db: LedgerDb, statements: list[Statement], spans: dict) -> dict:
    """payee -> (credited amount, deals, new logos), in the payee's statement currency.

    One read of the ledger per (currency, period span) in use."""
    groups: dict[tuple, list[str]] = {}
    for statement in statements:
        start, end = spans[statement.payee]
        groups.setdefault((statement.currency, start, end), []).append(statement.payee)
    figures = {s.payee: (0, 0, 0) for s in statements}
    for (currency, start, end), members in sorted(groups.items()):
        credits = read_window(ledger_db, start, end, currency).credits
        rows = credits[credits["payee_id"].isin(members)]
        cancelled = (rows["status"] == "cancelled") & (rows["cancel_date"]
                                                       <= pd.Timestamp(end))
        rows = rows[~cancelled.to_numpy()]
        require_rates(rows, currency)
        # Python ints, so a sum beyond 64 bits is exact rather than wrapped
        amounts = rows["credit_amount"].astype(object)
        totals = amounts.groupby(rows["payee_id"]).sum()
        counts = rows.groupby("payee_id").size()
        logos = rows[(rows["type"] == "new").to_numpy()].groupby("payee_id").size()
        for payee in members:
            figures[payee] = (int(totals.get(payee, 0)), int(counts.get(payee, 0)),
                              int(logos.get(payee, 0)))
    return figures


def _payee_entry(statement: Statement, figures: tuple, manager: str | None
                 ) -> tuple[dict, dict | None]:
    record, context, currency = statement.record, statement.record.context, statement.currency
    money = lambda units: format_minor_units(units, currency)  # noqa: E731
    payout = record.payout
    # the payout period's own target incentive, so every plan's ratio has one basis; a
    # statement kept before it was recorded falls back to its window's
    target = context.period_target_incentive or context.target_incentive
    credited, deals, new_logos = figures
    primary = next((m for m in context.measures if m.attainment is not None), None)
    found = None
    if primary is not None:
        found = {"measure": primary.measure, "type": primary.type,
                 "attainment": shown(primary.attainment),
                 "value": _exact(primary.value, currency),
                 "quota": _exact(primary.quota, currency), "currency": currency}
    entry = {
        "payee": statement.payee,
        "name": statement.name,
        "manager": manager,
        "plans": list(record.plans),
        "currency": currency,
        "attainment": {name: rounded_text(value, 4) for name, value in record.attainment},
        "primary_measure": found["measure"] if found else None,
        "primary_attainment": ratio_text(found["attainment"], 1) if found else None,
        "payout": money(payout),
        "target_incentive": money(target) if target is not None else None,
        "payout_to_target": ratio_text(payout, target),
        "credited": money(credited),
        "cost_of_sales": ratio_text(payout, credited),
        "deals": deals,
        "average_deal": money(round_fraction(Fraction(credited, deals), "half_even"))
        if deals else None,
        "new_logos": new_logos,
    }
    return entry, found


def _exact(value, currency: str) -> Fraction:
    """A measure's value or quota in the unit its statement shows it: money in currency
    units, not minor units (a team's ratio adds them up)."""
    if value is None:
        return Fraction(0)
    if isinstance(value, Money):
        return Fraction(int(value), 10 ** minor_digits(currency))
    return shown(value)


def _per_currency(pairs) -> dict[str, int]:
    totals: dict[str, int] = {}
    for currency, units in pairs:
        totals[currency] = totals.get(currency, 0) + units
    return dict(sorted(totals.items()))


def _money_by_currency(entries: list[dict], field: str) -> dict[str, str]:
    totals = _per_currency((e["currency"], text_to_minor_units(e[field], e["currency"]))
                           for e in entries)
    return {currency: format_minor_units(units, currency) for currency, units in totals.items()}


def _teams(payees: list[dict], primary: dict, history: PayeeRows, spans: dict) -> list[dict]:
    by_id = {entry["payee"]: entry for entry in payees}
    reports: dict[str, list[str]] = {}
    for entry in payees:
        if entry["manager"] is not None:
            reports.setdefault(entry["manager"], []).append(entry["payee"])
    last_day = max(end for _, end in spans.values()) if spans else None
    teams = []
    for manager, direct in sorted(reports.items()):
        direct = sorted(direct)
        members = sorted(([manager] if manager in by_id else []) + direct)
        entries = [by_id[p] for p in members]
        if manager in by_id:
            name = by_id[manager]["name"]
        else:
            row = history.as_of(manager, last_day)
            name = row.name if row else manager
        measured = [primary[p] for p in direct if p in primary]
        kinds = {(m["type"], m["currency"] if m["type"] == "money" else None)
                 for m in measured}
        attainment = (ratio_text(sum(m["value"] for m in measured),
                                 sum(m["quota"] for m in measured))
                      if len(kinds) == 1 else None)
        with_quota = [p for p in members if p in primary]
        ratios = _team_ratios(entries)
        teams.append({
            "manager": manager,
            "name": name,
            "members": members,
            "reports": direct,
            "payout": _money_by_currency(entries, "payout"),
            "credited": _money_by_currency(entries, "credited"),
            "deals": sum(e["deals"] for e in entries),
            "new_logos": sum(e["new_logos"] for e in entries),
            **ratios,
            "attainment": attainment,
            "with_quota": len(with_quota),
            "at_or_above_quota": sum(1 for p in with_quota if primary[p]["attainment"] >= 1),
        })
    return teams


def _team_ratios(entries: list[dict]) -> dict:
    """Payout ÷ target incentive, cost of sales and average deal of a team, from its members'
    sums; null when the members are paid in more than one currency (never converted)."""
    currencies = {e["currency"] for e in entries}
    if len(currencies) != 1:
        return {"payout_to_target": None, "cost_of_sales": None, "average_deal": None}
    currency = currencies.pop()
    total = lambda field: sum(text_to_minor_units(e[field], currency)  # noqa: E731
                              for e in entries)
    payout, credited, deals = total("payout"), total("credited"), sum(e["deals"] for e in entries)
    return {"payout_to_target": ratio_text(payout, total("target_incentive")),
            "cost_of_sales": ratio_text(payout, credited),
            "average_deal": format_minor_units(round_fraction(Fraction(credited, deals),
                                                              "half_even"), currency)
            if deals else None}


def _organisation(payees: list[dict], primary: dict) -> dict:
    counts = {band: 0 for band in BANDS}
    for found in primary.values():
        counts[band_of(found["attainment"])] += 1
    at_or_above = sum(1 for found in primary.values() if found["attainment"] >= 1)
    names = {entry["payee"]: entry["name"] for entry in payees}
    ordered = sorted(primary.items(), key=lambda item: (-item[1]["attainment"], item[0]))
    leaderboard = []
    for position, (payee, found) in enumerate(ordered):
        rank = position + 1
        if position and found["attainment"] == ordered[position - 1][1]["attainment"]:
            rank = leaderboard[-1]["rank"]
        leaderboard.append({"rank": rank, "payee": payee, "name": names[payee],
                            "measure": found["measure"],
                            "attainment": ratio_text(found["attainment"], 1)})
    return {
        "payees": len(payees),
        "payout": _money_by_currency(payees, "payout"),
        "credited": _money_by_currency(payees, "credited"),
        "with_quota": len(primary),
        "without_quota": len(payees) - len(primary),
        "bands": [{"band": band, "payees": counts[band]} for band in BANDS],
        "at_or_above_quota": at_or_above,
        "share_at_or_above_quota": ratio_text(at_or_above, len(primary)),
        "leaderboard": leaderboard,
    }
