"""The console script as an operator meets it: what it prints before any command has run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_supervise_help_shows_the_commands_without_the_migration_librarys_plugin_chatter(tmp_path):
    exe = Path(sys.executable).with_name("supervise")
    env = dict(os.environ, SUPERVISE_DATABASE_URL=f"sqlite:///{tmp_path / 'help.db'}",
               SUPERVISE_STORAGE_DIR=str(tmp_path / "storage"), SUPERVISE_SECRET_KEY="help-test")
    done = subprocess.run([str(exe), "--help"], check=False, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "Usage: supervise" in done.stdout and "demo" in done.stdout
    assert "setup plugin" not in done.stderr, done.stderr
    assert done.stderr.strip() == "", "nothing is logged when no command has run"
