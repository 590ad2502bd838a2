"""Photo evidence: the original bytes, content-addressed by SHA-256, and a display copy, in a photo
store. Two stores keep the same rules: the local directory STORAGE_DIR (the default, below; shared
between workers on one host or a shared file system) and an S3-compatible object store when
STORAGE_URL is `s3://bucket/prefix` (services/storage_s3.py). Each gives the same few verbs
(`PhotoStore`): keep an original for a commit (written whole, made durable before the commit that
names it, removed by `discard` if that commit fails and this request created it), read an original,
read (making it on first request) the display copy, remove both (the retention purge).

Layout under STORAGE_DIR: `photos/ab/cd/<sha256>.<ext>` for the original (never altered, so it
stays evidence), `photos/ab/cd/<sha256>.display.jpg` for the EXIF-stripped copy, made on first
request. Every write goes to a temporary file in the same folder and is put in place whole, so a
reader never sees half a file and a crash leaves at most a stray temp file. An original is flushed
to the disk (bytes, then its folder entry) before the rows naming it are committed.
"""
from __future__ import annotations

import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app

from supervise.errors import DomainError
from supervise.evidence import display_copy

log = logging.getLogger("supervise.storage")

EXTENSIONS = {"jpeg": "jpg", "heic": "heic"}
MEDIA_TYPES = {"jpeg": "image/jpeg", "heic": "image/heic"}


def storage_root() -> Path:
    """The configured STORAGE_DIR of the running app."""
    return Path(current_app.config["STORAGE_DIR"])


class PendingWrite(Protocol):
    """An original on its way into a store, for the transaction that names it."""

    created: bool

    def make_durable(self) -> None: ...

    def discard(self) -> None: ...


class PhotoStore(Protocol):
    """Where photo originals and their display copies are kept."""

    def keep_original(self, sha256: str, fmt: str, data: bytes) -> PendingWrite:
        """Start writing an original; `make_durable()` before the commit, `discard()` if it fails."""

    def read_original(self, sha256: str, fmt: str) -> bytes:
        """The original bytes; FileNotFoundError when missing."""

    def read_display(self, sha256: str, fmt: str) -> bytes:
        """The display copy, made from the original and kept on first request; FileNotFoundError."""

    def remove(self, sha256: str, fmt: str) -> None:
        """Remove the original and the display copy (either may be missing already)."""

    def probe(self) -> None:
        """Raise when the store cannot take a photo now (for /readyz)."""


@dataclass(frozen=True)
class LocalPhotoStore:
    """Photos under a local (or shared) directory: the layout and rules of this module."""

    root: Path

    def keep_original(self, sha256: str, fmt: str, data: bytes) -> PendingOriginal:
        """Write the original whole under its name; flushed to the disk by `make_durable()`."""
        return PendingOriginal(self.root, sha256, fmt, data)

    def read_original(self, sha256: str, fmt: str) -> bytes:
        """The original bytes; FileNotFoundError when the file is missing."""
        return read_original(self.root, sha256, fmt)

    def read_display(self, sha256: str, fmt: str) -> bytes:
        """The display copy, made and cached next to the original on first request."""
        return read_display(self.root, sha256, fmt)

    def remove(self, sha256: str, fmt: str) -> None:
        """Remove the original and the display copy files."""
        original_path(self.root, sha256, fmt).unlink(missing_ok=True)
        display_path(self.root, sha256).unlink(missing_ok=True)

    def probe(self) -> None:
        """Write, flush and remove a small file in the directory (OSError when it cannot)."""
        probe = self.root / f".ready-{secrets.token_hex(6)}"
        with open(probe, "wb") as out:
            out.write(b"ready")
            os.fsync(out.fileno())
        probe.unlink()


def photo_store() -> PhotoStore:
    """The running app's photo store: the S3-compatible one when STORAGE_URL is s3://..., else the
    directory STORAGE_DIR."""
    url = current_app.config.get("STORAGE_URL")
    if not url:
        return LocalPhotoStore(storage_root())
    from supervise.services.storage_s3 import store_for

    return store_for(url, current_app.config.get("S3_ENDPOINT_URL"), current_app.config.get("S3_REGION"))


def check_storage_url(url: str | None) -> None:
    """Refuse, at start, a STORAGE_URL this version cannot use (ValueError saying why)."""
    if url and not (url.startswith("s3://") and len(url) > len("s3://") and not url[5:].startswith("/")):
        raise ValueError(f"SUPERVISE_STORAGE_URL must be empty (photos under STORAGE_DIR) or "
                         f"s3://bucket[/prefix], not {url!r}")


def original_path(root: Path, sha256: str, fmt: str) -> Path:
    """Where the original bytes with that SHA-256 live (whether or not they are there yet)."""
    return root / "photos" / sha256[:2] / sha256[2:4] / f"{sha256}.{EXTENSIONS[fmt]}"


def display_path(root: Path, sha256: str) -> Path:
    """Where the EXIF-stripped display copy of that photo is cached."""
    return root / "photos" / sha256[:2] / sha256[2:4] / f"{sha256}.display.jpg"


