"""Benchmark: positions partitioned by day on PostgreSQL (issue 15), at ~100 M rows.

In a scratch database (default `bench_partitions`, dropped at the end unless --keep) built by the
migrations, so the table is the real one (partitioned by day, key INCLUDE-ing what the analysis
reads, the arrival index, the officer foreign key):
  * generates --days past days of patrols: --officers officers, each a shift of --fixes fixes
    every 10 s, with binary COPY into the partitioned table, rows in arrival order (every officer
    interleaved by time, as phones send them); prints the bulk COPY rate;
  * VACUUM ANALYZE (what autovacuum does for insert-only partitions; sets the visibility map that
    index-only reads need), timed;
  * the live insert rate: --live OsmAnd reports through `record_osmand` (the service the OsmAnd
    endpoint calls: device lookup, fix check, one committed INSERT), one process;
  * the analysis read rate: --reads random officer-shifts read with `positions_between`, the
    analysis's own read, positions/s, and the plan of one read (EXPLAIN ANALYZE, BUFFERS);
  * table and index sizes, partitions, and the disk used.

Run on demand:  python tests/bench/bench_partitions.py [--officers 1000 --fixes 3000 --days 34]
    [--server postgresql+psycopg://postgres@127.0.0.1:5432] [--db bench_partitions] [--keep]
"""
from __future__ import annotations

import argparse
import random
import shutil
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

EVERY_S = 10
CHUNK_ROWS = 250_000
COLUMNS = ("officer_id", "ts", "lat", "lon", "accuracy_m", "speed_mps", "mock", "source", "received_ts")
ROW = np.dtype([("n", ">i2"),
                ("l1", ">i4"), ("officer_id", ">i4"), ("l2", ">i4"), ("ts", ">f8"), ("l3", ">i4"), ("lat", ">f8"),
                ("l4", ">i4"), ("lon", ">f8"), ("l5", ">i4"), ("accuracy_m", ">f8"), ("l6", ">i4"),
                ("speed_mps", ">f8"), ("l7", ">i4"), ("mock", "u1"), ("l8", ">i4"), ("source", ">i2"),
                ("l9", ">i4"), ("received_ts", ">f8")])
LENGTHS = {"n": 9, "l1": 4, "l2": 8, "l3": 8, "l4": 8, "l5": 8, "l6": 8, "l7": 1, "l8": 2, "l9": 8}
HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def admin(server: str, sql: str) -> None:
    with psycopg.connect(libpq_url(f"{server}/postgres"), autocommit=True) as conn:
        conn.execute(sql)


def app_for(url: str):
    from supervise import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOG_FORMAT": "text",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def build_schema(app, officers: int, days: list) -> float:
    """Migrations, the officers and their devices, the day partitions; seconds taken."""
    from flask_migrate import upgrade

    from supervise.extensions import db
    from supervise.services import partitions

    started = time.perf_counter()
    with app.app_context():
        upgrade()
        now = datetime.now(UTC).replace(tzinfo=None)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO user_account (id, username, password_hash, role, name, badge_no, active, "
                "created_at) SELECT i, 'o' || i, 'x', 'officer', 'officer ' || i, 'B-' || i, true, %(now)s "
                "FROM generate_series(1, %(n)s) i", {"now": now, "n": officers})
            conn.exec_driver_sql("INSERT INTO device (officer_id, identifier, created_at) "
                                 "SELECT i, 'phone-' || i, %(now)s FROM generate_series(1, %(n)s) i",
                                 {"now": now, "n": officers})
        with db.engine.connect() as conn:
            partitions.ensure_days(conn, days)
    return time.perf_counter() - started


