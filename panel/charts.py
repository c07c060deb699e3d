"""Geometry for server-side SVG charts; templates/macros/charts.html draws them.

No chart library: bars and columns are a few rectangles, and every chart is shown next to a table
with the same numbers for screen readers and for people who prefer numbers.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    target: float | None = None
    target_width: float = 0


def bar_chart(rows, width=720, bar_height=34, gap=12, label_width=250, value_width=110):
    """Horizontal bars for [(label, value)] or [(label, value, target)]."""
    values = [row[1] or 0 for row in rows] + [row[2] or 0 for row in rows if len(row) > 2]
    top = max(values + [0]) or 1
    usable = width - label_width - value_width
    bars = []
    for index, row in enumerate(rows):
        label, value = row[0], row[1] or 0
        target = row[2] if len(row) > 2 else None
        y = index * (bar_height + gap)
        bars.append(
            Bar(
                str(label),
                value,
                label_width,
                y,
                usable * value / top,
                bar_height,
                target,
                usable * (target or 0) / top,
            )
        )
    height = len(rows) * (bar_height + gap) - gap if rows else bar_height
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "label_width": label_width,
        "bar_height": bar_height,
    }


def column_chart(rows, width=720, height=260, gap=8, bottom=34, top_margin=26):
    """Vertical columns for [(label, value)], e.g. per month."""
    count = max(len(rows), 1)
    values = [row[1] or 0 for row in rows]
    top = max(values + [0]) or 1
    column = (width - gap * (count - 1)) / count
    plot = height - bottom
    bars = []
    for index, (label, value) in enumerate(rows):
        value = value or 0
        bar_height = (plot - top_margin) * value / top
        bars.append(
            Bar(str(label), value, index * (column + gap), plot - bar_height, column, bar_height)
        )
    return {"bars": bars, "width": width, "height": height, "plot_height": plot}
