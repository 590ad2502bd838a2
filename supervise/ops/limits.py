"""Failed-login limits, counted per (username, client address) and per client address.

A stranger who types wrong passwords for an officer's name locks only their own address out:
the officer, signing in from elsewhere, is counted under another key. Counters live in Redis
when SUPERVISE_REDIS_URL is set (shared by every worker and host), else in each process.
Only failed attempts count (a 401 answer); while a key is over its limit even the right
password is refused with 429, so guessing stays slow.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, flash, jsonify, render_template, request
from flask_limiter import Limiter, RateLimitExceeded

from supervise.errors import error_body, translated
from supervise.i18n_marks import N_

limiter = Limiter(key_func=lambda: request.remote_addr or "unknown")
LOGIN_ENDPOINTS = ("web.login", "auth.Token")


def init_limits(app: Flask) -> None:
    """Bind the limiter to the app: Redis when configured, memory otherwise, failing open to memory
    (a Redis outage must not stop people signing in)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "supervise")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_logins)


def _per_account() -> str:
    config = current_app.config
    return f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_WINDOW_MINUTES']} minutes"


def _per_address() -> str:
    config = current_app.config
    return f"{config['LOGIN_MAX_FAILURES_PER_ADDRESS']} per {config['LOGIN_WINDOW_MINUTES']} minutes"


def _username() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return name[:64] if isinstance(name, str) else ""


def _account_key() -> str:
    return f"{_username()}|{request.remote_addr or 'unknown'}"


def _address_key() -> str:
    return request.remote_addr or "unknown"


def _failed(response) -> bool:
    return response.status_code == 401


@limiter.request_filter
def _not_a_login() -> bool:
    """Every request but a login skips the limiter at once: only the login views carry limits (no
    default ones), and working that out on each request cost a live position a fifth of its time."""
    return request.endpoint not in LOGIN_ENDPOINTS


per_account = limiter.shared_limit(_per_account, scope="login-account", key_func=_account_key, methods=["POST"],
                                   deduct_when=_failed)
per_address = limiter.shared_limit(_per_address, scope="login-address", key_func=_address_key, methods=["POST"],
                                   deduct_when=_failed)


def login_limited(view):
    """Put both failed-login limits on a login view."""
    return per_account(per_address(view))


def too_many_logins(error: RateLimitExceeded):
    """429: the login page again with the reason, or the one JSON error shape for the API."""
    retry_after = _seconds_until_free()
    minutes = max(1, math.ceil(retry_after / 60))
    message = N_("Too many failed logins from this address; try again in %(minutes)s minutes.")
    if request.endpoint == "web.login":
        flash(translated(message, {"minutes": minutes}), "error")
        response = current_app.make_response((render_template("login.html"), 429))
    else:
        response = jsonify(error_body("LOGIN_RATE_LIMITED", message,
                                      {"retry_after_seconds": retry_after, "retry_after_minutes": minutes},
                                      {"minutes": minutes}))
        response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def _seconds_until_free() -> int:
    breached = limiter.current_limit
    if breached is None:
        return current_app.config["LOGIN_WINDOW_MINUTES"] * 60
    return max(1, int(breached.reset_at - time.time()))
