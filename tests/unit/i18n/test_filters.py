"""Raw values on pages are named in the reader's language, with their units."""
from __future__ import annotations

import pytest

from supervise.web import filters


@pytest.fixture
def speak(app):
    def in_language(language: str):
        return app.test_request_context("/", headers={"Cookie": f"lang={language}"})
    return in_language


def test_severities_statuses_roles_and_truth_values_are_words_of_the_page(speak):
    with speak("zh_Hans"):
        assert [filters.severity_name("medium"), filters.status_name("open"), filters.role_name("manager")] == [
            "中", "待处理", "管理人员"]
        assert [filters.value_text(None), filters.value_text(True), filters.value_text(False)] == ["无", "是", "否"]
        assert filters.source_name("default") == "默认值（随系统提供）"
    with speak("en"):
        assert [filters.severity_name("medium"), filters.status_name("open"), filters.value_text(None)] == [
            "Medium", "Open", "none"]


def test_a_measured_value_has_its_name_and_unit_in_the_readers_language(speak):
    with speak("zh_Hans"):
        assert filters.measure_name("distance_m") == "距离"
        assert filters.measure("distance_m", 120.5) == "120.5 米"
        assert filters.measure("late_min", 7) == "7 分钟"
        assert filters.measure_name("median_accuracy_m") == "定位精度中位数"
    with speak("en"):
        assert (filters.measure_name("distance_m"), filters.measure("distance_m", 120.5)) == ("Distance", "120.5 m")


def test_an_unknown_value_is_shown_as_it_is_and_a_two_language_label_on_the_readers_side(speak):
    with speak("zh_Hans"):
        assert filters.status_name("something_new") == "something_new"
        assert filters.one_language("2026 默认 / 2026 default") == "2026 默认"
    with speak("en"):
        assert filters.one_language("2026 默认 / 2026 default") == "2026 default"
        assert filters.one_language("plain label") == "plain label"
