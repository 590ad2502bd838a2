"""Benchmark: a city-day of checks (issue: the regulation and the scheduled checks).

Builds a day of 5,000 eight-hour patrol shifts with a position every 10 s (14.4 M positions)
in a fresh SQLite file, then, each in a fresh process so memory is measured cleanly:
  * a full evaluation of the day (every shift judged whole, as after the day ended), and
  * an incremental tick in mid-shift (5 minutes of new data since the previous tick),
  * the same tick again (it must create nothing).
Prints wall time, positions per second end to end (reading them, analysing, writing flags),
flags raised, and peak memory. Targets: full day <= 60 s (>= 250k positions/s), tick <= 5 s.

Run on demand:  python tests/bench/bench_checks.py [--shifts 5000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

DAY = "2026-11-25"
EVERY_S = 10
SHIFT_HOURS = 8
GRIDS = 50
STARTS = ("07:00", "08:00", "09:00")


def app_for(db_path: Path):
    from supervise import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "STORAGE_DIR": str(db_path.parent),
                       "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


# ---------------------------------------------------------------- the city-day


def build(db_path: Path, shifts: int) -> dict:
    from flask_migrate import upgrade

    from supervise.cli import SYSTEM
    from supervise.services import reference
    from supervise.timeutil import parse_instant

    app = app_for(db_path)
    with app.app_context():
        upgrade()
        reference.create_district(SYSTEM, "DL", "道里区")
        centres = []
        for g in range(GRIDS):
            lon, lat = 126.55 + (g % 10) * 0.008, 45.70 + (g // 10) * 0.006
            ring = [[lon, lat], [lon + 0.0065, lat], [lon + 0.0065, lat + 0.0045], [lon, lat + 0.0045], [lon, lat]]
            reference.import_grids(SYSTEM, {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                                            "properties": {"code": f"G{g:03d}", "district": "DL"}})
            centres.append((lat + 0.00225, lon + 0.00325))
    starts = [parse_instant(f"{DAY}T{s}:00+08:00") for s in STARTS]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    district_id = conn.execute("SELECT id FROM district").fetchone()[0]
    grid_ids = [r[0] for r in conn.execute("SELECT id FROM grid ORDER BY code")]
    now = datetime.now().isoformat(" ")
    conn.executemany("INSERT INTO user_account (id, username, password_hash, role, name, badge_no, district_id, "
                     "active, created_at) VALUES (?, ?, 'x', 'officer', ?, ?, ?, 1, ?)",
                     [(i + 10, f"o{i}", f"officer {i}", f"HRB-DL-{i:05d}", district_id, now) for i in range(shifts)])
    rows, checkins, photos = [], [], []
    for i in range(shifts):
        start = starts[i % len(starts)]
        rows.append((i + 1, i + 10, _naive(start), _naive(start + timedelta(hours=SHIFT_HOURS)), "patrol",
                     grid_ids[i % GRIDS], now))
        sha = f"{i:064x}"
        photos.append((sha, "jpeg", 1, 1, 1, i, 0, 0, 0, 0, now))
        captured = start - timedelta(minutes=3)
        checkins.append((i + 1, i + 10, i + 1, sha, _naive(captured + timedelta(seconds=20)), _naive(captured),
                         "exif_offset", *centres[i % GRIDS], 8.0, "exif", 0.0, 1, 0))
    conn.executemany("INSERT INTO shift (id, officer_id, start, \"end\", kind, grid_id, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO photo (sha256, format, size_bytes, width, height, phash, band0, band1, band2, "
                     "band3, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", photos)
    conn.executemany("INSERT INTO checkin (id, officer_id, shift_id, photo_sha256, received_at, captured_at, "
                     "capture_time_source, lat, lon, accuracy_m, location_source, distance_to_area_m, inside_area, "
                     "device_mock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", checkins)
    conn.commit()
    total = _positions(conn, shifts, starts, centres)
    conn.close()
    return {"shifts": shifts, "positions": total}


def _naive(t: datetime) -> str:
    """How UTCDateTime stores an instant: naive UTC."""
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _positions(conn: sqlite3.Connection, shifts: int, starts, centres) -> int:
    """A walk back and forth across each officer's grid with GPS noise; a few idle, leave or go silent."""
    rng = np.random.default_rng(7)
    n = SHIFT_HOURS * 3600 // EVERY_S
    total = 0
    sql = ("INSERT INTO position (officer_id, ts, lat, lon, accuracy_m, speed_mps, mock, source, received_ts) "
           "VALUES (?, ?, ?, ?, ?, NULL, 0, 1, ?)")
    for i in range(shifts):
        t = starts[i % len(starts)].timestamp() + np.arange(n) * EVERY_S
        lat0, lon0 = centres[i % GRIDS]
        phase = np.abs(((np.arange(n) * EVERY_S * 1.1) % 800.0) - 400.0) - 200.0
        east, north = phase + rng.normal(0, 6, n), rng.normal(0, 6, n) + 60 * np.sin(np.arange(n) / 90)
        if i % 50 == 0:                       # sits in a café for 40 minutes
            east[600:840], north[600:840] = east[600] + rng.normal(0, 8, 240), north[600] + rng.normal(0, 8, 240)
        if i % 97 == 0:                       # leaves the grid for 15 minutes
            north[1200:1290] += 450
        keep = np.ones(n, bool)
        if i % 89 == 0:                       # phone silent for 30 minutes
            keep[1500:1680] = False
        lat = lat0 + north / 111_320
        lon = lon0 + east / (111_320 * np.cos(np.radians(lat0)))
        acc = rng.uniform(5, 15, n)
        data = zip(np.full(n, i + 10)[keep].tolist(), t[keep].tolist(), lat[keep].tolist(), lon[keep].tolist(),
                   acc[keep].tolist(), t[keep].tolist(), strict=True)
        conn.executemany(sql, data)
        total += int(keep.sum())
        if i % 500 == 499:
            conn.commit()
    conn.commit()
    return total


