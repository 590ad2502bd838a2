"""PURE: the audit trail's hash chain.

Each record carries the SHA-256 of the record before it. A record's hash covers its sequence
number, time, kind, subject, actor, payload and the previous hash, all in one canonical
serialisation (JSON with sorted keys, no spaces, UTF-8), so editing any stored field, deleting a
record or inserting one breaks the chain at that record and every hash after it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical(value) -> str:
    """The one serialisation that is hashed: JSON, keys sorted, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Link:
    """One stored audit record, as far as the chain is concerned."""

    seq: int
    at: str
    kind: str
    subject_type: str
    subject_id: int | None
    actor_id: int | None
    payload: str          # canonical JSON text, hashed as stored
    prev_hash: str
    hash: str


def link_hash(seq: int, at: str, kind: str, subject_type: str, subject_id: int | None, actor_id: int | None,
              payload: str, prev_hash: str) -> str:
    """The SHA-256 (hex) that a record with these fields must carry."""
    body = canonical({"seq": seq, "at": at, "kind": kind, "subject_type": subject_type, "subject_id": subject_id,
                      "actor_id": actor_id, "payload": payload, "prev": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold, and why."""

    seq: int
    reason: str


def first_break(links: Iterable[Link]) -> Break | None:
    """Walk the records in sequence order; the first one that is missing, out of place or whose
    stored fields no longer give its hash, or None when the whole chain holds."""
    expected_prev, expected_seq = GENESIS, 1
    for link in links:
        if link.seq != expected_seq:
            return Break(expected_seq, f"record {expected_seq} is missing (found {link.seq} in its place)")
        if link.prev_hash != expected_prev:
            return Break(link.seq, "its previous-hash does not match the record before it")
        if link_hash(link.seq, link.at, link.kind, link.subject_type, link.subject_id, link.actor_id,
                     link.payload, link.prev_hash) != link.hash:
            return Break(link.seq, "its fields no longer give its hash: the record was edited")
        expected_prev, expected_seq = link.hash, link.seq + 1
    return None
