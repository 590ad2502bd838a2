"""Benchmark: a city-day's due shifts judged by the in-process pool, by 1 Celery worker process and
by 2 (README "Check work on a queue").

The city-day of tests/bench/bench_checks.py (5,000 eight-hour shifts, a position every 10 s) is
built in SQLite and copied into PostgreSQL (the queue needs PostgreSQL's row locks). Then, each
mode `--repeat` times, from no flags:
  * in-process: `run_checks` as the tick runs it without a broker (its analysis pool on every core);
  * queue, 1 or 2 workers: `supervise worker --concurrency 1` processes on RabbitMQ; the figure is
    the time from the tick's start until the last batch is done, and the tick's own time (it only
    records the batches and sends them) is printed beside it.
Prints each time, the flags raised (the same in every mode), and the ratios.

    .venv/bin/python tests/bench/bench_queue.py [--shifts 5000] [--repeat 2] [--keep DIR]

PostgreSQL: SUPERVISE_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue);
broker: SUPERVISE_BENCH_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672//).
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "bench"))

import bench_checks

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
AS_OF = f"{bench_checks.DAY}T18:30:00+08:00"


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """A fresh migrated PostgreSQL database holding the SQLite city-day's rows (COPY)."""
    import psycopg
    from bench_load import prepare_database
    from flask_migrate import upgrade

    from supervise import create_app
    from supervise.extensions import db

    prepare_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(sqlite_path.parent), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        tables = [t.name for t in db.metadata.sorted_tables]
        db.engine.dispose()
    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as target:
        for table in tables:
            if not source.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                continue
            if target.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                continue   # written by the migrations themselves (the regulation)
            columns = [r[1] for r in source.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            with target.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in source.execute(f'SELECT {names} FROM "{table}"'):
                    copy.write_row(row)
            if "id" in columns:
                target.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                               f"(SELECT max(id) FROM \"{table}\"))")
        target.commit()
        target.autocommit = True
        target.execute("VACUUM ANALYZE")


def app_for(url: str, broker: str | None = None, queue: str | None = None):
    from supervise import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": tempfile.gettempdir(), "SECRET_KEY": "bench",
                       "BROKER_URL": broker, "CHECK_QUEUE_NAME": queue})


def reset(url: str) -> None:
    """No flags, runs or batches: every mode starts from the same state."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE flag_event, flag, check_batch, check_run RESTART IDENTITY CASCADE")


def in_process(url: str) -> dict:
    """Run in a child process: the tick's in-process judgement of every due shift."""
    from sqlalchemy import func, select

    from supervise.extensions import db
    from supervise.models import Flag
    from supervise.services.checks import run_checks, shutdown_pool
    from supervise.timeutil import parse_instant

    app = app_for(url)
    with app.app_context():
        began = time.perf_counter()
        report = run_checks(parse_instant(AS_OF), trigger="bench")
        seconds = time.perf_counter() - began
        flags = db.session.scalar(select(func.count(Flag.id)))
        shutdown_pool()
    return {"seconds": seconds, "shifts": report.shifts, "flags": flags, "tick": seconds}


