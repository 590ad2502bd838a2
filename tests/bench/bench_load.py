"""The morning peak of a city, against the deployment as shipped: gunicorn (deploy/gunicorn.conf.py)
and the scheduler on PostgreSQL, over loopback.

    .venv/bin/python tests/bench/bench_load.py [--officers 5000] [--minutes 5] [--signins-per-s 17]
                                              [--positions-per-s 1000] [--database-url URL]

Harbin's peak: 5,000 officers sign in within 5 minutes (about 17 a second), each with a real-size
phone photo (12 MP JPEG, 3-4 MB, EXIF GPS inside the grid, taken a moment ago), while every phone's
Traccar Client keeps sending live OsmAnd positions (1,000 a second: each of 5,000 phones every
5 s). Both streams are open-loop: requests leave on a fixed schedule whether or not earlier ones
were answered, and a latency counts from the moment a request was due (a slow server cannot hide
its queue). Prints, per stream: requests sent and answered, throughput, p50/p95/p99/max latency and
errors (anything but the documented success, or no answer), and the machine's load before/after.
A rate of 0 leaves that stream out (its load generator is not started): each stream run alone
shows what it costs the machine (CPU by part), and the parts add up to what the peak needs.

Every photo is a different picture (its own perceptual hash, so no PHOTO_REUSED flags): each is a
mosaic of the horizontal bands of 17 pre-encoded 12 MP JPEGs, spliced at restart markers (no
re-encoding), with its own EXIF. The database (default `test_i12_bench`) is dropped and rebuilt;
the stored photos (about 23 GB for a full run) are removed at the end unless --keep-photos.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
LON0, LAT0 = 126.6180, 45.7760             # Central Street, Daoli
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_i12_bench"
SHANGHAI_OFFSET = timedelta(hours=8)


# ---------------------------------------------------------------- photos


class MosaicPhotos:
    """Distinct real-size JPEGs made cheaply: 17 sources encoded once with a restart marker after
    every MCU row; a photo takes each of its 8 horizontal bands from one source and gets its own
    EXIF (time now, GPS inside the grid). Photo n's sources are a Reed-Solomon codeword over GF(17)
    (the cubic whose coefficients are n's base-17 digits, at x = 0..7): any two of the first 83,521
    photos differ in at least 5 of their 8 bands, so no two look alike to the perceptual hash."""

    WIDTH, HEIGHT, BANDS, SOURCES = 4032, 3024, 8, 17

    def __init__(self, seed: int = 7):
        from PIL import Image

        rng = np.random.default_rng(seed)
        self.rows: list[list[bytes]] = []
        header = None
        for _ in range(self.SOURCES):
            low = Image.fromarray((rng.random((6, 8, 3)) * 255).astype("uint8"))
            smooth = np.asarray(low.resize((self.WIDTH, self.HEIGHT), Image.BICUBIC), dtype=np.int16)
            noisy = smooth + rng.integers(-18, 18, (self.HEIGHT, self.WIDTH, 1), dtype=np.int16)
            out = io.BytesIO()
            Image.fromarray(np.clip(noisy, 0, 255).astype("uint8")).save(out, "JPEG", quality=90,
                                                                          restart_marker_rows=1)
            head, rows = _split_at_restarts(out.getvalue())
            if header is None:
                header = head
            assert head == header, "the sources must share their tables"
            self.rows.append(rows)
        self.header = header
        self.row_count = len(self.rows[0])

    def photo(self, n: int, rng: random.Random, taken: datetime) -> bytes:
        """Picture number n, taken at `taken` (UTC) a few metres from the grid's centre."""
        digits = [(n // self.SOURCES ** k) % self.SOURCES for k in range(4)]
        choice = [sum(d * x ** k for k, d in enumerate(digits)) % self.SOURCES for x in range(self.BANDS)]
        per_band = -(-self.row_count // self.BANDS)
        body = bytearray()
        for row in range(self.row_count):
            if row:
                body += bytes((0xFF, 0xD0 + (row - 1) % 8))
            body += self.rows[choice[row // per_band]][row]
        jpeg = self.header + bytes(body) + b"\xff\xd9"
        return _with_exif(jpeg, taken, LAT0 + rng.uniform(-4e-4, 4e-4), LON0 + rng.uniform(-6e-4, 6e-4))


def _split_at_restarts(jpeg: bytes) -> tuple[bytes, list[bytes]]:
    """(everything up to the scan data, the scan data cut at its restart markers)."""
    sos = jpeg.index(b"\xff\xda")
    length = int.from_bytes(jpeg[sos + 2:sos + 4], "big")
    start, end = sos + 2 + length, jpeg.rindex(b"\xff\xd9")
    rows, begin, i = [], start, start
    while True:
        i = jpeg.find(b"\xff", i, end)
        if i < 0:
            break
        if 0xD0 <= jpeg[i + 1] <= 0xD7:
            rows.append(jpeg[begin:i])
            begin = i + 2
        i += 2
    rows.append(jpeg[begin:end])
    return jpeg[:start], rows


def _with_exif(jpeg: bytes, taken: datetime, lat: float, lon: float) -> bytes:
    from tests.photos import exif_bytes

    exif = exif_bytes(taken_local=(taken + SHANGHAI_OFFSET).replace(tzinfo=None), offset="+08:00", lat=lat,
                      lon=lon, accuracy_m=6.0, gps_utc=taken)
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    return jpeg[:2] + app1 + jpeg[2:]


# ---------------------------------------------------------------- the city


def prepare_database(url: str) -> None:
    """Create the database if missing, then empty it and run the migrations."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed_city(app, officers: int, shift_start: datetime) -> tuple[list[str], list[str]]:
    """A district with 20 grids, `officers` officers each with a phone, a bearer token and a shift
    starting at `shift_start`. Returns (tokens, device identifiers), officer by officer."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from supervise.cli import SYSTEM
    from supervise.extensions import db
    from supervise.models import ApiToken, Device, Grid, Shift, Squad, User
    from supervise.services import reference
    from tests.conftest import square

    with app.app_context():
        upgrade()
        reference.create_district(SYSTEM, "DL", "道里区")
        for g in range(20):
            reference.import_grids(SYSTEM, {"type": "Feature", "geometry": square(LON0, LAT0),
                                            "properties": {"code": f"DL-G{g:02d}", "district": "DL"}})
        district_id = db.session.scalar(select(Grid.district_id).limit(1))
        grids = list(db.session.scalars(select(Grid.id).order_by(Grid.id)))
        db.session.add(Squad(district_id=district_id, code="DL-S1", name="bench"))
        db.session.commit()
        squad_id = db.session.scalar(select(Squad.id))
        password = generate_password_hash("bench-pass-2026", method="pbkdf2:sha256:1000")
        db.session.execute(insert(User), [
            {"username": f"o{i:05d}", "password_hash": password, "role": "officer", "name": f"officer {i}",
             "badge_no": f"HRB-DL-{i:05d}", "district_id": district_id, "squad_id": squad_id, "active": True}
            for i in range(officers)])
        ids = list(db.session.scalars(select(User.id).where(User.role == "officer").order_by(User.id)))
        tokens = [secrets.token_urlsafe(24) for _ in ids]
        devices = [secrets.token_urlsafe(18) for _ in ids]
        expires = datetime.now(UTC) + timedelta(hours=12)
        db.session.execute(insert(ApiToken), [
            {"user_id": uid, "token_sha256": hashlib.sha256(t.encode()).hexdigest(), "expires_at": expires}
            for uid, t in zip(ids, tokens, strict=True)])
        db.session.execute(insert(Device), [{"officer_id": uid, "identifier": d}
                                            for uid, d in zip(ids, devices, strict=True)])
        db.session.execute(insert(Shift), [
            {"officer_id": uid, "start": shift_start, "end": shift_start + timedelta(hours=8), "kind": "patrol",
             "grid_id": grids[n % len(grids)]} for n, uid in enumerate(ids)])
        db.session.commit()
        db.session.remove()
    return tokens, devices


# ---------------------------------------------------------------- load


async def _request(reader, writer, raw: bytes) -> tuple[int, bytes]:
    """Send one HTTP/1.1 request on a kept-alive connection; the answer's status and body."""
    writer.write(raw)
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise ConnectionResetError("the server closed the kept-alive connection") from None
        raise
    at = head.lower().find(b"\r\ncontent-length:")
    length = int(head[at + 17:head.index(b"\r\n", at + 2)]) if at >= 0 else 0
    body = await reader.readexactly(length) if length else b""
    return int(head[9:12]), body


async def _reconnect(port: int):
    """A new connection, waiting while the server refuses them (a worker restarting)."""
    for _ in range(60):
        try:
            return await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        except OSError:
            await asyncio.sleep(0.5)
    return await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)


async def _open_loop(port: int, rate: float, seconds: float, connections: int, make_request, ok_status: int,
                     ok_body: bytes | None = None) -> dict:
    """Send make_request(n) at `rate` a second for `seconds` over a pool of keep-alive connections;
    latencies from each request's due time."""
    # Connections are opened as they are needed, up to `connections`: gunicorn's gthread worker gives
    # a new connection a thread until its first request arrives, so idle ones opened ahead would
    # hold threads that the requests on other connections wait for.
    pool: asyncio.Queue = asyncio.Queue()
    opened = {"n": 0}

    async def connection():
        if pool.empty() and opened["n"] < connections:
            opened["n"] += 1
            return await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        return await pool.get()

    latencies: list[float] = []
    timeline: list[tuple[float, float]] = []   # (due, seconds after the start; latency)
    errors: dict[str, int] = {}
    tasks = []

    reconnects = {"n": 0}

    async def one(n: int, due: float) -> None:
        reader, writer = await connection()
        raw = make_request(n)   # only now: a backlog of waiting 4.6 MB uploads would fill the memory
        for attempt in (1, 2):
            try:
                async with asyncio.timeout(30):
                    status, body = await _request(reader, writer, raw)
                latencies.append(time.perf_counter() - due)
                timeline.append((due - started, latencies[-1]))
                if status != ok_status:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                elif ok_body is not None and ok_body not in body:   # answered, but not as asked
                    what = "answered " + body.decode(errors="replace").strip()[:80]
                    errors[what] = errors.get(what, 0) + 1
                break
            except (TimeoutError, ValueError) as exc:   # no answer in 30 s (TimeoutError is an OSError: first)
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                writer.close()
                reader, writer = await _reconnect(port)
                break
            except (OSError, asyncio.IncompleteReadError) as exc:
                # A kept-alive connection the server closed while idle (gunicorn's keepalive):
                # like a phone's HTTP client, open a new one and send again, once.
                writer.close()
                reader, writer = await _reconnect(port)
                if attempt == 2:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                else:
                    reconnects["n"] += 1
        pool.put_nowait((reader, writer))

    started = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return {"sent": total, "answered": len(latencies), "elapsed": elapsed, "latencies": latencies, "errors": errors,
            "reconnects": reconnects["n"], "timeline": timeline}


def _run_loop(coroutine):
    """Run the load on uvloop when it is installed (the bench extra): it costs the machine about
    half of what asyncio's own loop does, and every core the load generator takes is one the
    service under test does not get. Real phones are not on the server."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def _positions_process(port: int, devices: list[str], rate: float, seconds: float, out) -> None:
    rng = random.Random(1)
    posts = [(LAT0 + rng.uniform(-8e-4, 8e-4), LON0 + rng.uniform(-6e-4, 6e-4)) for _ in devices]

    def request(n: int) -> bytes:
        # Each phone walks east along its street at about 1 m/s (a fix every 5 s at 1,000/s and
        # 5,000 phones), to and fro, a few metres of GPS jitter on top: an honest patrol.
        d, k = n % len(devices), n // len(devices)
        device, (lat0, lon0) = devices[d], posts[d]
        lat = lat0 + rng.gauss(0, 4) / 111_320
        lon = lon0 + (abs((k * 5) % 400 - 200) - 100 + rng.gauss(0, 4)) / 77_800   # within the grid
        # The fix's time is when the phone was due to send it: a backed-up loader cannot stamp two
        # fixes of one phone with the same instant (the server would rightly call one a duplicate).
        return (f"GET /osmand?id={device}&lat={lat:.6f}&lon={lon:.6f}&timestamp={wall_start + n / rate:.3f}&speed=1.1"
                f"&bearing=90&altitude=140&accuracy=8&batt=77 HTTP/1.1\r\nHost: bench\r\n\r\n").encode()

    wall_start = time.time()
    result = _run_loop(_open_loop(port, rate, seconds, connections=200, make_request=request, ok_status=200,
                                    ok_body=b'"stored":true'))
    result["cpu"] = _own_cpu()
    out.put(("positions", result))


def _signins_process(port: int, tokens: list[str], rate: float, seconds: float, out) -> None:
    photos = MosaicPhotos()
    rng = random.Random(2)
    boundary = "benchboundary7MA4YWxkTrZu0gW"

    def request(n: int) -> bytes:
        photo = photos.photo(n, rng, datetime.now(UTC) - timedelta(seconds=rng.uniform(3, 20)))
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_{n}.jpg\"\r\n"
                "Content-Type: image/jpeg\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
        return (f"POST /api/v1/checkins HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {tokens[n % len(tokens)]}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body

    sizes = [len(photos.photo(10**6 + k, rng, datetime.now(UTC))) for k in range(5)]
    out.put(("photo_bytes", sizes))
    result = _run_loop(_open_loop(port, rate, seconds, connections=64, make_request=request, ok_status=201))
    result["cpu"] = _own_cpu()
    out.put(("signins", result))


# ---------------------------------------------------------------- servers and report


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - kept open for the process's life
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (f"p50 {at(0.50):.0f} ms, p95 {at(0.95):.0f} ms, p99 {at(0.99):.0f} ms, max {ordered[-1] * 1000:.0f} ms, "
            f"mean {statistics.fmean(ordered) * 1000:.0f} ms")


def _p95_by_window(timeline: list[tuple[float, float]], window: float) -> str:
    """The p95 latency of the requests due in each window of the run (where a slow stretch was)."""
    windows: dict[int, list[float]] = {}
    for due, latency in timeline:
        windows.setdefault(int(due // window), []).append(latency)
    return " ".join(f"{sorted(v)[int(0.95 * (len(v) - 1))] * 1000:.0f}" for _, v in sorted(windows.items())) + " ms"


def _cpu_times() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        fields = [float(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def _process_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        # utime + stime, and cutime + cstime: the children it has already reaped (PostgreSQL's
        # backends of closed connections, gunicorn's replaced workers) count as its own.
        table[int(entry)] = (int(fields[1]), name, sum(int(f) for f in fields[11:15]) / tick)
    return table


def cpu_by_part(server_pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each part: the processes started here and their children, and
    every PostgreSQL process (which may include other people's sessions on a shared server)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, "", 0.0))[2] + sum(tree(child) for child in children.get(pid, []))

    used = {name: tree(pid) for name, pid in server_pids.items()}
    used["postgresql"] = sum(cpu for _, name, cpu in table.values() if name.startswith("postgres"))
    return used


def _own_cpu() -> float:
    """CPU seconds this process has used (a load generator reports its own before it exits)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_busy(seconds: float) -> float:
    """The share of all cores busy over the next `seconds` (0-1), whoever uses them."""
    total0, idle0 = _cpu_times()
    time.sleep(seconds)
    total1, idle1 = _cpu_times()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1e-9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--officers", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--signins-per-s", type=float, default=17.0)
    parser.add_argument("--positions-per-s", type=float, default=1000.0)
    parser.add_argument("--database-url", default=os.environ.get("SUPERVISE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument("--keep-photos", action="store_true",
                        help="keep the stored photos (a full run stores about 23 GB; removed by default)")
    args = parser.parse_args()

    from supervise import create_app

    folder = Path(tempfile.mkdtemp(prefix="supervise-load-"))
    prepare_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "STORAGE_DIR": str(folder / "storage"),
                      "SECRET_KEY": "bench", "TESTING": True})
    seconds = args.minutes * 60
    shift_start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds + 300)
    print(f"seeding {args.officers} officers, phones, tokens and shifts ...", flush=True)
    tokens, devices = seed_city(app, args.officers, shift_start)

    from tests.servers import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(SUPERVISE_DATABASE_URL=args.database_url, SUPERVISE_STORAGE_DIR=str(folder / "storage"),
               SUPERVISE_SECRET_KEY="bench", SUPERVISE_BIND=f"127.0.0.1:{port}", SUPERVISE_WORKERS=str(args.workers))
    bin_dir = Path(sys.executable).parent
    processes = [_start([str(bin_dir / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py")], env,
                        folder / "gunicorn.log")]
    if not args.no_scheduler:
        processes.append(_start([str(bin_dir / "supervise"), "scheduler"], env, folder / "scheduler.log"))
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        busy_before = cpu_busy(10)   # the service is up and idle: this is everyone else
        load_before = os.getloadavg()
        print(f"before: {busy_before:.0%} of the {os.cpu_count()} cores busy (10 s sample, service idle); "
              f"load average {load_before[0]:.2f} (1 min) {load_before[1]:.2f} (5 min)")
        print(f"running {args.minutes:g} min: {args.signins_per_s:g} sign-ins/s with real-size photos and "
              f"{args.positions_per_s:g} OsmAnd positions/s, gunicorn {args.workers} workers (gthread) on PostgreSQL",
              flush=True)
        out: multiprocessing.Queue = multiprocessing.Queue()
        # A stream at rate 0 is not started at all: run one stream alone to see what it costs the machine.
        streams = {"positions": (_positions_process, devices, args.positions_per_s),
                   "signins": (_signins_process, tokens, args.signins_per_s)}
        loaders = [multiprocessing.Process(target=target, args=(port, who, rate, seconds, out))
                   for target, who, rate in streams.values() if rate > 0]
        running = [name for name, (_, _, rate) in streams.items() if rate > 0]
        parts = {"gunicorn": processes[0].pid}
        if len(processes) > 1:
            parts["scheduler"] = processes[1].pid
        cpu_start, parts_start, own_start = _cpu_times(), cpu_by_part(parts), _own_cpu()
        for loader in loaders:
            loader.start()
        results = _collect(out, loaders, len(running) + ("signins" in running))
        cpu_end, parts_end = _cpu_times(), cpu_by_part(parts)
        used = {name: parts_end[name] - parts_start.get(name, 0.0) for name in parts_end}
        # The load generator: this process and the two loaders, which report their own CPU (they
        # may have exited, unreaped, before the reading of the process table).
        used["load generator"] = _own_cpu() - own_start + sum(results[name]["cpu"] for name in running)
        results["cpu_parts"] = used
        results["cpu_busy"] = 1 - (cpu_end[1] - cpu_start[1]) / max(cpu_end[0] - cpu_start[0], 1e-9)
        for loader in loaders:
            loader.join()
        load_after = os.getloadavg()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if not args.keep_photos:
            import shutil

            shutil.rmtree(folder / "storage", ignore_errors=True)   # 5,000 photos of 4.6 MB
    _report(results, load_after, app, folder)
    return 0


def _collect(out, loaders: list, count: int) -> dict:
    """The loaders' results; stops at once if a loader died without giving its result."""
    import queue

    results = {}
    while len(results) < count:
        try:
            name, value = out.get(timeout=5)
            results[name] = value
        except queue.Empty:
            dead = [loader for loader in loaders if loader.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a load generator died (exit {dead[0].exitcode}); see above") from None
    return results


def _report(results: dict, load_after, app, folder: Path) -> None:
    from sqlalchemy import func, select

    from supervise.extensions import db
    from supervise.models import Checkin, Flag, Position

    running = [name for name in ("signins", "positions") if name in results]
    if "photo_bytes" in results:
        sizes = results["photo_bytes"]
        print(f"photos: 4032x3024 JPEG, {min(sizes) / 1e6:.1f}-{max(sizes) / 1e6:.1f} MB")
    for name in running:
        r = results[name]
        print(f"{name:9}: sent {r['sent']}, answered {r['answered']} in {r['elapsed']:.0f} s "
              f"= {r['answered'] / r['elapsed']:.1f}/s; {_percentiles(r['latencies'])}; "
              f"errors {sum(r['errors'].values())} {json.dumps(r['errors']) if r['errors'] else ''}"
              f"(reconnected after a keep-alive close: {r['reconnects']})")
    for name in running:
        print(f"{name:9}: p95 by 30 s of the run: " + _p95_by_window(results[name]["timeline"], 30.0))
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Position))
        checkins = db.session.scalar(select(func.count()).select_from(Checkin))
        flags = dict(db.session.execute(select(Flag.code, func.count()).group_by(Flag.code)).all())
    print(f"stored: {checkins} sign-ins, {stored} positions; flags raised: {flags or 'none'}")
    wall = max(results[name]["elapsed"] for name in running)
    print("CPU used during the run, in cores: " + ", ".join(
        f"{name} {cpu / wall:.2f}" for name, cpu in sorted(results["cpu_parts"].items(), key=lambda kv: -kv[1])))
    print(f"during the run: {results['cpu_busy']:.0%} of the cores busy (server, database, scheduler and "
          f"load generator together); load average after: {load_after[0]:.2f} (1 min); logs in {folder}")


if __name__ == "__main__":
    sys.exit(main())
