"""Configuration defaults; the environment overrides them, a test config overrides both."""
from __future__ import annotations

import json
import os
from pathlib import Path

ENV_KEYS = {
    "SUPERVISE_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SUPERVISE_STORAGE_DIR": "STORAGE_DIR",
    "SUPERVISE_STORAGE_URL": "STORAGE_URL",
    "SUPERVISE_S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "SUPERVISE_S3_REGION": "S3_REGION",
    "SUPERVISE_POSITION_PARTITION_DAYS_AHEAD": "POSITION_PARTITION_DAYS_AHEAD",
    "SUPERVISE_SECRET_KEY": "SECRET_KEY",
    "SUPERVISE_TOKEN_TTL_HOURS": "TOKEN_TTL_HOURS",
    "SUPERVISE_MAX_UPLOAD_MB": "MAX_UPLOAD_MB",
    "SUPERVISE_SESSION_HOURS": "SESSION_HOURS",
    "SUPERVISE_COOKIE_SECURE": "COOKIE_SECURE",
    "SUPERVISE_REDIS_URL": "REDIS_URL",
    "SUPERVISE_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "SUPERVISE_LOGIN_MAX_FAILURES": "LOGIN_MAX_FAILURES",
    "SUPERVISE_LOGIN_MAX_FAILURES_PER_ADDRESS": "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "SUPERVISE_LOGIN_WINDOW_MINUTES": "LOGIN_WINDOW_MINUTES",
    "SUPERVISE_RETENTION_PHOTO_DAYS": "RETENTION_PHOTO_DAYS",
    "SUPERVISE_RETENTION_POSITION_DAYS": "RETENTION_POSITION_DAYS",
    "SUPERVISE_RETENTION_LOGIN_ATTEMPT_DAYS": "RETENTION_LOGIN_ATTEMPT_DAYS",
    "SUPERVISE_RETENTION_TOKEN_DAYS": "RETENTION_TOKEN_DAYS",
    "SUPERVISE_APPEAL_WINDOW_DAYS": "APPEAL_WINDOW_DAYS",
    "SUPERVISE_PURGE_AT": "PURGE_AT",
    "SUPERVISE_LOG_FORMAT": "LOG_FORMAT",
    "SUPERVISE_METRICS_ALLOW": "METRICS_ALLOW",
    "SUPERVISE_WEBHOOKS": "WEBHOOKS",
    "SUPERVISE_PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "SUPERVISE_TILE_URL": "TILE_URL",
    "SUPERVISE_TILE_CRS": "TILE_CRS",
    "SUPERVISE_TILE_SUBDOMAINS": "TILE_SUBDOMAINS",
    "SUPERVISE_TILE_ATTRIBUTION": "TILE_ATTRIBUTION",
    "SUPERVISE_BROKER_URL": "BROKER_URL",
    "SUPERVISE_CHECK_QUEUE": "CHECK_QUEUE_NAME",
    "SUPERVISE_CHECK_QUEUE_BATCH": "CHECK_QUEUE_BATCH",
    "SUPERVISE_CHECK_QUEUE_REDISPATCH_S": "CHECK_QUEUE_REDISPATCH_S",
    "SUPERVISE_CHECK_QUEUE_TIME_LIMIT_S": "CHECK_QUEUE_TIME_LIMIT_S",
}
INTEGER_KEYS = {"TOKEN_TTL_HOURS", "MAX_UPLOAD_MB", "SESSION_HOURS", "LOGIN_MAX_FAILURES",
                "LOGIN_MAX_FAILURES_PER_ADDRESS", "LOGIN_WINDOW_MINUTES", "RETENTION_PHOTO_DAYS",
                "RETENTION_POSITION_DAYS", "RETENTION_LOGIN_ATTEMPT_DAYS", "RETENTION_TOKEN_DAYS",
                "APPEAL_WINDOW_DAYS", "POSITION_PARTITION_DAYS_AHEAD", "CHECK_QUEUE_BATCH", "CHECK_QUEUE_REDISPATCH_S",
                "CHECK_QUEUE_TIME_LIMIT_S"}
