"""Hypothesis strategies shared by the parser properties: hostile numbers, texts and JSON trees."""
from __future__ import annotations

from hypothesis import strategies as st

HOSTILE_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 2**31, 2**63, -(2**63) - 1, 10**20]),
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "NaN", "nan", "inf", "-Infinity", "1e999", "=HYPERLINK(\"x\")",
                     "'; DROP TABLE flag; --", "../../etc/passwd", "\u202e", "9" * 400, "2026-13-45T25:61:61Z",
                     "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "1764201600000", "-1"]),
)
SCALARS = st.one_of(st.none(), st.booleans(), HOSTILE_NUMBERS, HOSTILE_TEXT)


def json_trees(leaves=SCALARS, max_leaves: int = 25):
    """Nested lists and objects of hostile leaves (keys are text too)."""
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(HOSTILE_TEXT, children, max_size=5)), max_leaves=max_leaves)
