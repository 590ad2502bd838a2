"""Every numeric parameter of the regulation has a documented, sane range; a value outside it is
refused with the path, the line and the range, wherever the document sets it."""
import pytest
import yaml

from supervise.regulation import RegulationInvalid, default_regulation_text, parse_regulation
from supervise.regulation.document import MAX_DOCUMENT_CHARS
from supervise.regulation.schema import PARAM_BOUNDS, bounds_of
from supervise.regulation.spec import RULE_SPECS

ALL_PARAMS = [(code, name) for code, spec in RULE_SPECS.items() for name in spec.params]


def document(code: str, name: str, value, where: str = "rules") -> str:
    """A document setting one parameter in the base rules, a district override or a key period."""
    rules = {code: {"params": {name: value}}}
    doc = {"version_label": "t"}
    if where == "rules":
        doc["rules"] = rules
    elif where == "district":
        doc["districts"] = {"DL": {"rules": rules}}
    else:
        doc["periods"] = [{"name": {"zh": "亚冬会", "en": "Games"}, "from": "2025-02-01", "to": "2025-02-15",
                           "rules": rules}]
    return yaml.safe_dump(doc, allow_unicode=True).replace("'2025-02-01'", "2025-02-01").replace(
        "'2025-02-15'", "2025-02-15")


def errors_of(text: str) -> list[dict]:
    with pytest.raises(RegulationInvalid) as refused:
        parse_regulation(text)
    return refused.value.errors


@pytest.mark.parametrize("code, name", ALL_PARAMS)
def test_every_parameter_has_its_own_documented_range_holding_its_default(code, name):
    assert name in PARAM_BOUNDS.get(code, {}), f"{code}.{name} has no range in schema.PARAM_BOUNDS"
    bounds = bounds_of(code, name)
    assert bounds.low <= RULE_SPECS[code].params[name].default <= bounds.high and bounds.unit


@pytest.mark.parametrize("code, name", ALL_PARAMS)
def test_both_ends_of_every_range_are_accepted(code, name):
    bounds = bounds_of(code, name)
    for value in (bounds.low, bounds.high):
        regulation = parse_regulation(document(code, name, value))
        assert regulation.base[code]["params"][name] == value


@pytest.mark.parametrize("code, name", ALL_PARAMS)
@pytest.mark.parametrize("where", ["rules", "district", "period"])
def test_a_value_beyond_either_end_is_refused_with_its_path_and_range(code, name, where):
    bounds = bounds_of(code, name)
    for value in (bounds.low - 1, bounds.high + 1, 10_000_000_000, int("9" * 400)):
        [error] = errors_of(document(code, name, value, where))
        assert error["path"].endswith(f"{code}.params.{name}") and error["line"]
        assert f"{bounds.low:g}" in error["message"] or "too large" in error["message"].lower()


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "5", True, [5], {"a": 5}, None])
def test_a_value_that_is_not_a_finite_number_is_refused(value):
    [error] = errors_of(document("LATE", "grace_min", value))
    assert error["path"] == "rules.LATE.params.grace_min"


def test_a_document_longer_than_any_regulation_is_refused_before_it_is_read():
    [error] = errors_of("version_label: t\n#" + "x" * MAX_DOCUMENT_CHARS)
    assert str(MAX_DOCUMENT_CHARS) in error["message"]


def test_the_shipped_default_lies_inside_every_range():
    parse_regulation(default_regulation_text())


def test_the_readme_lists_every_range_as_the_schema_has_it():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for code, name in ALL_PARAMS:
        bounds = bounds_of(code, name)
        assert f"| `{code}.{name}` | {bounds.low:g} – {bounds.high:g} {bounds.unit} |" in readme
