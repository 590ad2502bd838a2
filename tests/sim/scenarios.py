"""Seeded, labelled shifts: what each officer really did, what their phone said, and which flags
that deserves.

Every plan says what the officer did (a true path), how their phone reported it, how the evidence
reached the service, and `expected`: the flags the regulation's words call for. Honest stories
expect none, and most of them carry decoys just under a threshold (a 15-17.5 minute stop, a 5-7
minute step outside, a 9-12.5 minute silence, a sign-in a few minutes after the start, a photo
fix just outside the grid with a large reported error). Violations are drawn clearly beyond their
thresholds, so a missed one is the service's fault, not the label's.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from tests.sim.phone import Phone, Timeline
from tests.sim.world import City, Grid, Post

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = 60.0
BUFFER_M = 50.0          # the regulation's grid buffer for OFF_POST


# ---------------------------------------------------------------- plans


@dataclass
class Expected:
    """A flag the regulation calls for; span codes carry the true span (POSIX seconds)."""

    code: str
    start: float | None = None
    end: float | None = None
    review: bool | None = None     # True: must be raised as needs_review; None: either way


@dataclass
class PhotoPlan:
    """A sign-in (or finding) photo: where and when it was really taken, and what the camera wrote."""

    captured: float
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    seed: int
    clock_error_s: float = 0.0       # camera clock minus the true time
    zone_h: float = 8.0              # the zone the camera clock shows
    offset: str | None = "+08:00"    # OffsetTimeOriginal as written, None when absent
    gps_time: bool = True            # the GPS date and time stamps are written
    copy_of: int | None = None       # the plan whose first sign-in photo is sent instead (its bytes)
    reencoded_from: int | None = None  # the plan whose first photo is saved again (a near-duplicate)


@dataclass
class SignInPlan:
    received: float
    photo: PhotoPlan
    device: tuple[float, float, float] | None = None   # lat, lon, accuracy of the phone's own fix
    device_mock: bool = False
    resend_after_s: list[float] = field(default_factory=list)   # taps again: the same bytes
    with_shift_id: bool = False


@dataclass
class UploadPlan:
    """A GPX file the officer sends (their own recording, or a made-up one)."""

    received: float
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    acc: np.ndarray


@dataclass
class FindingPlan:
    """An inspector's finding against this plan's officer."""

    at: float
    photo: PhotoPlan
    result: str = "violation"
    items: tuple[str, ...] = ("D06",)


@dataclass
class ShiftPlan:
    index: int
    story: str
    honest: bool
    district: str
    kind: str                         # patrol | fixed_post
    grid: Grid | None
    post: Post | None
    start: float
    end: float
    breaks: list[tuple[float, float]] = field(default_factory=list)
    delivery: str = "osmand"          # osmand | app | upload | none
    fixes: tuple | None = None        # t, lat, lon, acc, mock
    offline: list[tuple[float, float]] = field(default_factory=list)   # osmand buffers, sent at the end
    upload_at: float | None = None    # delivery "upload": when the day's GPX is sent
    signins: list[SignInPlan] = field(default_factory=list)
    uploads: list[UploadPlan] = field(default_factory=list)
    findings: list[FindingPlan] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truth: Timeline | None = None     # where the officer really was (for reading a wrong flag)

    @property
    def badge(self) -> str:
        return f"SIM-{self.district}-{self.index:04d}"

    @property
    def username(self) -> str:
        return f"sim{self.index:04d}"

    def outside_m(self, x, y):
        area = self.grid.rect if self.grid is not None else self.post
        return area.outside_m(x, y)

    def expect(self, code: str, start: float | None = None, end: float | None = None,
               review: bool | None = None) -> None:
        self.expected.append(Expected(code, start, end, review))


# ---------------------------------------------------------------- building blocks


class Builder:
    """Helpers for one plan: the path, the phone, the sign-in."""

    def __init__(self, plan: ShiftPlan, city: City, rng: np.random.Generator, to_latlon: Callable):
        self.plan, self.city, self.rng, self.to_latlon = plan, city, rng, to_latlon
        self.phone = Phone.typical(rng)
        self.path: Timeline | None = None
        self.track_from = plan.start
        self.track_to = plan.end + float(rng.uniform(0, 3 * MIN))
        self.mock_spans: list[tuple[float, float]] = []

    # places
    def inside(self, inset: float | None = None) -> tuple[float, float]:
        plan, rng = self.plan, self.rng
        if plan.post is not None:
            angle, r = rng.uniform(0, 2 * math.pi), rng.uniform(0, 0.5 * plan.post.radius_m)
            return plan.post.x + r * math.cos(angle), plan.post.y + r * math.sin(angle)
        return plan.grid.rect.random_inside(rng, inset if inset is not None else float(rng.uniform(0, 30)))

    def outside(self, distance: float) -> tuple[float, float]:
        plan = self.plan
        if plan.post is not None:
            angle = self.rng.uniform(0, 2 * math.pi)
            r = plan.post.radius_m + distance
            return plan.post.x + r * math.cos(angle), plan.post.y + r * math.sin(angle)
        return plan.grid.rect.point_outside(self.rng, distance)

    # the path
    def begin(self, at: float, where: tuple[float, float] | None = None) -> Timeline:
        self.path = Timeline(at, *(where or self.inside()))
        return self.path

    def patrol_until(self, until: float) -> None:
        """Walk the grid (or keep to the post) until `until`."""
        if self.plan.kind == "fixed_post":
            while self.path.now < until:
                self.path.stay(min(float(self.rng.uniform(10, 40)) * MIN, until - self.path.now), self.rng, 4.0)
                if self.path.now < until:
                    self.path.walk_to(*self.inside(), 0.6)
            self.path.cut(until)
            return
        self.path.wander(until, lambda rng: self.inside(), self.rng)

    def walk_away(self, at_least_m: float) -> None:
        """Walk to a point of the grid at least `at_least_m` from here (or the farthest of a few)."""
        hx, hy = self.path.here
        options = [self.inside() for _ in range(12)]
        target = next((p for p in options if math.hypot(p[0] - hx, p[1] - hy) >= at_least_m),
                      max(options, key=lambda p: math.hypot(p[0] - hx, p[1] - hy)))
        self.path.walk_to(*target, float(self.rng.uniform(1.0, 1.3)))

    def stay(self, minutes: float) -> tuple[float, float]:
        a = self.path.now
        self.path.stay(minutes * MIN, self.rng)
        return a, self.path.now

    def excursion(self, beyond_buffer_min: float, distance: float, wander_m: float = 0.0) -> tuple[float, float]:
        """Walk out `distance` m beyond the edge, stay there so that the time beyond the buffer is
        `beyond_buffer_min`, walk back in. Returns the true span beyond the buffer."""
        speed = float(self.rng.uniform(1.1, 1.4))
        far = self.outside(distance)
        start_xy = self._nearest_inside(*far)   # cross the edge head on, so the time outside is as planned
        self.path.walk_to(*start_xy, speed)
        self.path.walk_to(*far, speed)
        out_walk = max(distance - BUFFER_M, 0.0) / speed
        dwell = max(beyond_buffer_min * MIN - 2 * out_walk, 30.0)
        if wander_m:
            until = self.path.now + dwell
            fx, fy = far
            self.path.wander(until, lambda rng: (fx + rng.uniform(-wander_m, wander_m),
                                                 fy + rng.uniform(-wander_m, wander_m)), self.rng, pause_p=0.1)
        else:
            self.path.stay(dwell, self.rng)
        back = self._nearest_inside(*start_xy)
        self.path.walk_to(*back, speed)
        return self._beyond_buffer_span()

    def _nearest_inside(self, x: float, y: float) -> tuple[float, float]:
        if self.plan.post is not None:
            return self.plan.post.x, self.plan.post.y
        return self.plan.grid.rect.nearest_inside(x, y)

    def _beyond_buffer_span(self) -> tuple[float, float]:
        """The last stretch of the path more than BUFFER_M outside (true times, sampled at 1 s)."""
        t = np.arange(self.path.keys[0][0], self.path.now + 1, 1.0)
        out = self.plan.outside_m(*self.path.at(t)) > BUFFER_M
        idx = np.flatnonzero(out)
        last = idx[-1]
        first = last
        while first > 0 and out[first - 1]:
            first -= 1
        return float(t[first]), float(t[last])

    def silence(self, minutes: float, at: float | None = None) -> tuple[float, float]:
        a = at if at is not None else self.path.now
        self.phone.silences.append((a, a + minutes * MIN))
        return a, a + minutes * MIN

    # evidence
    def observe(self) -> None:
        """The phone's fixes of the path between track_from and track_to."""
        self.path.cut(max(self.path.now, self.track_to))
        if self.path.now < self.track_to:
            self.path.stay(self.track_to - self.path.now, self.rng)
        t, x, y, acc = self.phone.observe(self.path, self.track_from, self.track_to, self.rng)
        lat, lon = self.to_latlon(x, y)
        mock = np.zeros(t.size, dtype=bool)
        for a, b in self.mock_spans:
            mock |= (t >= a) & (t <= b)
        self.plan.fixes = (t, np.round(lat, 7), np.round(lon, 7), acc, mock)
        self.plan.truth = self.path

    def photo_at(self, t: float, *, error_scale: float = 1.0, accuracy: float | None = None) -> PhotoPlan:
        """A selfie taken at true time t where the path is, its GPS with an honest error."""
        x, y = self.path.at(np.array([t])) if self.path is not None else (np.array([0.0]), np.array([0.0]))
        return self.photo_near(t, float(x[0]), float(y[0]), error_scale=error_scale, accuracy=accuracy)

    def photo_near(self, t: float, x: float, y: float, *, error_scale: float = 1.0,
                   accuracy: float | None = None) -> PhotoPlan:
        rng = self.rng
        acc = accuracy if accuracy is not None else float(np.clip(rng.lognormal(math.log(12), 0.5), 4, 60))
        sigma = acc / 1.51 * error_scale
        ex, ey = rng.normal(0, sigma, 2)
        lat, lon = self.to_latlon(x + ex, y + ey)
        return PhotoPlan(captured=t, lat=round(float(lat), 7), lon=round(float(lon), 7), accuracy_m=round(acc, 1),
                         seed=int(rng.integers(1, 2**31)), offset="+08:00" if rng.random() < 0.7 else None,
                         gps_time=rng.random() < 0.8)

    def device_fix(self, t: float) -> tuple[float, float, float]:
        x, y = self.path.at(np.array([t]))
        acc = float(np.clip(self.rng.lognormal(math.log(20), 0.4), 5, 80))
        ex, ey = self.rng.normal(0, acc / 1.51, 2)
        lat, lon = self.to_latlon(float(x[0]) + ex, float(y[0]) + ey)
        return round(float(lat), 7), round(float(lon), 7), round(acc, 1)

    def sign_in(self, at: float, **changes) -> SignInPlan:
        """A sign-in photographed at `at` on the path and sent a few seconds later."""
        photo = self.photo_at(at)
        received = at + float(self.rng.uniform(3, 40))
        device = self.device_fix(at) if self.rng.random() < 0.5 else None
        signin = SignInPlan(received=received, photo=photo, device=device,
                            with_shift_id=bool(self.rng.random() < 0.3))
        for key, value in changes.items():
            setattr(signin, key, value)
        self.plan.signins.append(signin)
        return signin

    def usual_sign_in_time(self) -> float:
        """Most officers sign in 25 to 1 minutes before the start; some in the first minutes."""
        start = self.plan.start
        if self.rng.random() < 0.85:
            return start - float(self.rng.uniform(1, 25)) * MIN
        return start + float(self.rng.uniform(0, 3)) * MIN

    def arrive(self, sign_in_at: float | None = None) -> float:
        """The officer walks into the grid and signs in; tracking starts at the sign-in."""
        at = sign_in_at if sign_in_at is not None else self.usual_sign_in_time()
        self.begin(at - 2 * MIN)
        self.path.stay(2 * MIN, self.rng)
        self.sign_in(at)
        self.track_from = at
        return at


