"""Run a simulated day on a fresh database and score it (used by the benchmark and the CI slice)."""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.sim.driver import Simulation
from tests.sim.scenarios import Day, plan_day
from tests.sim.score import Score, report, score
from tests.sim.world import build_city, to_latlon


@dataclass
class Outcome:
    day: Day
    score: Score
    seconds: float
    requests: int
    answers: dict[str, int]

    def report(self) -> str:
        text = report(self.score, self.day.plans, seed=self.day.seed, shifts=len(self.day.plans))
        answers = ", ".join(f"{k} {v}" for k, v in sorted(self.answers.items()))
        return f"{text}\n{self.requests} requests ({answers}) in {self.seconds:.0f} s"


def plan(seed: int, shifts: int) -> Day:
    """The labelled day for a seed."""
    city = build_city(np.random.default_rng(seed + 1))
    return plan_day(seed, shifts, city, to_latlon)


def make_app(database_url: str | None, storage_dir: str):
    """An app on a freshly migrated database (SQLite in a temporary folder by default)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from supervise import create_app
    from supervise.extensions import db

    url = database_url or f"sqlite:///{Path(storage_dir) / 'sim.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(Path(storage_dir) / "s"),
                      "SECRET_KEY": "sim", "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    import logging

    logging.getLogger("supervise").setLevel(logging.WARNING)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def simulate(seed: int, shifts: int, *, tick_s: float = 60.0, database_url: str | None = None,
             app=None, osmand_share: float = 1.0, log=print) -> Outcome:
    """Plan, feed and score one day."""
    day = plan(seed, shifts)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="supervise-sim-") as folder:
        application = app or make_app(database_url, folder)
        sim = Simulation(application, day, tick_s=tick_s, osmand_share=osmand_share, log=log)
        flags = sim.run()
        if app is None:
            from supervise.extensions import db
            from supervise.services.checks import shutdown_pool

            shutdown_pool()
            with application.app_context():
                db.engine.dispose()
    return Outcome(day, score(day.plans, flags), time.perf_counter() - started, sim.requests, sim.answers)
