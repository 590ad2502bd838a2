"""Multipart uploads kept in memory and, in the plain shape phones and browsers send, split once.

A selfie is read once, hashed and stored, never streamed through a temporary file; a body in any
other shape goes to werkzeug's parser, which decides and refuses exactly as it always did.
"""
from __future__ import annotations

import io
from typing import NamedTuple

from flask import Request
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import File


class _GatheredUpload(io.BytesIO):
    """An upload kept as the parser's chunks and joined once when it is first read back, instead of
    a buffer that grows (and copies itself) with every chunk."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def write(self, chunk) -> int:
        self._chunks.append(bytes(chunk))
        return len(chunk)

    def _gather(self) -> None:
        if self._chunks:
            # Re-initialising with the joined bytes shares them instead of copying them again.
            joined = b"".join(self._chunks)
            self._chunks.clear()
            super().__init__(joined)

    def seek(self, pos: int, whence: int = 0) -> int:
        self._gather()
        return super().seek(pos, whence)

    def getvalue(self) -> bytes:
        self._gather()
        return super().getvalue()

    def getbuffer(self):
        self._gather()
        return super().getbuffer()


class _LargeChunkFormParser(FormDataParser):
    """Multipart bodies of a known length are split with bytes.find instead of werkzeug's parser,
    whenever they have the plain shape phones and browsers send (see `_plain_parts`): a 2 MB
    selfie is then copied once, from the request into its upload. Any other shape goes to
    werkzeug's parser, which reads and refuses it exactly as before, 256 KiB at a time instead
    of 64 KiB (a third faster; its buffer must stay under max_form_memory_size, 500 KB)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                 max_form_parts=self.max_form_parts, cls=self.cls, buffer_size=_WERKZEUG_CHUNK)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        if not _may_split(stream, content_length, self.max_form_memory_size):
            form, files = parser.parse(stream, boundary, content_length)
            return stream, form, files
        reader = io.BufferedReader(stream, _HEAD_BYTES)
        try:
            body, parts, last_file = _read_multipart(reader, boundary, content_length)
        finally:
            reader.detach()  # closing the reader would close the request's own stream
        split = None if parts is None else _fields_and_files(parts, body, last_file, parser, content_length)
        if split is None:
            whole = body if last_file is None else body + last_file + _closing(boundary)
            form, files = parser.parse(io.BytesIO(whole), boundary, content_length)
            return stream, form, files
        return stream, self.cls(split[0]), self.cls(split[1])


_WERKZEUG_CHUNK, _HEAD_BYTES = 256 * 1024, 64 * 1024
# Limits of the plain shape, all far beyond what clients send: within them werkzeug's parser could
# not refuse the body for its buffer size (max_form_memory_size) either.
_MAX_PART_HEAD, _MAX_EPILOGUE, _MAX_BOUNDARY = 16 * 1024, 1024, 200
_MIN_FORM_MEMORY = _WERKZEUG_CHUNK + _MAX_PART_HEAD + _MAX_EPILOGUE + _MAX_BOUNDARY + 64


def _may_split(stream, content_length: int | None, max_form_memory_size: int | None) -> bool:
    return (content_length is not None and isinstance(stream, (io.RawIOBase, io.BufferedIOBase))
            and (max_form_memory_size is None or max_form_memory_size >= _MIN_FORM_MEMORY))


def _closing(boundary: bytes) -> bytes:
    return b"\r\n--" + boundary + b"--\r\n"


class _Part(NamedTuple):
    headers: Headers
    name: str
    filename: str | None
    start: int
    end: int  # -1: the data runs on past the bytes at hand


def _read_multipart(reader: io.BufferedReader, boundary: bytes,
                    length: int) -> tuple[bytes, list[_Part] | None, bytes | None]:
    """Read the body: (the bytes read, their parts in the plain shape or None, the last file's data).

    When the first 64 KiB show the plain shape up to a file whose data runs on past them, and the
    body ends right after it, that data is read on its own straight into its bytes object, and the
    bytes returned stop where it starts. Otherwise the whole body is returned and the last file's
    data is None."""
    head = reader.peek(_HEAD_BYTES)[:_HEAD_BYTES]
    parts = _plain_parts(head, boundary, whole=False) if len(head) < length else None
    closing = _closing(boundary)
    if parts is not None and length - parts[-1].start >= len(closing):
        start = parts[-1].start
        prefix = reader.read(start)
        data = reader.read(length - start - len(closing))
        tail = reader.read(len(closing) + 1)  # one byte more than the closing boundary: there must be none
        if tail == closing and b"--" + boundary not in data:
            return prefix, parts, data
        body = prefix + data + tail + reader.read()
    else:
        body = reader.read(length)
    return body, _plain_parts(body, boundary, whole=True), None


