"""Benchmark: selfie sign-ins through the HTTP endpoint against the floor of reading the photos.

    python tests/bench/bench_checkins.py [-n 40] [--profile]

Builds an app on a temporary SQLite database, one officer with one shift per photo, and N distinct
phone-like 12 MP (4000x3000) JPEGs with GPS EXIF. Each request is encoded beforehand, then
handed to the WSGI app and timed from the call to the last byte of the answer (server time:
reading the body, multipart parsing, auth, evidence, storage flushed to the disk, database, checks). The floor is what no sign-in can
skip, measured on the same files in the same run: SHA-256 + draft decode + EXIF read, calling the
evidence functions directly. Prints sign-ins per second and the ratio server time / floor.
Not collected by pytest (bench_*.py); no timing is asserted anywhere.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from supervise import create_app
from supervise.evidence.exif import read_exif
from supervise.evidence.image import accepted_format, decode_grey, open_image
from supervise.extensions import db
from supervise.timeutil import SHANGHAI, utcnow
from tests.photos import exif_bytes

PASSWORD = "bench-pass-123"
CENTRE = (126.6180, 45.7760)  # lon, lat


def phone_jpeg(seed: int, taken, size=(4000, 3000)) -> bytes:
    """A 12 MP JPEG with sensor-like noise (so it weighs what a phone photo weighs) and GPS EXIF."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    noisy = np.clip(base + rng.integers(-6, 7, base.shape, dtype=np.int16), 0, 255).astype(np.uint8)
    exif = exif_bytes(lat=CENTRE[1] + rng.uniform(-0.001, 0.001), lon=CENTRE[0], accuracy_m=6.0, gps_utc=taken,
                      taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None), offset="+08:00")
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, format="JPEG", quality=88, exif=exif)
    return out.getvalue()


def build_world(app, n: int) -> None:
    from supervise.cli import SYSTEM
    from supervise.services import reference
    from tests.conftest import square

    start = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        reference.create_district(SYSTEM, "DL", "道里区")
        reference.import_grids(SYSTEM, {"type": "Feature", "geometry": square(*CENTRE),
                                        "properties": {"code": "DL-G1", "district": "DL"}})
        for i in range(n):
            badge = f"HRB-DL-{i:04d}"
            reference.create_officer(SYSTEM, badge_no=badge, name=f"o{i}", district="DL", squad=None,
                                     username=f"o{i}", password=PASSWORD, role="officer")
            reference.create_shift(SYSTEM, officer=badge, start=start, end=start + timedelta(hours=8),
                                   kind="patrol", grid="DL-G1")
        db.session.remove()


def floor_seconds(data: bytes) -> float:
    """SHA-256 + draft decode + EXIF read: the work no sign-in can skip."""
    t0 = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    fmt = accepted_format(data)
    image = open_image(data, fmt, 50_000_000)
    decode_grey(image, data, fmt)
    read_exif(data, image)
    return time.perf_counter() - t0


def request_environs(app, photos: list[bytes]) -> list[dict]:
    client = app.test_client()
    environs = []
    for i, photo in enumerate(photos):
        token = client.post("/api/v1/auth/token", json={"username": f"o{i}", "password": PASSWORD}).get_json()
        builder = EnvironBuilder(path="/api/v1/checkins", method="POST",
                                 headers={"Authorization": f"Bearer {token['token']}"},
                                 data={"photo": (io.BytesIO(photo), f"IMG_{i:04d}.jpg")})
        environs.append(builder.get_environ())
    return environs


def serve(app, environ: dict) -> tuple[float, str]:
    status_line: list[str] = []
    t0 = time.perf_counter()
    body = b"".join(app.wsgi_app(environ, lambda status, headers, exc_info=None: status_line.append(status)))
    elapsed = time.perf_counter() - t0
    if not status_line[0].startswith("201"):
        raise SystemExit(f"sign-in failed: {status_line[0]} {body[:300]!r}")
    return elapsed, status_line[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=40, help="number of sign-ins (default 40)")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the server")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and photos")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-checkins-"))
    try:
        run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "STORAGE_DIR": str(work / "s"),
                      "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    build_world(app, args.n)
    taken = utcnow() - timedelta(seconds=30)
    print(f"generating {args.n} phone-like 4000x3000 JPEGs ...", flush=True)
    photos = [phone_jpeg(seed, taken) for seed in range(args.n)]
    print(f"mean size {statistics.mean(map(len, photos)) / 1e6:.2f} MB")
    environs = request_environs(app, photos)
    profiler = cProfile.Profile() if args.profile else None
    floor, server = [], []
    # Interleaved, so that both see the same machine load (other processes, CPU clock, caches).
    for photo, environ in zip(photos, environs, strict=True):
        floor.append(floor_seconds(photo))
        if profiler:
            profiler.enable()
        server.append(serve(app, environ)[0])
        if profiler:
            profiler.disable()
    report(server, floor)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def report(server: list[float], floor: list[float]) -> None:
    total_server, total_floor = sum(server), sum(floor)
    print(f"server time per sign-in: median {statistics.median(server) * 1000:.1f} ms, "
          f"mean {total_server / len(server) * 1000:.1f} ms")
    print(f"floor (sha256 + draft decode + EXIF): median {statistics.median(floor) * 1000:.1f} ms, "
          f"mean {total_floor / len(floor) * 1000:.1f} ms")
    print(f"sign-ins per second (one process): {len(server) / total_server:.1f}")
    print(f"ratio server / floor: {total_server / total_floor:.2f} (target <= 1.5)")
    if len(server) > 1:  # the first sign-in of a process also compiles its SQL statements
        print(f"ratio without the first sign-in: {sum(server[1:]) / sum(floor[1:]):.2f} "
              f"(first: server {server[0] * 1000:.1f} ms, floor {floor[0] * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