# ---------------------------------------------------------------- honest days with decoys


def decoys(b: Builder, until: float, *, stays: int | None = None, steps: int | None = None,
           silences: int | None = None) -> None:
    """Patrol until `until`, with stops, steps outside and silences each just under its threshold."""
    rng, plan = b.rng, b.plan
    n_stay = int(rng.integers(0, 3)) if stays is None else stays
    n_step = (int(rng.integers(0, 3)) if steps is None else steps) if plan.kind == "patrol" else 0
    n_quiet = int(rng.integers(0, 2)) if silences is None else silences
    kinds = ["stay"] * n_stay + ["step"] * n_step
    rng.shuffle(kinds)
    lo, hi = b.path.now + 10 * MIN, until - 40 * MIN
    slots = np.sort(rng.uniform(lo, hi, len(kinds))) if kinds and hi > lo else []
    for at, kind in zip(slots, kinds, strict=False):
        if at <= b.path.now:
            continue
        b.patrol_until(at)
        if kind == "stay" and plan.kind == "patrol":
            b.path.walk_to(*b.inside(), float(rng.uniform(1.0, 1.3)))   # not straight after a pause
            b.stay(float(rng.uniform(15, 17.5)))
            b.walk_away(120.0)                                          # nor straight into the next one
        elif kind == "step":
            b.excursion(float(rng.uniform(4.5, 7)), float(rng.uniform(120, 250)))
    for _ in range(n_quiet):
        quiet(b, float(rng.uniform(9, 12.5)))
    for _ in range(int(rng.integers(0, 3))):   # tunnels and shops
        quiet(b, float(rng.uniform(2, 6)))
    b.patrol_until(until)


