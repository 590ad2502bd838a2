"""Languages: 简体中文 by default, English by choice.

Source strings are English (`_("Sign in")` in Python, `{{ _('Sign in') }}` in templates); the
Chinese lives in `supervise/translations/zh_Hans/LC_MESSAGES/messages.po`. The catalogs are
compiled from the `.po` files in memory when the app starts, so a compiled file can never be older
than its source and nothing generated is kept beside the code.

Which language a request gets:
- pages: the signed-in user's choice (kept on the account), else the visitor's cookie from the
  switch on the login page, else 简体中文;
- the API (`/api/…`): the request's `Accept-Language`, else 简体中文.
"""
from __future__ import annotations

import io
from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh

DEFAULT_LANGUAGE = "zh_Hans"
LANGUAGES = {"zh_Hans": "简体中文", "en": "English"}
LANGUAGE_COOKIE = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def language_of(tag: str | None) -> str | None:
    """The supported language an `Accept-Language` item or a stored choice names ("zh-CN",
    "zh-Hans", "zh", "en-GB", "zh_Hans"), or None."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag == "zh" or tag.startswith("zh-"):
        return "zh_Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def accepted_language(header_languages) -> str | None:
    """The first supported language, by the client's preference order, in a parsed
    `Accept-Language` (werkzeug's LanguageAccept), or None."""
    for tag, quality in header_languages:
        language = language_of(tag)
        if language and quality > 0:
            return language
    return None


def select_language() -> str:
    """The language of the current request (see the module's docstring)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if request.path.startswith("/api/"):
        return accepted_language(request.accept_languages) or DEFAULT_LANGUAGE
    user = g.get("web_user")
    chosen = language_of(getattr(user, "language", None)) if user is not None else None
    return chosen or language_of(request.cookies.get(LANGUAGE_COOKIE)) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language being spoken to the current request ("zh_Hans" or "en")."""
    locale = get_locale()
    return "en" if locale is None or locale.language == "en" else "zh_Hans"


def compiled_catalog(language: str) -> support.Translations:
    """The language's catalog, compiled from its `.po` file (fuzzy entries are left out, so an
    unreviewed translation is never shown)."""
    po_file = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.exists():
        return support.Translations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return support.Translations(fp=buffer, domain=DOMAIN)


class CompiledInMemory(Domain):
    """Flask-Babel's domain, reading catalogs compiled once per process instead of `.mo` files."""

    def __init__(self) -> None:
        super().__init__(translation_directories=[str(TRANSLATIONS_DIR)], domain=DOMAIN)
        self._compiled: dict[str, support.Translations] = {}

    def get_translations(self):  # Flask-Babel's hook
        language = current_language() if has_request_context() else DEFAULT_LANGUAGE
        if language not in self._compiled:
            self._compiled[language] = compiled_catalog(language)
        return self._compiled[language]


babel = Babel()


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel: the language selector, the in-memory catalogs, and `_`, `ngettext` and
    the language list in every template."""
    domain = CompiledInMemory()
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_language,
                   default_timezone="Asia/Shanghai")
    babel.domain_instance = domain   # what gettext() and the templates' _() look up
    for language in LANGUAGES:
        domain._compiled[language] = compiled_catalog(language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
    # Flask-Babel keeps the chosen locale on `g`, which lives as long as the app context: a request
    # inside a longer-lived context (a CLI command, a test) must choose its own language again.
    app.before_request(refresh)
