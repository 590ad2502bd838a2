"""Every JSON request body is read by `jsonload.load_json`: Flask's `request.get_json` and the
webargs parser behind flask-smorest's `@blp.arguments`. A body beyond its bounds is a 400 that
names the bound (JSON_TOO_DEEP, JSON_NUMBER_TOO_LONG, JSON_NOT_A_NUMBER), even where a route
reads its body with `silent=True`; a body that is not JSON at all is answered as before."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from supervise.errors import DomainError
from supervise.jsonload import JsonRefused, load_json


def read_json(data: bytes | str) -> Any:
    """`load_json`, with a refusal turned into the 400 DomainError every client reads."""
    try:
        return load_json(data)
    except JsonRefused as exc:
        # Not a ValueError: get_json(silent=True) must not swallow it into "no body".
        raise DomainError(exc.template, code=exc.code, details=exc.details, status=400, params=exc.params) from None


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, reading through `read_json`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return read_json(s)


class BoundedFlaskParser(FlaskParser):
    """webargs' parser for flask-smorest, reading JSON bodies through `read_json`."""

    def _raw_load_json(self, req) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.parse_json(data)  # webargs' own answer to an empty body (missing)
        return read_json(data)


def init_json_bodies(app: Flask) -> None:
    """Read request.get_json through the bounded reader (flask-smorest's arguments parser is set
    where the API blueprints are imported: see `use_bounded_arguments_parser`)."""
    app.json = BoundedJSONProvider(app)


def use_bounded_arguments_parser() -> None:
    """Make every flask-smorest Blueprint parse JSON arguments with BoundedFlaskParser. It must run
    before any route is decorated: `@blp.arguments` keeps the parser it finds at import time."""
    Blueprint.ARGUMENTS_PARSER = BoundedFlaskParser()