def quiet(b: Builder, minutes: float) -> None:
    """A silence of `minutes` somewhere in the shift, at least 3 minutes clear of every other
    silence, of the track's ends (two silences that touch are one longer silence) and of the
    labelled violations (whose evidence the label promises)."""
    plan, rng = b.plan, b.rng
    lo, hi = max(plan.start, b.track_from) + 10 * MIN, min(plan.end, b.track_to) - 30 * MIN - minutes * MIN
    for _ in range(20):
        if hi <= lo:
            return
        a = float(rng.uniform(lo, hi))
        e = a + minutes * MIN
        events = [(x.start, x.end) for x in plan.expected if x.start is not None]   # a labelled event keeps
        if all(e + 3 * MIN < s or a > f + 3 * MIN for s, f in b.phone.silences + b.plan.offline + events):
            b.silence(minutes, at=a)
            return


def honest_patrol(b: Builder) -> None:
    b.arrive()
    decoys(b, b.plan.end)
    b.observe()


def honest_close_calls(b: Builder) -> None:
    """Every decoy at once, and a sign-in a few minutes after the start (inside the grace)."""
    b.arrive(b.plan.start + float(b.rng.uniform(1, 4.5)) * MIN)
    b.track_to = b.plan.end - float(b.rng.uniform(6, 11)) * MIN   # stops tracking a little early
    decoys(b, b.plan.end, stays=2, steps=2, silences=1)
    b.observe()


