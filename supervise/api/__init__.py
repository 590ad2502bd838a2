"""The JSON interface under /api/v1, documented by the OpenAPI document flask-smorest builds."""
from __future__ import annotations

import logging

from apispec import BasePlugin
from flask import Flask, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from supervise.errors import DomainError, error_body
from supervise.extensions import csrf, db
from supervise.json_bodies import use_bounded_arguments_parser
from supervise.services.lookup import MAX_ROW_ID

# Before any API module decorates a route (they all import this package first).
use_bounded_arguments_parser()

log = logging.getLogger("supervise.api")

HTTP_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
              405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE",
              415: "UNSUPPORTED_MEDIA_TYPE", 422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS"}


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "stable, e.g. PHOTO_NOT_IMAGE"})
    message = fields.String(required=True, metadata={"description": "for people"})
    details = fields.Dict(required=True, metadata={"description": "what the code needs, e.g. fields or limits"})


class ErrorBody(Schema):
    """The one error shape every 4xx (and the rare 500) answers with."""

    error = fields.Nested(ErrorDetail, required=True)


class ErrorBodies(BasePlugin):
    """An apispec plugin: every 4xx response an operation documents states the error body, so a
    generated client can read it (routes list their codes in a description only)."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if str(status).startswith("4") and isinstance(response, dict) and not {"content", "$ref"} & set(response):
                    response["content"] = {"application/json": {"schema": "ErrorBody"}}


class SuperviseApi(Api):
    """flask-smorest's Api with every HTTP error answered, and documented, in the one error shape."""

    ERROR_SCHEMA = ErrorBody

    def handle_http_exception(self, error: HTTPException):
        return http_error_response(error)


def http_error_response(error: HTTPException):
    """Map a werkzeug/webargs HTTP error to {"error": {code, message, details}}."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = {}
    message = error.description or error.name
    if "messages" in data:
        details = {"fields": _flatten_locations(data["messages"])}
        message = "The request has invalid fields; see details."
    code = data.get("code") or HTTP_CODES.get(status, "HTTP_ERROR")
    if isinstance(error, RequestEntityTooLarge):
        code, message, details = too_large()
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="supervise"'
    return response


def too_large() -> tuple[str, str, dict]:
    """Which limit a 413 met, said truthfully: the whole upload (MAX_UPLOAD_MB), or one form field or
    the number of parts of a body within it (werkzeug raises the same error for all three)."""
    limit, length = request.max_content_length or 0, request.content_length
    field_bytes, parts = request.max_form_memory_size, request.max_form_parts
    upload = f"The upload is larger than the limit of {limit // (1024 * 1024)} MB"
    form = f"a form field is longer than {field_bytes} bytes or the form has more than {parts} parts"
    if length is not None and length > limit:
        return "PAYLOAD_TOO_LARGE", upload + ".", {"limit_bytes": limit}
    form_details = {"max_field_bytes": field_bytes, "max_parts": parts}
    if length is not None:
        return "FORM_FIELD_TOO_LARGE", form[0].upper() + form[1:] + "; send files as file parts.", form_details
    return "PAYLOAD_TOO_LARGE", f"{upload}, or {form}.", {"limit_bytes": limit, **form_details}


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors under the location (json, query, form); clients want the field names."""
    flat: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return flat or messages


def domain_error_response(error: DomainError):
    db.session.rollback()
    response = jsonify(error_body(error.code, error.message, error.details))
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="supervise"'
    return response


def unexpected_error_response(error: Exception):
    if isinstance(error, HTTPException):
        return http_error_response(error)
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    response = jsonify(error_body("INTERNAL_ERROR", "Something went wrong on our side; it has been logged."))
    response.status_code = 500
    return response


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every URL (API and pages): a number beyond the databases' ids (MAX_ROW_ID) names
    no row, so it is a 404 like any other unknown id instead of an overflow inside the driver."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_api(app: Flask) -> Api:
    """Create the Api, register every API blueprint and the error handlers."""
    app.url_map.converters["int"] = RowIdConverter
    from supervise.api import (
        auth,
        checkins,
        districts,
        exports,
        flags,
        imports,
        inspections,
        notifications,
        officers,
        places,
        regulation,
        shifts,
        tracks,
    )

    api = SuperviseApi(app, spec_kwargs={"info": {"description": "Supervision of city-management officers."},
                                         "extra_plugins": [ErrorBodies()]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for module in (auth, districts, places, officers, shifts, checkins, tracks, flags, inspections, regulation,
                   notifications, exports, imports):
        for blueprint in getattr(module, "BLUEPRINTS", None) or [module.blp]:
            csrf.exempt(blueprint)
            api.register_blueprint(blueprint)
    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
    app.extensions["supervise_api"] = api
    return api