BOOLEAN_KEYS = {"COOKIE_SECURE"}


DEV_SECRET_KEY = "dev-only-change-me"


def defaults(instance_path: str) -> dict:
    """The settings a fresh install runs with: SQLite and photo storage inside `instance/`."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'supervise.db'}",
        "STORAGE_DIR": str(instance / "storage"),
        # Photo store: None keeps photos under STORAGE_DIR; "s3://bucket/prefix" puts them in an
        # S3-compatible object store (endpoint and region below; credentials from the usual AWS_*
        # environment variables or files, read by boto3).
        "STORAGE_URL": None,
        "S3_ENDPOINT_URL": None,
        "S3_REGION": None,
        # PostgreSQL: day partitions of the position table made this many days ahead (daily job).
        "POSITION_PARTITION_DAYS_AHEAD": 7,
        # A development key only; create_app warns while it is still in use.
        "SECRET_KEY": DEV_SECRET_KEY,
        "TOKEN_TTL_HOURS": 12,
        "MAX_UPLOAD_MB": 25,
        # Failed logins: per (username, client address), and per client address over all names.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_WINDOW_MINUTES": 15,
        # Shared rate-limit counters for several workers or hosts; None counts in each process.
        "REDIS_URL": None,
        # Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto are believed.
        "TRUSTED_PROXIES": "",
        "TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_TIME_LIMIT": None,
        # A browser session lasts a working day at most; logout ends it on the server.
        "SESSION_HOURS": 12,
        # None: Secure cookies everywhere except under TESTING (the demo turns them off itself).
        "COOKIE_SECURE": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Retention (days); see README "Privacy". Evidence of open or appealable flags is kept.
        "RETENTION_PHOTO_DAYS": 180,
        "RETENTION_POSITION_DAYS": 180,
        "RETENTION_LOGIN_ATTEMPT_DAYS": 90,
        "RETENTION_TOKEN_DAYS": 30,
        "APPEAL_WINDOW_DAYS": 60,
        "PURGE_AT": "03:30",
        "LOG_FORMAT": "json",
        "METRICS_ALLOW": "127.0.0.0/8,::1",
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
        # base tiles of the flag and inspection maps (README "Maps"); none: a plain background
        "TILE_URL": None,
        "TILE_CRS": "wgs84",
        "TILE_SUBDOMAINS": "01234567",
        "TILE_ATTRIBUTION": "",
        # Check work on a Celery queue (README "Check work on a queue"); None judges in the scheduler.
        "BROKER_URL": None,
        "CHECK_QUEUE_NAME": "supervise.checks",
        "CHECK_QUEUE_BATCH": 100,              # shifts per queued batch
        "CHECK_QUEUE_REDISPATCH_S": 600,       # a batch still queued this long is sent again
        "CHECK_QUEUE_TIME_LIMIT_S": 900,       # a batch running longer is killed and delivered again
    }


def from_environment() -> dict:
    """Settings named by SUPERVISE_* environment variables, under their Flask config names."""
    found = {}
    for env_name, key in ENV_KEYS.items():
        value = os.environ.get(env_name)
        if value:
            found[key] = _typed(key, value)
    return found


def _typed(key: str, value: str):
    if key == "WEBHOOKS":
        return json.loads(value)   # a JSON list of targets, as in instance/config.py
    if key in INTEGER_KEYS:
        return int(value)
    if key in BOOLEAN_KEYS:
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def engine_options(url: str) -> dict:
    """A server database may drop idle connections, so they are pinged before use; a SQLite file
    cannot, and the ping would only cost every request a round trip. A gunicorn worker runs up to
    32 threads (deploy/gunicorn.conf.py): the pool lets each have a connection at a busy moment,
    and a request that still finds none fails after 10 s rather than queueing for 30."""
    if url.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 24, "pool_timeout": 10}


def normalise_database_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
