"""The one JSON loader: standard JSON within bounds is read as json.loads reads it; the rest is refused by name."""
import json

import pytest

from supervise.jsonload import MAX_DEPTH, MAX_DIGITS, JsonRefused, load_json, nesting_depth


def test_ordinary_json_reads_as_the_standard_library_reads_it():
    text = '{"a": [1, 2.5, -3e10, true, null, "x[{"], "b": {"c": "\\u4e2d\\"]"}}'
    assert load_json(text) == json.loads(text)
    assert load_json(text.encode("utf-16")) == json.loads(text)
    assert load_json(b"\xef\xbb\xbf" + text.encode()) == json.loads(text)


def test_nesting_a_hundred_thousand_deep_is_refused_without_recursion():
    with pytest.raises(JsonRefused) as refused:
        load_json("[" * 100_000 + "]" * 100_000)
    assert refused.value.code == "JSON_TOO_DEEP" and refused.value.details == {"max_depth": MAX_DEPTH}


def test_nesting_up_to_the_bound_is_read_and_one_more_level_is_not():
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JsonRefused):
        load_json("{\"a\":" * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert nesting_depth('["' + "[" * 1000 + '\\"]]]"]') == 1
    assert load_json('{"name": "' + "{" * 5000 + '"}') == {"name": "{" * 5000}


@pytest.mark.parametrize("number", ["9" * 100_000, "-" + "1" * (MAX_DIGITS + 1), "0." + "0" * 70 + "1",
                                    "1" * 400 + ".5"])
def test_a_number_with_more_digits_than_any_value_has_is_refused(number):
    with pytest.raises(JsonRefused) as refused:
        load_json('{"lat": ' + number + "}")
    assert refused.value.code == "JSON_NUMBER_TOO_LONG"


@pytest.mark.parametrize("body", ["[NaN]", "[Infinity]", "[-Infinity]", "[1e999]", "[-1.5E+400]", '{"x": 2e308}'])
def test_nan_and_numbers_beyond_a_float_are_refused(body):
    with pytest.raises(JsonRefused) as refused:
        load_json(body)
    assert refused.value.code == "JSON_NOT_A_NUMBER"


def test_large_and_tiny_finite_numbers_are_read():
    assert load_json("[1e-999, 2e300, 123456789012345678901234567890]") == [0.0, 2e300, 123456789012345678901234567890]


@pytest.mark.parametrize("body", [b"{", b"[1,]", b"\xff\xfe\xfd", b"", b"[1] [2]"])
def test_text_that_is_not_json_raises_what_json_loads_raises(body):
    with pytest.raises(ValueError) as raised:
        load_json(body)
    assert not isinstance(raised.value, JsonRefused)
