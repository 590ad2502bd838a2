"""The marshmallow 4 schema of a regulation document (PURE).

Every rule gets its own params schema built from `spec.RULE_SPECS`, so an unknown
rule code or an unknown parameter name is an "Unknown field." error at its exact
path, and every parameter must lie in its documented range (`PARAM_BOUNDS`). Nothing here fills in defaults: a district or period override must only
carry what it changes; defaults are merged in `document.py`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from supervise.i18n_marks import N_
from supervise.regulation.spec import RULE_SPECS, SEVERITIES


@dataclass(frozen=True)
class Bounds:
    """The sane range of one numeric parameter, both ends included, and its unit."""

    low: float
    high: float
    unit: str


# Every numeric parameter's range: beyond it a value is a typo or an attack, and a value like
# grace_min: 10000000000 once overflowed every sign-in's arithmetic. README lists this table.
PARAM_BOUNDS: Mapping[str, Mapping[str, Bounds]] = MappingProxyType({
    "LATE": {"window_open_before_min": Bounds(0, 240, "min"), "grace_min": Bounds(0, 120, "min")},
    "ABSENT": {"absent_after_min": Bounds(0, 480, "min")},
    "CHECKIN_OFF_GRID": {"min_tolerance_m": Bounds(0, 1000, "m"), "max_reported_error_m": Bounds(0, 1000, "m")},
    "PHOTO_STALE": {"max_age_min": Bounds(0, 1440, "min")},
    "LOCATION_MISMATCH": {"extra_m": Bounds(0, 5000, "m")},
    "LOCATION_SPOOF": {"max_speed_kmh": Bounds(5, 1000, "km/h"), "settle_min": Bounds(0.5, 60, "min"),
                       "settle_fixes": Bounds(2, 100, "fixes")},
    "PHOTO_REUSED": {"max_phash_distance": Bounds(0, 16, "bits of 64")},
    "PHOTO_TIME_CONFLICT": {"max_conflict_min": Bounds(0, 720, "min")},
    "TRACK_GAP": {"max_gap_min": Bounds(1, 240, "min"), "upload_within_min": Bounds(0, 1440, "min")},
    "IDLE": {"radius_m": Bounds(5, 1000, "m"), "min_duration_min": Bounds(1, 480, "min")},
    "OFF_POST": {"buffer_m": Bounds(0, 2000, "m"), "max_continuous_min": Bounds(1, 480, "min"),
                 "max_total_min": Bounds(1, 960, "min")},
    "EARLY_LEAVE": {"before_end_min": Bounds(0, 480, "min")},
    "LOW_PATROL": {"min_km_per_4h": Bounds(0, 100, "km")},
})
# A parameter added to spec.py without a line above still gets a finite range (a test asks for the line).
FALLBACK_BOUNDS = Bounds(0, 10_000, "")


def bounds_of(code: str, name: str) -> Bounds:
    """The range parameter `name` of rule `code` must lie in."""
    return PARAM_BOUNDS.get(code, {}).get(name, FALLBACK_BOUNDS)


class Threshold(fields.Float):
    """A finite number written as a number (not a string or a bool)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
            raise ValidationError(N_("Must be a number."))
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:  # an integer too large for a float: marshmallow lets this one through
            raise ValidationError(N_("Must be a number within its range.")) from None


class StrictBool(fields.Bool):
    """true or false, not "yes" or 1: a manager's typo must not silently switch a rule."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(N_("Must be true or false."))
        return value


class TitleSchema(Schema):
    zh = fields.Str(required=True, validate=validate.Length(min=1))
    en = fields.Str(required=True, validate=validate.Length(min=1))


def _params_schema(code: str) -> type[Schema]:
    params = {name: _threshold(bounds_of(code, name)) for name in RULE_SPECS[code].params}
    return Schema.from_dict(params, name=f"{code}Params")


def _threshold(bounds: Bounds) -> Threshold:
    unit = f" {bounds.unit}" if bounds.unit else ""
    return Threshold(validate=validate.Range(min=bounds.low, max=bounds.high,
                                             error=f"Must be from {{min:g}} to {{max:g}}{unit}."))


def _rule_schema(code: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "clause": fields.Str(validate=validate.Length(min=1)),
            "severity": fields.Str(validate=validate.OneOf(SEVERITIES)),
            "enabled": StrictBool(),
            "params": fields.Nested(_params_schema(code)),
            "title": fields.Nested(TitleSchema),
        },
        name=f"{code}Rule",
    )


RulesSchema: type[Schema] = Schema.from_dict(
    {code: fields.Nested(_rule_schema(code)) for code in RULE_SPECS}, name="RulesSchema"
)


class PeriodSchema(Schema):
    name = fields.Nested(TitleSchema, required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    districts = fields.Raw(load_default="all")
    rules = fields.Nested(RulesSchema, load_default=dict)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        start, end = data.get("from_"), data.get("to")
        if start is not None and end is not None and end < start:
            errors["to"] = [f"Ends ({end}) before it starts ({start})."]
        if not _valid_districts(data.get("districts", "all")):
            errors["districts"] = ['Must be "all" or a list of district codes.']
        if errors:
            raise ValidationError(errors)


def _valid_districts(value: Any) -> bool:
    if value == "all":
        return True
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


class DistrictSchema(Schema):
    rules = fields.Nested(RulesSchema, load_default=dict)


class CatalogItemSchema(Schema):
    code = fields.Str(required=True, validate=validate.Length(min=1))
    zh = fields.Str(required=True, validate=validate.Length(min=1))
    en = fields.Str(required=True, validate=validate.Length(min=1))


def _valid_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {name!r}.") from exc


class RegulationSchema(Schema):
    version_label = fields.Str(required=True, validate=validate.Length(min=1))
    timezone = fields.Str(load_default="Asia/Shanghai", validate=_valid_zone)
    rules = fields.Nested(RulesSchema, load_default=dict)
    periods = fields.List(fields.Nested(PeriodSchema), load_default=list)
    districts = fields.Dict(
        keys=fields.Str(validate=validate.Length(min=1)),
        values=fields.Nested(DistrictSchema),
        load_default=dict,
    )
    catalog = fields.List(fields.Nested(CatalogItemSchema), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _unique_catalog_codes(self, data: dict, **kwargs: Any) -> None:
        codes = [item.get("code") for item in data.get("catalog") or []]
        counts = Counter(codes)
        dupes = {
            i: {"code": [f"Duplicate catalog code {code!r}."]}
            for i, code in enumerate(codes)
            if code is not None and counts[code] > 1 and codes.index(code) != i
        }
        if dupes:
            raise ValidationError({"catalog": dupes})


def flatten_errors(messages: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """marshmallow's nested error dict as (dotted path, message) pairs, in document order.

    `fields.Dict` nests value errors under a "value" key and key errors under
    "key"; those are not part of the document's shape, so they are dropped
    (only `districts` is a Dict, at depth 2).
    """
    if isinstance(messages, dict):
        out: list[tuple[str, str]] = []
        for key, sub in messages.items():
            skip = path[:1] == ("districts",) and len(path) == 2 and key in ("value", "key")
            out.extend(flatten_errors(sub, path if skip else (*path, str(key))))
        return out
    if isinstance(messages, list):
        return [pair for m in messages for pair in flatten_errors(m, path)]
    return [(".".join(p for p in path if p != "_schema"), str(messages))]
