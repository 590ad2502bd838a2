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
from supervise.i18n_marks import N_
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


STATUS_MESSAGES = {
    400: N_("The request cannot be read."), 401: N_("Sign in first."),
    403: N_("You may not do this."), 404: N_("There is nothing at this address."),
    405: N_("This address does not take that method."), 409: N_("The request conflicts with what is stored."),
    413: N_("The request is too large."), 415: N_("This kind of content is not accepted."),
    422: N_("The request has invalid fields; see details."),
    429: N_("Too many requests; wait a moment and try again."),
}


def http_error_response(error: HTTPException):
    """Map a werkzeug/webargs HTTP error to {"error": {code, message, details}}, the message in the
    request's language; a person's browser asking for a page gets the error page instead."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details, params = {}, {}
    message = error.description or error.name
    if message == type(error).description or not message:
        message = STATUS_MESSAGES.get(status, error.name)
    if "messages" in data:
        details = {"fields": _flatten_locations(data["messages"])}
        message = STATUS_MESSAGES[422]
    code = data.get("code") or HTTP_CODES.get(status, "HTTP_ERROR")
    if isinstance(error, RequestEntityTooLarge):
        code, message, details, params = too_large()
    if wants_page():
        from supervise.web.common import error_page

        return error_page(DomainError(message, code=code, status=status, details=details, params=params))
    response = jsonify(error_body(code, message, details, params))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="supervise"'
    return response


def wants_page() -> bool:
    """True for a browser asking for a page (not /api/, HTML preferred): it gets the error page."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def too_large() -> tuple[str, str, dict, dict]:
    """Which limit a 413 met, said truthfully: the whole upload (MAX_UPLOAD_MB), or one form field or
    the number of parts of a body within it (werkzeug raises the same error for all three).
    Returns (code, message, details, the message's params)."""
    limit, length = request.max_content_length or 0, request.content_length
    field_bytes, parts = request.max_form_memory_size, request.max_form_parts
    params = {"mb": limit // (1024 * 1024), "field_bytes": field_bytes, "parts": parts}
    if length is not None and length > limit:
        return ("PAYLOAD_TOO_LARGE", N_("The upload is larger than the limit of %(mb)s MB."),
                {"limit_bytes": limit}, params)
    form_details = {"max_field_bytes": field_bytes, "max_parts": parts}
    if length is not None:
        return ("FORM_FIELD_TOO_LARGE", N_("A form field is longer than %(field_bytes)s bytes or the form has "
                                           "more than %(parts)s parts; send files as file parts."),
                form_details, params)
    return ("PAYLOAD_TOO_LARGE", N_("The upload is larger than the limit of %(mb)s MB, or a form field is longer "
                                    "than %(field_bytes)s bytes or the form has more than %(parts)s parts."),
            {"limit_bytes": limit, **form_details}, params)


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors under the location (json, query, form); clients want the field names."""
    flat: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return flat or messages


def domain_error_response(error: DomainError):
    db.session.rollback()
    response = jsonify(error_body(error.code, error.template, error.details, error.params))
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="supervise"'
    return response


def unexpected_error_response(error: Exception):
    if isinstance(error, HTTPException):
        return http_error_response(error)
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    response = jsonify(error_body("INTERNAL_ERROR", N_("Something went wrong on our side; it has been logged.")))
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
