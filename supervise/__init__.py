"""supervise: attendance and patrol supervision for city-management law-enforcement officers."""
from __future__ import annotations

import gc
import io
import logging
import os
from pathlib import Path

from flask import Flask, Request
from werkzeug.formparser import FormDataParser, MultiPartParser

from supervise import config as cfg


class _GatheredUpload(io.BytesIO):
    """An upload kept as the parser's chunks and joined once when it is first read back, instead of
    a buffer that grows (and copies itself) with every chunk."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def write(self, chunk) -> int:
        self._chunks.append(bytes(chunk))
        return len(chunk)

    def _gather(self) -> None:
        if self._chunks:
            # Re-initialising with the joined bytes shares them instead of copying them again.
            joined = b"".join(self._chunks)
            self._chunks.clear()
            super().__init__(joined)

    def seek(self, pos: int, whence: int = 0) -> int:
        self._gather()
        return super().seek(pos, whence)

    def getvalue(self) -> bytes:
        self._gather()
        return super().getvalue()

    def getbuffer(self):
        self._gather()
        return super().getbuffer()


class _LargeChunkFormParser(FormDataParser):
    """Reads multipart bodies 256 KiB at a time instead of werkzeug's 64 KiB: a 2 MB selfie parses
    in two thirds of the time. (The decoder's buffer must stay under max_form_memory_size, 500 KB.)"""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                 max_form_parts=self.max_form_parts, cls=self.cls, buffer_size=256 * 1024)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class InMemoryUploadRequest(Request):
    """Uploads stay in memory (they are capped by MAX_CONTENT_LENGTH) instead of going through a
    temporary file on disk: a selfie is read once, hashed and stored, never streamed."""

    form_data_parser_class = _LargeChunkFormParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return _GatheredUpload()


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


def _make_folders(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    Path(app.config["STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from supervise import models  # noqa: F401  (registers the tables on the metadata)
    from supervise.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from supervise.services.sqlite import tune_sqlite

        with app.app_context():
            tune_sqlite(db.engine)


def _register_blueprints(app: Flask) -> None:
    from supervise.api import init_api
    from supervise.web import bp as web_bp

    init_api(app)
    app.register_blueprint(web_bp)
