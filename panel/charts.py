"""Geometry for server-side SVG charts; templates/macros/charts.html draws them.

No chart library: bars and lines are a few rectangles and points, and every chart is shown next to
a table with the same numbers for screen readers and for people who prefer numbers.
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
    muted: bool = False


def bar_chart(rows, width=640, bar_height=26, gap=10, label_width=190, value_width=70):
    """Horizontal bars for [(label, value)] or [(label, value, muted)]; returns the drawing."""
    values = [row[1] or 0 for row in rows]
    top = max(values + [0]) or 1
    usable = width - label_width - value_width
    bars = []
    for index, row in enumerate(rows):
        label, value = row[0], row[1] or 0
        muted = row[2] if len(row) > 2 else False
        y = index * (bar_height + gap)
        bars.append(Bar(str(label), value, label_width, y, max(usable * value / top, 1 if value else 0),
                        bar_height, muted))
    height = len(rows) * (bar_height + gap) - gap if rows else bar_height
    return {"bars": bars, "width": width, "height": height, "label_width": label_width,
            "bar_height": bar_height}


def column_chart(rows, width=640, height=220, gap=6, bottom=28):
    """Vertical columns for [(label, value)], e.g. per month; returns the drawing."""
    count = max(len(rows), 1)
    values = [row[1] or 0 for row in rows]
    top = max(values + [0]) or 1
    column = (width - gap * (count - 1)) / count
    plot = height - bottom
    bars = []
    for index, (label, value) in enumerate(rows):
        value = value or 0
        bar_height = plot * value / top
        bars.append(Bar(str(label), value, index * (column + gap), plot - bar_height, column,
                        bar_height))
    return {"bars": bars, "width": width, "height": height, "plot_height": plot}
