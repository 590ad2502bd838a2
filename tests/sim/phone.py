"""Where an officer really is (a timeline) and what their phone reports of it.

The noise follows what phones do between tall buildings:

* jitter of RMS 20-50 m (the distance of a fix from the truth), mostly a slow drift correlated
  over 30-120 s (a phone standing still wanders; it does not scatter independently), plus a
  white part;
* 1-2 % multipath fixes thrown 80-300 m in a random direction, sometimes two in a row, each with
  an ordinary-looking reported accuracy;
* a reported accuracy near the 68 % radius of the real error, itself noisy;
* fixes at the phone's interval with a second of timing noise, a few missed, and silences
  (tunnels, shops, a dead phone) with none at all.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


class Timeline:
    """A true path: keyframes (t, x, y), straight lines between them."""

    def __init__(self, t0: float, x: float, y: float) -> None:
        self.keys: list[tuple[float, float, float]] = [(t0, x, y)]

    @property
    def now(self) -> float:
        return self.keys[-1][0]

    @property
    def here(self) -> tuple[float, float]:
        return self.keys[-1][1], self.keys[-1][2]

    def walk_to(self, x: float, y: float, speed_mps: float) -> Timeline:
        """Walk in a straight line at `speed_mps`."""
        hx, hy = self.here
        seconds = math.hypot(x - hx, y - hy) / speed_mps
        self.keys.append((self.now + max(seconds, 1.0), x, y))
        return self

    def jump_to(self, x: float, y: float, seconds: float = 5.0) -> Timeline:
        """Appear somewhere else within `seconds` (what a spoofing app does)."""
        self.keys.append((self.now + seconds, x, y))
        return self

    def stay(self, seconds: float, rng: np.random.Generator, fidget_m: float = 3.0) -> Timeline:
        """Stand (or sit) still, shifting a few metres now and then."""
        hx, hy = self.here
        end = self.now + seconds
        t = self.now
        while t < end - 60:
            t = min(end, t + float(rng.uniform(60, 240)))
            self.keys.append((t, hx + rng.normal(0, fidget_m), hy + rng.normal(0, fidget_m)))
        self.keys.append((end, hx, hy))
        return self

    def wander(self, until: float, pick, rng: np.random.Generator, speed: tuple[float, float] = (0.9, 1.4),
               pause_p: float = 0.3, pause_s: tuple[float, float] = (30, 480)) -> Timeline:
        """Walk between random waypoints from `pick(rng)` until `until`, pausing now and then."""
        while self.now < until:
            x, y = pick(rng)
            self.walk_to(x, y, float(rng.uniform(*speed)))
            if self.now < until and rng.random() < pause_p:
                self.stay(min(float(rng.uniform(*pause_s)), max(until - self.now, 1.0)), rng)
        self.cut(until)
        return self

    def cut(self, until: float) -> Timeline:
        """Forget the path after `until` (interpolating the position there)."""
        if self.now <= until:
            return self
        x, y = self.at(np.array([until]))
        self.keys = [k for k in self.keys if k[0] < until] + [(until, float(x[0]), float(y[0]))]
        return self

    def at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """True positions at times t (held at the ends)."""
        kt, kx, ky = (np.array(c) for c in zip(*self.keys, strict=True))
        return np.interp(t, kt, kx), np.interp(t, kt, ky)


@dataclass
class Phone:
    """How one phone reports positions."""

    interval_s: float
    sigma_m: float                  # RMS distance of a fix from the truth
    corr_s: float                   # how long the drift stays correlated
    multipath_rate: float
    miss_rate: float = 0.01
    silences: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    def typical(cls, rng: np.random.Generator, interval_s: float | None = None) -> Phone:
        return cls(interval_s=interval_s or float(rng.choice([5, 10, 10, 15, 20, 30])),
                   sigma_m=float(rng.uniform(20, 50)), corr_s=float(rng.uniform(30, 120)),
                   multipath_rate=float(rng.uniform(0.01, 0.02)))

    def report_accuracy(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Reported accuracy: about the 68 % radius of the real error, varying fix to fix."""
        return np.clip(1.07 * self.sigma_m * rng.lognormal(0.0, 0.3, n), 3.0, 150.0).round(1)

    def observe(self, path: Timeline, t0: float, t1: float, rng: np.random.Generator):
        """(t, x, y, accuracy) of the fixes the phone reports between t0 and t1."""
        n = max(int((t1 - t0) // self.interval_s), 0) + 1
        t = t0 + np.arange(n) * self.interval_s + rng.uniform(-1.0, 1.0, n)
        keep = (t >= t0) & (t <= t1) & (rng.random(n) >= self.miss_rate)
        for a, b in self.silences:
            keep &= ~((t >= a) & (t < b))
        t = np.sort(t[keep])
        x, y = path.at(t)
        ex, ey = self._drift(t, rng)
        x, y = x + ex, y + ey
        self._multipath(x, y, rng)
        return t, x, y, self.report_accuracy(rng, t.size)

    def _drift(self, t: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        per_axis = self.sigma_m / math.sqrt(2)
        slow, white = 0.85 * per_axis, math.sqrt(1 - 0.85 ** 2) * per_axis
        out = []
        for _ in range(2):
            e = np.empty(t.size)
            value = rng.normal(0, slow)
            for i in range(t.size):
                if i:
                    rho = math.exp(-(t[i] - t[i - 1]) / self.corr_s)
                    value = rho * value + math.sqrt(1 - rho * rho) * rng.normal(0, slow)
                e[i] = value
            out.append(e + rng.normal(0, white, t.size))
        return out[0], out[1]

    def _multipath(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        i = 0
        while i < x.size:
            if rng.random() < self.multipath_rate:
                run = 2 if rng.random() < 0.3 else 1
                angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(80, 300)
                x[i:i + run] += dist * math.cos(angle)
                y[i:i + run] += dist * math.sin(angle)
                i += run
            i += 1
