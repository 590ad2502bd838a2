"""Refuse text that no database column can hold, before any view sees it.

PostgreSQL text cannot contain the NUL character, and no client means to send one: a request
carrying it in its query string, a form field, a JSON body or its Idempotency-Key is a 422
NUL_CHARACTER in the one error shape (API) or on the error page (pages), and nothing is read further;
so is an uploaded file whose name holds one.
File contents are the parsers' business (a track file or photo with NUL bytes is judged by content).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request

from supervise.errors import Invalid

NUL = "\x00"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_characters() -> None:
    """Raise Invalid NUL_CHARACTER when the request's text holds a NUL character."""
    if (_has_nul(request.args) or NUL in request.headers.get("Idempotency-Key", "")
            or (request.mimetype in _FORM_TYPES and (_has_nul(request.form) or _names_nul(request.files)))
            or (request.is_json and json_has_nul(request.get_data(cache=True)))):
        raise Invalid("Text with a NUL character (\\u0000) is not accepted; remove it and send again.",
                      code="NUL_CHARACTER")


def holds_nul(texts: Iterable) -> bool:
    """Whether any of these values is text with a NUL character (values that are not text are not)."""
    return any(isinstance(text, str) and NUL in text for text in texts)


def _has_nul(fields) -> bool:
    # werkzeug names a part whose name it cannot read None; holds_nul passes it over.
    return holds_nul(fields) or any(holds_nul(fields.getlist(key)) for key in fields)


def _names_nul(files) -> bool:
    # An uploaded file's name is stored with it (a track upload keeps its file name).
    return holds_nul(upload.filename for upload in files.values())


def json_has_nul(body: bytes) -> bool:
    """Whether a JSON body holds a NUL character, raw or escaped."""
    # JSON writes NUL as \u0000 (a raw one is invalid JSON and refused by the parser anyway); an
    # escaped backslash before "u0000" is a false alarm we accept: no real text looks like that.
    return b"\\u0000" in body or b"\x00" in body


def init_input_guard(app: Flask) -> None:
    """Check every request before its view."""
    app.before_request(refuse_nul_characters)
