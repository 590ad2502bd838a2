"""The migrations and the models describe the same schema, and `supervise db upgrade` builds it.

The session `app` fixture builds its database by running the migrations only, so comparing that
database with the models' metadata fails the moment a model changes without a migration.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from pprint import pformat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from supervise.extensions import db
from supervise.services.partitions import is_position_partition

REPO = Path(__file__).resolve().parents[2]


def _not_a_partition(name, type_, parent_names) -> bool:
    return not (type_ == "table" and is_position_partition(name))


def _schema_diff(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _not_a_partition})
        return compare_metadata(context, db.metadata)


def test_the_migrated_database_matches_the_models_exactly(app):
    diff = _schema_diff(app)
    assert diff == [], "models and migrations disagree; write a migration for:\n" + pformat(diff)


def test_downgrading_to_base_and_upgrading_again_rebuilds_the_same_schema(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        upgrade()
    assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"
    diff = _schema_diff(app)
    assert diff == [], "after downgrade and upgrade the schema differs:\n" + pformat(diff)


def _supervise_command() -> list[str]:
    script = Path(sys.executable).with_name("supervise")
    if script.exists():
        return [str(script)]
    found = shutil.which("supervise")
    if found is None:
        pytest.skip("the `supervise` console script is not installed (pip install -e .)")
    return [found]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ,
           "SUPERVISE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "SUPERVISE_STORAGE_DIR": str(tmp_path / "storage"),
           "SUPERVISE_SECRET_KEY": "migration-test-secret"}
    env.pop("FLASK_APP", None)
    return subprocess.run(_supervise_command() + args, check=False, env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def _tables_and_version(path: Path) -> tuple[set[str], list[str]]:
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")] \
            if "alembic_version" in tables else []
    return tables - {"alembic_version", "sqlite_sequence"}, version


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(REPO / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def test_supervise_db_upgrade_builds_every_table_in_a_fresh_sqlite_file_and_a_second_run_changes_nothing(
        tmp_path):
    first = _run(["db", "upgrade"], tmp_path)
    assert first.returncode == 0, first.stderr
    tables, version = _tables_and_version(tmp_path / "fresh.db")
    assert tables == set(db.metadata.tables), f"missing: {set(db.metadata.tables) - tables}"
    assert version == [_head_revision()]
    assert "Running upgrade" in first.stderr + first.stdout

    second = _run(["db", "upgrade"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Running upgrade" not in second.stderr + second.stdout
    assert _tables_and_version(tmp_path / "fresh.db") == (tables, version)


def test_supervise_db_downgrade_base_empties_a_fresh_database_and_upgrade_builds_it_again(tmp_path):
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    down = _run(["db", "downgrade", "base"], tmp_path)
    assert down.returncode == 0, down.stderr
    assert _tables_and_version(tmp_path / "fresh.db") == (set(), [])

    up = _run(["db", "upgrade"], tmp_path)
    assert up.returncode == 0, up.stderr
    assert _tables_and_version(tmp_path / "fresh.db") == (set(db.metadata.tables), [_head_revision()])
