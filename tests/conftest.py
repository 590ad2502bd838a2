"""Fixtures shared by integration, API and web tests: an app on a migrated database, a client,
tokens for people, and a small world of two districts (道里 DL, 南岗 NG).

The schema is built once per session by running the migrations (never create_all), on SQLite
by default or on the PostgreSQL named by SUPERVISE_TEST_DATABASE_URL; each test starts from
empty tables.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from supervise import create_app
from supervise.extensions import db

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
PASSWORD = "test-pass-123"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SUPERVISE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    storage = tmp_path_factory.mktemp("storage")
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "STORAGE_DIR": str(storage),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_MINUTES": 15,
    })
    with application.app_context():
        _drop_everything()
        from flask_migrate import upgrade

        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _drop_everything() -> None:
    """Start the session from nothing, so the migrations alone build the schema."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Each test that uses the app starts from empty tables."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    yield
    with application.app_context():
        from supervise.ops.limits import limiter

        limiter.reset()   # failed-login counters live in memory, not in the tables
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Tokens:
    """Bearer tokens for the people of the test world, fetched through the real endpoint."""

    def __init__(self, client):
        self.client = client
        self.cache: dict[str, str] = {}

    def __call__(self, username: str) -> dict:
        if username not in self.cache:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.cache[username] = response.get_json()["token"]
        return {"Authorization": f"Bearer {self.cache[username]}"}


@pytest.fixture
def auth(client):
    return Tokens(client)


def square(lon: float, lat: float, half_deg_lon: float = 0.003, half_deg_lat: float = 0.002) -> dict:
    ring = [[lon - half_deg_lon, lat - half_deg_lat], [lon + half_deg_lon, lat - half_deg_lat],
            [lon + half_deg_lon, lat + half_deg_lat], [lon - half_deg_lon, lat + half_deg_lat],
            [lon - half_deg_lon, lat - half_deg_lat]]
    return {"type": "Polygon", "coordinates": [ring]}


DL_GRID_CENTRE = (126.6180, 45.7760)   # lon, lat: Central Street, Daoli
NG_GRID_CENTRE = (126.6420, 45.7560)


@pytest.fixture
def world(app):
    """Two districts with a grid and a post each; per district a manager, an inspector and two
    officers; a city-wide manager and an admin. Returns a dict of handy names."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        reference.create_officer(SYSTEM, badge_no=None, name="Admin", district=None, squad=None,
                                 username="admin", password=PASSWORD, role="admin")
        reference.create_officer(SYSTEM, badge_no=None, name="City", district=None, squad=None,
                                 username="city", password=PASSWORD, role="manager")
        for code, name, (lon, lat) in (("DL", "道里区", DL_GRID_CENTRE), ("NG", "南岗区", NG_GRID_CENTRE)):
            reference.create_district(SYSTEM, code, name)
            reference.import_grids(SYSTEM, {"type": "Feature", "geometry": square(lon, lat),
                                            "properties": {"code": f"{code}-G1", "district": code}})
            reference.create_post(SYSTEM, f"{code}-P1", code, lat, lon, 40.0, "post")
            low = code.lower()
            reference.create_officer(SYSTEM, badge_no=None, name=f"mgr {code}", district=code, squad=None,
                                     username=f"mgr-{low}", password=PASSWORD, role="manager")
            reference.create_officer(SYSTEM, badge_no=f"HRB-{code}-I01", name=f"insp {code}", district=code,
                                     squad=None, username=f"insp-{low}", password=PASSWORD, role="inspector")
            for n in (1, 2):
                reference.create_officer(SYSTEM, badge_no=f"HRB-{code}-000{n}", name=f"officer {code}{n}",
                                         district=code, squad=f"{code}-S1", username=f"{low}{n}",
                                         password=PASSWORD, role="officer")
        db.session.remove()
    return {"dl_grid_centre": DL_GRID_CENTRE, "ng_grid_centre": NG_GRID_CENTRE}


def shanghai(text_value: str) -> datetime:
    from supervise.timeutil import parse_instant

    return parse_instant(text_value)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
