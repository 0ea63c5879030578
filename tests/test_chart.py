"""The statement's attainment bars share one scale (issue 15), worked out by hand: the bar
area is 560 - 8 - 16 = 536 px wide from x = 8."""
import re
from fractions import Fraction as F

from views.chart import attainment_chart, chart_top


def _quota_x(svg: str) -> str:
    return re.search(r'<line x1="([0-9.]+)"[^>]*stroke-width="2"', svg).group(1)


def test_bars_of_one_statement_share_the_scale_of_the_highest():
    # bookings at 50% (no tiers) and new logos at 180% with a tier from 120%: the scale
    # ends a tenth past 180%, at 198%, so quota sits at 8 + 536 / 1.98 = 278.7 on both
    charted = [(F(1, 2), []), (F(9, 5), [F(6, 5)])]
    top = chart_top(charted)
    assert top == F(99, 50)
    bars = [attainment_chart(name, value, starts, top)
            for name, (value, starts) in zip(["bookings", "new_logos"], charted)]
    assert [_quota_x(svg) for svg in bars] == ["278.7", "278.7"]
    # the 50% bar is 536 * 0.5 / 1.98 = 135.4 px long, not the 178.7 of its own scale
    assert 'class="bar" x="8" y="18" width="135.4"' in bars[0]
    # on its own a 50% bar's scale ends at 150%: quota at 8 + 536 / 1.5 = 365.3
    assert _quota_x(attainment_chart("bookings", F(1, 2), [])) == "365.3"


def test_a_tier_start_beyond_every_attainment_widens_the_scale():
    # a tier from 200% with attainment at 90%: the scale ends at 220%
    assert chart_top([(F(9, 10), [F(2)])]) == F(11, 5)
    assert chart_top([(F(1, 10), [])]) == F(3, 2)


def test_every_other_tier_is_a_shaded_band_behind_the_bar():
    # tiers from 0%, 50%, 100% and 150% on a scale to 200%: the bands are 0-50, 50-100,
    # 100-150 and 150-200; the second and fourth are shaded, from x = 8 + 536 / 4 = 142.0
    # and 8 + 536 * 3 / 4 = 410.0, each 134.0 wide; the bar is drawn over them
    svg = attainment_chart("bookings", F(6, 5), [F(0), F(1, 2), F(1), F(3, 2)], F(2))
    bands = re.findall(r'<rect class="tier-band" x="([0-9.]+)" y="18" width="([0-9.]+)"',
                       svg)
    assert bands == [("142.0", "134.0"), ("410.0", "134.0")]
    assert svg.index('class="tier-band"') < svg.index('class="bar"')
    # no tiers, no bands
    assert "tier-band" not in attainment_chart("bookings", F(6, 5), [], F(2))
