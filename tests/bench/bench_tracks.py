"""Benchmarks for patrol tracks, run on demand (not collected by pytest):

    .venv/bin/python tests/bench/bench_tracks.py gpx      # 50,000-point GPX upload vs gpxpy's parse alone
    .venv/bin/python tests/bench/bench_tracks.py idle     # idle stays of a 2,880-point shift vs movingpandas
    .venv/bin/python tests/bench/bench_tracks.py osmand   # live OsmAnd reports/s vs a bare parse endpoint

Each prints its figures and the ratio to its peer measured in the same run.
"""
from __future__ import annotations

import http.client
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
LAT0, LON0 = 45.776, 126.618


def best_of(fn, runs: int = 5) -> tuple[float, float]:
    """(best, median) wall seconds of `fn()` over `runs` runs."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


# ---------------------------------------------------------------- (a) GPX upload


def synthetic_gpx(n: int, t0: float) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1">', "<trk><trkseg>"]
    for i in range(n):
        lat, lon = LAT0 + 0.001 * math.sin(i / 300), LON0 + 0.001 * math.cos(i / 300)
        stamp = datetime.fromtimestamp(t0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{140 + i % 7}.0</ele><time>{stamp}</time></trkpt>')
    lines.append("</trkseg></trk></gpx>")
    return "\n".join(lines).encode()


def make_app(folder: str):
    from supervise import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "STORAGE_DIR": f"{folder}/s",
                       "SECRET_KEY": "bench", "TESTING": True})


def seed_world(app, officers: int = 1) -> list[str]:
    """A migrated database with one district, `officers` officers and a device each."""
    from flask_migrate import upgrade

    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        upgrade()
        reference.create_district(SYSTEM, "DL", "道里区")
        ids = []
        for k in range(officers):
            badge = f"HRB-DL-{k + 1:04d}"
            reference.create_officer(SYSTEM, badge_no=badge, name=badge, district="DL", squad=None,
                                     username=f"o{k}", password="bench-pass-123", role="officer")
            ids.append(reference.register_device(SYSTEM, badge).identifier)
        return ids


def bench_gpx(n: int = 50_000) -> None:
    import gpxpy
    from sqlalchemy import delete

    from supervise.cli import SYSTEM
    from supervise.extensions import db
    from supervise.models import Position, TrackUpload
    from supervise.services.tracks import upload_track

    data = synthetic_gpx(n, time.time() - n - 3600)
    text = data.decode()
    peer_best, peer_median = best_of(lambda: gpxpy.parse(text), 3)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder)
        seed_world(app)
        with app.app_context():
            def upload():
                db.session.execute(delete(Position))
                db.session.execute(delete(TrackUpload))
                db.session.commit()
                t = time.perf_counter()
                result = upload_track(SYSTEM, data, officer="HRB-DL-0001")
                assert result.stored == n, result
                return time.perf_counter() - t
            ours = [upload() for _ in range(5)]
    ours_best, ours_median = min(ours), statistics.median(ours)
    print(f"GPX {n} points, {len(data) / 1e6:.1f} MB")
    print(f"  gpxpy.parse alone:                   best {peer_best:.3f} s  median {peer_median:.3f} s")
    print(f"  upload_track (parse+filter+store):   best {ours_best:.3f} s  median {ours_median:.3f} s")
    print(f"  ratio gpxpy / ours: best {peer_best / ours_best:.1f}x  median {peer_median / ours_median:.1f}x"
          "  (target >= 5x)")


# ---------------------------------------------------------------- (b) idle stays


STOPS = ((60, 25), (200, 40), (360, 12))   # (minute of the shift, minutes stopped)


def shift_track(seed: int = 3, noise_m: float = 1.0):
    """8 hours at 10 s (2,880 fixes): walking at 1.1 m/s with stops of 25, 40 and 12 minutes."""
    rng = np.random.default_rng(seed)
    n = 2880
    t = 1.77e9 + np.arange(n) * 10.0
    speed = np.full(n, 1.1)
    for start_min, minutes in STOPS:
        speed[start_min * 6:(start_min + minutes) * 6] = 0.0
    heading = np.cumsum(rng.normal(0, 0.05, n))
    x = np.cumsum(speed * 10 * np.cos(heading)) + rng.normal(0, noise_m, n)
    y = np.cumsum(speed * 10 * np.sin(heading)) + rng.normal(0, noise_m, n)
    return t, x, y


def bench_idle(radius_m: float = 30.0, minutes: float = 20.0) -> None:
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    from supervise.geo.area import Area
    from supervise.geo.distance import LocalProjection
    from supervise.tracks.analysis import analyze_track, detect_stays, smooth_positions
    from supervise.tracks.model import AnalysisParams, Span

    t, x, y = shift_track()
    projection = LocalProjection(LAT0, LON0)
    lat, lon = projection.to_latlon(x, y)
    la0, la1, lo0, lo1 = lat.min() - 0.001, lat.max() + 0.001, lon.min() - 0.001, lon.max() + 0.001
    area = Area.from_geojson({"type": "Polygon", "coordinates": [[[lo0, la0], [lo1, la0], [lo1, la1], [lo0, la1],
                                                                  [lo0, la0]]]})
    window = Span(datetime.fromtimestamp(t[0], UTC), datetime.fromtimestamp(t[-1], UTC))
    params = AnalysisParams(idle_radius_m=radius_m, idle_min_s=minutes * 60)
    acc = np.full(t.size, 5.0)

    def ours():
        return analyze_track(t, lat, lon, acc, area, window, params)

    def ours_stays_only():
        xs, ys = smooth_positions(t, x, y)
        return detect_stays(t, xs, ys, 2 * radius_m, minutes * 60, np.hypot(x - xs, y - ys))

    crs = f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +units=m"
    frame = pd.DataFrame({"t": pd.to_datetime(t, unit="s"), "x": x, "y": y})
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.x, frame.y), crs=crs).set_index("t")

    def theirs():
        trajectory = mpd.Trajectory(gdf, 1)
        return mpd.TrajectoryStopDetector(trajectory).get_stop_time_ranges(
            max_diameter=2 * radius_m, min_duration=timedelta(minutes=minutes))

    our_stays, their_stops = ours().stays, theirs()
    truth = [(1.77e9 + start_min * 60, 1.77e9 + (start_min + length) * 60)
             for start_min, length in STOPS if length >= minutes]
    ours_best, ours_median = best_of(ours, 20)
    stays_best, stays_median = best_of(ours_stays_only, 20)
    peer_best, peer_median = best_of(theirs, 3)
    print(f"idle stays in {t.size} fixes, R = {radius_m} m, T = {minutes} min; movingpandas {mpd.__version__}")
    print("  truth        ", ", ".join(f"{_hm(a)}-{_hm(b)}" for a, b in truth))
    for name, spans in (("ours", [(s.start, s.end) for s in our_stays]),
                        ("movingpandas", [(r.t_0, r.t_n) for r in their_stops])):
        print(f"  {name:13s}", ", ".join(f"{_hm(a)}-{_hm(b)}" for a, b in spans),
              f"  (largest error at an end: {_worst_end(spans, truth)})")
    print("  (movingpandas counts the last and first steps within the diameter as part of a stop; ours trims "
          "the walk in and out, README 'Judging fairly')")
    print(f"  analyze_track (all of it):  best {ours_best * 1e3:.2f} ms  median {ours_median * 1e3:.2f} ms")
    print(f"  smoothing + stays alone:    best {stays_best * 1e3:.2f} ms  median {stays_median * 1e3:.2f} ms"
          f"  (ratio {peer_best / stays_best:.0f}x)")
    print(f"  movingpandas stop detector: best {peer_best * 1e3:.1f} ms  median {peer_median * 1e3:.1f} ms")
    print(f"  ratio movingpandas / ours: best {peer_best / ours_best:.0f}x  median {peer_median / ours_median:.0f}x"
          "  (target >= 50x; area: the track's bounding box + ~100 m)")


def _worst_end(spans, truth) -> str:
    if len(spans) != len(truth):
        return f"{len(spans)} stops, not {len(truth)}"
    worst = max(max(abs(_ts(a) - ta), abs(_ts(b) - tb)) for (a, b), (ta, tb) in zip(spans, truth, strict=True))
    return f"{worst:.0f} s"


def _ts(value) -> float:
    if isinstance(value, float | int):
        return float(value)
    return value.replace(tzinfo=UTC).timestamp() if value.tzinfo is None else value.timestamp()


def _hm(value) -> str:
    return datetime.fromtimestamp(_ts(value), UTC).strftime("%H:%M:%S")


# ---------------------------------------------------------------- (c) OsmAnd through gunicorn


def real_app():
    """The service itself, on the database named by SUPERVISE_DATABASE_URL (gunicorn entry)."""
    from supervise import create_app

    return create_app()


def bare_app():
    """A bare Flask endpoint that only parses the same query (the peer)."""
    from flask import Flask, jsonify, request

    from supervise.tracks.osmand import decode_query

    app = Flask("bare")

    @app.route("/osmand", methods=["GET", "POST"])
    def osmand():
        report = decode_query(request.values.items(multi=True), received_at=time.time())
        return jsonify({"stored": report.fix is not None, "reason": None})

    return app


def _client(port: int, device: str, seconds: float, limit: int, out) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    base = int(time.time()) - 3600
    ok = stored = 0
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline and i < limit:
        ts = base + i * 0.001
        connection.request("GET", f"/osmand?id={device}&lat={LAT0 + i * 1e-7:.7f}&lon={LON0}&timestamp={ts:.3f}"
                                  f"&speed=1.2&accuracy=8&batt=80")
        response = connection.getresponse()
        body = response.read()
        if response.status == 200:
            ok += 1
            stored += b'"stored":true' in body
        i += 1
    out.put((ok, stored))


def _load(port: int, devices: list[str], seconds: float) -> tuple[float, int, int]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_client, args=(port, d, seconds, 200_000, queue)) for d in devices]
    t = time.perf_counter()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t
    ok = sum(r[0] for r in results)
    return ok / elapsed, ok, sum(r[1] for r in results)


def _serve(target: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--pythonpath", str(REPO / "tests" / "bench"), "--log-level", "warning",
         target], env=env)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/osmand")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def bench_osmand(seconds: float = 10.0, clients: int = 6) -> None:
    from sqlalchemy import func, select

    from supervise.extensions import db
    from supervise.models import Position

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder)
        devices = seed_world(app, clients)
        env = dict(os.environ, SUPERVISE_DATABASE_URL=f"sqlite:///{folder}/bench.db",
                   SUPERVISE_STORAGE_DIR=f"{folder}/s", SUPERVISE_SECRET_KEY="bench")
        figures = {}
        for name, target, port in (("bare parse endpoint", "bench_tracks:bare_app()", 18071),
                                   ("the service (store+commit)", "bench_tracks:real_app()", 18072)):
            server = _serve(target, port, env)
            try:
                figures[name] = _load(port, devices, seconds)
            finally:
                server.terminate()
                server.wait(10)
        with app.app_context():
            rows = db.session.scalar(select(func.count()).select_from(Position))
    bare, real = figures["bare parse endpoint"], figures["the service (store+commit)"]
    print(f"OsmAnd GET reports, gunicorn 2 workers x 4 threads (gthread), {clients} keep-alive clients, "
          f"{seconds:.0f} s each, SQLite WAL in a temp dir")
    for name, (rate, ok, stored) in figures.items():
        print(f"  {name:28s} {rate:8.0f} req/s  ({ok} answered 200, {stored} said stored)")
    print(f"  rows in the database after the run: {rows}; acknowledged as stored: {real[2]}"
          f"  -> {'every acknowledged position is committed' if rows == real[2] else 'MISMATCH'}")
    print(f"  ratio service / bare: {real[0] / bare[0]:.2f}  (target >= 0.5)")


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "gpx"
    {"gpx": bench_gpx, "idle": bench_idle, "osmand": bench_osmand}[which]()
