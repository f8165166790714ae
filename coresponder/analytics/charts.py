"""Charts for the printable report, drawn as SVG in Python.

WeasyPrint runs no JavaScript, so the report cannot use the dashboard's Chart.js; these
functions return inline SVG that a browser and WeasyPrint both draw the same. Every
chart has a <title> and a <desc> named by `aria-labelledby`, and the report prints its
data table beside it. Colours are set as presentation attributes, not `style`, so the
site's Content-Security-Policy (no inline styles) leaves them alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "Helvetica, Arial, sans-serif"
INK = "#1f2933"
SOFT = "#52606d"
GRID = "#d9e2ec"
# Colour-blind-safe (Okabe–Ito), dark enough on white for the lines and bars.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
HEAT = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def _ident(title: str) -> str:
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "x")


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _nice_top(value: float) -> float:
    """A round axis maximum at or above value: 1, 2, 2.5 or 5 × a power of ten."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _open(title: str, description: str, width: int, height: int) -> list[str]:
    ident = _ident(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" '
        f'font-size="11" fill="{INK}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it went through escape()


def _text(x: float, y: float, words: str, *, anchor: str = "start", **attributes) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(str(words))}</text>'
    )


def _y_axis(parts, *, left, top, width, height, top_value, unit) -> None:
    for i in range(5):
        value = top_value * i / 4
        y = top + height - height * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, _number(value) + unit, anchor="end", fill=SOFT))


def _legend(parts, names: Sequence[str], *, x: float, y: float) -> None:
    for i, name in enumerate(names):
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(_text(x + 14, y, name))
        x += 24 + 6.5 * len(name)


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    description: str,
    unit: str = "",
    axis: str = "",
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Vertical bars, one group per label, one bar per series; `axis` names what the
    labels under the bars count (minutes), once."""
    left, right, top, bottom = 52, 10, 24 if len(series) > 1 else 12, 50 if axis else 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_top(max((v for _, values in series for v in values), default=0))
    parts = _open(title, description, width, height)
    if len(series) > 1:
        _legend(parts, [name for name, _ in series], x=left, y=12)
    _y_axis(parts, left=left, top=top, width=plot_w, height=plot_h, top_value=top_value, unit=unit)
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        x0 = left + i * group + group * 0.1
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / top_value
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(f'{label}, {name}: {_number(value)}{unit}')}</title></rect>"
            )
        parts.append(_text(left + (i + 0.5) * group, top + plot_h + 15, label, anchor="middle"))
    if axis:
        parts.append(_text(left + plot_w / 2, top + plot_h + 32, axis, anchor="middle", fill=SOFT))
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{SOFT}"/>'
    )
    return _close(parts)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    description: str,
    unit: str = "",
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """One line per series over the labels (months); a missing value breaks the line."""
    left, right, top, bottom = 52, 30, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points if v is not None]
    top_value = _nice_top(max(values, default=0))
    parts = _open(title, description, width, height)
    _legend(parts, [name for name, _ in series], x=left, y=12)
    _y_axis(parts, left=left, top=top, width=plot_w, height=plot_h, top_value=top_value, unit=unit)
    step = plot_w / max(len(labels) - 1, 1)
    every = max(1, -(-len(labels) // 7))  # at most seven labels under the axis
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step if len(labels) > 1 else left + plot_w / 2
            parts.append(_text(x, top + plot_h + 15, label, anchor="middle"))
    for j, (name, points) in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(points):
            if value is None:
                runs.append([])
                continue
            x = left + i * step if len(labels) > 1 else left + plot_w / 2
            runs[-1].append((x, top + plot_h - plot_h * value / top_value))
            parts.append(
                f'<circle cx="{x:.1f}" cy="{runs[-1][-1][1]:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{labels[i]}, {name}: {_number(value)}{unit}')}</title>"
                "</circle>"
            )
        for run in runs:
            if len(run) > 1:
                points_text = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points_text}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>'
                )
    return _close(parts)


def horizontal_bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    description: str,
    unit: str = "",
    width: int = 640,
    row: int = 22,
    label_width: int = 200,
) -> SafeString:
    """One bar per label, longest first if the caller sorts them, value at the bar's end."""
    top, right = 6, 60
    height = top * 2 + row * max(len(labels), 1)
    plot_w = width - label_width - right
    top_value = max(max(values, default=0), 1)
    parts = _open(title, description, width, height)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        w = plot_w * value / top_value
        parts.append(_text(label_width - 8, y + row * 0.65, label, anchor="end"))
        parts.append(
            f'<rect x="{label_width}" y="{y + 3:.1f}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
        )
        parts.append(_text(label_width + w + 6, y + row * 0.65, _number(value) + unit))
    return _close(parts)


def heat_map(
    grid: Sequence[Sequence[int]],
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    title: str,
    description: str,
    width: int = 640,
    label_width: int = 40,
) -> SafeString:
    """A grid of cells shaded by count: seven days by 24 hours for calls by hour of week."""
    left, top, right = label_width, 18, 6
    columns = max((len(r) for r in grid), default=1)
    cell_w = (width - left - right) / columns
    cell_h = 20
    height = top + cell_h * len(grid) + 26
    highest = max((v for r in grid for v in r), default=0) or 1
    parts = _open(title, description, width, height)
    for j, label in enumerate(column_labels):
        if j % 3 == 0:
            parts.append(_text(left + (j + 0.5) * cell_w, top - 5, label, anchor="middle"))
    for i, (label, cells) in enumerate(zip(row_labels, grid, strict=True)):
        y = top + i * cell_h
        parts.append(_text(left - 6, y + cell_h * 0.7, label, anchor="end"))
        for j, value in enumerate(cells):
            shade = HEAT[min(len(HEAT) - 1, round((len(HEAT) - 1) * value / highest))]
            parts.append(
                f'<rect x="{left + j * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 1}" fill="{shade}">'
                f"<title>{escape(f'{label} {column_labels[j]}: {value}')}</title></rect>"
            )
    legend_y = top + cell_h * len(grid) + 8
    parts.append(_text(left, legend_y + 10, "0"))
    for k, shade in enumerate(HEAT):
        parts.append(
            f'<rect x="{left + 14 + k * 18}" y="{legend_y}" width="16" height="12" '
            f'fill="{shade}" stroke="{GRID}"/>'
        )
    parts.append(_text(left + 18 + len(HEAT) * 18, legend_y + 10, _number(highest)))
    return _close(parts)
