"""Named domain errors. Services raise them; the API turns each into the one JSON error shape."""
from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for cannot be done; `code` is stable, `message` is for people."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details or {}
        self.status = status or self.status


class Unauthorized(DomainError):
    status, code = 401, "UNAUTHORIZED"


class Forbidden(DomainError):
    status, code = 403, "FORBIDDEN"


class NotFound(DomainError):
    status, code = 404, "NOT_FOUND"


class Conflict(DomainError):
    status, code = 409, "CONFLICT"


class Invalid(DomainError):
    status, code = 422, "VALIDATION_ERROR"


class TooManyRequests(DomainError):
    status, code = 429, "TOO_MANY_REQUESTS"


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    """The one error shape every client reads."""
    return {"error": {"code": code, "message": message, "details": details or {}}}
