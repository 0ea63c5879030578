"""Inline SVG charts: nothing fetched, nothing scripted, readable in a mail client.

Coordinates are computed with exact fractions and printed to one decimal place; a chart is a
picture, so its rounding never touches money."""
from __future__ import annotations

from fractions import Fraction
from html import escape

from rules_dsl.money import rounded_text
from views.safe_text import one_line
from rules_dsl.figures import percent, short_percent

WIDTH, BAR_TOP, BAR_HEIGHT, LEFT, RIGHT = 560, 18, 22, 8, 16


def _x(value: Fraction, top: Fraction) -> str:
    inner = WIDTH - LEFT - RIGHT
    return f"{float(LEFT + inner * min(value, top) / top):.1f}"


def chart_top(charted: list[tuple[Fraction, list[Fraction]]]) -> Fraction:
    """The right end of the scale that every bar of a statement shares, for its
    (attainment, tier starts) pairs: 150% of quota, or a tenth past the highest attainment
    or tier start, so that bars side by side compare at a glance."""
    return max([Fraction(3, 2)] + [figure * Fraction(11, 10) for attainment, starts in charted
                                   for figure in [attainment, *starts]])


def attainment_chart(measure: str, attainment: Fraction, starts: list[Fraction],
                     top: Fraction | None = None) -> str:
    """A bar for attainment against a line at 100% of quota and a tick at each tier
    boundary (a share of quota), on a scale that ends at ``top`` (``chart_top``; this
    bar's own when not given)."""
    value = attainment
    top = top if top is not None else chart_top([(value, starts)])
    height = BAR_TOP + BAR_HEIGHT + 22
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(measure)}: {attainment_text(value)} of quota">',
             f'<rect x="{LEFT}" y="{BAR_TOP}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{BAR_HEIGHT}" fill="#eef1f5"/>',
             *_bands(starts, top),
             f'<rect class="bar" x="{LEFT}" y="{BAR_TOP}" '
             f'width="{float(_x(max(value, Fraction(0)), top)) - LEFT:.1f}" '
             f'height="{BAR_HEIGHT}" fill="{"#2f7d4f" if value >= 1 else "#3b6ea8"}"/>']
    for start in sorted(set(starts) - {Fraction(1)}):
        x = _x(start, top)
        parts.append(f'<line x1="{x}" x2="{x}" y1="{BAR_TOP - 4}" y2="{BAR_TOP + BAR_HEIGHT}" '
                     'stroke="#a05a00" stroke-dasharray="3 2"/>')
        parts.append(f'<text x="{x}" y="{BAR_TOP - 6}" font-size="10" text-anchor="middle" '
                     f'fill="#a05a00">tier {percent_text(start)}</text>')
    quota_x = _x(Fraction(1), top)
    parts.append(f'<line x1="{quota_x}" x2="{quota_x}" y1="{BAR_TOP - 4}" '
                 f'y2="{BAR_TOP + BAR_HEIGHT + 4}" stroke="#222" stroke-width="2"/>')
    parts.append(f'<text x="{quota_x}" y="{BAR_TOP + BAR_HEIGHT + 16}" font-size="10" '
                 'text-anchor="middle">quota</text>')
    bar_end = float(_x(max(value, Fraction(0)), top))
    inside = bar_end - LEFT > 60  # a short bar gets its label after it, in dark text
    parts.append(f'<text x="{LEFT + 4 if inside else bar_end + 4:.1f}" '
                 f'y="{BAR_TOP + BAR_HEIGHT - 7}" font-size="11" '
                 f'fill="{"#fff" if inside else "#1d2330"}">{attainment_text(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bands(starts: list[Fraction], top: Fraction) -> list[str]:
    """Every other tier's stretch of the scale shaded behind the bar, so each tier reads as
    a band from its start to the next one's."""
    edges = sorted({start for start in starts if 0 < start < top})
    if not edges:
        return []
    bands = list(zip([Fraction(0), *edges], [*edges, top]))
    return [f'<rect class="tier-band" x="{_x(low, top)}" y="{BAR_TOP}" '
            f'width="{float(_x(high, top)) - float(_x(low, top)):.1f}" '
            f'height="{BAR_HEIGHT}" fill="#dde3ec"/>'
            for k, (low, high) in enumerate(bands) if k % 2]


def bar_chart(title: str, rows: list[tuple[str, int]]) -> str:
    """Horizontal bars of whole counts (the KPI page's attainment bands)."""
    top = max([count for _, count in rows] + [1])
    row_height, label_width = 24, 120
    height = row_height * len(rows) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">']
    for i, (label, count) in enumerate(rows):
        y = 4 + i * row_height
        width = (WIDTH - label_width - 60) * count / top
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="18" '
                     'fill="#3b6ea8"/>')
        parts.append(f'<text x="{label_width + width + 6:.1f}" y="{y + 15}" '
                     f'font-size="12">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def leaderboard_chart(leaderboard: list[tuple[str, Fraction]], shown: int) -> str:
    """Horizontal bars of the first ``shown`` (name, attainment) pairs, a line at 100% of
    quota; names escaped."""
    rows = leaderboard[:shown]
    row_height, label_width, right = 22, 170, 56
    values = [attainment for _, attainment in rows]
    top = max([Fraction(3, 2)] + values)
    inner = WIDTH - label_width - right
    height = row_height * len(rows) + 24

    def x(value: Fraction) -> str:
        return f"{float(label_width + inner * max(min(value, top), Fraction(0)) / top):.1f}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" '
             'aria-label="Attainment on the primary measure, highest first">']
    for i, (name, value) in enumerate(rows):
        y = 4 + i * row_height
        name = one_line(name)
        label = name if len(name) <= 24 else name[:23] + "…"
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" '
                     f'width="{float(x(value)) - label_width:.1f}" height="16" '
                     f'fill="{"#2f7d4f" if value >= 1 else "#3b6ea8"}"/>')
        parts.append(f'<text x="{float(x(value)) + 6:.1f}" y="{y + 13}" font-size="11">'
                     f'{percent(value)}</text>')
    quota_x = x(Fraction(1))
    bottom = 4 + len(rows) * row_height
    parts.append(f'<line x1="{quota_x}" x2="{quota_x}" y1="0" y2="{bottom}" stroke="#222" '
                 'stroke-width="1.5"/>')
    parts.append(f'<text x="{quota_x}" y="{bottom + 14}" font-size="10" '
                 'text-anchor="middle">quota</text>')
    parts.append("</svg>")
    return "".join(parts)


def percent_text(value: Fraction | None) -> str:
    """A tier start or other round share: 100%, 112.5%."""
    if value is None:
        return ""
    return f"{rounded_text(value * 100, 1).removesuffix('.0')}%"


def attainment_text(value: Fraction | None) -> str:
    """Attainment, always to two places (115.02%, 99.80%), as the KPI pages and the
    sentences beside the lines write it: one format wherever a rep or manager reads it."""
    if value is None:
        return ""
    return short_percent(value)
