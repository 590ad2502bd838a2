"""Texts the system writes into the database, kept language-neutral: the English catalog text and its
params (`{"text": ..., "params": {...}}`, in a JSON column), said in the reader's language when a page
or the API shows them. A param may itself be `{"zh": ..., "en": ...}` (a finding's summary, stored in
both languages); the reader's one is used. Rows written before this keep their free text, shown as
it is."""
from __future__ import annotations

from typing import Any

from supervise.errors import fill


def stored(text: str, **params: Any) -> dict:
    """A system-written text to keep: its English catalog text (mark it with `N_`) and params."""
    return {"text": text, "params": params}


def english(message: dict) -> str:
    """The stored text in English (for the free-text column kept beside it)."""
    return _render(message, "en", lambda text: text)


def shown(message: dict | None, fallback: str | None) -> str:
    """The stored text in the current request's language; `fallback` (an older row's free text) when
    there is no stored text."""
    if not isinstance(message, dict) or "text" not in message:
        return fallback or ""
    from flask import has_request_context

    if not has_request_context():
        return english(message)
    from flask_babel import gettext

    from supervise.i18n import current_language

    return _render(message, current_language(), gettext)


def _render(message: dict, language: str, translate) -> str:
    params = {key: _value(value, language, translate) for key, value in (message.get("params") or {}).items()}
    return fill(translate(message["text"]), params)


def _value(value, language: str, translate):
    """A param as said in `language`: a stored text inside it rendered, a {zh, en} pair picked."""
    if isinstance(value, dict) and "text" in value:
        return _render(value, language, translate)
    if isinstance(value, dict) and {"zh", "en"} & set(value):
        first, second = ("en", "zh") if language == "en" else ("zh", "en")
        return value.get(first) or value.get(second) or ""
    return value


def event_reason(event) -> str:
    """A flag history entry's reason for the reader: a system-written one in their language, a
    person's words (or an older row's free text) as written."""
    return shown((getattr(event, "data", None) or {}).get("message"), event.reason)
