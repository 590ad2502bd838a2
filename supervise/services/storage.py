"""Photo evidence on disk: the original bytes, content-addressed by SHA-256, and a display copy.

Layout under STORAGE_DIR: `photos/ab/cd/<sha256>.<ext>` for the original (never altered, so it
stays evidence), `photos/ab/cd/<sha256>.display.jpg` for the EXIF-stripped copy, made on first
request. Every write goes to a temporary file in the same folder and is moved into place with
os.replace, so a reader never sees half a file and a crash leaves at most a stray temp file.
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from supervise.errors import DomainError
from supervise.evidence import display_copy

log = logging.getLogger("supervise.storage")

EXTENSIONS = {"jpeg": "jpg", "heic": "heic"}
MEDIA_TYPES = {"jpeg": "image/jpeg", "heic": "image/heic"}


def storage_root() -> Path:
    """The configured STORAGE_DIR of the running app."""
    return Path(current_app.config["STORAGE_DIR"])


def original_path(root: Path, sha256: str, fmt: str) -> Path:
    """Where the original bytes with that SHA-256 live (whether or not they are there yet)."""
    return root / "photos" / sha256[:2] / sha256[2:4] / f"{sha256}.{EXTENSIONS[fmt]}"


def display_path(root: Path, sha256: str) -> Path:
    """Where the EXIF-stripped display copy of that photo is cached."""
    return root / "photos" / sha256[:2] / sha256[2:4] / f"{sha256}.display.jpg"


def save_original(root: Path, sha256: str, fmt: str, data: bytes) -> bool:
    """Store the bytes unchanged; True when this call created the file, False when it was there.

    Content addressing makes an existing file the same bytes, so it is left alone: it may
    belong to another sign-in, and only its creator may remove it again.
    """
    path = original_path(root, sha256, fmt)
    if path.exists():
        return False
    _write_atomically(path, data)
    return True


@contextmanager
def original_kept_for_commit(sha256: str, fmt: str, data: bytes) -> Iterator[None]:
    """Store the original before the block that commits the rows naming it; if the block fails,
    remove the file again when this call created it (the caller rolls its session back)."""
    root = storage_root()
    created = save_original(root, sha256, fmt, data)
    try:
        yield
    except BaseException:
        if created:
            remove_original(root, sha256, fmt)
        raise


@dataclass(frozen=True)
class PhotoFile:
    data: bytes
    media_type: str
    filename: str


def photo_file(sha256: str, fmt: str, variant: str, stem: str) -> PhotoFile:
    """A stored photo to send: the original bytes, or with variant "display" the EXIF-stripped copy,
    named `<stem>.<ext>`. A file missing from storage is logged and answered 404
    PHOTO_MISSING_FROM_STORAGE."""
    root = storage_root()
    try:
        if variant == "display":
            return PhotoFile(read_display(root, sha256, fmt), "image/jpeg", f"{stem}.jpg")
        return PhotoFile(read_original(root, sha256, fmt), MEDIA_TYPES[fmt], f"{stem}.{EXTENSIONS[fmt]}")
    except FileNotFoundError:
        log.error("photo %s of %s is missing from storage", sha256, stem)
        raise DomainError(f"The photo file of {stem} is missing from storage; it has been logged.",
                          code="PHOTO_MISSING_FROM_STORAGE", status=404) from None


def remove_original(root: Path, sha256: str, fmt: str) -> None:
    """Remove an original this request created (after its database write failed)."""
    original_path(root, sha256, fmt).unlink(missing_ok=True)


def read_original(root: Path, sha256: str, fmt: str) -> bytes:
    """The stored original bytes; FileNotFoundError when the file is missing."""
    return original_path(root, sha256, fmt).read_bytes()


def read_display(root: Path, sha256: str, fmt: str) -> bytes:
    """The display copy (upright, ≤1600 px, no EXIF/GPS), made and cached on first request."""
    path = display_path(root, sha256)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = display_copy(read_original(root, sha256, fmt))
    _write_atomically(path, data)
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp makes 0600 files; other workers (another user on shared storage) must read them.
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
