"""Real servers for tests that must see what a deployment does: gunicorn with the repo's own
configuration (deploy/gunicorn.conf.py), on a free loopback port, on the test database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn -c deploy/gunicorn.conf.py on 127.0.0.1:<port>, its stderr kept in a file."""

    def __init__(self, app_config: dict, log_path: Path, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        settings = {"SUPERVISE_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
                    "SUPERVISE_STORAGE_DIR": app_config["STORAGE_DIR"], "SUPERVISE_SECRET_KEY": "test-secret",
                    "SUPERVISE_COOKIE_SECURE": "0", "SUPERVISE_WORKERS": "2", "SUPERVISE_BIND": f"127.0.0.1:{self.port}"}
        environment = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        environment.update(settings)
        environment.update(env)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log = open(log_path, "w")  # noqa: SIM115 - the server writes to it until stop()
        self.process = subprocess.Popen([str(gunicorn), "-c", str(GUNICORN_CONF)], cwd=REPO, env=environment,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {seconds} s: {self.log_path.read_text()[-2000:]}")

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()
