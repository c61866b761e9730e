"""The monthly trend as hand-written SVG geometry: bars for calls and cases accepted per month.

Computed here, drawn by the template with classes from portal.css (no inline
style or script, so the page's Content-Security-Policy holds).
"""

import math
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext

# A phone-sized drawing: on a phone it is shown at about its own size, so the axis type set in
# CSS user units (portal.css, larger in elder.css) is about that many CSS pixels; portal.css
# caps the chart's width on a wide screen so the type does not grow with it.
WIDTH, HEIGHT = 320, 220
LEFT, RIGHT, TOP, BOTTOM = 54, 8, 12, 34
GRID_LINES = 4
# The largest axis type the stylesheets use (elder.css): labels are spaced for it, so they
# never overlap in any mode.
AXIS_FONT = 17
LABEL_GAP = 6


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    css: str


def _nice_ceiling(value: int) -> int:
    if value <= 0:
        return GRID_LINES
    step = 1
    while step * 10 <= value:
        step *= 10
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * step >= value:
            top = multiple * step
            break
    return int(top) if top >= GRID_LINES else GRID_LINES


def _text_width(text: str) -> float:
    """About how wide ``text`` is at AXIS_FONT: a Chinese character is 1 em, other characters 0.6 em."""
    return sum(1 if ord(char) > 0x2E80 else 0.6 for char in text) * AXIS_FONT


def month_label(month, many: bool) -> str:
    """“6月” / “Jun”; on a chart spanning years “21/6” / “Jun 21”, in the page's language."""
    if many:
        return date_format(month, pgettext("hotline chart: a month label when the chart spans years", "M y"))
    return date_format(month, pgettext("hotline chart: a month label", "M"))


def axis_value(value: int) -> str:
    """A grid line's value, short: 2万 / 20k, so it fits left of the plot."""
    if (get_language() or "zh-hans").startswith("zh"):
        return f"{value / 10_000:g}万" if value >= 10_000 else str(value)
    return f"{value / 1000:g}k" if value >= 1000 else str(value)


def trend(series: list[dict]) -> dict | None:
    """Bars (calls and accepted side by side), grid lines and month labels for ``series``."""
    if not series:
        return None
    top = _nice_ceiling(max(max(row["calls"], row["accepted"]) for row in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series)
    bar_w = max(slot * 0.36, 1)
    bars, labels = [], []
    # A chart over more than one year names the year too: “1月” twice would be ambiguous.
    many = series[0]["month"].year != series[-1]["month"].year
    month_labels = [month_label(row["month"], many) for row in series]
    widest = max(_text_width(label) for label in month_labels)
    label_every = max(1, math.ceil((widest + LABEL_GAP) / slot))
    for index, row in enumerate(series):
        x0 = LEFT + index * slot + slot * 0.14
        for offset, (name, css) in enumerate((("calls", "bar-calls"), ("accepted", "bar-accepted"))):
            height = plot_h * row[name] / top
            bars.append(
                Bar(
                    round(x0 + offset * bar_w, 1),
                    round(TOP + plot_h - height, 1),
                    round(bar_w, 1),
                    round(height, 1),
                    row[name],
                    css,
                )
            )
        if index % label_every == 0:
            labels.append({"x": round(LEFT + index * slot + slot / 2, 1), "text": month_labels[index]})
    grid = [
        {"y": round(TOP + plot_h - plot_h * i / GRID_LINES, 1), "value": top * i // GRID_LINES}
        for i in range(GRID_LINES + 1)
    ]
    for line in grid:
        line["label"] = axis_value(line["value"])
    return {
        # Drawn here in one pass: a ten-year chart has 240 bars, too many for template tags to be
        # cheap. Numbers and the two class names above only: nothing to escape.
        "bars_svg": mark_safe(
            "\n".join(
                f'<rect class="{bar.css}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}"><title>{bar.value}</title></rect>'
                for bar in bars
            )
        ),
        "labels_svg": format_html_join(
            "\n",
            '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
            ((label["x"], HEIGHT - 10, label["text"]) for label in labels),
        ),
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 10,
        "bars": bars,
        "labels": labels,
        "grid": grid,
    }
