"""Properties of the regulation parser: any text is a valid regulation or a RegulationInvalid that
names where, never another error; and every regulation it accepts can be applied on any day, in
any district, with every threshold inside its documented range."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml
from hypothesis import given
from hypothesis import strategies as st

from supervise.regulation import RegulationInvalid, default_regulation_text, parse_regulation
from supervise.regulation.schema import bounds_of
from supervise.regulation.spec import RULE_SPECS
from tests.properties.strategies import HOSTILE_NUMBERS, HOSTILE_TEXT, SCALARS, json_trees

PARAMS = [(code, name) for code, spec in RULE_SPECS.items() for name in spec.params]
DEFAULT = yaml.safe_load(default_regulation_text())
DAYS = st.integers(0, 3650).map(lambda d: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=d))


def parsed_or_refused(text: str):
    try:
        return parse_regulation(text)
    except RegulationInvalid as refused:
        assert refused.errors and all({"path", "line", "message"} <= set(e) for e in refused.errors)
        return None


def applies_everywhere(regulation, day: datetime, district: str | None) -> None:
    values = regulation.values_for(day, district)
    for code, name in PARAMS:
        bounds = bounds_of(code, name)
        assert bounds.low <= values[code].params[name] <= bounds.high
    regulation.analysis_params(day, district)


@given(st.text(max_size=300))
def test_any_text_is_a_regulation_or_refused_with_where(text):
    parsed_or_refused(text)


@given(json_trees(max_leaves=40))
def test_any_json_document_is_a_regulation_or_refused_with_where(tree):
    parsed_or_refused(yaml.safe_dump({"version_label": "t", "rules": tree}, allow_unicode=True))
    parsed_or_refused(yaml.safe_dump(tree, allow_unicode=True))


@given(st.dictionaries(st.sampled_from(PARAMS), st.one_of(HOSTILE_NUMBERS, SCALARS), min_size=1, max_size=8),
       st.sampled_from(["rules", "district", "period"]), DAYS, st.sampled_from([None, "DL", "NG"]))
def test_whatever_thresholds_a_document_sets_an_accepted_one_applies_on_any_day(values, where, day, district):
    doc = {**DEFAULT}
    rules: dict = {}
    for (code, name), value in values.items():
        rules.setdefault(code, {"params": {}})["params"][name] = value
    if where == "rules":
        doc["rules"] = {**DEFAULT["rules"], **rules}
    elif where == "district":
        doc["districts"] = {"DL": {"rules": rules}}
    else:
        doc["periods"] = [{"name": {"zh": "时段", "en": "period"}, "from": day.date(), "to": day.date(),
                           "rules": rules}]
    regulation = parsed_or_refused(yaml.safe_dump(doc, allow_unicode=True))
    if regulation is not None:
        applies_everywhere(regulation, day, district)


@given(HOSTILE_TEXT, st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), max_size=3), DAYS, DAYS)
def test_labels_catalogs_and_periods_of_any_text_are_refused_or_applied(label, catalog, start, end):
    doc = {**DEFAULT, "version_label": label, "catalog": [{"code": c, "zh": z, "en": z} for c, z in catalog],
           "periods": [{"name": {"zh": label, "en": label}, "from": start.date(), "to": end.date(),
                        "districts": [label]}]}
    regulation = parsed_or_refused(yaml.safe_dump(doc, allow_unicode=True))
    if regulation is not None:
        applies_everywhere(regulation, start, label)
