"""The one error the evidence module raises: a photo that cannot be accepted."""

from __future__ import annotations

from typing import Any

# code -> HTTP status the API should answer with
HTTP_STATUS: dict[str, int] = {
    "PHOTO_EMPTY": 422,
    "PHOTO_NOT_IMAGE": 415,
    "PHOTO_UNSUPPORTED_FORMAT": 415,
    "PHOTO_TRUNCATED": 422,
    "PHOTO_CORRUPT": 422,
    "PHOTO_TOO_LARGE_PIXELS": 422,
}


class PhotoRejected(Exception):
    """A photo refused as evidence, with a stable code, an HTTP status and details.

    A photo that is sound but carries no usable GPS or time is NOT rejected:
    it is accepted and says why it lacks evidence.
    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, *,
                 params: dict[str, Any] | None = None) -> None:
        self.template, self.params = message, params or {}   # translated where it is answered
        message = message % self.params if self.params else message
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = HTTP_STATUS[code]
        self.details: dict[str, Any] = details or {}

    def __repr__(self) -> str:
        return f"PhotoRejected({self.code!r}, {self.message!r}, {self.details!r})"
