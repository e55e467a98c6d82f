"""Inline SVG charts for the HTML reports, written by hand: no scripts, fonts or network.

Each function returns one ``<svg class="chart" role="img">`` element with a ``<title>`` and
``<desc>`` (their ids derive from ``chart_id``: give each chart of a page its own). Every bar and
point also carries its numbers in a ``<title>`` (shown on hover) and, where it fits, as text.
Colours come from :mod:`newsstance.inference.report_style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from newsstance.inference.report_style import INK, MUTED, css_class, style_of

LABEL_W = 170   # width of the label column, in viewBox units
PLOT_W = 420    # width of the plot area
ROW_H = 26      # height of one bar row


def _fmt(value: float) -> str:
    return f"{value:+.2f}"


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _open(title: str, desc: str, width: float, height: float, kind: str,
          uid: str) -> list[str]:
    uid = css_class(uid)
    return [f'<svg class="chart chart-{kind}" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" aria-labelledby="{uid}t {uid}d">',
            f'<title id="{uid}t">{escape(title)}</title>',
            f'<desc id="{uid}d">{escape(desc)}</desc>']


def diverging_bars(rows: Sequence[tuple[str, float, int]], title: str, desc: str = "",
                   unit: str = "article", chart_id: str = "diverging") -> str:
    """Horizontal bars of ``(label, score in [-1, 1], n)`` drawn from a zero line."""
    top = 22
    height = top + ROW_H * max(1, len(rows)) + 26
    width = LABEL_W + PLOT_W + 130
    zero = LABEL_W + PLOT_W / 2
    half = PLOT_W / 2
    out = _open(title, desc or title, width, height, "diverging", chart_id)
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = zero + tick * half
        cls = "zero" if tick == 0 else "grid"
        out.append(f'<line class="{cls}" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" '
                   f'y2="{height - 22}"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick:+.1f}</text>')
    out.append(f'<text x="{zero - 6:.1f}" y="12" text-anchor="end" fill="{MUTED}">◀ negative'
               f'</text><text x="{zero + 6:.1f}" y="12">positive ▶</text>')
    for i, (label, value, n) in enumerate(rows):
        value = max(-1.0, min(1.0, float(value)))
        y = top + i * ROW_H
        kind = "positive" if value > 0.05 else "negative" if value < -0.05 else "neutral"
        style = style_of(kind)
        x0, x1 = sorted((zero, zero + value * half))
        w = max(x1 - x0, 2.0)
        note = f"{label}: mean {_fmt(value)} over {n} {unit}{'s' if n != 1 else ''}"
        out.append(f'<g class="bar bar-{kind}"><title>{escape(note)}</title>')
        out.append(f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">'
                   f'{escape(_short(label))}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" '
                   f'fill="{style.strong}"/>')
        out.append(f'<text x="{LABEL_W + PLOT_W + 8}" y="{y + 17}">{style.marker} {_fmt(value)} '
                   f'(n={n})</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_bars(rows: Sequence[tuple[str, Mapping[str, int]]], order: Sequence[str],
                 title: str, desc: str = "", chart_id: str = "stacked") -> str:
    """100 % stacked horizontal bars of label counts per row, with a legend and counts."""
    labels = list(order) + sorted({k for _, c in rows for k in c if k not in order})
    top = 34
    height = top + ROW_H * max(1, len(rows)) + 8
    width = LABEL_W + PLOT_W + 70
    out = _open(title, desc or title, width, height, "stacked", chart_id)
    x = float(LABEL_W)
    for label in labels:  # legend: swatch + marker + word
        style = style_of(label)
        out.append(f'<rect x="{x:.0f}" y="6" width="14" height="14" fill="{style.strong}"/>'
                   f'<text x="{x + 19:.0f}" y="18">{style.marker} {escape(label)}</text>')
        x += 30 + 8 * len(label)
    for i, (name, counts) in enumerate(rows):
        y = top + i * ROW_H
        total = sum(counts.get(k, 0) for k in labels)
        out.append(f'<g class="row"><text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">'
                   f'{escape(_short(name))}</text>')
        x = float(LABEL_W)
        for label in labels:
            n = counts.get(label, 0)
            if not n or not total:
                continue
            w = PLOT_W * n / total
            style = style_of(label)
            note = f"{name}: {label} {n} of {total} ({100 * n / total:.0f}%)"
            out.append(f'<g class="seg seg-{css_class(label)}"><title>{escape(note)}</title>'
                       f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 6}" '
                       f'fill="{style.tint}" stroke="{style.strong}" stroke-width="1.5"/>')
            if w >= 34:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + 17}" text-anchor="middle">'
                           f'{style.marker}{n}</text>')
            out.append("</g>")
            x += w
        out.append(f'<text x="{LABEL_W + PLOT_W + 8}" y="{y + 17}">n={total}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def time_series(points: Sequence[tuple[int, str, float, int]], title: str,
                desc: str = "", chart_id: str = "time") -> str:
    """A line of ``(x ordinal, x label, score in [-1, 1], n)`` points over a [-1, 1] axis; x
    positions follow the ordinals, so gaps between dates show."""
    left, right, top, plot_h = 48, 48, 14, 180
    width = left + 560 + right
    height = top + plot_h + 46
    out = _open(title, desc or title, width, height, "time", chart_id)
    xs = [p[0] for p in points]
    lo, hi = (min(xs), max(xs)) if xs else (0, 1)
    span = max(hi - lo, 1)

    def px(ordinal: int) -> float:
        return left + 560 * ((ordinal - lo) / span if hi > lo else 0.5)

    def py(value: float) -> float:
        return top + plot_h * (1 - (max(-1.0, min(1.0, value)) + 1) / 2)

    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        cls = "zero" if tick == 0 else "grid"
        out.append(f'<line class="{cls}" x1="{left}" y1="{py(tick):.1f}" x2="{left + 560}" '
                   f'y2="{py(tick):.1f}"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" '
                   f'text-anchor="end">{tick:+.1f}</text>')
    out.append(f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + 560}" '
               f'y2="{top + plot_h}"/>')
    if len(points) > 1:
        path = " ".join(f"{px(o):.1f},{py(v):.1f}" for o, _, v, _ in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.5"/>')
    step = max(1, -(-len(points) // 8))  # at most about 8 x labels
    for i, (ordinal, label, value, n) in enumerate(points):
        kind = "positive" if value > 0.05 else "negative" if value < -0.05 else "neutral"
        style = style_of(kind)
        x, y = px(ordinal), py(value)
        note = f"{label}: mean tone {_fmt(value)} over {n} article{'s' if n != 1 else ''}"
        out.append(f'<g class="point point-{kind}"><title>{escape(note)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{style.strong}" '
                   f'stroke="{INK}" stroke-width="1"/></g>')
        if i % step == 0 or i == len(points) - 1:
            out.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                       f'{escape(label)}</text>')
    out.append(f'<text x="{left}" y="{height - 6}" fill="{MUTED}">mean tone per period '
               f'(−1 negative … +1 positive); hover a point for its count</text>')
    out.append("</svg>")
    return "\n".join(out)


def probability_bar(probs: Mapping[str, float], order: Sequence[str], title: str,
                    chart_id: str = "probs") -> str:
    """One stacked bar of a probability distribution, with each share written out."""
    labels = list(order) + [k for k in probs if k not in order]
    width, height = 420, 30
    out = _open(title, ", ".join(f"{k} {100 * probs.get(k, 0):.0f}%" for k in labels),
                width, height, "probs", chart_id)
    x = 0.0
    for label in labels:
        p = max(0.0, float(probs.get(label, 0.0)))
        w = width * p
        if w <= 0:
            continue
        style = style_of(label)
        out.append(f'<g class="seg seg-{css_class(label)}"><title>{escape(label)} {100 * p:.1f}%'
                   f'</title><rect x="{x:.1f}" y="2" width="{w:.1f}" height="26" '
                   f'fill="{style.tint}" stroke="{style.strong}" stroke-width="1.5"/>')
        caption = f"{style.marker} {label} {100 * p:.0f}%"
        if w >= 7 * len(caption) + 8:
            out.append(f'<text x="{x + w / 2:.1f}" y="20" text-anchor="middle">'
                       f'{escape(caption)}</text>')
        out.append("</g>")
        x += w
    out.append("</svg>")
    return "\n".join(out)
