"""The upload path measured from outside, through the real server (gunicorn with deploy/gunicorn.conf.py):

    .venv/bin/python tests/bench/bench_upload.py gpx       # 50,000-point GPX POST /api/v1/tracks vs gpxpy.parse
    .venv/bin/python tests/bench/bench_upload.py osmand    # OsmAnd reports/s vs a bare Flask endpoint, SQLite and PG
    .venv/bin/python tests/bench/bench_upload.py           # both

The GPX figure is the wall time from the first byte sent to the 201 read back, over a kept-alive
connection, with the whole request prebuilt (the client costs nothing measurable); gpxpy parses the
same file in the same run. OsmAnd runs the service and a bare endpoint parsing the same query under
the same gunicorn (2 workers, gthread) and load, on SQLite and on PostgreSQL
(SUPERVISE_BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/bench_upload).
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "bench"))

from bench_tracks import _load, best_of, synthetic_gpx

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_upload"
BOUNDARY = "----supervise-bench-boundary"


def prepare_database(url: str, folder: str) -> None:
    """An empty migrated database: a fresh PostgreSQL schema, or the SQLite file in `folder`."""
    if url.startswith("postgresql"):
        from bench_load import prepare_database as prepare_pg

        prepare_pg(url)


def seed(url: str, folder: str, officers: int) -> tuple[list[str], list[str]]:
    """One district, `officers` officers each with a bearer token and a phone: (tokens, devices)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from supervise import create_app
    from supervise.cli import SYSTEM
    from supervise.extensions import db
    from supervise.models import ApiToken, Device, User
    from supervise.services import reference

    prepare_database(url, folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": f"{folder}/s", "SECRET_KEY": "bench",
                      "TESTING": True})
    with app.app_context():
        upgrade()
        reference.create_district(SYSTEM, "DL", "道里区")
        for k in range(officers):
            badge = f"HRB-DL-{k + 1:04d}"
            reference.create_officer(SYSTEM, badge_no=badge, name=badge, district="DL", squad=None,
                                     username=f"o{k}", password="bench-pass-123", role="officer")
        ids = list(db.session.scalars(select(User.id).where(User.role == "officer").order_by(User.id)))
        tokens = [secrets.token_urlsafe(24) for _ in ids]
        devices = [secrets.token_urlsafe(18) for _ in ids]
        expires = datetime.now(UTC) + timedelta(hours=12)
        db.session.execute(insert(ApiToken), [
            {"user_id": uid, "token_sha256": hashlib.sha256(t.encode()).hexdigest(), "expires_at": expires}
            for uid, t in zip(ids, tokens, strict=True)])
        db.session.execute(insert(Device), [{"officer_id": uid, "identifier": d}
                                            for uid, d in zip(ids, devices, strict=True)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens, devices


def serve(folder: str, url: str, port: int, target: str | None = None, workers: int = 2) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py (or the same settings for `target`), answering on `port`."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(SUPERVISE_DATABASE_URL=url, SUPERVISE_STORAGE_DIR=f"{folder}/s", SUPERVISE_SECRET_KEY="bench",
               SUPERVISE_BIND=f"127.0.0.1:{port}", SUPERVISE_WORKERS=str(workers),
               SUPERVISE_LOG_FORMAT="json")
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
               "--pythonpath", str(REPO / "tests" / "bench"), "--log-level", "warning"]
    if target:
        command.append(target)
    log = open(f"{folder}/gunicorn-{port}.log", "w")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/osmand")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn on {port} did not start; see {folder}/gunicorn-{port}.log")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(30)


def multipart_request(token: str, data: bytes) -> tuple[dict, bytes]:
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"track.gpx\"\r\n"
            "Content-Type: application/gpx+xml\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
               "Content-Length": str(len(body))}
    return headers, body


def bench_gpx(n: int = 50_000, runs: int = 5) -> None:
    """Prints gpxpy's parse, the HTTP upload's answer time, and the ratio."""
    import gpxpy

    t0 = time.time() - n - 3600
    # A different day for each upload, so every one stores all of its points.
    files = [synthetic_gpx(n, t0 - k * (n + 600)) for k in range(runs + 1)]
    text = files[0].decode()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        tokens, _ = seed(url, folder, 1)
        from tests.servers import free_port

        port = free_port()
        server = serve(folder, url, port, workers=2)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            times = []
            for k, data in enumerate(files):
                headers, body = multipart_request(tokens[0], data)
                started = time.perf_counter()
                connection.request("POST", "/api/v1/tracks", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                elapsed = time.perf_counter() - started
                if response.status != 201 or b'"stored":%d' % n not in answer.replace(b" ", b""):
                    raise RuntimeError(f"upload answered {response.status}: {answer[:300]!r}")
                if k:   # the first one warms the worker (imports, compiled statements)
                    times.append(elapsed)
        finally:
            stop(server)
    peer_best, peer_median = best_of(lambda: gpxpy.parse(text), 3)
    best, median = min(times), statistics.median(times)
    print(f"GPX {n} points, {len(files[0]) / 1e6:.1f} MB, POST /api/v1/tracks through gunicorn "
          f"(deploy/gunicorn.conf.py, 2 workers), SQLite")
    print(f"  gpxpy.parse alone:       best {peer_best:.3f} s  median {peer_median:.3f} s")
    print(f"  HTTP upload to its 201:  best {best:.3f} s  median {median:.3f} s  "
          f"(all: {', '.join(f'{t:.3f}' for t in times)})")
    print(f"  ratio gpxpy / HTTP: best {peer_best / best:.1f}x  median {peer_median / median:.1f}x  (target >= 5x)")


def bench_osmand(database: str, seconds: float = 10.0, clients: int = 6) -> None:
    """Prints the service's and a bare endpoint's OsmAnd requests/s on one database, and the ratio."""
    from sqlalchemy import create_engine, func, select

    from supervise.models import Position
    from tests.servers import free_port

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db" if database == "sqlite" else os.environ.get(
            "SUPERVISE_BENCH_DATABASE_URL", DEFAULT_PG)
        _, devices = seed(url, folder, clients)
        figures = {}
        for name, target in (("bare parse endpoint", "bench_tracks:bare_app()"),
                             ("the service (store+commit)", None)):
            port = free_port()
            server = serve(folder, url, port, target)
            try:
                figures[name] = _load(port, devices, seconds)
            finally:
                stop(server)
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.scalar(select(func.count()).select_from(Position.__table__))
        engine.dispose()
    bare, real = figures["bare parse endpoint"], figures["the service (store+commit)"]
    print(f"OsmAnd GET reports on {database}, gunicorn (deploy/gunicorn.conf.py, 2 workers), {clients} keep-alive "
          f"clients, {seconds:.0f} s each")
    for name, (rate, ok, stored) in figures.items():
        print(f"  {name:28s} {rate:8.0f} req/s  ({ok} answered 200, {stored} said stored)")
    print(f"  rows in the database: {rows}; acknowledged as stored: {real[2]}"
          f"  -> {'every acknowledged position is committed' if rows == real[2] else 'MISMATCH'}")
    print(f"  ratio service / bare on {database}: {real[0] / bare[0]:.2f}  (target >= 0.5)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="?", default="all", choices=["all", "gpx", "osmand"])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.which in ("all", "gpx"):
        bench_gpx()
    if args.which in ("all", "osmand"):
        for database in args.databases.split(","):
            bench_osmand(database, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
