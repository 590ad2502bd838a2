"""Multipart bodies are read as werkzeug reads them, whichever way the app splits them.

The app splits a body of the plain shape phones and browsers send with bytes.find (reading a
photo at the end straight into its upload) and hands any other shape to werkzeug's own parser.
Each body here goes through both the app's parser and werkzeug's stock one, from a stream like a
request's: the fields, the files (names, headers, bytes) and the refusals must be the same, and the
plain ones must really take the app's own way.
"""
from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.wsgi import LimitedStream

from supervise.uploads import (
    InMemoryUploadRequest,
    _fields_and_files,
    _GatheredUpload,
    _plain_parts,
    _read_multipart,
)
from tests.photos import make_jpeg

B = b"----phone-boundary-7f3a9c"
PHOTO = b"\xff\xd8\xff\xe1" + bytes(range(256)) * 300 + b"\r\n--not-the-boundary\r\n" + b"\xff\xd9"
MAX_MEMORY, MAX_PARTS = 500_000, 1000


def part(name: str, data: bytes, *, filename: str | None = None, content_type: str | None = None,
         line: bytes = b"\r\n") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    headers = [f"Content-Disposition: {disposition}".encode()]
    if content_type:
        headers.append(f"Content-Type: {content_type}".encode())
    return b"--" + B + line + line.join(headers) + line + line + data + line


def body(*parts: bytes, end: bytes = b"--" + B + b"--\r\n") -> bytes:
    return b"".join(parts) + end


def photo_part(data: bytes = PHOTO) -> bytes:
    return part("photo", data, filename="IMG_0001.jpg", content_type="image/jpeg")


def read(parser: FormDataParser, data: bytes):
    """What a parser makes of the body: fields, files with their headers and bytes, or the refusal."""
    try:
        _stream, form, files = parser.parse(LimitedStream(io.BytesIO(data), len(data)), "multipart/form-data",
                                            len(data), {"boundary": B.decode()})
    except RequestEntityTooLarge as exc:
        return type(exc)
    return (list(form.items(multi=True)),
            [(name, f.filename, list(f.headers.items()), f.stream.read()) for name, f in files.items(multi=True)])


def app_parser() -> FormDataParser:
    return InMemoryUploadRequest.form_data_parser_class(lambda **_: _GatheredUpload(), max_form_memory_size=MAX_MEMORY,
                                                        max_form_parts=MAX_PARTS)


def werkzeug_parser() -> FormDataParser:
    return FormDataParser(lambda **_: io.BytesIO(), max_form_memory_size=MAX_MEMORY, max_form_parts=MAX_PARTS)


def takes_the_app_s_own_way(data: bytes) -> bool:
    parts = _plain_parts(data, B, whole=True)
    parser = MultiPartParser(max_form_memory_size=MAX_MEMORY, max_form_parts=MAX_PARTS)
    return parts is not None and _fields_and_files(parts, data, None, parser, len(data)) is not None


PLAIN = {
    "a photo alone": body(photo_part()),
    "fields then the photo": body(part("shift_id", b"17"), part("device_lat", b"45.77"), photo_part()),
    "the photo then fields": body(photo_part(), part("device_mock", b"true")),
    "a line break before the first boundary": b"\r\n" + body(photo_part()),
    "an empty field and an empty file": body(part("note", b""), part("photo", b"", filename="empty.jpg")),
    "a field twice": body(part("shift_id", b"1"), part("shift_id", b"2"), photo_part()),
    "a Latin-1 field": body(part("note", "café".encode("latin-1"), content_type="text/plain; charset=iso-8859-1"),
                            photo_part()),
    "a quoted file name": body(part("photo", PHOTO, filename='my \\"best\\" selfie.jpg')),
    "a file name in UTF-8 (RFC 2231)": body(b"--" + B + b"\r\nContent-Disposition: form-data; name=\"photo\"; "
                                            b"filename*=UTF-8''%E8%87%AA%E6%8B%8D.jpg\r\n\r\n" + PHOTO + b"\r\n"),
    "an empty part whose blank line is also the boundary's": body(
        b"--" + B + b"\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n", photo_part()),
    "a short epilogue": body(photo_part(), end=b"--" + B + b"--\r\nbye\r\n"),
    "no line break after the last boundary": body(photo_part(), end=b"--" + B + b"--"),
}

OTHER_SHAPES = {
    "bare LF line breaks": body(part("shift_id", b"3", line=b"\n"), part("photo", PHOTO, filename="a.jpg", line=b"\n"),
                                end=b"--" + B + b"--\n"),
    "a preamble": b"This is a multi-part message.\r\n" + body(photo_part()),
    "a folded header line": body(b"--" + B + b"\r\nContent-Disposition: form-data;\r\n name=\"photo\"; "
                                 b"filename=\"a.jpg\"\r\n\r\n" + PHOTO + b"\r\n"),
    "the boundary inside the photo": body(photo_part(PHOTO[:500] + b"--" + B + b"x" + PHOTO[500:])),
    "the boundary inside the photo after a line break": body(photo_part(PHOTO[:500] + b"\r\n--" + B + b"x"
                                                                        + PHOTO[500:])),
    "white space after a boundary": body(photo_part().replace(B + b"\r\n", B + b"  \r\n", 1)),
    "no closing boundary": body(photo_part(), end=b""),
    "a part without Content-Disposition": body(b"--" + B + b"\r\nContent-Type: text/plain\r\n\r\nhi\r\n"),
    "a part without a name": body(b"--" + B + b"\r\nContent-Disposition: form-data\r\n\r\nhi\r\n", photo_part()),
    "a header that is not UTF-8": body(b"--" + B + b"\r\nContent-Disposition: form-data; name=\"n\xe9\"\r\n\r\nx\r\n"),
    "a long epilogue": body(photo_part(), end=b"--" + B + b"--\r\n" + b"e" * 5000),
    "too many parts": body(*[part(f"f{i}", b"x") for i in range(MAX_PARTS + 1)]),
    "a field over max_form_memory_size": body(part("note", b"n" * (MAX_MEMORY + 1)), photo_part()),
}


@pytest.mark.parametrize("shape", PLAIN)
def test_a_plain_body_is_split_by_the_app_exactly_as_werkzeug_reads_it(shape):
    data = PLAIN[shape]
    assert takes_the_app_s_own_way(data)
    assert read(app_parser(), data) == read(werkzeug_parser(), data)


@pytest.mark.parametrize("shape", OTHER_SHAPES)
def test_any_other_body_is_read_by_werkzeug_with_the_same_result(shape):
    data = OTHER_SHAPES[shape]
    assert not takes_the_app_s_own_way(data)
    assert read(app_parser(), data) == read(werkzeug_parser(), data)


def test_a_photo_at_the_end_of_the_body_is_read_on_its_own_straight_from_the_stream():
    data = body(part("shift_id", b"17"), photo_part())
    reader = io.BufferedReader(LimitedStream(io.BytesIO(data), len(data)), 64 * 1024)
    read_before, parts, photo = _read_multipart(reader, B, len(data))
    assert photo == PHOTO and data.startswith(read_before) and len(read_before) < 64 * 1024
    assert [(p.name, p.filename) for p in parts] == [("shift_id", None), ("photo", "IMG_0001.jpg")]


def test_a_real_photo_comes_out_of_the_body_byte_for_byte():
    photo = make_jpeg(lat=45.77, lon=126.62, seed=5)
    data = body(part("device_accuracy_m", b"12.5"), photo_part(photo))
    fields, files = read(app_parser(), data)
    assert fields == [("device_accuracy_m", "12.5")]
    assert files[0][3] == photo
