"""A marker for translatable text in pure modules, which must not import Flask-Babel.

`N_("Stayed %(minutes)s min")` returns its argument unchanged; the extraction for the catalog
finds it, and the service, route or template that shows the text translates it with `_(text)`.
"""
from __future__ import annotations


def N_(text: str) -> str:  # gettext's conventional name for "no-op, but extract"
    """The text itself, marked for the catalog."""
    return text
