"""`Idempotency-Key` for retries from phones on bad networks, for any endpoint that creates things.

The key is recorded in the same transaction as the work it names, with the answer the client gets:
the service calls `keep(status, body)` just before its commit (its `before_commit` hook), so the key
row and the sign-in (or finding) are committed together or not at all. A request killed halfway
(a worker killed, a server crash, a lost connection) therefore leaves nothing behind, and the
phone's retry with the same key goes through at once. A later retry finds the row and gets the
first answer again.

A request with a key holds that key for its transaction (a PostgreSQL advisory transaction lock; on
SQLite the database's write lock, taken at once): a retry arriving while the first request is still
being handled waits for it and then answers its stored answer, and the lock goes with the
transaction when a request is killed. A retry that waits longer than HOLD_WAIT_S is a 409
IDEMPOTENCY_KEY_IN_PROGRESS. Should two requests still both do the work, only one can commit its key
row (it is unique per user): the other's commit fails, its work is rolled back with it, and it
answers the winner's stored answer. The same key with another request is a 409
IDEMPOTENCY_KEY_REUSED.

    status, body, replayed = run_idempotent(user_id, key, "POST /api/v1/checkins", fingerprint, work)
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from supervise.errors import Conflict, Invalid
from supervise.extensions import db
from supervise.models import IdempotentResponse, text_limit
from supervise.timeutil import utcnow

# Rows of this status were reservations of an earlier version, committed before their work: a
# request killed after it left one behind; it names nothing and is cleared when its key comes again.
LEGACY_PENDING = 0
MAX_KEY_LENGTH = text_limit(IdempotentResponse.key)
# How long a retry waits for the first request with its key before it is told to retry later.
HOLD_WAIT_S = 20
_LOCK_SPACE = 0x49444D50  # "IDMP": the two-key advisory locks of idempotency keys
_TRY_HOLD = text("SELECT pg_try_advisory_xact_lock(:space, :key)")

Keep = Callable[[int, dict], None]
Work = Callable[[Keep], tuple[int, dict]]


def fingerprint(endpoint: str, *, body: bytes = b"", form: Mapping[str, str] | None = None,
                files: Iterable[tuple[str, bytes]] = ()) -> str:
    """SHA-256 naming one request: the endpoint plus its body.

    A multipart body is fingerprinted by its content (sorted form fields, each file's field name
    and SHA-256), not its raw bytes: a phone that rebuilds the request picks a new boundary, and
    that retry is still the same request.
    """
    digest = hashlib.sha256(endpoint.encode() + b"\0" + body)
    for name, value in sorted((form or {}).items()):
        digest.update(f"\0form:{name}={value}".encode())
    for name, content in sorted(files, key=lambda item: item[0]):
        digest.update(f"\0file:{name}={hashlib.sha256(content).hexdigest()}".encode())
    return digest.hexdigest()


def run_idempotent(user_id: int, key: str | None, endpoint: str, request_sha256: str,
                   work: Work) -> tuple[int, dict, bool]:
    """Run `work(keep)` once per (user, key) and return (status, body, replayed).

    `work` calls `keep(status, body)` inside its transaction, before its commit, so the key is
    stored with the work; a work that never calls it has its answer kept after its commit instead.
    Without a key, `work` simply runs. The same key with another request (other body or endpoint)
    is a 409 IDEMPOTENCY_KEY_REUSED.
    """
    if key is None:
        status, body = work(_keep_nothing)
        return status, body, False
    _check_key(key)
    _hold(user_id, key)
    stored = _stored_answer(user_id, key, endpoint, request_sha256)
    if stored is not None:
        status, body = stored.status, stored.body
        db.session.rollback()  # lets the key go
        return status, body, True
    kept: list[bool] = []

    def keep(status: int, body: dict) -> None:
        _clear_legacy(user_id, key)
        db.session.connection().execute(insert(IdempotentResponse), {
            "user_id": user_id, "key": key, "endpoint": endpoint, "request_sha256": request_sha256,
            "status": status, "body": body, "created_at": utcnow()})
        kept.append(True)

    try:
        status, body = work(keep)
    except IntegrityError:
        db.session.rollback()
        stored = _stored_answer(user_id, key, endpoint, request_sha256)
        if stored is None:
            raise
        return stored.status, stored.body, True  # a request with this key committed first
    if not kept:
        keep(status, body)
        db.session.commit()
    return status, body, False


def _keep_nothing(status: int, body: dict) -> None:
    return None


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise Invalid("Idempotency-Key must be 1 to %(max_key_length)s characters.", code="IDEMPOTENCY_KEY_INVALID", params={"max_key_length": MAX_KEY_LENGTH})


def _hold(user_id: int, key: str) -> None:
    """Hold (user, key) until this request's transaction ends: a request with the same key waits
    here, up to HOLD_WAIT_S, and then reads what this one stored."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(f"{user_id}\0{key}".encode()).digest()
        params = {"space": _LOCK_SPACE, "key": int.from_bytes(digest[:4], "big", signed=True)}
        deadline = time.monotonic() + HOLD_WAIT_S
        while not connection.execute(_TRY_HOLD, params).scalar():
            if time.monotonic() > deadline:
                raise _in_progress(key)
            time.sleep(0.05)
    try:
        _clear_legacy(user_id, key)  # on SQLite this write takes the database's write lock now
    except OperationalError as exc:  # SQLite's busy timeout ran out behind the first request
        raise _in_progress(key) from exc


def _in_progress(key: str) -> Conflict:
    return Conflict("The first request with this Idempotency-Key is still being handled; retry shortly.",
                    code="IDEMPOTENCY_KEY_IN_PROGRESS", details={"key": key})


def _clear_legacy(user_id: int, key: str) -> None:
    db.session.execute(delete(IdempotentResponse).where(IdempotentResponse.user_id == user_id,
                                                        IdempotentResponse.key == key,
                                                        IdempotentResponse.status == LEGACY_PENDING))


def _stored_answer(user_id: int, key: str, endpoint: str, request_sha256: str) -> IdempotentResponse | None:
    """The answer stored under this key, or None; 409 when the key named another request."""
    existing = db.session.scalar(select(IdempotentResponse).where(IdempotentResponse.user_id == user_id,
                                                                  IdempotentResponse.key == key))
    if existing is None or existing.status == LEGACY_PENDING:
        return None
    if existing.endpoint != endpoint or existing.request_sha256 != request_sha256:
        raise Conflict("This Idempotency-Key was used for a different request; use a new key for a new "
                       "request.", code="IDEMPOTENCY_KEY_REUSED", details={"key": key})
    return existing
