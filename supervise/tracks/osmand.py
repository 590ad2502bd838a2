"""Decode what the Traccar Client phone app sends (the OsmAnd protocol) into RawFix (PURE).

Two shapes arrive: a query string (GET, or a form POST) and a JSON body (newer clients).
Units on the wire: query ``speed`` is KNOTS, JSON ``coords.speed`` is m/s; we return m/s.
Battery is returned in percent (0..100): query ``batt`` is a percent, JSON
``battery.level`` a 0..1 fraction.

Where we deliberately differ from Traccar's own decoder:
* accuracy is kept whatever its value (Traccar drops JSON accuracy below 10 m; we need it);
* unknown values stay None instead of 0 (negative JSON speed/heading/battery, accuracy 0);
* a request without a position gives ``fix=None`` (Traccar copies the last known place);
* a request without a time gives ``fix.t = received_at`` (Traccar uses its receive time).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from supervise.tracks.model import RawFix
from supervise.tracks.parse import DEFAULT_NAIVE_TZ, _zone, time_to_posix

KNOT_MPS = 1852.0 / 3600.0
_KNOWN_QUERY = frozenset((
    "id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing", "heading",
    "altitude", "accuracy", "batt", "mock",
))


class OsmandError(ValueError):
    """A malformed request; ``code`` is stable (OSMAND_BAD_LAT, OSMAND_BAD_TIMESTAMP, ...)."""

    def __init__(self, code: str, message: str, *, params: dict | None = None) -> None:
        self.template, self.params = message, params or {}   # translated where it is answered
        message = message % self.params if self.params else message
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class OsmandReport:
    """Who sent it (None when no id), the position (None when none was sent), the rest."""

    device_id: str | None
    fix: RawFix | None
    attributes: dict[str, Any] = field(default_factory=dict)


def decode_query(
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    naive_tz: str = DEFAULT_NAIVE_TZ,
    received_at: float | None = None,
) -> OsmandReport:
    """Decode OsmAnd query parameters (already URL-decoded, '+' as space).

    Promises: device_id is ``id`` or ``deviceid`` or None; fix is None without lat/lon;
    speed in m/s, battery in percent; unknown parameters land in attributes (numbers,
    booleans or text, repeated keys as lists). Raises OsmandError for unreadable values.
    """
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    first: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    for key, value in pairs:
        first.setdefault(key, value)
        if key not in _KNOWN_QUERY:
            _add_attribute(attributes, key, _attribute_value(value))
    device_id = (first.get("id") or first.get("deviceid") or "").strip() or None
    lat_s, lon_s = first.get("lat"), first.get("lon")
    if (lat_s is None or lon_s is None) and first.get("location"):
        lat_s, _, lon_s = first["location"].partition(",")
    if lat_s is None or lon_s is None:
        return OsmandReport(device_id, None, attributes)
    t = _timestamp(first.get("timestamp"), naive_tz, received_at)
    speed_kn = _number(first.get("speed"), "speed")
    battery = _number(first.get("batt"), "batt")
    fix = RawFix(
        t=t,
        lat=_coordinate(lat_s, "lat"),
        lon=_coordinate(lon_s, "lon"),
        accuracy_m=_positive(_number(first.get("accuracy"), "accuracy")),
        speed_mps=None if speed_kn is None or speed_kn < 0 else speed_kn * KNOT_MPS,
        bearing=_non_negative(_number(first.get("bearing", first.get("heading")), "bearing")),
        altitude_m=_number(first.get("altitude"), "altitude"),
        battery=_non_negative(battery),
        mock=str(first.get("mock", "")).lower() == "true",
    )
    return OsmandReport(device_id, fix, attributes)


def decode_json(body: Any, *, received_at: float | None = None) -> OsmandReport:
    """Decode the JSON body of newer Traccar clients (``device_id`` + ``location``).

    Promises: coords speed is already m/s; battery.level (0..1) becomes percent; negative
    speed/heading/battery mean unknown (None); accuracy is kept. Raises OsmandError when the
    body is not an object or a value is unreadable.
    """
    if not isinstance(body, dict):
        raise OsmandError("OSMAND_BAD_BODY", "the JSON body must be an object")
    raw_id = body.get("device_id")
    device_id = None if raw_id is None or str(raw_id).strip() == "" else str(raw_id).strip()
    location = body.get("location")
    if not isinstance(location, dict):
        return OsmandReport(device_id, None, {})
    attributes = _json_attributes(location)
    coords = location.get("coords")
    if not isinstance(coords, dict) or coords.get("latitude") is None or coords.get("longitude") is None:
        return OsmandReport(device_id, None, attributes)
    t = _timestamp(location.get("timestamp"), "UTC", received_at)
    battery = location.get("battery")
    level = _number(battery.get("level"), "battery.level") if isinstance(battery, dict) else None
    fix = RawFix(
        t=t,
        lat=_coordinate(coords["latitude"], "latitude"),
        lon=_coordinate(coords["longitude"], "longitude"),
        accuracy_m=_positive(_number(coords.get("accuracy"), "accuracy")),
        speed_mps=_non_negative(_number(coords.get("speed"), "speed")),
        bearing=_non_negative(_number(coords.get("heading"), "heading")),
        altitude_m=_number(coords.get("altitude"), "altitude"),
        battery=None if level is None or level < 0 else level * 100.0,
        mock=location.get("mock") is True,
    )
    return OsmandReport(device_id, fix, attributes)


def _json_attributes(location: dict) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key in ("event", "odometer", "uuid"):
        if key in location:
            attributes[key] = location[key]
    if "is_moving" in location:
        attributes["motion"] = location["is_moving"]
    activity = location.get("activity")
    if isinstance(activity, dict) and "type" in activity:
        attributes["activity"] = activity["type"]
    battery = location.get("battery")
    if isinstance(battery, dict) and "is_charging" in battery:
        attributes["charge"] = battery["is_charging"]
    extras = location.get("extras")
    if isinstance(extras, dict):
        attributes.update(extras)
    return attributes


def _timestamp(value: Any, naive_tz: str, received_at: float | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return received_at
    try:
        return time_to_posix(value, _zone(naive_tz))
    except (TypeError, ValueError) as exc:
        raise OsmandError("OSMAND_BAD_TIMESTAMP", "unreadable timestamp %(value)s", params={"value": repr(value)}) from exc


def _number(value: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise OsmandError(f"OSMAND_BAD_{name.upper().replace('.', '_')}", "%(name)s must be a number", params={"name": name})
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise OsmandError(
            f"OSMAND_BAD_{name.upper().replace('.', '_')}", "%(name)s must be a number, got %(value)s"
        , params={"name": name, "value": repr(value)}) from exc
    if not math.isfinite(number):
        raise OsmandError(f"OSMAND_BAD_{name.upper().replace('.', '_')}", "%(name)s must be finite", params={"name": name})
    return number


def _coordinate(value: Any, name: str) -> float:
    code = "OSMAND_BAD_LAT" if name.startswith("lat") else "OSMAND_BAD_LON"
    try:
        number = _number(value, name)
    except OsmandError as exc:
        raise OsmandError(code, exc.template, params=exc.params) from exc
    if number is None:
        raise OsmandError(code, "%(name)s is empty", params={"name": name})
    # Out-of-range values are left to filtering, which counts them as invalid_coordinates.
    return number


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None


def _non_negative(value: float | None) -> float | None:
    return value if value is not None and value >= 0 else None


def _attribute_value(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        lowered = text.lower()
        return {"true": True, "false": False}.get(lowered, text)
    return number if math.isfinite(number) else text


def _add_attribute(attributes: dict[str, Any], key: str, value: Any) -> None:
    if key not in attributes:
        attributes[key] = value
    elif isinstance(attributes[key], list):
        attributes[key].append(value)
    else:
        attributes[key] = [attributes[key], value]
