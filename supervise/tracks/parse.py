"""Read an uploaded track (GPX 1.0/1.1, GeoJSON or CSV) into RawFix values (PURE).

The format is found from the content, never from the file name. Parsing is lenient
about single points and strict about whole files:

* A point the parser cannot turn into a RawFix is counted in ``ParseResult.rejected``:
  ``invalid_coordinates`` (lat/lon not a number, e.g. ``lat="undefined"``),
  ``no_position`` (a CSV row without coordinates, e.g. OpenTracks segment markers),
  ``invalid_time`` (a time that is present but unreadable).
* A point with readable fields is yielded even when its values are nonsense (NaN, out of
  range, no time, a 1901 time): ``filtering.filter_fixes`` drops those with a reason.
* A whole file is refused with ``TrackRejected`` when it is empty, not GPX/GeoJSON/CSV,
  uses XML entity tricks, holds more than ``max_points`` points, or has no point with
  both a valid position and a time.

Time zones: GPX times without a zone are UTC (the GPX schema says so). CSV and GeoJSON
times without a zone are read in ``naive_tz`` (default Asia/Shanghai) because phone CSV
exports here are written in local time.

Waypoints: GPX ``wpt`` and GeoJSON ``Point`` features are marked places, not a path; they
are used as the track only when the file holds no track/route points (or lines) at all.
"""
from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any, ClassVar
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zoneinfo import ZoneInfo

import numpy as np
from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from supervise.jsonload import JsonRefused, load_json
from supervise.tracks.filtering import FixArrays
from supervise.tracks.model import RawFix

DEFAULT_MAX_POINTS = 200_000
DEFAULT_NAIVE_TZ = "Asia/Shanghai"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Numeric times below this are seconds, above are milliseconds (Traccar's rule too).
_MS_THRESHOLD = 2**31 - 1


class TrackRejected(Exception):
    """The whole upload is refused; ``code`` is stable, ``http_status`` what the API answers."""

    _STATUS: ClassVar[dict[str, int]] = {"TRACK_UNRECOGNISED_FORMAT": 415, "TRACK_TOO_MANY_POINTS": 413}

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, *,
                 params: dict[str, Any] | None = None) -> None:
        self.template, self.params = message, params or {}   # translated where it is answered
        message = message % self.params if self.params else message
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = self._STATUS.get(code, 422)
        self.details = details or {}


@dataclass
class ParseResult:
    """Fixes in file order, points refused while parsing (reason -> count), the format found."""

    fixes: list[RawFix]
    rejected: Counter[str] = field(default_factory=Counter)
    format: str = ""
    waypoints_ignored: int = 0


# ---------------------------------------------------------------- times


@lru_cache(maxsize=65536)
def _minute_start(prefix: str) -> int:
    """POSIX seconds at 'YYYY-MM-DDTHH:MM' (UTC); cached because a track shares few minutes."""
    h, mi = int(prefix[11:13]), int(prefix[14:16])
    if not (prefix[11:13].isdigit() and prefix[14:16].isdigit() and h < 24 and mi < 60):
        raise ValueError(f"bad time of day in {prefix!r}")
    return (date.fromisoformat(prefix[:10]).toordinal() - _EPOCH_ORDINAL) * 86400 + h * 3600 + mi * 60


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def iso_to_posix(text: str, naive_tz: tzinfo = UTC) -> float:
    """POSIX seconds for an ISO 8601 time; a zone-less time is read in ``naive_tz``.

    Raises ValueError for text that is not an ISO 8601 date-time.
    """
    s = text.strip()
    n = len(s)
    # Fast path for the shape nearly every GPS logger writes: YYYY-MM-DDTHH:MM:SS[.f]Z
    if n >= 20 and s[-1] == "Z" and s[10] == "T" and s[13] == ":" and s[16] == ":":
        sec_s = s[17:19]
        if sec_s.isdigit() and sec_s < "60":
            if n == 20:
                return _minute_start(s[:16]) + int(sec_s)
            if s[19] == "." and s[20:-1].isdigit():
                return _minute_start(s[:16]) + int(sec_s) + float("0" + s[19:-1])
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=naive_tz)
    return dt.timestamp()


def time_to_posix(value: Any, naive_tz: tzinfo) -> float:
    """POSIX seconds for an ISO 8601 string or epoch seconds/milliseconds (number or digits).

    Numbers below 2^31-1 are seconds, others milliseconds. Raises ValueError otherwise.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(value, int | float):
        number = float(value)
    else:
        s = str(value).strip()
        if not s:
            raise ValueError("empty time")
        try:
            number = float(s)
        except ValueError:
            return iso_to_posix(s, naive_tz)
    if not math.isfinite(number):
        raise ValueError("time is not finite")
    return number if abs(number) < _MS_THRESHOLD else number / 1000.0


# ---------------------------------------------------------------- entry point


def parse_track(
    data: bytes, *, max_points: int = DEFAULT_MAX_POINTS, naive_tz: str = DEFAULT_NAIVE_TZ
) -> ParseResult:
    """Parse an uploaded track, whatever its format, into RawFix values.

    Promises: returns only if at least one point has a valid position and a time; every
    point of the file is either in ``fixes`` or counted in ``rejected``. Raises
    TrackRejected (TRACK_EMPTY, TRACK_UNRECOGNISED_FORMAT, TRACK_MALFORMED,
    TRACK_FORBIDDEN_XML, TRACK_UNKNOWN_ENCODING, TRACK_TOO_MANY_POINTS, TRACK_NO_TIMED_POSITIONS)
    otherwise.
    """
    data = as_utf8(data)
    head = data[:512].lstrip()
    if not head:
        raise TrackRejected("TRACK_EMPTY", "the file is empty")
    zone = _zone(naive_tz)
    if head[:1] == b"<":
        result = _parse_gpx(data, max_points)
    elif head[:1] in (b"{", b"["):
        result = _parse_geojson(data, max_points, zone)
    else:
        result = _parse_csv(data, max_points, zone)
    if not any(_is_timed_position(f) for f in result.fixes):
        raise TrackRejected(
            "TRACK_NO_TIMED_POSITIONS",
            "the file holds no point with both a valid position and a time",
            {"format": result.format, "points": len(result.fixes), "rejected": dict(result.rejected)},
        )
    return result


# ---------------------------------------------------------------- encodings
#
# Why the file is made UTF-8 before any reader sees it: expat knows four encodings by itself and asks
# Python's codecs for the rest, which raise LookupError for a name they do not know and odd errors
# for codecs that are not text encodings at all ("zlib", "rot13"); the fast paths read UTF-8 bytes
# with regular expressions. So a UTF-16/32 byte order mark, or an XML declaration naming another
# encoding, is decoded here, once, by name, and refused by name when it cannot be.

_UTF_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
             (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_XML_DECLARATION = re.compile(rb"""\s*<\?xml\s[^>]*?encoding\s*=\s*(["'])([^"'>]*)\1""")
_UTF8_NAMES = frozenset(("utf-8", "utf8", "us-ascii", "ascii"))


def as_utf8(data: bytes) -> bytes:
    """The file as UTF-8 without a byte order mark: decoded from UTF-16/32 by its mark, or from the
    encoding its XML declaration names; an XML declaration then says UTF-8. Other bytes unchanged.

    Raises TrackRejected TRACK_UNKNOWN_ENCODING naming an encoding that is unknown or not a text
    encoding, TRACK_MALFORMED when the bytes are not valid in the encoding named."""
    for bom, encoding in _UTF_BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            utf8 = body if encoding == "utf-8" else _transcoded(body, encoding, f"{encoding} (by its byte order mark)")
            return _declaring_utf8(utf8)  # the mark decides, whatever a declaration says
    declared = _XML_DECLARATION.match(data, 0, 512)
    if declared is None or _is_utf8_name(declared.group(2)):
        return data
    name = declared.group(2).decode("ascii", "replace").strip()
    return _declaring_utf8(_transcoded(data, name, name))


def _is_utf8_name(name: bytes) -> bool:
    return name.strip().lower().decode("ascii", "replace") in _UTF8_NAMES


def _declaring_utf8(utf8: bytes) -> bytes:
    head = _XML_DECLARATION.match(utf8, 0, 2048)
    if head is None or _is_utf8_name(head.group(2)):
        return utf8
    return utf8[:head.start(2)] + b"UTF-8" + utf8[head.end(2):]


def _transcoded(data: bytes, encoding: str, shown: str) -> bytes:
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, ValueError, TypeError):
        codec = None
    if codec is None or not codec._is_text_encoding:
        raise TrackRejected("TRACK_UNKNOWN_ENCODING", "the file declares the encoding %(encoding)s, which is not a text encoding the service knows; save it as UTF-8", {"encoding": encoding}, params={"encoding": repr(encoding)})
    try:
        return data.decode(codec.name).encode("utf-8")
    except (UnicodeError, ValueError) as exc:
        raise TrackRejected("TRACK_MALFORMED", "the file is not valid %(shown)s text (%(exc)s)",
                            {"encoding": encoding}, params={"shown": shown, "exc": exc}) from exc


def _is_timed_position(f: RawFix) -> bool:
    return (
        f.t is not None
        and f.lat is not None
        and f.lon is not None
        and -90.0 <= f.lat <= 90.0
        and -180.0 <= f.lon <= 180.0
    )


def _too_many(max_points: int) -> TrackRejected:
    return TrackRejected(
        "TRACK_TOO_MANY_POINTS", "the file holds more than %(max_points)s points", {"max_points": max_points}
    , params={"max_points": max_points})


def _choose_track_or_waypoints(track: list[RawFix], waypoints: list[RawFix], result: ParseResult) -> None:
    if track:
        result.fixes = track
        result.waypoints_ignored = len(waypoints)
    else:
        result.fixes = waypoints


# ---------------------------------------------------------------- GPX
#
# Why not defusedxml.ElementTree.iterparse for everything: defusedxml builds on the
# pure-Python ElementTree parser; merely iterating its events over 50,000 points takes about
# a third of gpxpy's whole parse. So a GPX is read in two steps: (1) one pass of the C expat
# parser with defusedxml's own guards (any entity declaration or external entity raises
# defusedxml's EntitiesForbidden / ExternalReferenceForbidden, as defusedxml does), which
# also proves the file well-formed and finds the root element; (2) the points are read by a
# regular expression over the now-trusted text. Files whose points could hide markup a
# regular expression must not guess at (comments, CDATA, character references, non-UTF-8
# encodings) take the exact path instead: defusedxml's iterparse, streaming and clearing
# elements as it goes. Tests check both paths give the same fixes on every fixture.

_POINT_TAGS = frozenset(("trkpt", "rtept", "wpt"))
_CONTAINER_TAGS = frozenset(("trkseg", "rte", "gpx"))
_FIELD_NAMES = {"time": 0, "ele": 1, "speed": 2, "course": 3, "hAcc": 4, "accuracy": 4, "accuracy_horizontal": 4}
_OPEN_RE = re.compile(rb"<(?:[\w.-]+:)?(trkpt|rtept|wpt)(\s[^>]*)?>")
_CLOSE_RE = {
    name: re.compile(rb"</(?:[\w.-]+:)?" + name + rb"\s*>") for name in (b"trkpt", b"rtept", b"wpt")
}
_LAT_RE = re.compile(rb"""\slat\s*=\s*["']([^"']*)""")
_LON_RE = re.compile(rb"""\slon\s*=\s*["']([^"']*)""")
_FIELD_RE = re.compile(
    rb"<(?:[\w.-]+:)?(time|ele|speed|course|hAcc|accuracy|accuracy_horizontal)(?:\s[^>]*)?>([^<]*)</"
)
_BYTES_FIELD = {k.encode(): v for k, v in _FIELD_NAMES.items()}
_TRICKY = (b"<!--", b"<![CDATA[", b"&", b"<?xml-stylesheet")


def _guard_and_root(data: bytes, markup: set[str] | None = None) -> str:
    """Refuse entity tricks and malformed XML; return the root element's local name. When
    `markup` is given, the kinds of markup a regular expression must not guess at that the
    file holds ("comment", "cdata", "instruction") are added to it."""
    parser = expat.ParserCreate()
    root: list[str] = []

    def entity_decl(name, is_pe, value, base, sysid, pubid, notation):
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    def unparsed_entity(name, base, sysid, pubid, notation):
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

    def external_ref(context, base, sysid, pubid):
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def doctype(name, sysid, pubid, has_internal_subset):
        if sysid or pubid:  # a DTD fetched from elsewhere: a GPX never needs one
            raise ExternalReferenceForbidden(name, None, sysid, pubid)

    def first_element(name, attrs):
        root.append(name.rpartition(":")[2])
        parser.StartElementHandler = None

    parser.EntityDeclHandler = entity_decl
    parser.UnparsedEntityDeclHandler = unparsed_entity
    parser.ExternalEntityRefHandler = external_ref
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = first_element
    if markup is not None:
        _watch_markup(parser, markup)
    try:
        parser.Parse(data, True)
    except DefusedXmlException as exc:
        raise TrackRejected(
            "TRACK_FORBIDDEN_XML", "the XML declares entities or external references, which are refused",
            {"reason": type(exc).__name__},
        ) from exc
    except expat.ExpatError as exc:
        if not root:
            raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "the file is not XML, JSON or CSV") from exc
        raise TrackRejected(
            "TRACK_MALFORMED", "the GPX is not well-formed XML (%(value)s, line %(lineno)s)",
            {"line": exc.lineno}, params={"value": expat.errors.messages[exc.code], "lineno": exc.lineno},
        ) from exc
    return root[0] if root else ""


def _watch_markup(parser: Any, markup: set[str]) -> None:
    # Why handlers and not bytes searches: the guard's expat pass reads the file anyway, and
    # these fire only where such markup is, while each search is another pass over the file.
    parser.CommentHandler = lambda text: markup.add("comment")
    parser.StartCdataSectionHandler = lambda: markup.add("cdata")

    # Any processing instruction, not only xml-stylesheet: its text could hold a <trkpt>.
    parser.ProcessingInstructionHandler = lambda target, text: markup.add("instruction")


def _parse_gpx(data: bytes, max_points: int, exact: bool = False) -> ParseResult:
    root = _guard_and_root(data)
    if root != "gpx":
        raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "XML with root <%(root)s> is not GPX", {"root": root}, params={"root": root})
    result = ParseResult(fixes=[], format="gpx")
    track: list[RawFix] = []
    waypoints: list[RawFix] = []
    head = data[:200].lower()
    plain = b"encoding" not in head or b"utf-8" in head or b"us-ascii" in head
    if exact or not plain or any(marker in data for marker in _TRICKY):
        _gpx_points_exact(data, max_points, track, waypoints, result.rejected)
    else:
        _gpx_points_fast(data, max_points, track, waypoints, result.rejected)
    _choose_track_or_waypoints(track, waypoints, result)
    return result


def _gpx_points_fast(
    data: bytes, max_points: int, track: list[RawFix], waypoints: list[RawFix], rejected: Counter[str]
) -> None:
    # Per-point work is kept to a few C-level regex calls: this loop is the hot path.
    search, lat_re, lon_re, fields_of = _OPEN_RE.search, _LAT_RE.search, _LON_RE.search, _FIELD_RE.findall
    field_index, close = _BYTES_FIELD, _CLOSE_RE
    pos, count = 0, 0
    while (m := search(data, pos)) is not None:
        count += 1
        if count > max_points:
            raise _too_many(max_points)
        kind, attrs = m.group(1), m.group(2) or b""
        values: list[Any] = [None] * 5
        pos = m.end()
        if not attrs.endswith(b"/"):
            c = close[kind].search(data, pos)
            if c is None:  # cannot happen after the well-formedness pass
                break
            for name, text in fields_of(data, pos, c.start()):
                values[field_index[name]] = text
            pos = c.end()
        lat_m, lon_m = lat_re(attrs), lon_re(attrs)
        fix = _gpx_fix(
            lat_m and lat_m.group(1), lon_m and lon_m.group(1),
            values[0] and values[0].decode("utf-8", "replace"), values, rejected,
        )
        if fix is not None:
            (waypoints if kind == b"wpt" else track).append(fix)


def _gpx_points_exact(
    data: bytes, max_points: int, track: list[RawFix], waypoints: list[RawFix], rejected: Counter[str]
) -> None:
    names: dict[str, str] = {}
    container = None
    count = 0
    try:
        for event, el in iterparse(io.BytesIO(data), events=("start", "end")):
            name = names.get(el.tag) or _local(el.tag, names)
            if event == "start":
                if name in _CONTAINER_TAGS:
                    container = el
                continue
            if name not in _POINT_TAGS:
                continue
            count += 1
            if count > max_points:
                raise _too_many(max_points)
            values: list[str | None] = [None] * 5
            for child in el.iter():
                index = _FIELD_NAMES.get(names.get(child.tag) or _local(child.tag, names))
                if index is not None:
                    values[index] = child.text
            fix = _gpx_fix(el.get("lat"), el.get("lon"), values[0], values, rejected)
            if fix is not None:
                (waypoints if name == "wpt" else track).append(fix)
            el.clear()
            if container is not None:
                # Drop the emptied point from its parent so memory stays bounded.
                container.clear()
    except DefusedXmlException as exc:  # already refused by the guard; kept for safety
        raise TrackRejected("TRACK_FORBIDDEN_XML", "the XML uses entities, which are refused") from exc
    except ParseError as exc:  # what the guard's pass cannot know, e.g. an entity left to an external DTD
        raise TrackRejected("TRACK_MALFORMED", "the GPX cannot be read: %(exc)s", {"line": exc.position[0]}, params={"exc": exc}) from exc


def _local(tag: Any, cache: dict[str, str]) -> str:
    name = cache.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        cache[tag] = name
    return name


def _gpx_fix(lat_s: Any, lon_s: Any, time_s: str | None, values: list[Any], rejected: Counter[str]) -> RawFix | None:
    try:
        lat = float(lat_s)
        lon = float(lon_s)
    except (TypeError, ValueError):
        rejected["invalid_coordinates"] += 1
        return None
    t = None
    if time_s and not time_s.isspace():
        try:
            t = iso_to_posix(time_s)
        except ValueError:
            rejected["invalid_time"] += 1
            return None
    # An unreadable optional field (e.g. <ele>bad data</ele>) only loses that field.
    ele, speed, course, acc = values[1], values[2], values[3], values[4]
    return RawFix(
        t, lat, lon,
        None if acc is None else _num(acc),
        None if speed is None else _num(speed),
        None if course is None else _num(course),
        None if ele is None else _num(ele),
    )


# ---------------------------------------------------------------- GeoJSON

_TIME_KEYS = ("time", "timestamp", "datetime", "coordTimes", "times")


def _parse_geojson(data: bytes, max_points: int, zone: tzinfo) -> ParseResult:
    try:
        doc = load_json(data.decode("utf-8"))
    except JsonRefused as exc:
        raise TrackRejected("TRACK_MALFORMED", "the GeoJSON cannot be read: %(message)s",
                            {"reason": exc.code, **exc.details}, params={"message": exc.message}) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "the file is not valid JSON") from exc
    features = _features(doc)
    if features is None:
        raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "JSON that is not GeoJSON")
    result = ParseResult(fixes=[], format="geojson")
    lines: list[RawFix] = []
    points: list[RawFix] = []
    budget = [max_points]
    for geometry, props in features:
        for kind, coords, times in _parts(geometry, props):
            target = points if kind == "point" else lines
            _geojson_vertices(coords, times, props if kind == "point" else {}, zone, target, result, budget)
    _choose_track_or_waypoints(lines, points, result)
    return result


def _features(doc: Any) -> list[tuple[dict, dict]] | None:
    if not isinstance(doc, dict):
        return None
    kind = doc.get("type")
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        return [
            (f.get("geometry") or {}, f.get("properties") or {}) for f in doc["features"] if isinstance(f, dict)
        ]
    if kind == "Feature":
        return [(doc.get("geometry") or {}, doc.get("properties") or {})]
    if kind in ("LineString", "MultiLineString", "Point", "MultiPoint", "GeometryCollection"):
        return [(doc, {})]
    return None


def _line_times(props: dict) -> Any:
    cp = props.get("coordinateProperties")
    if isinstance(cp, dict) and isinstance(cp.get("times"), list):
        return cp["times"]
    for key in ("coordTimes", "times"):
        if isinstance(props.get(key), list):
            return props[key]
    return None


def _parts(geometry: dict, props: dict) -> Iterable[tuple[str, list, list | None]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "GeometryCollection":
        for g in geometry.get("geometries") or []:
            if isinstance(g, dict):
                yield from _parts(g, {"time": props.get("time")} if g.get("type") == "Point" else {})
        return
    if not isinstance(coords, list):
        return
    times = _line_times(props)
    if kind == "LineString":
        yield "line", coords, times
    elif kind == "MultiLineString":
        for i, line in enumerate(coords):
            part_times = times[i] if isinstance(times, list) and i < len(times) else None
            yield "line", line, part_times if isinstance(part_times, list) else None
    elif kind == "Point":
        yield "point", [coords], None
    elif kind == "MultiPoint":
        yield "line", coords, times


def _point_time(props: dict) -> Any:
    for key in _TIME_KEYS:
        value = props.get(key)
        if value is not None and not isinstance(value, list | dict):
            return value
    return None


def _geojson_vertices(
    coords: list, times: list | None, props: dict, zone: tzinfo,
    out: list[RawFix], result: ParseResult, budget: list[int],
) -> None:
    for i, c in enumerate(coords):
        budget[0] -= 1
        if budget[0] < 0:
            raise _too_many(len(out) + sum(result.rejected.values()))
        try:
            lon, lat = float(c[0]), float(c[1])
        except (TypeError, ValueError, IndexError, KeyError):
            result.rejected["invalid_coordinates"] += 1
            continue
        raw_t = times[i] if times is not None and i < len(times) else _point_time(props)
        t = None
        if raw_t is not None and raw_t != "":
            try:
                t = time_to_posix(raw_t, zone)
            except (TypeError, ValueError):
                result.rejected["invalid_time"] += 1
                continue
        alt = _num(c[2]) if len(c) > 2 else None
        out.append(RawFix(
            t, lat, lon,
            accuracy_m=_num(props.get("accuracy")), speed_mps=_num(props.get("speed")),
            bearing=_num(props.get("bearing", props.get("course"))), altitude_m=alt,
        ))


def _num(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- CSV

# Column names common exporters use, after lower-casing and dropping units in brackets.
_CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "t": ("time", "timestamp", "datetime", "date_time", "t", "utc", "gps_time", "fix_time",
          "recorded_at", "time_utc", "date"),
    "lat": ("lat", "latitude", "lat_deg", "y"),
    "lon": ("lon", "lng", "long", "longitude", "lon_deg", "x"),
    "accuracy": ("accuracy", "accuracy_m", "acc", "hacc", "horizontal_accuracy", "accuracy_horizontal",
                 "precision"),
    "speed": ("speed", "speed_mps", "speed_m_s", "velocity"),
    "speed_kmh": ("speed_kmh", "speed_km_h", "kmh"),
    "bearing": ("bearing", "course", "heading", "direction"),
    "altitude": ("altitude", "elevation", "ele", "alt"),
    "battery": ("battery", "batt", "battery_level"),
}


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "the file is binary, not GPX, GeoJSON or CSV")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TrackRejected("TRACK_UNRECOGNISED_FORMAT", "the file is not text")


def _normalise_header(name: str) -> str:
    name = name.strip().strip('"').lstrip("#").strip().lower()
    name = name.split("(")[0].split("[")[0].strip()
    return name.replace(" ", "_").replace("-", "_").replace("/", "_")


def _columns(header: list[str]) -> dict[str, int]:
    normalised = [_normalise_header(h) for h in header]
    found: dict[str, int] = {}
    for key, aliases in _CSV_ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                found[key] = normalised.index(alias)
                break
    return found


def _sniff_delimiter(first_line: str) -> str:
    return max((",", ";", "\t"), key=first_line.count)


def _parse_csv(data: bytes, max_points: int, zone: tzinfo) -> ParseResult:
    text = _decode_text(data)
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = _sniff_delimiter(first)
    rows = csv.reader(lines, delimiter=delimiter)
    try:
        cols = _columns(next(rows, []))
        if not {"t", "lat", "lon"} <= cols.keys():
            raise TrackRejected(
                "TRACK_UNRECOGNISED_FORMAT",
                "not GPX, GeoJSON, or CSV with a header naming time, latitude and longitude columns",
                {"header": first[:200]},
            )
        result = ParseResult(fixes=[], format="csv")
        read = _csv_reader(cols, zone, result.rejected)
        for count, row in enumerate(rows, start=1):
            if count > max_points:
                raise _too_many(max_points)
            if not any(cell.strip() for cell in row):
                continue
            fix = read(row)
            if fix is not None:
                result.fixes.append(fix)
    except csv.Error as exc:  # a field over the csv module's limit (128 KiB), a quote it cannot close
        raise TrackRejected("TRACK_MALFORMED", "the CSV cannot be read at line %(line_num)s: %(exc)s",
                            {"line": rows.line_num, "reason": str(exc)}, params={"line_num": rows.line_num, "exc": exc}) from exc
    return result


def _csv_reader(cols: dict[str, int], zone: tzinfo, rejected: Counter[str]) -> Callable[[list[str]], RawFix | None]:
    ti, lai, loi = cols["t"], cols["lat"], cols["lon"]
    optional = {k: cols.get(k) for k in ("accuracy", "speed", "speed_kmh", "bearing", "altitude", "battery")}

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    def opt(row: list[str], key: str) -> float | None:
        return _num(cell(row, optional[key]))

    def read(row: list[str]) -> RawFix | None:
        lat_s, lon_s = cell(row, lai), cell(row, loi)
        if not lat_s or not lon_s:
            rejected["no_position"] += 1
            return None
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            rejected["invalid_coordinates"] += 1
            return None
        t_s = cell(row, ti)
        t = None
        if t_s:
            try:
                t = time_to_posix(t_s, zone)
            except ValueError:
                rejected["invalid_time"] += 1
                return None
        speed = opt(row, "speed")
        if speed is None and optional["speed_kmh"] is not None:
            kmh = opt(row, "speed_kmh")
            speed = None if kmh is None else kmh / 3.6
        return RawFix(t, lat, lon, opt(row, "accuracy"), speed, opt(row, "bearing"), opt(row, "altitude"),
                      opt(row, "battery"))

    return read


# ---------------------------------------------------------------- the column path
#
# Why: the service stores tens of thousands of points per upload, and RawFix objects cost
# microseconds of Python each. ``parse_track_arrays`` returns columns. GPX files in the plain
# layout nearly every logger writes (un-prefixed <trkpt lat=".." lon=".."> holding at most
# <ele> then <time>) are read by one regular expression and numpy; every other file goes
# through ``parse_track`` and is converted, so both paths give the same points (tested).
# The points split the file; expat (with the entity guards) then reads the skeleton, each point
# replaced by an empty element: a matched point is well-formed on its own (no "<" in its
# attributes, no "&", no forbidden character anywhere), so the file is well-formed and safe
# exactly when the skeleton is, and expat reads a few per cent of the bytes.

_CANON_RE = re.compile(
    rb'<trkpt\s+lat="([^"]*)"\s+lon="([^"]*)"\s*>\s*(?:<ele>[^<]*</ele>\s*)?'
    rb"(?:<time>([^<]*)</time>\s*)?</trkpt>"
)
# Plain bytes searches: a false alarm only sends the file down the general path.
_NOT_CANONICAL = (b"rtept", b"wpt", b":trkpt", b"<trkpt")
# What stands in for each matched point in the skeleton expat checks: an empty element, legal
# only where an element is, so a point matched inside a tag, comment or CDATA is not missed.
_PLACEHOLDER = b"<p/>"
_DIGIT_COLUMNS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]


@dataclass
class ArrayParse:
    """Points as columns (see filtering.FixArrays), refused points by reason, the format."""

    fixes: FixArrays
    rejected: Counter[str] = field(default_factory=Counter)
    format: str = ""
    waypoints_ignored: int = 0


def parse_track_arrays(
    data: bytes, *, max_points: int = DEFAULT_MAX_POINTS, naive_tz: str = DEFAULT_NAIVE_TZ
) -> ArrayParse:
    """``parse_track`` returning columns: the same points, counts and refusals."""
    body = as_utf8(data)
    if body[:512].lstrip()[:1] == b"<":
        fast = _canonical_gpx(body, max_points)
        if fast is not None:
            return fast
    result = parse_track(body, max_points=max_points, naive_tz=naive_tz)
    return ArrayParse(FixArrays.from_fixes(result.fixes), result.rejected, result.format, result.waypoints_ignored)


def _canonical_gpx(data: bytes, max_points: int) -> ArrayParse | None:
    """The plain-layout GPX reader, or None when the file is not plain enough for it."""
    head = data[:200].lower()
    plain = b"encoding" not in head or b"utf-8" in head or b"us-ascii" in head
    if not plain or b"&" in data or not _xml_safe_bytes(data):
        return None
    parts = _CANON_RE.split(data)
    lat_s, lon_s, time_s = parts[1::4], parts[2::4], [t or b"" for t in parts[3::4]]
    skeleton = _PLACEHOLDER.join(parts[0::4])
    if b"<" in b"".join(lat_s) or b"<" in b"".join(lon_s):
        return None  # markup inside an attribute: not well-formed, parse_track says where
    markup: set[str] = set()
    try:
        root = _guard_and_root(skeleton, markup)
    except TrackRejected:
        _guard_and_root(data)  # the same refusal parse_track gives, with the file's own line numbers
        return None
    if root != "gpx" or markup or any(marker in skeleton for marker in _NOT_CANONICAL):
        return None  # parse_track gives the refusal, or reads comments, CDATA and other points exactly
    if len(lat_s) > max_points:
        raise _too_many(max_points)
    result = ArrayParse(FixArrays.empty(), format="gpx")
    lat, lon = _floats(lat_s), _floats(lon_s)
    bad = np.isnan(lat) | np.isnan(lon)
    if bad.any():
        bad = np.isnan(lat) & ~_literal_nan(lat_s) | np.isnan(lon) & ~_literal_nan(lon_s)
    t, bad_time = _gpx_times(time_s)
    bad_time &= ~bad
    if bad.any():
        result.rejected["invalid_coordinates"] += int(bad.sum())
    if bad_time.any():
        result.rejected["invalid_time"] += int(bad_time.sum())
    keep = ~(bad | bad_time)
    n = int(keep.sum())
    nan = np.full(n, np.nan)
    result.fixes = FixArrays(t[keep], lat[keep], lon[keep], nan, nan.copy(), np.zeros(n, dtype=bool))
    if not np.any(np.isfinite(result.fixes.t) & (np.abs(result.fixes.lat) <= 90) & (np.abs(result.fixes.lon) <= 180)):
        return None  # parse_track gives the refusal with its details
    return result


def _xml_safe_bytes(data: bytes) -> bool:
    """UTF-8 without the control characters XML forbids and without "]]>": then a point the
    regular expression matched, holding no "<" in its attributes, is a well-formed element."""
    if b"]]>" in data:
        return False
    controls = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) < 0x20))
    if controls != data.count(b"\n") + data.count(b"\r") + data.count(b"\t"):
        return False
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data  # U+FFFE, U+FFFF


def _floats(texts: list[bytes]) -> np.ndarray:
    """Python's float() of each text; NaN where it cannot be read."""
    try:
        return np.fromiter(map(float, texts), dtype=np.float64, count=len(texts))
    except ValueError:
        return np.array([_float_or_nan(s) for s in texts], dtype=np.float64)


def _float_or_nan(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _literal_nan(texts: list[bytes]) -> np.ndarray:
    """Texts that float() reads as NaN on purpose ("nan"): a value, not an unreadable one."""
    return np.fromiter((b"nan" in s.lower() for s in texts), dtype=bool, count=len(texts))


def _gpx_times(texts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """POSIX seconds (NaN: no time) and a mask of unreadable times, as iso_to_posix reads them."""
    n = len(texts)
    t = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return t, bad
    column = np.array(texts)
    if column.dtype.itemsize == 20:
        # Shorter texts are NUL-padded, so they fail the shape check and are read one by one.
        seconds, canon = _canonical_seconds(column.view(np.uint8).reshape(n, 20))
        t[canon] = seconds[canon]
    else:
        canon = _canonical_by_length(texts, t)
    for i in np.flatnonzero(~canon):
        text = texts[i].decode("utf-8", "replace")
        if not text or text.isspace():
            continue
        try:
            t[i] = iso_to_posix(text)
        except ValueError:
            bad[i] = True
    return t, bad


def _canonical_by_length(texts: list[bytes], t: np.ndarray) -> np.ndarray:
    """Fill `t` where a text is 'YYYY-MM-DDTHH:MM:SSZ'; return where it was."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    canon = lengths == 20
    if canon.any():
        idx = np.flatnonzero(canon)
        rows = np.frombuffer(b"".join(texts[i] for i in idx), dtype=np.uint8).reshape(-1, 20)
        seconds, ok = _canonical_seconds(rows)
        t[idx[ok]] = seconds[ok]
        canon[idx[~ok]] = False
    return canon


def _canonical_seconds(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of 'YYYY-MM-DDTHH:MM:SSZ' bytes to POSIX seconds, and which rows were that shape."""
    digits = rows[:, _DIGIT_COLUMNS].astype(np.int64) - 48
    ok = np.all((digits >= 0) & (digits <= 9), axis=1)
    ok &= (rows[:, 4] == 45) & (rows[:, 7] == 45) & (rows[:, 10] == 84)
    ok &= (rows[:, 13] == 58) & (rows[:, 16] == 58) & (rows[:, 19] == 90)
    d = digits
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hour, minute, sec = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60) & (sec < 60)
    ok &= day <= _days_in_month(year, month)
    days = _days_from_civil(year, month, day)
    return (days * 86400 + hour * 3600 + minute * 60 + sec).astype(np.float64), ok


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    base = np.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    return base + ((month == 2) & leap)


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