def honest_fixed_post(b: Builder) -> None:
    b.arrive()
    b.patrol_until(b.plan.end)
    b.observe()


def honest_break(b: Builder) -> None:
    """A declared meal break spent sitting in a canteen outside the grid."""
    plan, rng = b.plan, b.rng
    b.arrive()
    a = plan.start + float(rng.uniform(1.2, 2.0)) * 3600
    length = float(rng.uniform(30, 45)) * MIN
    plan.breaks.append((a, a + length))
    b.patrol_until(a - 4 * MIN)
    canteen = b.outside(float(rng.uniform(150, 300)))
    b.path.walk_to(*canteen, 1.2)
    b.path.stay(max(a + length - b.path.now - 2 * MIN, 60), rng)
    b.path.walk_to(*b.inside(), 1.2)
    decoys(b, plan.end, stays=0, steps=0, silences=0)
    b.observe()


def honest_edge_sign_in(b: Builder) -> None:
    """The photo's fix lands 40-90 m outside the grid, with a reported error that covers it."""
    plan, rng = b.plan, b.rng
    at = b.usual_sign_in_time()
    b.begin(at - 2 * MIN)
    b.path.stay(2 * MIN, rng)
    d = float(rng.uniform(40, 90))
    x, y = b.outside(d)
    photo = b.photo_near(at, x, y, error_scale=0.0, accuracy=min(d + float(rng.uniform(10, 30)), 100.0))
    plan.signins.append(SignInPlan(received=at + float(rng.uniform(3, 30)), photo=photo))
    b.track_from = at
    decoys(b, plan.end)
    b.observe()


def honest_early_sign_in(b: Builder) -> None:
    b.arrive(b.plan.start - float(b.rng.uniform(20, 29)) * MIN)
    decoys(b, b.plan.end)
    b.observe()


def clock_8h_ahead(b: Builder) -> None:
    """The camera clock shows UTC+16 (no such zone), its GPS time is right: on time, no flag."""
    b.arrive()
    photo = b.plan.signins[0].photo
    photo.clock_error_s, photo.offset, photo.gps_time = 8 * 3600.0, None, True
    decoys(b, b.plan.end)
    b.observe()


def clock_wrong_zone(b: Builder) -> None:
    """The phone is set to Moscow time and writes that offset: the instant is right."""
    b.arrive()
    photo = b.plan.signins[0].photo
    photo.zone_h, photo.offset = 3.0, "+03:00" if b.rng.random() < 0.5 else None
    photo.gps_time = True
    decoys(b, b.plan.end)
    b.observe()


def retry_sign_in(b: Builder) -> None:
    """On a weak connection the officer taps 提交签到 again: the same bytes arrive twice or thrice."""
    b.arrive()
    b.plan.signins[0].resend_after_s = sorted(float(s) for s in b.rng.uniform(3, 12, int(b.rng.integers(1, 3))))
    decoys(b, b.plan.end)
    b.observe()


def second_sign_in(b: Builder) -> None:
    """A second selfie later in the shift (a new photo): kept, said so, no flag."""
    b.arrive()
    at = b.plan.start + float(b.rng.uniform(1, 2)) * 3600
    b.patrol_until(at)
    b.sign_in(at)
    decoys(b, b.plan.end, stays=0)
    b.observe()


def device_offline_late(b: Builder) -> None:
    """Traccar Client loses the network for 25-45 minutes, keeps the fixes and sends them late."""
    plan, rng = b.plan, b.rng
    b.arrive()
    a = float(rng.uniform(plan.start + 30 * MIN, plan.end - 80 * MIN))
    plan.offline.append((a, a + float(rng.uniform(25, 45)) * MIN))
    decoys(b, plan.end, silences=0)
    b.observe()


def upload_only(b: Builder) -> None:
    """No live tracking: the officer records with a phone app and uploads the GPX after the shift."""
    b.arrive()
    b.plan.delivery = "upload"
    b.plan.upload_at = b.plan.end + float(b.rng.uniform(5, 25)) * MIN
    decoys(b, b.plan.end)
    b.observe()


def app_batches(b: Builder) -> None:
    b.arrive()
    b.plan.delivery = "app"
    decoys(b, b.plan.end)
    b.observe()


def midnight(b: Builder) -> None:
    b.arrive()
    decoys(b, b.plan.end)
    b.observe()


# ---------------------------------------------------------------- violations


