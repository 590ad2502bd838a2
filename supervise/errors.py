"""Named domain errors. Services raise them; the API turns each into the one JSON error shape."""
from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for cannot be done; `code` is stable, `message` is for people.

    The message is kept as its English catalog text (`template`, with `%(name)s` placeholders
    filled from `params`) and said in the reader's language when it is read in a request: the API's
    error body, the error page and a flashed message all read `message`. `str(error)` is the
    English text, for logs. The catalog finds the texts because the error classes are extraction
    keywords (`supervise/i18n_catalog.py`): write the message as a literal, values as params.
    """

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None,
                 status: int | None = None, params: dict | None = None):
        self.template = message
        self.params = params or {}
        super().__init__(fill(message, self.params))
        self.code = code or self.code
        self.details = details or {}
        self.status = status or self.status

    @property
    def message(self) -> str:
        """The message in the language of the current request (English outside one)."""
        return translated(self.template, self.params)


class Text:
    """A message inside a message (a parser's reason inside "refused: %(reason)s"), translated with
    its host; `capital` starts it with a capital letter, `sentence` also ends it with a full stop."""

    def __init__(self, template: str, params: dict | None = None, *, sentence: bool = False,
                 capital: bool = False):
        self.template, self.params, self.sentence, self.capital = template, params or {}, sentence, capital

    def render(self, translate) -> str:
        """The text through `translate` (a gettext or the identity), filled, as a sentence if asked."""
        text = fill(translate(self.template), self.params, translate)
        if not (self.sentence or self.capital) or not text:
            return text
        text = text[:1].upper() + text[1:]
        if not self.sentence:
            return text
        return text if text.endswith((".", "。", "；", "！")) else text + ("." if text[-1].isascii() else "。")

    def __str__(self) -> str:
        return self.render(lambda text: text)


def fill(template: str, params: dict, translate=None) -> str:
    """The template with its `%(name)s` placeholders filled (as it is when there are none); a Text
    among the params is said through `translate` too."""
    if not params:
        return template
    values = {key: value.render(translate or (lambda text: text)) if isinstance(value, Text) else value
              for key, value in params.items()}
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return template


def translated(template: str, params: dict | None = None) -> str:
    """The catalog's translation of an English message in the current request's language, filled
    with `params`; outside a request, or for a text the catalog does not know, the text itself."""
    from flask import has_request_context

    if not template or not has_request_context():
        return fill(template, params or {})
    from flask_babel import gettext

    return fill(gettext(template), params or {}, gettext)


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


def error_body(code: str, message: str, details: dict | None = None, params: dict | None = None) -> dict:
    """The one error shape every client reads; `message` (an English catalog text) is said in the
    request's language."""
    return {"error": {"code": code, "message": translated(message, params), "details": details or {}}}
