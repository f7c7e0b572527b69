"""Inline SVG charts for the run report, generated in Python: no script, no network.

Every bar is one ``<rect class="bar ...">`` (tests count them) with a ``<title>`` tooltip that
holds the full label. Labels come from model output (types, relation names), so every string
goes through ``html.escape`` before it reaches the markup.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from html import escape

WIDTH = 720
_SVG = '<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" aria-label="{title}" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'


def display_width(text: str) -> int:
    """Columns a string takes: CJK and full-width characters are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def shorten(text: str, columns: int) -> str:
    if display_width(text) <= columns:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > columns - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def hbar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    total: float | None = None,
    classes: dict[str, str] | None = None,
) -> str:
    """Horizontal bars, one per (label, value), in the given order.

    ``total`` adds a share after each value; ``classes`` maps a label to an extra CSS class
    (e.g. status colours). Empty input gives a short note instead of an empty chart.
    """
    if not items:
        return f'<p class="empty">{escape(title)}: nothing to show</p>'
    label_w, value_w, row_h, bar_h = 210, 130, 24, 16
    bar_area = WIDTH - label_w - value_w
    top = max((v for _, v in items), default=0) or 1
    parts = [_SVG.format(kind="hbar", title=escape(title), w=WIDTH, h=len(items) * row_h + 8), f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        label = "(null)" if label is None else str(label)
        y = 4 + i * row_h
        width = max(bar_area * value / top, 1 if value else 0)
        share = f" ({value / total:.1%})" if total else ""
        extra = escape((classes or {}).get(label, ""))
        parts.append(
            f"<g><title>{escape(label)}: {_num(value)}{share}</title>"
            f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 3}" text-anchor="end">{escape(shorten(label, 28))}</text>'
            f'<rect class="bar {extra}" x="{label_w}" y="{y}" width="{width:.1f}" height="{bar_h}" rx="2"/>'
            f'<text class="value" x="{label_w + width + 6:.1f}" y="{y + bar_h - 3}">{_num(value)}{share}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(points: Sequence[tuple[str, float]], *, title: str, y_label: str = "", ticks: int = 6) -> str:
    """Vertical bars over ordered buckets (time), with a y axis and ~``ticks`` x labels."""
    if not points:
        return f'<p class="empty">{escape(title)}: nothing to show</p>'
    height, left, right, top_pad, bottom = 240, 56, 16, 16, 40
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    top = max(v for _, v in points) or 1
    step = plot_w / len(points)
    parts = [_SVG.format(kind="columns", title=escape(title), w=WIDTH, h=height), f"<title>{escape(title)}</title>"]
    for frac in (0, 0.5, 1):  # grid lines and y labels at 0, half, max
        y = top_pad + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(top * frac)}</text>')
    if y_label:
        parts.append(
            f'<text class="axis" x="12" y="{top_pad + plot_h / 2:.1f}" transform="rotate(-90 12 {top_pad + plot_h / 2:.1f})" text-anchor="middle">{escape(y_label)}</text>'
        )
    every = max(1, round(len(points) / ticks))
    for i, (label, value) in enumerate(points):
        x = left + i * step
        h = plot_h * value / top
        parts.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{top_pad + plot_h - h:.1f}" width="{max(step * 0.8, 1):.1f}" '
            f'height="{h:.1f}"><title>{escape(str(label))}: {_num(value)}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{x + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(str(label))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