def idle(b: Builder, low: float = 25, high: float = 60) -> None:
    plan, rng = b.plan, b.rng
    b.arrive()
    b.patrol_until(float(rng.uniform(plan.start + 20 * MIN, plan.end - (high + 20) * MIN)))
    a, e = b.stay(float(rng.uniform(low, high)))
    plan.expect("IDLE", a, e)
    decoys(b, plan.end, stays=0)
    b.observe()


def idle_near_threshold(b: Builder) -> None:
    idle(b, 22.5, 24)


def off_post(b: Builder) -> None:
    plan, rng = b.plan, b.rng
    b.arrive()
    b.patrol_until(float(rng.uniform(plan.start + 20 * MIN, plan.end - 80 * MIN)))
    a, e = b.excursion(float(rng.uniform(13, 40)), float(rng.uniform(250, 600)), wander_m=60)
    plan.expect("OFF_POST", a, e)
    decoys(b, plan.end, steps=0)
    b.observe()


def off_post_total(b: Builder) -> None:
    """Four short trips outside, none 10 minutes long, together well over 20."""
    plan, rng = b.plan, b.rng
    b.arrive()
    spans = []
    slots = np.sort(rng.uniform(plan.start + 15 * MIN, plan.end - 30 * MIN, 4))
    for at in slots:
        if at > b.path.now:
            b.patrol_until(at)
        spans.append(b.excursion(float(rng.uniform(6.5, 8)), float(rng.uniform(250, 400))))
    plan.expect("OFF_POST", spans[0][0], spans[-1][1])
    b.patrol_until(plan.end)
    b.observe()


def track_gap(b: Builder) -> None:
    plan, rng = b.plan, b.rng
    b.arrive()
    a = float(rng.uniform(plan.start + 20 * MIN, plan.end - 80 * MIN))
    s, e = b.silence(float(rng.uniform(20, 60)), at=a)
    plan.expect("TRACK_GAP", s, e)
    decoys(b, plan.end, silences=0)
    b.observe()


def early_leave(b: Builder) -> None:
    """Leaves 25-60 minutes before the end and walks away; the phone keeps reporting."""
    plan, rng = b.plan, b.rng
    b.arrive()
    leave = plan.end - float(rng.uniform(25, 60)) * MIN
    decoys(b, leave, stays=0, steps=0, silences=0)
    b.path.walk_to(*b.outside(float(rng.uniform(800, 1500))), 1.3)
    hx, hy = b.path.here
    b.path.wander(b.track_to, lambda r: (hx + r.uniform(-400, 400), hy + r.uniform(-400, 400)), rng,
                  pause_p=0.1, pause_s=(30, 300))   # on the way home, errands
    t = np.arange(leave, b.track_to, 1.0)
    gone = t[plan.outside_m(*b.path.at(t)) > BUFFER_M]
    plan.expect("EARLY_LEAVE", float(gone[0]) if gone.size else leave, plan.end)
    b.observe()


def leave_then_silent(b: Builder) -> None:
    """Walks out near the end and switches the phone off a few minutes later: the silence is a
    TRACK_GAP; nothing is inferred across it (not EARLY_LEAVE)."""
    plan, rng = b.plan, b.rng
    b.arrive()
    leave = plan.end - float(rng.uniform(40, 60)) * MIN
    decoys(b, leave, stays=0, steps=0, silences=0)
    b.path.walk_to(*b.outside(300.0), 1.3)
    off = b.path.now + 60.0
    b.track_to = off
    plan.expect("TRACK_GAP", off, plan.end)
    b.observe()


def late(b: Builder) -> None:
    plan = b.plan
    b.arrive(plan.start + float(b.rng.uniform(9, 25)) * MIN)
    plan.expect("LATE")
    decoys(b, plan.end)
    b.observe()


def absent(b: Builder) -> None:
    b.plan.delivery = "none"
    b.plan.expect("ABSENT")


def checkin_off_grid(b: Builder) -> None:
    plan, rng = b.plan, b.rng
    at = plan.start - float(rng.uniform(10, 20)) * MIN
    b.begin(at - MIN, b.outside(float(rng.uniform(250, 500))))
    b.path.stay(MIN, rng)
    b.sign_in(at)
    plan.signins[0].photo = b.photo_at(at, accuracy=float(rng.uniform(5, 20)))
    plan.signins[0].device = None
    b.track_from = at
    b.path.walk_to(*b.inside(40), 1.3)
    plan.expect("CHECKIN_OFF_GRID")
    decoys(b, plan.end)
    b.observe()


def stale_photo(b: Builder) -> None:
    """A selfie taken hours before (yesterday, or before the window opened), sent in the window."""
    plan, rng = b.plan, b.rng
    b.arrive()
    signin = plan.signins[0]
    signin.photo.captured = signin.received - float(rng.uniform(2, 30)) * 3600
    plan.expect("PHOTO_STALE")
    decoys(b, plan.end)
    b.observe()


def no_evidence(b: Builder) -> None:
    b.arrive()
    signin = b.plan.signins[0]
    signin.photo.lat = signin.photo.lon = signin.photo.accuracy_m = None
    signin.device = None
    b.plan.expect("PHOTO_NO_EVIDENCE")
    decoys(b, b.plan.end)
    b.observe()


