"""Configuration defaults; the environment overrides them, a test config overrides both."""
from __future__ import annotations

import json
import os
from pathlib import Path

ENV_KEYS = {
    "SUPERVISE_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SUPERVISE_STORAGE_DIR": "STORAGE_DIR",
    "SUPERVISE_SECRET_KEY": "SECRET_KEY",
    "SUPERVISE_TOKEN_TTL_HOURS": "TOKEN_TTL_HOURS",
    "SUPERVISE_MAX_UPLOAD_MB": "MAX_UPLOAD_MB",
    "SUPERVISE_WEBHOOKS": "WEBHOOKS",
    "SUPERVISE_PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
}


DEV_SECRET_KEY = "dev-only-change-me"


def defaults(instance_path: str) -> dict:
    """The settings a fresh install runs with: SQLite and photo storage inside `instance/`."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'supervise.db'}",
        "STORAGE_DIR": str(instance / "storage"),
        # A development key only; create_app warns while it is still in use.
        "SECRET_KEY": DEV_SECRET_KEY,
        "TOKEN_TTL_HOURS": 12,
        "MAX_UPLOAD_MB": 25,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_MINUTES": 15,
        "TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "API_TITLE": "supervise",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # trust and reports (README "Notifications and webhooks")
        "WEBHOOKS": [],
        "PUBLIC_BASE_URL": None,
        "APPEAL_WITHIN_DAYS": 7,
        "WEBHOOK_MAX_ATTEMPTS": 10,
    }


def from_environment() -> dict:
    """Settings named by SUPERVISE_* environment variables, under their Flask config names."""
    found = {}
    for env_name, key in ENV_KEYS.items():
        value = os.environ.get(env_name)
        if value:
            found[key] = int(value) if key in ("TOKEN_TTL_HOURS", "MAX_UPLOAD_MB") else value
            if key == "WEBHOOKS":
                found[key] = json.loads(value)   # a JSON list of targets, as in instance/config.py
    return found


def engine_options(url: str) -> dict:
    """A server database may drop idle connections, so they are pinged before use; a SQLite file
    cannot, and the ping would only cost every request a round trip."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def normalise_database_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
