"""Photo originals on disk: written whole, flushed before the commit that names them, and owned by
the request that created them."""
from __future__ import annotations

import errno
import os

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Checkin
from supervise.services import storage
from tests.integration.test_checkins_service import selfie, shift, sign_in, stored_files

SHA = "ab" * 32


@pytest.fixture
def root(app, tmp_path):
    return tmp_path / "storage"


def test_the_second_request_with_the_same_bytes_neither_creates_nor_removes_the_file(root):
    first = storage.PendingOriginal(root, SHA, "jpeg", b"same bytes")
    second = storage.PendingOriginal(root, SHA, "jpeg", b"same bytes")
    second.make_durable()
    second.discard()  # its commit failed: the file is the first request's, and stays
    first.make_durable()
    assert (first.created, second.created) == (True, False)
    assert storage.original_path(root, SHA, "jpeg").read_bytes() == b"same bytes"


def test_a_discarded_original_leaves_nothing_behind_not_even_its_folders_contents(root):
    pending = storage.PendingOriginal(root, SHA, "jpeg", b"bytes of a refused sign-in")
    pending.discard()
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_a_disk_that_fails_to_flush_the_photo_fails_the_sign_in_and_keeps_nothing(world, ctx, monkeypatch):
    shift()
    before = stored_files()

    def failing_fsync(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(storage.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        sign_in(selfie(seed=21))
    assert stored_files() == before
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 0