def start_workers(count: int, url: str, broker: str, queue: str, folder: Path) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(SUPERVISE_DATABASE_URL=url, SUPERVISE_BROKER_URL=broker, SUPERVISE_CHECK_QUEUE=queue,
               SUPERVISE_STORAGE_DIR=str(folder), SUPERVISE_SECRET_KEY="bench", SUPERVISE_LOG_FORMAT="text")
    workers = []
    for n in range(count):
        log = folder / f"worker{n}-{queue}.log"
        workers.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "supervise"), "worker", "--concurrency", "1", "--hostname",
             f"bench{n}@%h"], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True))
        deadline = time.monotonic() + 120
        while "ready" not in log.read_text():
            if time.monotonic() > deadline or workers[-1].poll() is not None:
                raise RuntimeError(f"worker {n} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
    return workers


def on_queue(url: str, broker: str, workers: int, folder: Path) -> dict:
    """The tick hands every due shift to `workers` Celery worker processes; timed until all are done."""
    from sqlalchemy import func, select

    from supervise import queue as celery_queue
    from supervise.extensions import db
    from supervise.models import CheckBatch, Flag
    from supervise.services.check_queue import queue_checks
    from supervise.timeutil import parse_instant

    name = f"supervise.checks.bench-{uuid.uuid4().hex[:8]}"
    app = app_for(url, broker, name)
    celery_queue.configure(app)
    processes = start_workers(workers, url, broker, name, folder)
    try:
        with app.app_context():
            began = time.perf_counter()
            report = queue_checks(parse_instant(AS_OF), celery_queue.send_batch, since=None, trigger="bench")
            tick = time.perf_counter() - began
            while db.session.scalar(select(func.count()).where(CheckBatch.state != "done")):
                db.session.rollback()
                time.sleep(0.05)
            seconds = time.perf_counter() - began
            flags = db.session.scalar(select(func.count(Flag.id)))
            judged = db.session.scalar(select(func.sum(CheckBatch.judged)))
            db.session.remove()
            db.engine.dispose()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        with celery_queue.celery.connection_for_write() as connection:
            connection.default_channel.queue_delete(name)
    return {"seconds": seconds, "shifts": report.shifts, "judged": judged, "flags": flags, "tick": tick}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shifts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the SQLite city-day in this folder")
    parser.add_argument("--skip-copy", action="store_true", help="the PostgreSQL copy is there already")
    parser.add_argument("--modes", default="in-process pool,1 worker,2 workers",
                        help="which of: in-process pool, 1 worker, 2 workers (comma-separated)")
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    url = os.environ.get("SUPERVISE_BENCH_DATABASE_URL", DEFAULT_PG)
    broker = os.environ.get("SUPERVISE_BENCH_BROKER_URL", DEFAULT_BROKER)
    if args.child == "in_process":
        print(json.dumps(in_process(url)))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="supervise-bench-queue-"))
    folder.mkdir(parents=True, exist_ok=True)
    sqlite_path = folder / "cityday.db"
    if not args.skip_copy:
        if not sqlite_path.exists():
            began = time.perf_counter()
            built = bench_checks.build(sqlite_path, args.shifts)
            print(f"built {built['shifts']} shifts, {built['positions']:,} positions in SQLite in "
                  f"{time.perf_counter() - began:.0f} s", flush=True)
        began = time.perf_counter()
        copy_to_postgres(sqlite_path, url)
        print(f"copied into PostgreSQL in {time.perf_counter() - began:.0f} s", flush=True)
    results: dict[str, list[dict]] = {mode.strip(): [] for mode in args.modes.split(",")}
    for _ in range(args.repeat):
        for mode, runs in results.items():
            reset(url)
            if mode == "in-process pool":
                out = subprocess.run([sys.executable, __file__, "--child", "in_process"], check=True,
                                     capture_output=True, text=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
            else:
                result = on_queue(url, broker, int(mode[0]), folder)
            runs.append(result)
            print(f"  {mode:16s} {result['seconds']:6.1f} s  (tick itself {result['tick']:.2f} s) "
                  f"{result['shifts']} shifts, {result['flags']} flags", flush=True)
    best = {mode: min(r["seconds"] for r in runs) for mode, runs in results.items()}
    best = {mode: best.get(mode, float("nan")) for mode in ("in-process pool", "1 worker", "2 workers")}
    print(f"city-day, {args.shifts} shifts due, PostgreSQL, {os.cpu_count()} cores; best of {args.repeat} "
          "(spread = worst - best):")
    for mode, runs in results.items():
        times = [r["seconds"] for r in runs]
        print(f"  {mode:16s} best {min(times):6.1f} s  spread {max(times) - min(times):4.1f} s  "
              f"flags {sorted({r['flags'] for r in runs})}")
    print(f"  ratio 1 worker / 2 workers: {best['1 worker'] / best['2 workers']:.2f}x;  "
          f"in-process / 2 workers: {best['in-process pool'] / best['2 workers']:.2f}x;  "
          f"in-process / 1 worker: {best['in-process pool'] / best['1 worker']:.2f}x")
    if args.keep is None:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
