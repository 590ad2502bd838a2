"""Properties of the one JSON loader: any document within its bounds reads exactly as the standard
library reads it, anything else is refused with a ValueError that says why, never another error."""
from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from supervise.jsonload import MAX_DEPTH, JsonRefused, load_json, nesting_depth
from tests.properties.strategies import HOSTILE_TEXT

FINITE = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30),
                   st.floats(allow_nan=False, allow_infinity=False), HOSTILE_TEXT)
DOCUMENTS = st.recursive(FINITE, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                         st.dictionaries(HOSTILE_TEXT, kids, max_size=4)),
                         max_leaves=30)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(DOCUMENTS)
def test_a_document_within_the_bounds_reads_as_json_loads_reads_it(value):
    text = json.dumps(value)
    assert load_json(text) == json.loads(text)
    assert load_json(text.encode("utf-16")) == json.loads(text)
    assert nesting_depth(text) == depth(value)


@given(st.integers(MAX_DEPTH + 1, 5000), st.sampled_from(["[]", "{}"]))
def test_nesting_beyond_the_bound_is_refused_at_any_depth(levels, brackets):
    opening, closing = brackets
    text = (opening + ('"k":' if opening == "{" else "")) * levels
    text = text[:-4] if opening == "{" else text
    try:
        load_json(text + closing * levels)
    except JsonRefused as refused:
        assert refused.code == "JSON_TOO_DEEP"
    except ValueError:
        pass  # the object form above is not valid JSON at every depth; refused all the same


@given(st.binary(max_size=300))
def test_any_bytes_are_a_value_or_a_value_error(data):
    try:
        value = load_json(data)
    except ValueError:
        return
    text = json.dumps(value)
    assert "NaN" not in text and "Infinity" not in text


@given(st.text(alphabet="[]{}\",:0123456789.eE+-nulltrefasNIiy \\", max_size=400))
def test_any_json_shaped_text_is_a_finite_value_or_a_value_error(text):
    try:
        value = load_json(text)
    except ValueError:
        return
    assert depth(value) <= MAX_DEPTH
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            assert math.isfinite(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
