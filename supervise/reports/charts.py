"""PURE: small charts as SVG text, drawn on the server (no script, nothing loaded from elsewhere,
prints as sharply as the page). Every mark carries a <title> for a tooltip and a data- attribute
with its value, so a reader (or a test) can check what is drawn."""
from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

PALETTE = ("#0b5cad", "#b3261e", "#1e7b34", "#a15c00", "#6a3d9a", "#00838f", "#c2185b", "#5d4037", "#455a64")


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], *,
               width: int = 760, height: int = 280, y_max: float = 100.0, unit: str = "%") -> str:
    """One line per series over the labels (e.g. days); a None value breaks the line (no shifts)."""
    left, right, top, bottom = 44, 150, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * (i / n if len(labels) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0.0), y_max) / y_max)

    parts = [_open(width, height, title, "line-chart")]
    for tick in range(0, 101, 25):
        value = y_max * tick / 100
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     'stroke="#d9e0e7"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5b6b7b">{value:g}{escape(unit)}</text>')
    step = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" font-size="11" '
                         f'fill="#5b6b7b">{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(f'<g class="series" data-series={quoteattr(name)}>')
        for run in _runs(values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            if v is not None:
                parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}" '
                             f'data-label={quoteattr(labels[i])} data-value="{v:.1f}">'
                             f'<title>{escape(name)} {escape(labels[i])}: {v:.1f}{escape(unit)}</title></circle>')
        ly = top + 16 * k
        parts.append(f'<rect x="{width - right + 12}" y="{ly}" width="12" height="3" fill="{colour}"/>'
                     f'<text x="{width - right + 30}" y="{ly + 5}" font-size="12">{escape(name)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, width: int = 760, bar_h: int = 22,
              unit: str = "", empty: str = "no data") -> str:
    """Horizontal bars, longest first as given, each labelled with its value; `empty` is said when
    there are none."""
    left, right, top = 220, 60, 28
    height = top + bar_h * max(1, len(bars)) + 12
    biggest = max((v for _, v in bars), default=0) or 1
    parts = [_open(width, height, title, "bar-chart")]
    for i, (label, value) in enumerate(bars):
        y = top + i * bar_h
        w = (width - left - right) * value / biggest
        parts.append(f'<g class="bar" data-label={quoteattr(label)} data-value="{value:g}">'
                     f'<text x="{left - 8}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{PALETTE[0]}">'
                     f'<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
                     f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.68:.1f}" font-size="12">{value:g}'
                     f'{escape(unit)}</text></g>')
    if not bars:
        parts.append(f'<text x="{width / 2}" y="{top + 14}" text-anchor="middle" font-size="12" fill="#5b6b7b">'
                     f'{escape(empty)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str, css_class: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label={quoteattr(title)} '
            'font-family="Noto Sans CJK SC, sans-serif">'
            f'<title>{escape(title)}</title>'
            f'<text x="8" y="18" font-size="13" font-weight="600">{escape(title)}</text>')


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    runs, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, v))
    if current:
        runs.append(current)
    return runs
