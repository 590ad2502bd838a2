"""Feed a planned day through the service's real doors, with the clock at each moment.

The world is set up through the admin API (districts, grids, posts, officers, devices, shifts);
each piece of evidence arrives through the door a user would use, at the moment it would
arrive (the clock is moved there with time-machine): selfies as multipart sign-ins, live fixes
through OsmAnd one request each (as Traccar Client sends them, buffered fixes late), batches
through /api/v1/positions, GPX files through /api/v1/tracks, inspection findings through the
spot-check API. Between the moments the scheduler's own tick runs, every `tick_s` seconds, as
`supervise scheduler` would run it. Nothing is written to the database except through those
doors and that tick (the first admin and manager are made as `supervise create-user` does).
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

import numpy as np
import piexif
import time_machine

from tests.photos import exif_bytes, make_jpeg, reencoded
from tests.sim.scenarios import MIN, Day, PhotoPlan, ShiftPlan, SignInPlan, UploadPlan
from tests.sim.score import RaisedFlag
from tests.sim.world import DISTRICT_NAMES, DISTRICTS, to_latlon

PASSWORD = "sim-pass-2026"
PHOTO_SIZE = (240, 180)
APP_BATCH_S = 120.0


@dataclass(order=True)
class Event:
    at: float
    order: int
    kind: str
    plan: ShiftPlan | None = field(default=None, compare=False)
    payload: object = field(default=None, compare=False)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


class Simulation:
    """One planned day, fed through the app's doors; `run()` returns the flags raised."""

    def __init__(self, app, day: Day, *, tick_s: float = 60.0, osmand_share: float = 1.0,
                 log: Callable[[str], None] = lambda s: None):
        """`osmand_share`: the share of live-tracked officers whose phone speaks OsmAnd (one request a
        fix); the others' app sends batches (a request every two minutes), which is much cheaper to
        simulate."""
        self.app, self.day, self.tick_s, self.log = app, day, tick_s, log
        self.osmand_share = osmand_share
        self.client = app.test_client()
        self.tokens: dict[str, tuple[str, float]] = {}
        self.shift_ids: dict[int, int] = {}
        self.devices: dict[int, str] = {}
        self.photos: dict[int, bytes] = {}
        self.assignments: dict[str, tuple[int, str]] = {}
        self.inspectors: dict[str, str] = {}      # badge → username
        self.requests = 0
        self.answers: dict[str, int] = {}

    # ------------------------------------------------------------ running

    def run(self) -> list[RaisedFlag]:
        day_start = datetime.combine(self.day.day, datetime.min.time(), timezone(timedelta(hours=8))).timestamp()
        with time_machine.travel(datetime.fromtimestamp(day_start + 3 * 3600, UTC), tick=False) as clock:
            self.clock = clock
            self._set_up_world()
            events = sorted(self._events(day_start))
            end = max(self.day.last + 3 * 3600, events[-1].at + 2 * self.tick_s if events else 0)
            t, i = self.day.first - 45 * MIN, 0
            from supervise.extensions import db
            from supervise.jobs import tick
            from supervise.services.locks import SchedulerLock

            with self.app.app_context():
                lock = SchedulerLock(db.engine, lease=timedelta(seconds=max(3 * self.tick_s, 30)))
            while t <= end:
                while i < len(events) and events[i].at <= t:
                    clock.move_to(datetime.fromtimestamp(events[i].at, UTC))
                    self._deliver(events[i])
                    i += 1
                clock.move_to(datetime.fromtimestamp(t, UTC))
                tick(self.app, lock)
                t += self.tick_s
            lock_release(self.app, lock)
            return self._flags()

    def _events(self, day_start: float) -> list[Event]:
        events: list[Event] = [Event(day_start + 6 * 3600, 0, "draw")]
        for plan in self.day.plans:
            events += self._plan_events(plan)
        return events

    def _plan_events(self, plan: ShiftPlan) -> list[Event]:
        rng = np.random.default_rng(plan.index)
        events = []
        for signin in plan.signins:
            events.append(Event(signin.received, 1, "signin", plan, signin))
            events += [Event(signin.received + s, 1, "signin", plan, signin) for s in signin.resend_after_s]
        if plan.fixes is not None:
            events += self._fix_events(plan, rng)
        for upload in plan.uploads:
            events.append(Event(upload.received, 3, "gpx", plan, upload))
        for finding in plan.findings:
            events.append(Event(finding.at + 20, 4, "finding", plan, finding))
        return events

    def _fix_events(self, plan: ShiftPlan, rng: np.random.Generator) -> list[Event]:
        t, lat, lon, acc, _ = plan.fixes
        if plan.delivery == "upload":
            return [Event(plan.upload_at, 3, "gpx", plan, UploadPlan(plan.upload_at, t, lat, lon, acc))]
        if plan.delivery == "app":
            batches = np.floor((t - t[0]) / APP_BATCH_S).astype(int) if t.size else np.array([], int)
            return [Event(float(t[batches == b][-1]) + 5, 2, "batch", plan, np.flatnonzero(batches == b))
                    for b in np.unique(batches)]
        if plan.delivery != "osmand":
            return []
        if not plan.offline and rng.random() >= self.osmand_share:
            plan.delivery = "app"
            return self._fix_events(plan, rng)
        received = t + rng.uniform(0.5, 3.0, t.size)
        for a, b in plan.offline:
            held = (t >= a) & (t < b)
            received[held] = b + 5 + np.arange(int(held.sum())) * 0.2
        resent = rng.random(t.size) < 0.01       # an answer lost on the way: Traccar sends it again
        events = [Event(float(received[k]), 2, "osmand", plan, k) for k in range(t.size)]
        events += [Event(float(received[k]) + 10, 2, "osmand", plan, k) for k in np.flatnonzero(resent)]
        return events

    # ------------------------------------------------------------ the world

    def _set_up_world(self) -> None:
        from supervise.cli import SYSTEM
        from supervise.extensions import db
        from supervise.services import reference

        with self.app.app_context():
            for username, role in (("sim-admin", "admin"), ("sim-city", "manager")):
                reference.create_officer(SYSTEM, badge_no=None, name=username, district=None, squad=None,
                                         username=username, password=PASSWORD, role=role)
            db.session.remove()
        city = self.day.city
        for code in DISTRICTS:
            self._post("sim-admin", "/api/v1/districts", json={"code": code, "name": DISTRICT_NAMES[code]})
            for n in (1, 2):
                self.inspectors[f"SIM-{code}-I{n:02d}"] = f"sim-insp-{code.lower()}{n}"
                self._post("sim-admin", "/api/v1/officers", json={
                    "badge_no": f"SIM-{code}-I{n:02d}", "name": f"督察 {code}{n}", "district": code,
                    "username": f"sim-insp-{code.lower()}{n}", "password": PASSWORD, "role": "inspector"})
        self._post("sim-admin", "/api/v1/grids", json={"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": g.rect.geojson(), "properties": {"code": g.code, "district": g.district}}
            for g in city.grids]})
        for post in city.posts:
            lat, lon = to_latlon(post.x, post.y)
            self._post("sim-admin", "/api/v1/posts", json={"code": post.code, "district": post.district,
                                                             "lat": float(lat), "lon": float(lon),
                                                             "radius_m": post.radius_m})
        for plan in self.day.plans:
            self._set_up_officer(plan)

    def _set_up_officer(self, plan: ShiftPlan) -> None:
        self._post("sim-admin", "/api/v1/officers", json={
            "badge_no": plan.badge, "name": f"队员 {plan.index}", "district": plan.district,
            "squad": f"SIM-{plan.district}-S1", "username": plan.username, "password": PASSWORD, "role": "officer"})
        device = self._post("sim-admin", "/api/v1/devices", json={"officer": plan.badge})
        self.devices[plan.index] = device["identifier"]
        body = {"officer": plan.badge, "start": iso(plan.start), "end": iso(plan.end), "kind": plan.kind,
                "breaks": [{"start": iso(a), "end": iso(b)} for a, b in plan.breaks]}
        body["grid" if plan.grid is not None else "post"] = (plan.grid or plan.post).code
        self.shift_ids[plan.index] = self._post("sim-admin", "/api/v1/shifts", json=body)["id"]

    # ------------------------------------------------------------ the doors

    def _deliver(self, event: Event) -> None:
        handler = getattr(self, f"_send_{event.kind}")
        handler(event.plan, event.payload)

    def _send_draw(self, _plan, _payload) -> None:
        body = self._post("sim-city", "/api/v1/inspection-rounds",
                          json={"date": self.day.day.isoformat(), "kind": "cross_district", "seed": self.day.seed})
        for assignment in body.get("assignments", []):
            district = assignment.get("district")
            self.assignments.setdefault(district, (assignment["id"], self.inspectors[assignment["inspector"]]))

    def _send_signin(self, plan: ShiftPlan, signin: SignInPlan) -> None:
        data = {"photo": (io.BytesIO(self._photo_bytes(plan, signin.photo)), "selfie.jpg")}
        if signin.with_shift_id:
            data["shift_id"] = str(self.shift_ids[plan.index])
        if signin.device is not None:
            data["device_lat"], data["device_lon"], data["device_accuracy_m"] = (str(v) for v in signin.device)
        if signin.device_mock:
            data["device_mock"] = "true"
        self._call("POST", "/api/v1/checkins", plan.username, data=data, content_type="multipart/form-data")

    def _send_osmand(self, plan: ShiftPlan, k: int) -> None:
        t, lat, lon, acc, mock = plan.fixes
        query = {"id": self.devices[plan.index], "lat": f"{lat[k]:.7f}", "lon": f"{lon[k]:.7f}",
                 "timestamp": f"{t[k]:.0f}", "accuracy": f"{acc[k]:.1f}", "speed": "2.1", "batt": "80"}
        if mock[k]:
            query["mock"] = "true"
        self.requests += 1
        response = self.client.get("/osmand?" + urlencode(query))
        self._count(response.status_code)

    def _send_batch(self, plan: ShiftPlan, index: np.ndarray) -> None:
        t, lat, lon, acc, mock = plan.fixes
        batch = [{"time": iso(float(t[k])), "lat": float(lat[k]), "lon": float(lon[k]), "accuracy": float(acc[k]),
                  **({"mock": True} if mock[k] else {})} for k in index]
        self._call("POST", "/api/v1/positions", plan.username, json=batch)

    def _send_gpx(self, plan: ShiftPlan, upload: UploadPlan) -> None:
        data = {"file": (io.BytesIO(gpx(upload.t, upload.lat, upload.lon, upload.acc)), "track.gpx")}
        self._call("POST", "/api/v1/tracks", plan.username, data=data, content_type="multipart/form-data")

    def _send_finding(self, plan: ShiftPlan, finding) -> None:
        assignment = self.assignments.get(plan.district)
        if assignment is None:
            self.log(f"no spot check went to {plan.district}: finding of plan {plan.index} not sent")
            return
        assignment_id, inspector = assignment
        photo = self._photo_bytes(plan, finding.photo)
        data = {"officer": plan.badge, "result": finding.result, "items": ",".join(finding.items),
                "note": "巡查中玩手机", "photo": (io.BytesIO(photo), "finding.jpg")}
        self._call("POST", f"/api/v1/assignments/{assignment_id}/findings", inspector, data=data,
                   content_type="multipart/form-data")

    # ------------------------------------------------------------ photos

    def _photo_bytes(self, plan: ShiftPlan, photo: PhotoPlan) -> bytes:
        if photo.copy_of is not None:
            return self.photos[photo.copy_of]
        key = id(photo)
        if key not in self.photos:
            exif = photo_exif(photo)
            if photo.reencoded_from is not None:
                picture = reencoded(self.photos[photo.reencoded_from], quality=75, scale=0.9)
                data = piexif_insert(exif, picture)
            else:
                data = make_jpeg(size=PHOTO_SIZE, seed=photo.seed, quality=85, **exif)
            self.photos[key] = data
            if plan.signins and plan.signins[0].photo is photo:
                self.photos[plan.index] = data
        return self.photos[key]

    # ------------------------------------------------------------ HTTP

    def token(self, username: str) -> str:
        now = datetime.now(UTC).timestamp()
        cached = self.tokens.get(username)
        if cached is None or cached[1] < now + 600:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            expires = datetime.fromisoformat(body["expires_at"]).timestamp()
            self.tokens[username] = (body["token"], expires)
        return self.tokens[username][0]

    def _call(self, method: str, path: str, username: str, **kwargs):
        self.requests += 1
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self._count(response.status_code)
        if response.status_code >= 500:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.get_data(as_text=True)}")
        return response

    def _post(self, username: str, path: str, **kwargs) -> dict:
        response = self._call("POST", path, username, **kwargs)
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    def _count(self, status: int) -> None:
        key = f"{status // 100}xx"
        self.answers[key] = self.answers.get(key, 0) + 1

    def _flags(self) -> list[RaisedFlag]:
        flags, page = [], 1
        while True:
            response = self._call("GET", f"/api/v1/flags?per_page=500&page={page}", "sim-admin")
            body = response.get_json()
            for item in body["items"]:
                flags.append(RaisedFlag(
                    id=item["id"], code=item["code"], officer=item["officer"],
                    start=_ts(item["start"]), end=_ts(item["end"]), status=item["status"],
                    needs_review=bool(item.get("needs_review")), summary=item["summary_en"]))
            if page * 500 >= body["total"]:
                return flags
            page += 1