def day_rows(day_start: float, officers: int, fixes: int, rng: np.random.Generator) -> np.ndarray:
    """One day's positions in arrival order (time, then officer), as binary COPY tuples."""
    n = officers * fixes
    rows = np.empty(n, dtype=ROW)
    for name, length in LENGTHS.items():
        rows[name] = length
    start = day_start + 8 * 3600 + rng.integers(0, 60, officers)          # shifts from ~08:00 UTC
    steps = np.arange(fixes) * EVERY_S
    ts = (start[None, :] + steps[:, None]).ravel()                        # (fix, officer) -> time order
    officer = np.tile(np.arange(1, officers + 1), fixes)
    centre_lat = 45.70 + (np.arange(officers) % 50) * 0.006
    centre_lon = 126.55 + (np.arange(officers) // 50) * 0.008
    walk = rng.normal(0, 0.00003, size=(fixes, officers, 2)).cumsum(axis=0)
    rows["officer_id"] = officer
    rows["ts"] = ts
    rows["lat"] = (centre_lat[None, :] + walk[:, :, 0]).ravel()
    rows["lon"] = (centre_lon[None, :] + walk[:, :, 1]).ravel()
    rows["accuracy_m"] = rng.uniform(3, 25, n)
    rows["speed_mps"] = rng.uniform(0, 2, n)
    rows["mock"] = 0
    rows["source"] = 2
    rows["received_ts"] = ts + 2.0
    return rows


def generate(url: str, days: list, officers: int, fixes: int) -> tuple[int, float]:
    """COPY every day's rows into `position`; (rows, seconds)."""
    from supervise.services.partitions import day_bounds

    rng = np.random.default_rng(15)
    total, seconds = 0, 0.0
    with psycopg.connect(libpq_url(url)) as conn:
        for day in days:
            rows = day_rows(day_bounds(day)[0], officers, fixes, rng)
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY position ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(HEADER)
                for i in range(0, len(rows), CHUNK_ROWS):
                    copy.write(rows[i:i + CHUNK_ROWS].tobytes())
                copy.write(TRAILER)
            conn.commit()
            seconds += time.perf_counter() - started
            total += len(rows)
            print(f"  {day}: {len(rows):,} rows, {total / seconds:,.0f} rows/s so far", flush=True)
    return total, seconds


def vacuum(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE position")
    return time.perf_counter() - started


def live_inserts(app, officers: int, count: int) -> float:
    """`count` OsmAnd reports through record_osmand, one at a time; rows/s."""
    from supervise.services.tracks import record_osmand
    from supervise.tracks.osmand import decode_query

    rng = random.Random(15)
    now = time.time()
    with app.app_context():
        reports = [decode_query({"id": f"phone-{rng.randint(1, officers)}", "timestamp": f"{now - count + i:.0f}",
                                 "lat": f"{45.7 + rng.random() * 0.05:.6f}", "lon": f"{126.6 + rng.random() * 0.05:.6f}",
                                 "accuracy": "8"}, received_at=now) for i in range(count)]
        record_osmand(reports[0], now=now)  # warms the device cache and the connection pool
        started = time.perf_counter()
        stored = sum(record_osmand(report, now=now).stored for report in reports[1:])
        seconds = time.perf_counter() - started
    print(f"  live: {stored:,} of {count - 1:,} stored in {seconds:.2f} s", flush=True)
    return (count - 1) / seconds


def analysis_reads(app, days: list, officers: int, fixes: int, count: int) -> tuple[float, float, int]:
    """`count` random officer-shifts read as the analysis reads them; (positions/s, shifts/s, positions)."""
    from supervise.services.partitions import day_bounds
    from supervise.services.tracks import positions_between

    rng = random.Random(16)
    picks = [(rng.randint(1, officers), rng.choice(days)) for _ in range(count)]
    with app.app_context():
        started = time.perf_counter()
        read = 0
        for officer, day in picks:
            start = day_bounds(day)[0] + 8 * 3600
            read += len(positions_between(officer, start - 600, start + fixes * EVERY_S + 600).t)
        seconds = time.perf_counter() - started
    return read / seconds, count / seconds, read


def read_plan(url: str, day, fixes: int) -> str:
    from supervise.services.partitions import day_bounds

    start = day_bounds(day)[0] + 8 * 3600
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT officer_id, ts, lat, lon, accuracy_m, mock, source, received_ts "
            "FROM position WHERE officer_id IN (7) AND ts >= %s AND ts <= %s ORDER BY officer_id, ts",
            (start - 600, start + fixes * EVERY_S + 600)).fetchall()
    return "\n".join("    " + row[0] for row in rows)


def sizes(url: str) -> dict:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(
            "SELECT count(*), sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)), sum(c.reltuples)::bigint "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'position'::regclass").fetchone()
        database = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"partitions": row[0], "heap_bytes": int(row[1]), "index_bytes": int(row[2]), "rows_estimate": row[3],
            "database_bytes": database}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="bench_partitions")
    parser.add_argument("--officers", type=int, default=1000)
    parser.add_argument("--fixes", type=int, default=3000, help="fixes per officer-shift (every 10 s)")
    parser.add_argument("--days", type=int, default=34)
    parser.add_argument("--live", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    url = f"{args.server}/{args.db}"
    free_before = shutil.disk_usage("/").free
    print(f"disk free before: {free_before / 1e9:.1f} GB", flush=True)
    admin(args.server, f"DROP DATABASE IF EXISTS {args.db}")
    admin(args.server, f"CREATE DATABASE {args.db}")
    try:
        today = datetime.now(UTC).date()
        days = [today - timedelta(days=n) for n in range(args.days, 0, -1)]
        app = app_for(url)
        print(f"schema, {args.officers} officers, {args.days} day partitions: "
              f"{build_schema(app, args.officers, days):.1f} s", flush=True)
        started = time.perf_counter()
        rows, copy_s = generate(url, days, args.officers, args.fixes)
        generation_s = time.perf_counter() - started
        vacuum_s = vacuum(url)
        size = sizes(url)
        print(f"generated {rows:,} rows in {args.days} day partitions: COPY {copy_s:.0f} s "
              f"({rows / copy_s:,.0f} rows/s), whole generation {generation_s:.0f} s; VACUUM ANALYZE {vacuum_s:.0f} s",
              flush=True)
        print(f"sizes: {size['partitions']} partitions (days, default, ahead), heap {size['heap_bytes'] / 1e9:.2f} GB, "
              f"indexes {size['index_bytes'] / 1e9:.2f} GB, database {size['database_bytes'] / 1e9:.2f} GB; "
              f"disk used by the run {(free_before - shutil.disk_usage('/').free) / 1e9:.1f} GB", flush=True)
        live_rate = live_inserts(app, args.officers, args.live)
        print(f"live inserts through record_osmand: {live_rate:,.0f} rows/s (one process)", flush=True)
        per_s, shifts_s, read = analysis_reads(app, days, args.officers, args.fixes, args.reads)
        print(f"analysis reads: {args.reads} random officer-shifts, {read:,} positions, {per_s:,.0f} positions/s "
              f"({shifts_s:,.1f} shifts/s)", flush=True)
        print("plan of one officer-shift read:\n" + read_plan(url, days[len(days) // 2], args.fixes), flush=True)
    finally:
        if not args.keep:
            admin(args.server, f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
            print(f"dropped {args.db}", flush=True)


if __name__ == "__main__":
    main()