def location_mismatch(b: Builder) -> None:
    b.arrive()
    signin = b.plan.signins[0]
    x, y = b.path.here
    ang, d = b.rng.uniform(0, 2 * math.pi), b.rng.uniform(1000, 3000)
    lat, lon = b.to_latlon(x + d * math.cos(ang), y + d * math.sin(ang))
    signin.device = (round(float(lat), 7), round(float(lon), 7), 15.0)
    b.plan.expect("LOCATION_MISMATCH")
    decoys(b, b.plan.end)
    b.observe()


def mock_sign_in(b: Builder) -> None:
    b.arrive()
    signin = b.plan.signins[0]
    signin.device = b.device_fix(signin.photo.captured)
    signin.device_mock = True
    b.plan.expect("LOCATION_SPOOF")
    decoys(b, b.plan.end)
    b.observe()


def mock_track(b: Builder) -> None:
    plan, rng = b.plan, b.rng
    b.arrive()
    a = float(rng.uniform(plan.start + 30 * MIN, plan.end - 60 * MIN))
    b.mock_spans.append((a, a + 30 * MIN))
    plan.expect("LOCATION_SPOOF")
    decoys(b, plan.end)
    b.observe()


def teleport(b: Builder) -> None:
    """A spoofing app switched off and on: the track leaps 3-5 km, stays there, leaps back."""
    plan, rng = b.plan, b.rng
    b.arrive()
    b.patrol_until(float(rng.uniform(plan.start + 30 * MIN, plan.end - 70 * MIN)))
    home = b.outside(float(rng.uniform(3000, 5000)))
    back = b.path.here
    b.path.jump_to(*home)
    a = b.path.now
    hx, hy = home
    b.path.wander(a + float(rng.uniform(15, 30)) * MIN,
                  lambda r: (hx + r.uniform(-80, 80), hy + r.uniform(-80, 80)), rng, pause_p=0.5)
    e = b.path.now
    b.path.jump_to(*back)
    plan.expect("LOCATION_SPOOF", a, e)
    plan.expect("OFF_POST", a, e)
    decoys(b, plan.end, steps=0)
    b.observe()


def clock_conflict(b: Builder) -> None:
    """The camera clock is 3 h 17 min behind and its GPS time is right: review, not absence."""
    b.arrive()
    photo = b.plan.signins[0].photo
    photo.clock_error_s, photo.offset, photo.gps_time = -(3 * 3600 + 17 * 60.0), None, True
    b.plan.expect("PHOTO_TIME_CONFLICT")
    decoys(b, b.plan.end)
    b.observe()


def clock_ahead_without_gps_time(b: Builder) -> None:
    """The camera clock runs 1-3 hours ahead and the photo has no GPS time: kept for review."""
    b.arrive()
    photo = b.plan.signins[0].photo
    photo.clock_error_s, photo.offset, photo.gps_time = float(b.rng.uniform(1, 3)) * 3600, None, False
    b.plan.expect("PHOTO_TIME_CONFLICT")
    decoys(b, b.plan.end)
    b.observe()


def low_patrol(b: Builder) -> None:
    """Stands 14-17 minutes at a time and moves 100-130 m between: no stop reaches 20 minutes and
    every move leaves the last spot well behind, but the shift covers far less than 2 km per 4 h
    (about 1.6 km)."""
    plan, rng = b.plan, b.rng
    b.arrive()
    while b.path.now < plan.end:
        b.path.stay(float(rng.uniform(14, 17)) * MIN, rng)
        x, y = b.path.here
        for _ in range(20):
            ang, hop = rng.uniform(0, 2 * math.pi), rng.uniform(100, 130)
            nx, ny = plan.grid.rect.nearest_inside(x + hop * math.cos(ang), y + hop * math.sin(ang), 15)
            if math.hypot(nx - x, ny - y) >= 90:
                break
        b.path.walk_to(nx, ny, 1.0)
    plan.expect("LOW_PATROL", plan.start, plan.end)
    b.observe()


def fixed_post_leave(b: Builder) -> None:
    plan, rng = b.plan, b.rng
    b.arrive()
    b.patrol_until(float(rng.uniform(plan.start + 20 * MIN, plan.end - 70 * MIN)))
    a, e = b.excursion(float(rng.uniform(15, 30)), float(rng.uniform(250, 500)), wander_m=50)
    plan.expect("OFF_POST", a, e)
    b.patrol_until(plan.end)
    b.observe()


