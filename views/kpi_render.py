"""The KPIs of ``kpi.py`` for people: tables for the terminal and one self-contained HTML
page (inline CSS and SVG, no script, nothing fetched), drawn from the typed records."""
from __future__ import annotations

import dataclasses

from fractions import Fraction

from views.chart import bar_chart, leaderboard_chart
from rules_dsl.figures import short_percent
from rules_dsl.money import format_grouped
from views.kpi import LEADERBOARD_CHART_ROWS, Leader, PeriodKpis, Totals
from views.render import house_css, html_environment
from views.safe_text import terminal_safe


# ------------------------------------------------------------------------- the text tables

CELL_WIDTH = 48  # a longer name is cut in the table (JSON and HTML carry it whole)


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """Aligned columns; every cell made terminal-safe first, so user text in any column can
    neither break the table nor reach the terminal as a control, nor widen every row."""
    rows = [[_cell(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])]
                     + [line(r) for r in rows])


def _cell(text: str) -> str:
    text = terminal_safe(text)
    return text if len(text) <= CELL_WIDTH else text[:CELL_WIDTH - 1] + "…"


def _pct(ratio: Fraction | None) -> str:
    """A ratio, already rounded to four places, as a percent to two places, every percent
    of the page alike: 0.0705 -> '7.05%', 1.25 -> '125.00%'."""
    return short_percent(ratio) if ratio is not None else "-"


def _money_text(units: int | None, currency: str | None) -> str:
    return "-" if units is None else format_grouped(units, currency)


def _totals_text(totals: Totals) -> str:
    return ", ".join(f"{format_grouped(units, currency)} {currency}"
                     for currency, units in totals) or "-"


def kpi_table(kpis: PeriodKpis) -> str:
    """Plain-text tables for the terminal: payees, teams, then the organisation."""
    out = [f"KPIs {kpis.period}"
           + (" (draft: the period is not closed)" if kpis.status == "draft" else "")]
    if kpis.plans_elsewhere:
        out.append(f"plans paid by the {kpis.period_length}: "
                   f"{', '.join(kpis.plans_in) or 'none'}; on other periods' pages: "
                   f"{', '.join(kpis.plans_elsewhere)}")
    out += ["", "Payees"]
    rows = [[p.payee, p.name, p.currency,
             kpis.measure_title(p.payee, p.primary_measure) or "-",
             _pct(p.primary_attainment),
             _money_text(p.payout, p.currency), _pct(p.payout_to_target),
             _money_text(p.credited, p.currency), _pct(p.cost_of_sales), str(p.deals),
             _money_text(p.average_deal, p.currency), str(p.new_logos)]
            for p in kpis.payees]
    out.append(_table(["payee", "name", "cur", "primary measure", "attainment", "payout",
                       "of TI", "credited", "cost of sales", "deals", "avg deal",
                       "new logos"], rows, {4, 5, 6, 7, 8, 9, 10, 11})
               if rows else "(no payee in this period)")
    out += ["", "Teams"]
    rows = [[t.manager, t.name, str(len(t.members)),
             _totals_text(t.payout), _pct(t.payout_to_target),
             _totals_text(t.credited), _pct(t.cost_of_sales), str(t.deals),
             _money_text(t.average_deal, t.currency), str(t.new_logos), _pct(t.attainment),
             f"{t.at_or_above_quota} of {t.with_quota}"]
            for t in kpis.teams]
    out.append(_table(["manager", "name", "members", "payout", "of TI", "credited",
                       "cost of sales", "deals", "avg deal", "new logos",
                       "reports' attainment", "at/above quota"], rows, set(range(2, 12)))
               if rows else "(no manager with a direct report in this period)")
    org = kpis.organisation
    out += ["", "Organisation",
            f"payees: {org.payees} ({org.with_quota} with a quota, "
            f"{org.without_quota} without)",
            f"payout: {_totals_text(org.payout)}",
            f"credited: {_totals_text(org.credited)}",
            f"at or above quota: {org.at_or_above_quota} of {org.with_quota}"
            + (f" ({_pct(org.share_at_or_above_quota)})"
               if org.share_at_or_above_quota is not None else ""),
            ""]
    out.append(_table(["attainment band", "payees"],
                      [[b.band, str(b.payees)] for b in org.bands], {1}))
    reps, managers = boards(kpis)
    for title, board in (("Leaderboard (primary measure)", reps),
                         ("Managers (primary measure, ranked apart)", managers)):
        if board or not managers:
            out += ["", title]
            rows = [[str(e.rank), e.payee, e.name, kpis.measure_title(e.payee, e.measure),
                     _pct(e.attainment)] for e in board]
            out.append(_table(["rank", "payee", "name", "measure", "attainment"], rows,
                              {0, 4}) if rows else "(no payee with a quota)")
    return "\n".join(out) + "\n"


def boards(kpis: PeriodKpis) -> tuple[list[Leader], list[Leader]]:
    """The leaderboard split in two, each ranked on its own (ties share the better rank):
    the reps, and the managers (a payee someone reports to), whose primary measure is
    usually their team's and would crowd the reps' board."""
    managers = kpis.managers
    split = ([e for e in kpis.organisation.leaderboard if e.payee not in managers],
             [e for e in kpis.organisation.leaderboard if e.payee in managers])
    return tuple(_reranked(board) for board in split)


def _reranked(board: list[Leader]) -> list[Leader]:
    found: list[Leader] = []
    for position, entry in enumerate(board):
        tied = position and entry.attainment == board[position - 1].attainment
        rank = found[-1].rank if tied else position + 1
        found.append(dataclasses.replace(entry, rank=rank))
    return found


def kpi_html(kpis: PeriodKpis) -> str:
    """One self-contained page: inline CSS and SVG, no script, nothing fetched."""
    org = kpis.organisation
    bands = bar_chart("Payees by attainment on their primary measure",
                      [(b.band, b.payees) for b in org.bands])
    reps, managers = boards(kpis)
    leaders = leaderboard_chart([(e.name, e.attainment) for e in reps],
                                LEADERBOARD_CHART_ROWS) if reps else None
    return html_environment().get_template("kpi.html.j2").render(
        d=kpis, org=org, bands_chart=bands, leaderboard_chart=leaders, reps=reps,
        managers=managers,
        chart_rows=LEADERBOARD_CHART_ROWS, css=house_css(),
        pct=_pct, totals=_totals_text)
