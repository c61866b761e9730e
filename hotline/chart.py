"""The monthly trend as hand-written SVG geometry: bars for calls and cases accepted per month.

Computed here, drawn by the template with classes from portal.css (no inline
style or script, so the page's Content-Security-Policy holds).
"""

from dataclasses import dataclass

from django.utils.html import format_html_join

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28
GRID_LINES = 4


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


def trend(series: list[dict]) -> dict | None:
    """Bars (calls and accepted side by side), grid lines and month labels for ``series``."""
    if not series:
        return None
    top = _nice_ceiling(max(max(row["calls"], row["accepted"]) for row in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series)
    bar_w = max(slot * 0.36, 1)
    bars, labels = [], []
    label_every = 1 if len(series) <= 12 else (len(series) + 11) // 12
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
            month = row["month"]
            text = f"{month.month}月" if len(series) <= 12 else f"{month:%y}/{month.month}"
            labels.append({"x": round(LEFT + index * slot + slot / 2, 1), "text": text})
    grid = [
        {"y": round(TOP + plot_h - plot_h * i / GRID_LINES, 1), "value": top * i // GRID_LINES}
        for i in range(GRID_LINES + 1)
    ]
    return {
        # Drawn here in one pass: a ten-year chart has 240 bars, too many for template tags to be cheap.
        "bars_svg": format_html_join(
            "\n",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            ((bar.css, bar.x, bar.y, bar.width, bar.height, bar.value) for bar in bars),
        ),
        "labels_svg": format_html_join(
            "\n",
            '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
            ((label["x"], HEIGHT - 8, label["text"]) for label in labels),
        ),
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "labels": labels,
        "grid": grid,
    }
