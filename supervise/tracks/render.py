"""An SVG picture of a shift's track over its patrol area (PURE, plain strings).

Drawn in the area's local metric projection (north up, true scale): the area,
the track (excursions in red, gaps as dashed lines), idle places as circles
labelled with their local times and duration, a scale bar, a north arrow and a
legend: bilingual by default (the API's picture), or in the words a page gives.
"""
from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import numpy as np

from supervise.geo.area import Area
from supervise.i18n_marks import N_
from supervise.tracks.model import TrackAnalysis

WIDTH = 800
MARGIN = 40
FONT = "Noto Sans CJK SC, sans-serif"
COLOURS = {"area": "#2b7bb9", "track": "#1a9641", "off": "#d7191c", "idle": "#fdae61",
           "gap": "#7f7f7f"}
LEGEND = [("area", "网格 Grid"), ("track", "轨迹 Track"), ("off", "离岗 Off grid"),
          ("idle", "滞留 Idle"), ("gap", "失联 Gap")]
# The legend's words for one language (translated by the page that draws the picture).
LEGEND_NAMES = {"area": N_("Patrol area"), "track": N_("Track"), "off": N_("Off the grid"),
                "idle": N_("Idle stay"), "gap": N_("Out of contact")}
_NICE_M = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


class _Canvas:
    """Maps projected metres to SVG pixels (y down) keeping the aspect ratio."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray) -> None:
        x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
        span = max(x1 - x0, y1 - y0, 50.0)
        self.scale = (WIDTH - 2 * MARGIN) / span
        self.x0, self.y1 = x0 - (span - (x1 - x0)) / 2, y1
        self.height = int(min(max((y1 - y0) * self.scale + 2 * MARGIN + 90, 300), 1400))

    def px(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return (MARGIN + (np.asarray(x) - self.x0) * self.scale,
                MARGIN + 30 + (self.y1 - np.asarray(y)) * self.scale)


def _points(cx: np.ndarray, cy: np.ndarray) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(cx, cy, strict=True))


def _text(x: float, y: float, s: str, size: int = 12, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{escape(s)}</text>')


def _in_spans(t: np.ndarray, spans) -> np.ndarray:
    mask = np.zeros(t.size, bool)
    for s in spans:
        mask |= (t >= s.start.timestamp()) & (t < s.end.timestamp())
    return mask


def _track(cv: _Canvas, t, x, y, analysis: TrackAnalysis) -> list[str]:
    """The track's polylines, then its gaps on top of them (dashed over a white halo), so a gap
    that crosses the track is never hidden under it."""
    if t.size < 2:
        return []
    off = _in_spans(t, analysis.excursions)
    gap_starts = {round(g.start.timestamp()) for g in analysis.gaps}
    cx, cy = cv.px(x, y)
    lines, gaps, i = [], [], 0
    while i < t.size - 1:
        if round(t[i]) in gap_starts:
            ends = f'x1="{cx[i]:.1f}" y1="{cy[i]:.1f}" x2="{cx[i + 1]:.1f}" y2="{cy[i + 1]:.1f}"'
            gaps.append(f'<line class="gap-halo" {ends} stroke="white" stroke-width="5" stroke-opacity="0.9"/>')
            gaps.append(f'<line class="gap" {ends} stroke="{COLOURS["gap"]}" stroke-width="2.5" '
                        'stroke-dasharray="6,4"/>')
            i += 1
            continue
        j = i + 1
        while j < t.size - 1 and off[j] == off[i] and round(t[j]) not in gap_starts:
            j += 1
        kind = "off" if off[i] else "track"
        lines.append(f'<polyline class="{kind}" points="{_points(cx[i:j + 1], cy[i:j + 1])}" '
                     f'fill="none" stroke="{COLOURS[kind]}" stroke-width="2.5" '
                     'stroke-linejoin="round"/>')
        i = j
    return lines + gaps


LABEL_H = 14
CHAR_W = 6.2


def _stays(cv: _Canvas, area: Area, analysis: TrackAnalysis, tz: ZoneInfo) -> list[str]:
    """Idle places as circles of their radius, each labelled with its times; a label that would
    cover one already placed moves below it, so two stays in one place stay readable."""
    circles, labels, placed = [], [], []
    for s in analysis.stays:
        x, y = area.projection.to_xy(s.lat, s.lon)
        px, py = cv.px(x, y)
        r = max(s.radius_m * cv.scale, 6.0)
        minutes = round((s.end - s.start).total_seconds() / 60)
        label = f"{_hm(s.start, tz)}–{_hm(s.end, tz)} {minutes} min"
        circles.append(f'<circle class="idle" cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" '
                       f'fill="{COLOURS["idle"]}" fill-opacity="0.5" stroke="#b35806"/>')
        lx, ly = _free_spot(float(px) + r + 3, float(py) + 4, len(label) * CHAR_W, placed)
        placed.append((lx, ly, len(label) * CHAR_W))
        labels.append(_text(lx, ly, label, 11, class_="idle-label"))
    return circles + labels


def _free_spot(x: float, y: float, width: float, placed: list[tuple[float, float, float]]) -> tuple[float, float]:
    """The first of (x, y), (x, y + one line), … whose label box overlaps no placed one."""
    def clashes(yy: float) -> bool:
        return any(x < px + pw and px < x + width and abs(yy - py) < LABEL_H for px, py, pw in placed)

    while clashes(y):
        y += LABEL_H
    return x, y


def _hm(d: datetime, tz: ZoneInfo) -> str:
    return d.astimezone(tz).strftime("%H:%M")


def _scale_bar(cv: _Canvas) -> list[str]:
    target = (WIDTH - 2 * MARGIN) / 5 / cv.scale
    metres = max([m for m in _NICE_M if m <= target] or [_NICE_M[0]])
    length = metres * cv.scale
    x, y = MARGIN, cv.height - 20
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    return [(f'<g class="scale-bar"><line x1="{x}" y1="{y}" x2="{x + length:.1f}" y2="{y}" '
            'stroke="black" stroke-width="3"/>'), _text(x, y - 6, label, 11), "</g>"]


def _north_arrow() -> list[str]:
    x, y = WIDTH - MARGIN, MARGIN + 40
    return [(f'<g class="north-arrow"><polygon points="{x},{y - 25} {x - 8},{y} {x + 8},{y}" '
            'fill="black"/>'), _text(x - 4, y + 14, "N", 12), "</g>"]


def _legend(cv: _Canvas, legend: list[tuple[str, str]]) -> list[str]:
    x, y = WIDTH - MARGIN - 130, cv.height - 20 - 18 * len(legend)
    out = ['<g class="legend">', (f'<rect x="{x - 6}" y="{y - 14}" width="136" '
           f'height="{18 * len(legend) + 6}" fill="white" fill-opacity="0.85" stroke="#999"/>')]
    for k, (key, label) in enumerate(legend):
        yy = y + 18 * k
        dash = ' stroke-dasharray="6,4"' if key == "gap" else ""
        out.append(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 22}" y2="{yy - 4}" '
                   f'stroke="{COLOURS[key]}" stroke-width="4"{dash}/>')
        out.append(_text(x + 28, yy, label, 11))
    out.append("</g>")
    return out


def render_svg(area: Area, t: np.ndarray, lat: np.ndarray, lon: np.ndarray,
               analysis: TrackAnalysis, *, title: str = "",
               tz: str = "Asia/Shanghai", legend: dict[str, str] | None = None) -> str:
    """A self-contained SVG document (str) of the track within analysis.window
    over the area; times on labels in `tz`; `legend` names the LEGEND_NAMES keys in one language
    (else the bilingual legend). All text is XML-escaped."""
    t = np.asarray(t, dtype=np.float64)
    keep = ((t >= analysis.window.start.timestamp()) & (t <= analysis.window.end.timestamp())
            & np.isfinite(np.asarray(lat, float)) & np.isfinite(np.asarray(lon, float)))
    t = t[keep]
    x, y = area.projection.to_xy(np.asarray(lat, float)[keep], np.asarray(lon, float)[keep])
    rings = area.rings_xy()
    allx = np.concatenate([np.atleast_1d(x)] + [r[:, 0] for r in rings])
    ally = np.concatenate([np.atleast_1d(y)] + [r[:, 1] for r in rings])
    cv = _Canvas(allx, ally)
    area_d = " ".join("M " + _points(*cv.px(r[:, 0], r[:, 1])) + " Z" for r in rings)
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{cv.height}" '
        f'viewBox="0 0 {WIDTH} {cv.height}" font-family={quoteattr(FONT)}>'),
        f'<rect width="{WIDTH}" height="{cv.height}" fill="white"/>',
        _text(MARGIN, 28, title, 16, font_weight="bold", class_="title"),
        (f'<path class="area" d="{area_d}" fill="{COLOURS["area"]}" fill-opacity="0.12" '
        f'stroke="{COLOURS["area"]}" stroke-width="2" fill-rule="evenodd"/>'),
        *_track(cv, t, np.atleast_1d(x), np.atleast_1d(y), analysis),
        *_stays(cv, area, analysis, ZoneInfo(tz)),
        *_scale_bar(cv), *_north_arrow(),
        *_legend(cv, [(key, legend.get(key, label)) for key, label in LEGEND] if legend else LEGEND),
        "</svg>",
    ]
    return "\n".join(parts)