class PendingOriginal:
    """An original on its way into storage. The bytes are written whole to a temporary file and
    put in place under their name at once; a helper thread then flushes them and the folder entry
    to the disk while the request goes on with its database work (the wait is the disk's).
    `make_durable` waits for that; `discard` removes what this request created.

    A file already under the name is left alone when it holds these bytes (it may belong to
    another record, and only its creator may remove it) and is flushed too, since the request
    that wrote it may still be waiting for the disk. One that holds other bytes was cut short by a
    crash before any row could name it: it is written again."""

    def __init__(self, root: Path, sha256: str, fmt: str, data: bytes) -> None:
        self.path = original_path(root, sha256, fmt)
        self.created = False
        self._settling: threading.Thread | None = None
        self._error: BaseException | None = None
        if _holds(self.path, data):
            fd, new_folders = os.open(self.path, os.O_RDONLY), []
        else:
            new_folders = _make_folders(self.path.parent)
            fd = self._put_in_place(data)
        self._settling = threading.Thread(target=self._flush, args=(fd, new_folders), daemon=True,
                                          name="evidence-fsync")
        self._settling.start()

    def _put_in_place(self, data: bytes) -> int:
        """Write the bytes to a temporary file and give it the name; the file under the name, open
        for flushing."""
        temp = self.path.parent / f".tmp-{secrets.token_hex(8)}{self.path.suffix}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, data)
            os.fchmod(fd, 0o644)  # whatever the umask: other workers must read it
            ours = self._name(temp, data)
        except BaseException:
            os.close(fd)
            raise
        finally:
            temp.unlink(missing_ok=True)
        if not ours:  # the same bytes from another request: flush that file
            os.close(fd)
            fd = os.open(self.path, os.O_RDONLY)
        return fd

    def _name(self, temp: Path, data: bytes) -> bool:
        """Give the temporary file the name; False when the name already holds these bytes."""
        try:
            os.link(temp, self.path)  # unlike a rename it refuses to replace: tells who created it
            self.created = True
            return True
        except FileExistsError:  # another request, or a crash's remains (see the class)
            if _holds(self.path, data):
                return False
        except OSError:  # a file system without hard links
            self.created = not self.path.exists()
        os.replace(temp, self.path)
        return True

    def _flush(self, fd: int, new_folders: list[Path]) -> None:
        """The file, then its folder entry (and those of new folders): on ext4 the first flush
        commits them all, and the others find nothing left to write."""
        try:
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            for folder in (self.path.parent, *new_folders):
                _fsync_folder(folder)
        except BaseException as exc:  # noqa: BLE001 - handed to the request thread by make_durable
            self._error = exc

    def make_durable(self) -> None:
        """Return once the original is on the disk under its name (raises what went wrong)."""
        if self._settling is not None:
            self._settling.join()
            self._settling = None
        if self._error is not None:
            raise self._error

    def discard(self) -> None:
        """Remove the original when this request created it."""
        if self._settling is not None:
            self._settling.join()
            self._settling = None
        if self.created:
            self.path.unlink(missing_ok=True)
            self.created = False


@contextmanager
def original_kept_for_commit(sha256: str, fmt: str, data: bytes) -> Iterator[PendingWrite]:
    """Write the original for the block that commits the rows naming it; the block calls
    `make_durable()` on what it is given right before its commit (and if it does not, that
    happens when it ends). If the block fails, the file is removed when this call created it
    (the caller rolls its session back)."""
    pending = photo_store().keep_original(sha256, fmt, data)
    try:
        yield pending
        pending.make_durable()
    except BaseException:
        pending.discard()
        raise


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file exists and holds exactly these bytes."""
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


def _make_folders(folder: Path) -> list[Path]:
    """Create the folder and any missing parents; the parents of those created, whose entries
    must be flushed for the new folders to survive a power cut."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            pass  # made by another request in between
    return [new.parent for new in missing]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class PhotoFile:
    data: bytes
    media_type: str
    filename: str


def photo_file(sha256: str, fmt: str, variant: str, stem: str) -> PhotoFile:
    """A stored photo to send: the original bytes, or with variant "display" the EXIF-stripped copy,
    named `<stem>.<ext>`. A file missing from storage is logged and answered 404
    PHOTO_MISSING_FROM_STORAGE."""
    store = photo_store()
    try:
        if variant == "display":
            return PhotoFile(store.read_display(sha256, fmt), "image/jpeg", f"{stem}.jpg")
        return PhotoFile(store.read_original(sha256, fmt), MEDIA_TYPES[fmt], f"{stem}.{EXTENSIONS[fmt]}")
    except FileNotFoundError:
        log.error("photo %s of %s is missing from storage", sha256, stem)
        raise DomainError("The photo file of %(stem)s is missing from storage; it has been logged.",
                          code="PHOTO_MISSING_FROM_STORAGE", status=404, params={"stem": stem}) from None


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
