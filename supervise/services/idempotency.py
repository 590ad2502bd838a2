"""`Idempotency-Key` for retries from phones on bad networks, for any endpoint that creates things.

The first request with a key reserves it (a row with status 0, committed before any work), so a
retry that arrives while the first is still being handled gets a 409 instead of making a second
record. When the work succeeds its status and JSON body are stored on the row and every later
request with the same key and the same request is answered with them. When the work is refused
the reservation is deleted: a refusal stores nothing, and the client may retry after fixing it.

    status, body, replayed = run_idempotent(user_id, key, "POST /api/v1/checkins", fingerprint, work)
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from supervise.errors import Conflict, Invalid
from supervise.extensions import db
from supervise.models import IdempotentResponse
from supervise.timeutil import utcnow

PENDING = 0
MAX_KEY_LENGTH = 128
# A reservation older than this belongs to a request that died (a killed worker): take it over.
ABANDONED_AFTER = timedelta(minutes=5)

Work = Callable[[], tuple[int, dict]]


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
    """Run `work` once per (user, key) and return (status, body, replayed).

    Without a key, `work` simply runs. The same key with another request (other body or other
    endpoint) is a 409 IDEMPOTENCY_KEY_REUSED; with the same request still being handled, a 409
    IDEMPOTENCY_KEY_IN_PROGRESS. `work` must commit its own writes; if it raises, the key is
    released and the error goes on.
    """
    if key is None:
        status, body = work()
        return status, body, False
    _check_key(key)
    stored = _reserve(user_id, key, endpoint, request_sha256)
    if stored is not None:
        return stored.status, stored.body, True
    try:
        status, body = work()
    except BaseException:
        db.session.rollback()
        _release(user_id, key)
        raise
    _complete(user_id, key, status, body)
    return status, body, False


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.", code="IDEMPOTENCY_KEY_INVALID")


def _reserve(user_id: int, key: str, endpoint: str, request_sha256: str) -> IdempotentResponse | None:
    """None when this request now holds the key; the stored answer when it is a replay."""
    for _attempt in range(2):
        existing = _find(user_id, key)
        if existing is None:
            db.session.add(IdempotentResponse(user_id=user_id, key=key, endpoint=endpoint,
                                              request_sha256=request_sha256, status=PENDING, body={}))
            try:
                db.session.commit()
                return None
            except IntegrityError:
                db.session.rollback()  # another request reserved it between our read and write
                continue
        if existing.endpoint != endpoint or existing.request_sha256 != request_sha256:
            raise Conflict("This Idempotency-Key was used for a different request; use a new key for a new "
                           "request.", code="IDEMPOTENCY_KEY_REUSED", details={"key": key})
        if existing.status != PENDING:
            return existing
        if utcnow() - existing.created_at < ABANDONED_AFTER:
            raise Conflict("The first request with this Idempotency-Key is still being handled; retry shortly.",
                           code="IDEMPOTENCY_KEY_IN_PROGRESS", details={"key": key})
        existing.created_at = utcnow()
        db.session.commit()
        return None
    raise Conflict("This Idempotency-Key is being used by another request right now; retry shortly.",
                   code="IDEMPOTENCY_KEY_IN_PROGRESS", details={"key": key})


def _find(user_id: int, key: str) -> IdempotentResponse | None:
    return db.session.scalar(select(IdempotentResponse).where(IdempotentResponse.user_id == user_id,
                                                              IdempotentResponse.key == key))


def _release(user_id: int, key: str) -> None:
    db.session.execute(delete(IdempotentResponse).where(IdempotentResponse.user_id == user_id,
                                                        IdempotentResponse.key == key,
                                                        IdempotentResponse.status == PENDING))
    db.session.commit()


def _complete(user_id: int, key: str, status: int, body: dict) -> None:
    row = _find(user_id, key)
    if row is not None:
        row.status, row.body = status, body
        db.session.commit()