# ---------------------------------------------------------------- the measured part


def evaluate(db_path: Path, mode: str) -> dict:
    from sqlalchemy import func, select

    from supervise.extensions import db
    from supervise.models import Flag
    from supervise.services.checks import run_checks, shutdown_pool
    from supervise.timeutil import parse_instant

    app = app_for(db_path)
    with app.app_context():
        cold = None
        if mode == "full":
            as_of, since = parse_instant(f"{DAY}T18:30:00+08:00"), None
        else:
            # The scheduler is a long-lived process: the first tick also starts its analysis
            # workers, so it is timed apart from the steady tick that follows five minutes later.
            as_of = parse_instant(f"{DAY}T12:00:00+08:00")
            since = as_of - timedelta(minutes=5)
            began = time.perf_counter()
            run_checks(since, trigger="bench", since=since - timedelta(minutes=5))
            cold = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        report = run_checks(as_of, trigger="bench", since=since)
        seconds = time.perf_counter() - began
        flags = db.session.scalar(select(func.count(Flag.id)))
        workers = _worker_peaks_mb()
        shutdown_pool()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "seconds": round(seconds, 2), "cold_seconds": cold, "shifts": report.shifts,
            "created": len(report.created), "flags": flags, "errors": report.errors, "peak_mb": round(parent),
            "worker_peak_mb": workers}


def _worker_peaks_mb() -> int:
    """The largest peak memory among the analysis workers (they are not our children: forkserver)."""
    from supervise.services import checks

    pool = checks._pool()
    if pool is None:
        return 0
    usages = pool.map(resource.getrusage, [resource.RUSAGE_SELF] * 4 * checks.WORKERS)
    return round(max(u.ru_maxrss for u in usages) / 1024)


def run_child(db_path: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--evaluate", mode, "--db", str(db_path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shifts", type=int, default=5000)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the database in this folder")
    parser.add_argument("--evaluate", choices=["full", "tick"], default=None)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    if args.evaluate:
        print(json.dumps(evaluate(args.db, args.evaluate)))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="supervise-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "cityday.db"
    if not db_path.exists():
        began = time.perf_counter()
        built = build(db_path, args.shifts)
        print(f"built {built['shifts']} shifts, {built['positions']:,} positions in "
              f"{time.perf_counter() - began:.0f} s ({db_path.stat().st_size / 1e9:.1f} GB)")
    positions = sqlite3.connect(db_path).execute("SELECT count(*) FROM position").fetchone()[0]
    full = run_child(db_path, "full")
    print(f"full day : {full['seconds']:6.1f} s for {full['shifts']} shifts, {positions:,} positions "
          f"= {positions / full['seconds']:,.0f} positions/s (target >= 250,000/s, <= 60 s); "
          f"{full['created']} flags raised, {full['flags']} in all; peak {full['peak_mb']} MB "
          f"+ {full['worker_peak_mb']} MB per analysis worker")
    tick = run_child(db_path, "tick")
    print(f"tick     : {tick['seconds']:6.1f} s for {tick['shifts']} shifts in progress, 5 min of new data "
          f"(target <= 5 s; the process's first tick, starting its workers: {tick['cold_seconds']} s); "
          f"{tick['created']} flags raised; peak {tick['peak_mb']} MB")
    again = run_child(db_path, "full")
    print(f"full again: {again['seconds']:5.1f} s, {again['created']} new flags (must be 0)")
    if args.keep is None:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
