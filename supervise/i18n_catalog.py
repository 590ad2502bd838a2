"""Keeping the Chinese catalog whole: extract every message the code and templates use, and add
the new ones to `messages.po` for a translator (`supervise i18n update`); `missing_translations`
is what the test that fails on an untranslated message reads."""
from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from supervise.i18n import DEFAULT_LANGUAGE, DOMAIN, TRANSLATIONS_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
METHOD_MAP = [
    ("translations/**", "ignore"),
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2)}
# A refusal's message is its first argument: the error classes are keywords, so `raise Invalid("…")`
# needs no marker (`supervise/errors.py` translates the message when it is read).
KEYWORDS.update({name: None for name in (
    "DomainError", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Invalid", "TooManyRequests",
    "PhotoRefused")})
# These carry a code first and the message second.
KEYWORDS.update({name: (2,) for name in ("TrackRejected", "OsmandError", "JsonRefused", "PhotoRejected", "UnreadableFile")})


def catalog_path(language: str = DEFAULT_LANGUAGE) -> Path:
    """Where the language's `.po` file lives."""
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extracted_messages() -> Catalog:
    """Every translatable message in the package's Python code and templates, with where it is."""
    template = Catalog(domain=DOMAIN, project="supervise")
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE_DIR), METHOD_MAP, options, keywords=KEYWORDS, strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read_catalog(language: str = DEFAULT_LANGUAGE) -> Catalog:
    """The language's catalog as it is on disk (an empty one when there is none yet)."""
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="supervise")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def update_catalog(language: str = DEFAULT_LANGUAGE) -> tuple[int, int]:
    """Bring the language's `.po` file in line with the code: new messages added untranslated,
    messages no longer used dropped. Returns (added, still untranslated)."""
    catalog = read_catalog(language)
    before = {message.id for message in catalog if message.id}
    catalog.update(extracted_messages(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path = catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_previous=False, no_location=True)
    added = len({message.id for message in catalog if message.id} - before)
    return added, len(missing_translations(language))


def missing_translations(language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Messages the code uses that the language's catalog does not translate (absent, empty or
    fuzzy), as their English source text."""
    catalog = read_catalog(language)
    missing = []
    for message in extracted_messages():
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        translated = entry is not None and not entry.fuzzy and (
            all(entry.string) if isinstance(entry.string, (list, tuple)) else bool(entry.string))
        if not translated:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing
