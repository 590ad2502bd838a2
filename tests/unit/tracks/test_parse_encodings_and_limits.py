"""Track files in any text encoding are read by name or refused by name; a CSV field beyond the csv
module's limit is refused with its line; every refusal is a TrackRejected, never another error."""
import pytest

from supervise.tracks.parse import TrackRejected, as_utf8, parse_track, parse_track_arrays

POINT = ('<gpx version="1.1" creator="测试"><trk><name>中央大街 Центральная</name><trkseg>'
         '<trkpt lat="45.7760" lon="126.6180"><time>2026-11-26T01:00:00Z</time></trkpt>'
         '<trkpt lat="45.7761" lon="126.6181"><time>2026-11-26T01:00:10Z</time></trkpt></trkseg></trk></gpx>')
PARSERS = [parse_track, parse_track_arrays]


def declared(encoding: str, codec: str = "utf-8", body: str = POINT) -> bytes:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode() + body.encode(codec)


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("encoding", ["bogus", "zlib", "rot13", "base64", "hex", "x-unknown-8bit", "utf\x00"])
def test_a_gpx_declaring_an_unknown_encoding_is_refused_by_name(parse, encoding):
    with pytest.raises(TrackRejected) as refused:
        parse(declared(encoding))
    assert refused.value.code == "TRACK_UNKNOWN_ENCODING"
    assert refused.value.details == {"encoding": encoding} and repr(encoding) in refused.value.message


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("encoding, codec", [("GBK", "gbk"), ("GB18030", "gb18030"), ("windows-1251", "cp1251"),
                                             ("ISO-8859-5", "iso8859_5"), ("UTF-16", "utf-16"), ("us-ascii", "ascii")])
def test_a_gpx_in_a_known_encoding_is_read_as_its_utf8_twin(parse, encoding, codec):
    body = POINT if codec not in ("ascii", "cp1251", "iso8859_5") else POINT.replace("测试", "t").replace("中央大街 ", "")
    if codec == "ascii":
        body = body.replace("Центральная", "C")
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n' + body
    data = text.encode(codec)
    twin = parse(declared("UTF-8", body=body))
    got = parse(data)
    assert len(got.fixes) == len(twin.fixes) == 2 and got.rejected == twin.rejected


@pytest.mark.parametrize("parse", PARSERS)
def test_utf16_and_utf32_files_with_a_byte_order_mark_are_read_whatever_they_declare(parse):
    for codec in ("utf-16", "utf-32"):
        assert len(parse(declared("UTF-16").decode().encode(codec)).fixes) == 2
    csv_text = "time,lat,lon\n2026-11-26T09:00:00,45.776,126.618\n"
    assert len(parse(csv_text.encode("utf-16")).fixes) == 1


def test_bytes_invalid_in_the_declared_encoding_are_refused_as_malformed():
    with pytest.raises(TrackRejected) as refused:
        parse_track(b'<?xml version="1.0" encoding="ascii-like-shift_jis"?>' + POINT.encode())
    assert refused.value.code == "TRACK_UNKNOWN_ENCODING"
    with pytest.raises(TrackRejected) as refused:
        parse_track(b'<?xml version="1.0" encoding="shift_jis"?>' + POINT.encode() + b"\x81\x00")
    assert refused.value.code == "TRACK_MALFORMED" and refused.value.details == {"encoding": "shift_jis"}


def test_a_utf8_file_passes_through_unchanged():
    data = declared("UTF-8")
    assert as_utf8(data) is data


@pytest.mark.parametrize("parse", PARSERS)
def test_a_csv_field_longer_than_the_csv_limit_is_refused_with_its_line(parse):
    data = b"time,lat,lon\n2026-11-26T09:00:00,45.776,126.618\n2026-11-26T09:00:10,45.776," + b"1" * 140_000 + b"\n"
    with pytest.raises(TrackRejected) as refused:
        parse(data)
    assert refused.value.code == "TRACK_MALFORMED" and refused.value.details["line"] == 3


@pytest.mark.parametrize("parse", PARSERS)
def test_a_csv_header_field_longer_than_the_limit_is_refused_too(parse):
    with pytest.raises(TrackRejected) as refused:
        parse(b"time,lat,lon," + b"x" * 140_000 + b"\n2026-11-26T09:00:00,45.776,126.618,1\n")
    assert refused.value.code == "TRACK_MALFORMED" and refused.value.details["line"] == 1


@pytest.mark.parametrize("parse", PARSERS)
def test_a_gpx_naming_an_external_dtd_is_refused_as_forbidden_xml(parse):
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE gpx SYSTEM "http://127.0.0.1:1/gpx.dtd">\n'
            + POINT.replace("<trkseg>", "<trkseg><name>&n;</name>").encode())
    with pytest.raises(TrackRejected) as refused:
        parse(data)
    assert refused.value.code == "TRACK_FORBIDDEN_XML"
