"""The one serializer of the KPIs: the JSON document of `icm kpi --json` from
``kpi.PeriodKpis``. Money is decimal text with the currency's digits, ratios four places."""
from __future__ import annotations

from fractions import Fraction

from rules_dsl.money import format_minor_units, rounded_text
from views.kpi import OrganisationKpis, PayeeKpis, PeriodKpis, TeamKpis, Totals


def kpi_document(kpis: PeriodKpis) -> dict:
    return {"period": kpis.period, "status": kpis.status,
            "payees": [_payee(p) for p in kpis.payees],
            "teams": [_team(t) for t in kpis.teams],
            "organisation": _organisation(kpis.organisation)}


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else rounded_text(value, 4)


def _money(units: int | None, currency: str | None) -> str | None:
    return None if units is None else format_minor_units(units, currency)


def _totals(totals: Totals) -> dict[str, str]:
    return {currency: format_minor_units(units, currency) for currency, units in totals}


def _payee(p: PayeeKpis) -> dict:
    return {
        "payee": p.payee, "name": p.name, "manager": p.manager, "plans": list(p.plans),
        "currency": p.currency,
        "attainment": {name: rounded_text(value, 4) for name, value in p.attainment},
        "primary_measure": p.primary_measure,
        "primary_attainment": _ratio(p.primary_attainment),
        "payout": _money(p.payout, p.currency),
        "target_incentive": _money(p.target_incentive, p.currency),
        "payout_to_target": _ratio(p.payout_to_target),
        "credited": _money(p.credited, p.currency),
        "cost_of_sales": _ratio(p.cost_of_sales),
        "deals": p.deals,
        "average_deal": _money(p.average_deal, p.currency),
        "new_logos": p.new_logos,
    }


def _team(t: TeamKpis) -> dict:
    return {
        "manager": t.manager, "name": t.name, "members": list(t.members),
        "reports": list(t.reports), "payout": _totals(t.payout),
        "credited": _totals(t.credited), "deals": t.deals, "new_logos": t.new_logos,
        "payout_to_target": _ratio(t.payout_to_target),
        "cost_of_sales": _ratio(t.cost_of_sales),
        "average_deal": _money(t.average_deal, t.currency),
        "attainment": _ratio(t.attainment), "with_quota": t.with_quota,
        "at_or_above_quota": t.at_or_above_quota,
    }


def _organisation(org: OrganisationKpis) -> dict:
    return {
        "payees": org.payees, "payout": _totals(org.payout), "credited": _totals(org.credited),
        "with_quota": org.with_quota, "without_quota": org.without_quota,
        "bands": [{"band": b.band, "payees": b.payees} for b in org.bands],
        "at_or_above_quota": org.at_or_above_quota,
        "share_at_or_above_quota": _ratio(org.share_at_or_above_quota),
        "leaderboard": [{"rank": e.rank, "payee": e.payee, "name": e.name,
                         "measure": e.measure, "attainment": _ratio(e.attainment)}
                        for e in org.leaderboard],
    }
