"""The match-weight chart: each field's levels with the weight the model gives them, drawn
as server-side SVG like the program's other charts (no JavaScript, the site's CSP allows
it). A bar right of zero counts for a match, left against; its length is the weight."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .linkage import Parameters, probability_of

FONT = "Helvetica, Arial, sans-serif"
INK = "#1f2933"
SOFT = "#52606d"
GRID = "#d9e2ec"
FOR = "#0072b2"  # Okabe-Ito blue and vermilion, as the analytics charts use
AGAINST = "#d55e00"
CAP = 20


@dataclass(frozen=True)
class Row:
    field: str
    level: str
    weight: float | None  # None: the training saw no pair at this level


def rows_of(parameters: Parameters) -> list[Row]:
    rows = []
    for field in parameters.fields():
        for level in field.levels:
            if level.is_null:
                continue
            rows.append(
                Row(
                    str(field.title),
                    str(level.chart_label),
                    parameters.level_weight(field.name, level.key),
                )
            )
    return rows


def prior_weight(parameters: Parameters) -> float:
    import math

    return math.log2(parameters.prior / (1 - parameters.prior))


def match_weight_chart(parameters: Parameters, *, width: int = 640) -> SafeString:
    rows = rows_of(parameters)
    label_width, right, row_height, top = 250, 40, 20, 28
    height = top + row_height * (len(rows) + 1) + 16
    plot_w = width - label_width - right
    # Weights past ±CAP (a level almost never seen in one person's records) are drawn to
    # the edge, their number inside the bar: the rest of the chart stays readable.
    largest = max([abs(row.weight) for row in rows if row.weight is not None] + [1.0])
    step = next(step for step in (1, 2, 5, 10) if step * 4 >= min(largest, CAP))
    reach = float(step * 4)
    zero = label_width + plot_w / 2
    scale = (plot_w / 2) / reach
    title = _("Match weights of the model's fields")
    description = _(
        "For each field, the weight each level adds to a pair's total: bars to the right "
        "count for one person, to the left against. The prior is %(prior).1f "
        "(a match probability of %(percent).4f%% for two records picked at random)."
    ) % {
        "prior": prior_weight(parameters),
        "percent": 100 * probability_of(prior_weight(parameters)),
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="match-weights-title match-weights-desc" font-family="{FONT}" '
        f'font-size="11" fill="{INK}">',
        f'<title id="match-weights-title">{escape(title)}</title>',
        f'<desc id="match-weights-desc">{escape(description)}</desc>',
    ]
    for tick in range(-int(reach), int(reach) + 1, step):
        x = zero + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - 16}" '
            f'stroke="{GRID if tick else SOFT}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="{SOFT}">{tick:+d}</text>'
        )
    previous = None
    for index, row in enumerate(rows):
        y = top + index * row_height
        label = row.level if row.field == previous else f"{row.field}: {row.level}"
        previous = row.field
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
        )
        if row.weight is None:
            parts.append(
                f'<text x="{zero + 4:.1f}" y="{y + 14}" fill="{SOFT}">'
                f"{escape(_('not learned'))}</text>"
            )
            continue
        clipped = abs(row.weight) > reach
        w = min(abs(row.weight), reach) * scale
        x = zero if row.weight >= 0 else zero - w
        colour = FOR if row.weight >= 0 else AGAINST
        shown = f"{row.weight:+.1f}".replace("-", "\u2212")
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_height - 8}" '
            f'fill="{colour}"><title>{escape(f"{row.field}, {row.level}: {shown}")}</title></rect>'
        )
        if clipped:  # its number inside the bar's far end, in white
            text_x = x + w - 4 if row.weight >= 0 else x + 4
            anchor, ink = ("end" if row.weight >= 0 else "start"), "#ffffff"
        else:
            text_x = x + w + 4 if row.weight >= 0 else x - 4
            anchor, ink = ("start" if row.weight >= 0 else "end"), INK
        parts.append(
            f'<text x="{text_x:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{ink}">'
            f"{shown}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it went through escape()