def made_up_upload(b: Builder) -> None:
    """Idles 30-45 minutes (the device saw it), then uploads a made-up walk for those minutes."""
    plan, rng = b.plan, b.rng
    b.arrive()
    b.patrol_until(float(rng.uniform(plan.start + 20 * MIN, plan.end - 90 * MIN)))
    a, e = b.stay(float(rng.uniform(30, 45)))
    plan.expect("IDLE", a, e)
    decoys(b, plan.end, stays=0)
    b.observe()
    fake = Timeline(a, *b.inside())
    fake.wander(e, lambda r: b.inside(), rng)
    t = np.arange(a + 3, e, 7.0)
    x, y = fake.at(t)
    lat, lon = b.to_latlon(x, y)
    plan.uploads.append(UploadPlan(e + float(rng.uniform(60, 150)) * MIN, t, lat, lon, np.full(t.size, 8.0)))


def gap_filled_by_officer(b: Builder) -> None:
    """The phone is silent 30-50 minutes; afterwards the officer uploads a GPX covering it."""
    plan, rng = b.plan, b.rng
    b.arrive()
    a = float(rng.uniform(plan.start + 20 * MIN, plan.end - 100 * MIN))
    s, e = b.silence(float(rng.uniform(30, 50)), at=a)
    plan.expect("TRACK_GAP", s, e)
    decoys(b, plan.end, silences=0)
    b.observe()
    t = np.arange(s + 5, e, 10.0)
    x, y = b.path.at(t)
    lat, lon = b.to_latlon(x + rng.normal(0, 8, t.size), y + rng.normal(0, 8, t.size))
    plan.uploads.append(UploadPlan(e + float(rng.uniform(30, 90)) * MIN, t, lat, lon, np.full(t.size, 10.0)))


def reused_photo(b: Builder) -> None:
    """Sends the bytes of another officer's earlier selfie (set by the planner: `copy_of`)."""
    b.arrive()
    b.plan.notes.append("copy")
    decoys(b, b.plan.end)
    b.observe()


def reused_near_duplicate(b: Builder) -> None:
    """Sends another officer's earlier selfie saved again: other bytes, the same picture."""
    b.arrive()
    b.plan.notes.append("near")
    decoys(b, b.plan.end)
    b.observe()


def inspected_violation(b: Builder) -> None:
    """A cross-district inspector finds the officer on the phone during the shift, in the grid."""
    plan, rng = b.plan, b.rng
    b.arrive()
    at = float(rng.uniform(plan.start + 40 * MIN, plan.end - 40 * MIN))
    decoys(b, plan.end)
    b.observe()
    plan.findings.append(FindingPlan(at, b.photo_at(at)))
    plan.expect("INSPECTION", at, at, review=False)


def inspected_outside_shift(b: Builder) -> None:
    """A finding recorded at 07:01 against a shift that starts hours later, its photo 2.7 km from
    the grid: kept, but unverified."""
    plan = b.plan
    b.arrive()
    decoys(b, plan.end)
    b.observe()
    day = datetime.fromtimestamp(plan.start, SHANGHAI).date()
    at = datetime.combine(day, datetime.min.time(), SHANGHAI).timestamp() + 7 * 3600 + 60
    x, y = b.outside(2700.0)
    plan.findings.append(FindingPlan(at, b.photo_near(at, x, y, error_scale=0.0, accuracy=10.0)))
    plan.expect("INSPECTION", at, at, review=True)


HONEST: dict[str, Callable[[Builder], None]] = {
    "patrol": honest_patrol,
    "close_calls": honest_close_calls,
    "fixed_post": honest_fixed_post,
    "declared_break": honest_break,
    "edge_sign_in": honest_edge_sign_in,
    "early_sign_in": honest_early_sign_in,
    "clock_8h_ahead": clock_8h_ahead,
    "clock_wrong_zone": clock_wrong_zone,
    "retry": retry_sign_in,
    "second_sign_in": second_sign_in,
    "device_offline_late": device_offline_late,
    "upload_only": upload_only,
    "app_batches": app_batches,
}
VIOLATIONS: dict[str, Callable[[Builder], None]] = {
    "idle": idle,
    "idle_near_threshold": idle_near_threshold,
    "off_post": off_post,
    "off_post_total": off_post_total,
    "track_gap": track_gap,
    "early_leave": early_leave,
    "leave_then_silent": leave_then_silent,
    "late": late,
    "absent": absent,
    "checkin_off_grid": checkin_off_grid,
    "stale_photo": stale_photo,
    "no_evidence": no_evidence,
    "location_mismatch": location_mismatch,
    "mock_sign_in": mock_sign_in,
    "mock_track": mock_track,
    "teleport": teleport,
    "clock_conflict": clock_conflict,
    "clock_ahead_without_gps_time": clock_ahead_without_gps_time,
    "low_patrol": low_patrol,
    "fixed_post_leave": fixed_post_leave,
    "made_up_upload": made_up_upload,
    "gap_filled_by_officer": gap_filled_by_officer,
    "reused_photo": reused_photo,
    "reused_near_duplicate": reused_near_duplicate,
    "inspected_violation": inspected_violation,
    "inspected_outside_shift": inspected_outside_shift,
}
FIXED_POST_STORIES = {"fixed_post", "fixed_post_leave"}
# stories whose first sign-in photo is an ordinary one (a right clock, a position): others copy it
PLAIN_SIGN_INS = {"patrol", "close_calls", "early_sign_in", "declared_break", "app_batches", "upload_only",
                  "idle", "off_post", "track_gap", "early_leave", "late", "low_patrol", "teleport"}
