"""The one JSON loader every door uses: API bodies, /osmand, GeoJSON tracks and grids (PURE).

Python's own parser takes any JSON: nesting 100,000 deep (a RecursionError, in the parser or in
whatever walks the result later), a number of 100,000 digits (a ValueError from int(), or an
OverflowError once something turns it into a float), 1e999 (infinity) and the non-standard NaN and
Infinity. `load_json` takes standard JSON within bounds no real client comes near and refuses the
rest by name with `JsonRefused`, before anything reads the document.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

# Deeper than any document the service reads (a GeoJSON FeatureCollection of polygons is 7).
MAX_DEPTH = 64
# More digits in a row than any coordinate, time or id has (a millisecond epoch is 13).
MAX_DIGITS = 64

# A JSON string, escapes included (unrolled and possessive: one pass, no backtracking).
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")
_LONG_DIGIT_RUN = "0" * (MAX_DIGITS + 1)
# Only a number with an exponent of three digits or more can overflow to infinity once its
# mantissa is bounded by MAX_DIGITS; each such literal is read on its own.
_BIG_EXPONENT = re.compile(r"[eE][+-]?\d{3,}")
_MANTISSA_BEFORE = re.compile(r"-?[\d.]+$")


class JsonRefused(ValueError):
    """Standard-looking JSON outside the bounds; `code` names why (JSON_TOO_DEEP,
    JSON_NUMBER_TOO_LONG, JSON_NOT_A_NUMBER), `details` gives the bound."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, *,
                 params: dict[str, Any] | None = None) -> None:
        self.template, self.params = message, params or {}   # translated where it is answered
        message = message % self.params if self.params else message
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


def load_json(data: bytes | str) -> Any:
    """The value of a JSON document (bytes in UTF-8, -16 or -32, or text; a leading BOM is skipped).

    Promises: the value nests at most MAX_DEPTH deep, holds no number written with more than
    MAX_DIGITS digits in a row, and no NaN or infinity. Raises JsonRefused beyond those bounds,
    json.JSONDecodeError for text that is not JSON, UnicodeDecodeError for bytes that are not text.
    """
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data))
    text = text.removeprefix("\ufeff")
    skeleton = _STRING.sub('""', text)
    depth = nesting_depth(skeleton, strings_removed=True)
    if depth > MAX_DEPTH:
        raise JsonRefused("JSON_TOO_DEEP", "The JSON is nested %(depth)s levels deep; at most %(max_depth)s are read.",
                          {"max_depth": MAX_DEPTH}, params={"depth": depth, "max_depth": MAX_DEPTH})
    _check_numbers(skeleton)
    return json.loads(text, parse_constant=_constant)


def nesting_depth(text: str, *, strings_removed: bool = False) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not
    count), computed without recursion."""
    brackets = _NOT_A_BRACKET.sub("", text if strings_removed else _STRING.sub('""', text))
    if len(brackets) <= 2 * MAX_DEPTH:
        return _depth_of_few(brackets)
    opening = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8) & 2 == 2  # set in "[" and "{", not "]" "}"
    return int(np.cumsum(np.where(opening, 1, -1)).max())


def _depth_of_few(brackets: str) -> int:
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_numbers(skeleton: str) -> None:
    """Refuse digit runs longer than MAX_DIGITS and numbers too large for a float (strings removed)."""
    if _LONG_DIGIT_RUN in skeleton.translate(_DIGITS_AS_ZERO):
        raise JsonRefused("JSON_NUMBER_TOO_LONG", "A number has more than %(max_digits)s digits; no value the service reads is that long.", {"max_digits": MAX_DIGITS}, params={"max_digits": MAX_DIGITS})
    for match in _BIG_EXPONENT.finditer(skeleton):
        mantissa = _MANTISSA_BEFORE.search(skeleton, max(0, match.start() - MAX_DIGITS - 2), match.start())
        if mantissa is None:
            continue  # an exponent after no number (`truee999`): json.loads refuses the text
        literal = mantissa.group() + match.group()
        try:
            value = float(literal)
        except ValueError:
            continue  # not a number after all; json.loads says where
        if not math.isfinite(value):
            raise JsonRefused("JSON_NOT_A_NUMBER", "The number %(literal)s is too large to be represented.",
                              {"number": literal}, params={"literal": literal})


def _constant(name: str) -> float:
    raise JsonRefused("JSON_NOT_A_NUMBER", "%(name)s is not a JSON number; send a number or null.",
                      {"number": name}, params={"name": name})