def lock_release(app, lock) -> None:
    with app.app_context():
        lock.release()


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def photo_exif(photo: PhotoPlan) -> dict:
    """make_jpeg's EXIF arguments for what this camera wrote."""
    zone = timezone(timedelta(hours=photo.zone_h))
    local = datetime.fromtimestamp(photo.captured + photo.clock_error_s, zone).replace(tzinfo=None)
    gps_utc = datetime.fromtimestamp(photo.captured - 1.5, UTC) if photo.gps_time and photo.lat is not None else None
    return {"lat": photo.lat, "lon": photo.lon, "accuracy_m": photo.accuracy_m, "taken_local": local,
            "offset": photo.offset, "gps_utc": gps_utc}


def piexif_insert(exif_args: dict, jpeg: bytes) -> bytes:
    exif = exif_bytes(**{k: v for k, v in exif_args.items()})
    out = io.BytesIO()
    piexif.insert(exif, jpeg, out)
    return out.getvalue()


def gpx(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, acc: np.ndarray) -> bytes:
    """A GPX 1.1 track of these fixes (hdop-free; accuracy is not in GPX)."""
    points = "".join(f'<trkpt lat="{a:.7f}" lon="{o:.7f}"><time>{iso(float(s))}</time></trkpt>'
                     for s, a, o in zip(t, lat, lon, strict=True) if math.isfinite(s))
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="sim" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + points + "</trkseg></trk></gpx>").encode()
