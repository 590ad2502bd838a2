"""The Chinese catalog is whole: every message the code and templates use has a reviewed
translation, and requests are answered in the language they ask for."""
from __future__ import annotations

from werkzeug.datastructures import LanguageAccept

from supervise.i18n import accepted_language, compiled_catalog, language_of
from supervise.i18n_catalog import missing_translations


def test_every_message_the_code_uses_has_a_chinese_translation():
    missing = missing_translations()

    assert missing == [], f"untranslated (run `supervise i18n update`, then translate): {missing[:20]}"


def test_the_compiled_catalog_translates_a_page_word():
    assert compiled_catalog("zh_Hans").gettext("Sign in") == "登录"


def test_language_tags_as_phones_and_browsers_send_them_name_a_supported_language():
    assert language_of("zh-CN") == language_of("zh-Hans-CN") == language_of("zh") == "zh_Hans"
    assert language_of("en-GB") == language_of("EN") == "en"
    assert language_of("fr-FR") is None and language_of("") is None


def test_accept_language_picks_the_first_supported_language_by_preference():
    assert accepted_language(LanguageAccept([("fr", 1), ("en-US", 0.8), ("zh-CN", 0.5)])) == "en"
    assert accepted_language(LanguageAccept([("de", 1)])) is None