LATE_STARTING = {"inspected_outside_shift"}


# ---------------------------------------------------------------- the day


@dataclass
class Day:
    seed: int
    day: date
    city: City
    plans: list[ShiftPlan]

    @property
    def first(self) -> float:
        return min(p.start for p in self.plans)

    @property
    def last(self) -> float:
        return max(p.end for p in self.plans)


def plan_day(seed: int, shifts: int, city: City, to_latlon: Callable, day: date = date(2026, 11, 10),
             honest_share: float = 0.5) -> Day:
    """`shifts` labelled shifts on one Shanghai day: every story at least once when there is room,
    then honest and violating stories in about `honest_share` : 1 - `honest_share`."""
    rng = np.random.default_rng(seed)
    stories = list(VIOLATIONS) + list(HONEST)
    while len(stories) < shifts:
        pool = HONEST if rng.random() < honest_share else VIOLATIONS
        stories.append(str(rng.choice(list(pool))))
    stories = stories[:shifts]
    rng.shuffle(stories)
    day_start = datetime.combine(day, datetime.min.time(), SHANGHAI).timestamp()
    plans = []
    for index, story in enumerate(stories, start=1):
        plan = _skeleton(index, story, city, rng, day_start)
        builder = Builder(plan, city, rng, to_latlon)
        (HONEST.get(story) or VIOLATIONS[story])(builder)
        plans.append(plan)
    _link_reused_photos(plans, rng)
    return Day(seed, day, city, plans)


def _skeleton(index: int, story: str, city: City, rng: np.random.Generator, day_start: float) -> ShiftPlan:
    district = str(rng.choice(["DL", "NG", "DW"]))
    fixed = story in FIXED_POST_STORIES
    if story == "midnight":
        start = day_start + 22 * 3600
    elif story in LATE_STARTING:
        start = day_start + float(rng.uniform(9.5, 13)) * 3600
    else:
        start = day_start + float(rng.uniform(6, 17)) * 3600
    start = round(start / 300) * 300
    hours = float(rng.choice([3, 4, 4, 5]))
    grid = None if fixed else city.grids_of(district)[int(rng.integers(len(city.grids_of(district))))]
    post = city.posts_of(district)[int(rng.integers(len(city.posts_of(district))))] if fixed else None
    return ShiftPlan(index=index, story=story, honest=story in HONEST, district=district,
                     kind="fixed_post" if fixed else "patrol", grid=grid, post=post, start=start,
                     end=start + hours * 3600)


def _link_reused_photos(plans: list[ShiftPlan], rng: np.random.Generator) -> None:
    """Point each reusing plan at an earlier sign-in of another officer (earliest receipt first)."""
    for plan in plans:
        if "copy" not in plan.notes and "near" not in plan.notes:
            continue
        mine = plan.signins[0]
        donors = [p for p in plans if p is not plan and p.story in PLAIN_SIGN_INS and p.signins
                  and p.signins[0].received < mine.received - 60]
        if not donors:
            plan.notes.append("no earlier sign-in to copy: sent its own photo")
            plan.honest = True
            continue
        donor = donors[int(rng.integers(len(donors)))]
        if "copy" in plan.notes:
            mine.photo = PhotoPlan(**{**donor.signins[0].photo.__dict__, "copy_of": donor.index})
            _label_copied_photo(plan, donor)
        else:
            mine.photo.reencoded_from = donor.index
        mine.device = None
        plan.expect("PHOTO_REUSED")
        plan.notes.append(f"photo of plan {donor.index}")


def _label_copied_photo(plan: ShiftPlan, donor: ShiftPlan) -> None:
    """The copied bytes carry the donor's time and place. Stale when taken outside this shift's
    window and over 10 minutes before receipt; and then its place says nothing of where this
    officer was (no CHECKIN_OFF_GRID, no LATE: the photo is not evidence of this sign-in). Taken
    inside the window, it is this shift's sign-in: off the grid when the donor's grid is
    elsewhere, late when taken after the grace."""
    photo, received = donor.signins[0].photo, plan.signins[0].received
    opens, closes = plan.start - 30 * MIN, plan.start + 30 * MIN
    in_window = opens <= photo.captured <= closes
    if received - photo.captured > 10 * MIN and not in_window:
        plan.expect("PHOTO_STALE")
    if in_window and (donor.grid is None or plan.grid is None or donor.grid.code != plan.grid.code):
        plan.expect("CHECKIN_OFF_GRID")
    if in_window and photo.captured > plan.start + 5 * MIN:
        plan.expect("LATE")


def to_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def local_text(ts: float) -> str:
    return datetime.fromtimestamp(ts, SHANGHAI).strftime("%H:%M")


def hours_between(a: float, b: float) -> timedelta:
    return timedelta(seconds=b - a)
