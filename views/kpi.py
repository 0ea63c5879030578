"""`icm kpi`: attainment and payout KPIs of a period, per payee, per team and for the whole
organisation. ``period_kpis`` computes them as typed records (money in integer minor units,
ratios as ``Fraction``s); ``kpi_document`` writes them as the JSON document and ``kpi_render``
shows them as terminal tables and one HTML page, each from the records, so no view reads
back a number it wrote.

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

Ratios are ``Fraction``s rounded half even to four places (the JSON writes them so, the way
``icm calc --json`` gives attainment, and the tables and charts show the same values); money
is integer minor units, written as decimal text with the currency's digits. A ratio is null when its divisor is zero or missing.
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

from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from rules_dsl.calendar import parse_period, period_span
from rules_dsl.money import Money, minor_digits, round_fraction
from views.view import shown
from views.labels import NONE, Labels
from views.source import Statement, closed_run, period_statements
from ledger.database import LedgerDb
from ledger.errors import LedgerRefused
from ledger.plans import fiscal_year_starts, registered_plans
from ledger.reads import PayeeRows, payee_rows
from ledger.window import read_window, require_rates

BANDS = ("below 50%", "50-100%", "100-150%", "150% and above")
LEADERBOARD_CHART_ROWS = 25
Totals = tuple[tuple[str, int], ...]  # (currency, minor units), by currency


def band_of(attainment: Fraction) -> str:
    """The band of an exact attainment: 0.5 is in 50-100%, 1 in 100-150%, 1.5 in 150%+."""
    if attainment < Fraction(1, 2):
        return BANDS[0]
    if attainment < 1:
        return BANDS[1]
    if attainment < Fraction(3, 2):
        return BANDS[2]
    return BANDS[3]


def ratio(numerator: Fraction | int, denominator: Fraction | int | None) -> Fraction | None:
    """numerator ÷ denominator rounded half even to four places (the KPIs' precision, which
    the JSON, the tables and the charts all show), or None without a divisor."""
    if not denominator:
        return None
    exact = Fraction(numerator) / Fraction(denominator)
    return Fraction(round_fraction(exact * 10 ** 4, "half_even"), 10 ** 4)


# ------------------------------------------------------------------------------ the records

@dataclass(frozen=True, slots=True)
class PrimaryMeasure:
    """A payee's first measure with a quota; value and quota in the unit the statement shows
    them (money in currency units, so a team's ratio can add them up)."""
    measure: str
    type: str
    attainment: Fraction  # as the statement's JSON writes it: exact, or to ten places
    value: Fraction
    quota: Fraction
    currency: str


@dataclass(frozen=True, slots=True)
class PayeeKpis:
    payee: str
    name: str
    manager: str | None
    plans: tuple[str, ...]
    currency: str
    attainment: tuple[tuple[str, Fraction], ...]  # (measure, exact attainment)
    primary: PrimaryMeasure | None
    payout: int
    target_incentive: int | None
    credited: int
    deals: int
    new_logos: int

    @property
    def primary_measure(self) -> str | None:
        return self.primary.measure if self.primary else None

    @property
    def primary_attainment(self) -> Fraction | None:
        return ratio(self.primary.attainment, 1) if self.primary else None

    @property
    def payout_to_target(self) -> Fraction | None:
        return ratio(self.payout, self.target_incentive)

    @property
    def cost_of_sales(self) -> Fraction | None:
        return ratio(self.payout, self.credited)

    @property
    def average_deal(self) -> int | None:
        return _average(self.credited, self.deals)


@dataclass(frozen=True, slots=True)
class TeamKpis:
    manager: str
    name: str
    members: tuple[str, ...]
    reports: tuple[str, ...]
    payout: Totals
    credited: Totals
    deals: int
    new_logos: int
    currency: str | None  # the members' one currency; None when they are paid in several
    payout_to_target: Fraction | None
    cost_of_sales: Fraction | None
    average_deal: int | None  # minor units of ``currency``
    attainment: Fraction | None
    with_quota: int
    at_or_above_quota: int


@dataclass(frozen=True, slots=True)
class Band:
    band: str
    payees: int


@dataclass(frozen=True, slots=True)
class Leader:
    rank: int
    payee: str
    name: str
    measure: str
    attainment: Fraction  # to four places, as shown


@dataclass(frozen=True, slots=True)
class OrganisationKpis:
    payees: int
    payout: Totals
    credited: Totals
    with_quota: int
    without_quota: int
    bands: tuple[Band, ...]
    at_or_above_quota: int
    share_at_or_above_quota: Fraction | None
    leaderboard: tuple[Leader, ...]


@dataclass(frozen=True, slots=True)
class PeriodKpis:
    """What ``kpi_document`` writes as JSON and ``kpi_render`` shows to people."""
    period: str
    status: str
    payees: tuple[PayeeKpis, ...]
    teams: tuple[TeamKpis, ...]
    organisation: OrganisationKpis
    labels: Labels = NONE  # the plans' titles, for pages people read
    plan_of: dict = field(default_factory=dict)  # payee -> the id of its first plan
    names: dict = field(default_factory=dict)  # payee -> name, for the people reading
    plans_in: tuple[str, ...] = ()  # the plans paid by the page's length of period
    plans_elsewhere: tuple[str, ...] = ()  # registered plans paid by another length
    managers: frozenset = frozenset()  # payees someone reports to on the period's last day

    def name_of(self, payee: str) -> str:
        return self.names.get(payee) or payee

    @property
    def period_length(self) -> str:
        return parse_period(self.period)[0]

    def measure_title(self, payee: str, measure: str | None) -> str | None:
        """A payee's measure by its plan's title for it, where the plan gives one."""
        return None if measure is None else self.labels.title(self.plan_of.get(payee),
                                                              measure)


# ---------------------------------------------------------------------------- the figures

def period_kpis(ledger_db: LedgerDb, period: str) -> PeriodKpis:
    """The KPIs of `icm kpi --period P`."""
    statements = sorted(period_statements(ledger_db, period), key=lambda s: s.payee)
    status = _status(ledger_db, period, statements)
    starts = fiscal_year_starts(ledger_db)
    history = payee_rows(ledger_db)
    spans = {s.payee: period_span(period, _start_month(s, starts)) for s in statements}
    credited = _credit_figures(ledger_db, statements, spans)
    payees = []
    for statement in statements:
        row = history.as_of(statement.payee, spans[statement.payee][1])
        payees.append(_payee(statement, credited[statement.payee],
                             row.manager_id if row else None))
    labels = statements[0].shared.labels if statements and statements[0].shared else NONE
    plan_of = {p.payee: p.plans[0].split("@")[0] for p in payees if p.plans}
    rows = history.all_as_of(period_span(period)[1])
    names = {p.payee: p.name for p in payees}
    names.update({payee: row.name for payee, row in rows.items() if payee not in names})
    managers = frozenset(row.manager_id for row in rows.values() if row and row.manager_id)
    inside, elsewhere = _plans_by_length(ledger_db, period, labels)
    return PeriodKpis(period, status, tuple(payees), _teams(payees, history, spans),
                      _organisation(payees), labels, plan_of, names, inside, elsewhere,
                      managers)


def _plans_by_length(ledger_db: LedgerDb, period: str, labels: Labels
                     ) -> tuple[tuple, tuple]:
    """The registered plans paid by the period's length, and those paid by another: a page
    of a quarter says which plans it holds, and that a monthly plan's pay is on the months'.
    The statements' labels know each plan's payout period (read once with the titles)."""
    length = parse_period(period)[0]
    periods = labels.payout_periods
    if periods is None:  # no statement in the period: nothing read the plans yet
        periods = {found.plan_id: found.plan.payout_period
                   for found in registered_plans(ledger_db) if found.plan is not None}
    inside = tuple(sorted(p for p, paid in periods.items() if paid == length))
    return inside, tuple(sorted(p for p in periods if p not in inside))


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


def _payee(statement: Statement, figures: tuple, manager: str | None) -> PayeeKpis:
    record, context, currency = statement.record, statement.record.context, statement.currency
    # the payout period's own target incentive, so every plan's ratio has one basis; a
    # statement kept before it was recorded falls back to its window's
    target = context.period_target_incentive or context.target_incentive
    credited, deals, new_logos = figures
    found = next((m for m in context.measures if m.attainment is not None), None)
    primary = None if found is None else PrimaryMeasure(
        found.measure, found.type, shown(found.attainment), _exact(found.value, currency),
        _exact(found.quota, currency), currency)
    return PayeeKpis(statement.payee, statement.name, manager, tuple(record.plans), currency,
                     tuple(record.attainment), primary, int(record.payout),
                     None if target is None else int(target), credited, deals, new_logos)


def _exact(value, currency: str) -> Fraction:
    """A measure's value or quota in the unit its statement shows it: money in currency
    units, not minor units (a team's ratio adds them up)."""
    if value is None:
        return Fraction(0)
    if isinstance(value, Money):
        return Fraction(int(value), 10 ** minor_digits(currency))
    return shown(value)


def _average(credited: int, deals: int) -> int | None:
    """The credited amount over the deals, half even to a minor unit."""
    return round_fraction(Fraction(credited, deals), "half_even") if deals else None


def _per_currency(pairs) -> Totals:
    totals: dict[str, int] = {}
    for currency, units in pairs:
        totals[currency] = totals.get(currency, 0) + units
    return tuple(sorted(totals.items()))


def _teams(payees: list[PayeeKpis], history: PayeeRows, spans: dict) -> tuple[TeamKpis, ...]:
    by_id = {entry.payee: entry for entry in payees}
    reports: dict[str, list[str]] = {}
    for entry in payees:
        if entry.manager is not None:
            reports.setdefault(entry.manager, []).append(entry.payee)
    last_day = max(end for _, end in spans.values()) if spans else None
    teams = []
    for manager, direct in sorted(reports.items()):
        direct = sorted(direct)
        members = sorted(([manager] if manager in by_id else []) + direct)
        entries = [by_id[p] for p in members]
        if manager in by_id:
            name = by_id[manager].name
        else:
            row = history.as_of(manager, last_day)
            name = row.name if row else manager
        measured = [by_id[p].primary for p in direct if by_id[p].primary is not None]
        kinds = {(m.type, m.currency if m.type == "money" else None) for m in measured}
        attainment = (ratio(sum(m.value for m in measured), sum(m.quota for m in measured))
                      if len(kinds) == 1 else None)
        with_quota = [e for e in entries if e.primary is not None]
        teams.append(TeamKpis(
            manager=manager, name=name, members=tuple(members), reports=tuple(direct),
            payout=_per_currency((e.currency, e.payout) for e in entries),
            credited=_per_currency((e.currency, e.credited) for e in entries),
            deals=sum(e.deals for e in entries), new_logos=sum(e.new_logos for e in entries),
            **_team_ratios(entries), attainment=attainment, with_quota=len(with_quota),
            at_or_above_quota=sum(1 for e in with_quota if e.primary.attainment >= 1)))
    return tuple(teams)


def _team_ratios(entries: list[PayeeKpis]) -> dict:
    """Payout ÷ target incentive, cost of sales and average deal of a team, from its members'
    sums; null when the members are paid in more than one currency (never converted)."""
    currencies = {e.currency for e in entries}
    if len(currencies) != 1:
        return {"currency": None, "payout_to_target": None, "cost_of_sales": None,
                "average_deal": None}
    payout = sum(e.payout for e in entries)
    credited = sum(e.credited for e in entries)
    target = sum(e.target_incentive or 0 for e in entries)
    return {"currency": currencies.pop(), "payout_to_target": ratio(payout, target),
            "cost_of_sales": ratio(payout, credited),
            "average_deal": _average(credited, sum(e.deals for e in entries))}


def _organisation(payees: list[PayeeKpis]) -> OrganisationKpis:
    primary = {e.payee: e.primary for e in payees if e.primary is not None}
    counts = {band: 0 for band in BANDS}
    for found in primary.values():
        counts[band_of(found.attainment)] += 1
    at_or_above = sum(1 for found in primary.values() if found.attainment >= 1)
    names = {entry.payee: entry.name for entry in payees}
    ordered = sorted(primary.items(), key=lambda item: (-item[1].attainment, item[0]))
    leaderboard: list[Leader] = []
    for position, (payee, found) in enumerate(ordered):
        rank = position + 1
        if position and found.attainment == ordered[position - 1][1].attainment:
            rank = leaderboard[-1].rank
        leaderboard.append(Leader(rank, payee, names[payee], found.measure,
                                  ratio(found.attainment, 1)))
    return OrganisationKpis(
        payees=len(payees),
        payout=_per_currency((e.currency, e.payout) for e in payees),
        credited=_per_currency((e.currency, e.credited) for e in payees),
        with_quota=len(primary), without_quota=len(payees) - len(primary),
        bands=tuple(Band(band, counts[band]) for band in BANDS),
        at_or_above_quota=at_or_above,
        share_at_or_above_quota=ratio(at_or_above, len(primary)),
        leaderboard=tuple(leaderboard))