def _plain_parts(body: bytes, boundary: bytes, *, whole: bool) -> list[_Part] | None:
    """The parts of a multipart body of the plain shape, found as werkzeug's parser finds them, or
    None for any other shape. Plain: the body starts with the first boundary (after at most one
    CRLF); every line break in part headers is CRLF, with no folded header lines; every part has a
    Content-Disposition with a name; each part's data ends at the first `--boundary` after it,
    which is preceded by CRLF and followed by CRLF or, after the last part, by `--` and a short
    epilogue. With `whole` False the body is only the start of one, which must end inside the
    data of a file part."""
    delimiter = b"--" + boundary
    pos = 2 if body.startswith(b"\r\n") else 0  # werkzeug's own client sends a line break first
    if len(boundary) > _MAX_BOUNDARY or not body.startswith(delimiter + b"\r\n", pos):
        return None
    pos += len(delimiter) + 2
    parts = []
    while True:
        head_end = body.find(b"\r\n\r\n", pos, pos + _MAX_PART_HEAD)
        head = _part_head(body[pos:head_end]) if head_end >= 0 else None
        if head is None:
            return None
        start = head_end + 4
        found = body.find(delimiter, start)
        if found < 0:
            if whole or head[2] is None:
                return None
            return [*parts, _Part(*head, start, -1)]
        if found == start:  # an empty part: the blank line's CRLF is also the boundary's
            end = start
        elif found >= start + 2 and body[found - 2:found] == b"\r\n":
            end = found - 2
        else:
            return None
        parts.append(_Part(*head, start, end))
        pos = found + len(delimiter) + 2
        after = body[pos - 2:pos]
        if after == b"--" and whole and len(body) - pos <= _MAX_EPILOGUE:
            return parts
        if after != b"\r\n":
            return None


def _part_head(block: bytes) -> tuple[Headers, str, str | None] | None:
    """A part's headers, name and filename (None: a field), read as werkzeug reads them; None when
    a line break is not CRLF, a header line is folded, or the name is missing."""
    crlf = block.count(b"\r\n")
    if block.count(b"\r") != crlf or block.count(b"\n") != crlf or b"\r\n " in block or b"\r\n\t" in block:
        return None
    try:
        pairs = []
        for line in block.split(b"\r\n"):
            line = line.strip(b" \t")
            if line:
                key, _, value = line.decode().partition(":")
                pairs.append((key.strip(" \t"), value.strip(" \t")))
    except UnicodeDecodeError:
        return None
    headers = Headers(pairs)
    if "content-disposition" not in headers:
        return None
    _disposition, extra = parse_options_header(headers["content-disposition"])
    name = extra.get("name")
    if name is None:
        return None
    return headers, name, extra.get("filename")


def _fields_and_files(parts: list[_Part], body: bytes, last_file: bytes | None, parser: MultiPartParser,
                      content_length: int) -> tuple[list, list] | None:
    """The form fields and uploads of the parts, made as werkzeug makes them; None when werkzeug would
    refuse them (more parts than max_form_parts, a field over max_form_memory_size)."""
    if parser.max_form_parts is not None and len(parts) > parser.max_form_parts:
        return None
    fields, files = [], []
    for part in parts:
        data = last_file if part.end < 0 else body[part.start:part.end]
        if part.filename is None:
            if parser.max_form_memory_size is not None and len(data) > parser.max_form_memory_size:
                return None
            fields.append((part.name, data.decode(parser.get_part_charset(part.headers), "replace")))
        else:
            upload = File(name=part.name, filename=part.filename, headers=part.headers)
            container = parser.start_file_streaming(upload, content_length)
            container.write(data)
            container.seek(0)
            files.append((part.name, FileStorage(container, part.filename, part.name, headers=part.headers)))
    return fields, files


class InMemoryUploadRequest(Request):
    """Uploads stay in memory (they are capped by MAX_CONTENT_LENGTH) instead of going through a
    temporary file on disk: a selfie is read once, hashed and stored, never streamed."""

    form_data_parser_class = _LargeChunkFormParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return _GatheredUpload()
