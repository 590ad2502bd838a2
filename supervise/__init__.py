"""supervise: attendance and patrol supervision for city-management law-enforcement officers."""
from __future__ import annotations

import gc
import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from supervise import config as cfg
from supervise.uploads import InMemoryUploadRequest


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then SUPERVISE_* variables, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.request_class = InMemoryUploadRequest
    app.config.from_mapping(cfg.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(cfg.from_environment())
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = cfg.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", cfg.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    _session_settings(app)
    if app.config["LOG_FORMAT"] and not app.config.get("TESTING"):
        from supervise.ops.logs import configure_logging

        configure_logging(app.config["LOG_FORMAT"])
    if app.config["SECRET_KEY"] == cfg.DEV_SECRET_KEY and not app.config.get("TESTING"):
        logging.getLogger("supervise").warning(
            "SUPERVISE_SECRET_KEY is not set: sessions and CSRF tokens use the development key; "
            "set a long random key before anyone else can reach this service")
    _make_folders(app)
    _init_extensions(app)
    _register_blueprints(app)
    from supervise.cli import register_commands

    register_commands(app)
    logging.getLogger("supervise").setLevel(logging.INFO)
    _warm_up()
    # Everything built so far lives as long as the process: keep it out of the garbage collector's
    # full scans, which otherwise cost a few milliseconds on an unlucky request.
    gc.freeze()
    return app


def _warm_up() -> None:
    """Parse the shipped regulation now, so the first sign-in of a worker does not pay for it."""
    from supervise.regulation import default_regulation_text
    from supervise.services.regulation import parse_cached

    parse_cached(default_regulation_text())


def _session_settings(app: Flask) -> None:
    """Cookies: Secure unless turned off (and off by default only under TESTING; the demo turns
    them off for its plain-HTTP localhost), HttpOnly, SameSite=Lax, and a working day long."""
    if app.config["COOKIE_SECURE"] is None:
        app.config["COOKIE_SECURE"] = not app.config.get("TESTING")
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["COOKIE_SECURE"])
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config["SESSION_HOURS"]))
    app.session_interface = CookieFirstSessionInterface()


class CookieFirstSessionInterface(SecureCookieSessionInterface):
    """Flask's own cookie session, looking for the cookie before building its signing serializer:
    a request without one (an API call with a token, a phone's live position) starts with the same
    empty session, without paying for the key derivation on every request."""

    def open_session(self, app: Flask, request):
        """An empty session when the request has no session cookie; otherwise Flask's reading of it."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _make_folders(app: Flask) -> None:
    from supervise.services.storage import check_storage_url

    check_storage_url(app.config.get("STORAGE_URL"))
    os.makedirs(app.instance_path, exist_ok=True)
    Path(app.config["STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from supervise import models  # noqa: F401  (registers the tables on the metadata)
    from supervise.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    from supervise.i18n import init_i18n

    init_i18n(app)
    from supervise.services import commit_hooks

    commit_hooks.install()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from supervise.services.sqlite import tune_sqlite

        with app.app_context():
            tune_sqlite(db.engine)


def _register_blueprints(app: Flask) -> None:
    from supervise.api import init_api
    from supervise.api.osmand_door import install_osmand_door
    from supervise.input_guard import init_input_guard
    from supervise.json_bodies import init_json_bodies
    from supervise.ops.headers import init_headers
    from supervise.ops.health import bp as ops_bp
    from supervise.ops.limits import init_limits
    from supervise.ops.proxy import TrustedProxyMiddleware, parse_networks
    from supervise.ops.tracking import init_request_tracking
    from supervise.web import bp as web_bp

    init_json_bodies(app)
    init_request_tracking(app)
    init_input_guard(app)
    init_limits(app)
    init_api(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(ops_bp)
    init_headers(app)
    install_osmand_door(app)
    trusted = parse_networks(app.config["TRUSTED_PROXIES"])
    if trusted:   # outermost: the door and the app see the client's address, scheme and request id
        app.wsgi_app = TrustedProxyMiddleware(app.wsgi_app, trusted)
