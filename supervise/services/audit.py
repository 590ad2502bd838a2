"""The audit trail: every flag event (raised, decided, appealed, withdrawn, joined, ...), regulation
publish, round draw and withdrawal and inspection finding becomes a hash-chained record at commit time.

Records are appended by `services.commit_hooks` in the transaction of the event, after everything
else (a round's withdrawal, one conditional UPDATE that the session does not see, is appended by
`services.inspections.withdraw_round` itself), under a lock that makes appends one at a time: PostgreSQL's transaction-scoped advisory lock;
on SQLite the write lock the transaction already holds (writes begin IMMEDIATE). `seq` is unique as
well, so an append that somehow raced would fail its commit rather than fork the chain.

`verify()` walks the chain (supervise.audit.first_break) and then compares each record with the row
it describes today: a flag event whose reason was edited in the database, or a regulation version
whose text changed, is named even if nobody touched the audit table.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from supervise.audit import GENESIS, Break, Link, canonical, first_break, link_hash
from supervise.extensions import db
from supervise.models import (
    AuditRecord,
    FlagEvent,
    InspectionFinding,
    InspectionRound,
    RegulationVersion,
)
from supervise.timeutil import utcnow

ADVISORY_KEY = 0x5355_4144  # "SUAD": distinct from the scheduler's lock
AUDITED = (FlagEvent, RegulationVersion, InspectionRound, InspectionFinding)


def _instant(value) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class RoundWithdrawal:
    """The withdrawal of a round before its release, as an event of the trail (the round's row
    keeps when, by whom and why; its "round.drawn" record stays as it was)."""

    round: InspectionRound


def describe(obj) -> tuple[str, str, int | None, int | None, dict]:
    """(kind, subject_type, subject_id, actor_id, payload) of an audited object as it is now."""
    if isinstance(obj, RoundWithdrawal):
        drawn = obj.round
        return ("round.withdrawn", "inspection_round", drawn.id, drawn.withdrawn_by_id,
                {"withdrawn_at": _instant(drawn.withdrawn_at), "withdrawn_by_id": drawn.withdrawn_by_id,
                 "reason": drawn.withdrawn_reason})
    if isinstance(obj, FlagEvent):
        return (f"flag.{obj.action}", "flag_event", obj.id, obj.actor_id,
                {"flag_id": obj.flag_id, "action": obj.action, "from": obj.from_status, "to": obj.to_status,
                 "reason": obj.reason, "actor_id": obj.actor_id, "at": _instant(obj.at),
                 "data": json.loads(canonical(obj.data)) if obj.data is not None else None})
    if isinstance(obj, RegulationVersion):
        return ("regulation.published", "regulation_version", obj.id, obj.created_by_id,
                {"number": obj.number, "label": obj.label, "note": obj.note,
                 "text_sha256": hashlib.sha256(obj.text.encode("utf-8")).hexdigest(),
                 "created_at": _instant(obj.created_at)})
    if isinstance(obj, InspectionRound):
        return ("round.drawn", "inspection_round", obj.id, obj.created_by_id,
                {"day": obj.day.isoformat(), "kind": obj.kind, "seed": obj.seed, "scope": obj.scope,
                 "release_at": _instant(obj.release_at),
                 "checks": sorted([a.inspector_id, a.shift_id, a.officer_id, a.district_id, a.team_ids]
                                  for a in obj.assignments)})
    if isinstance(obj, InspectionFinding):
        return ("finding.recorded", "inspection_finding", obj.id, obj.inspector_id,
                {"assignment_id": obj.assignment_id, "officer_id": obj.officer_id, "result": obj.result,
                 "items": obj.items or [], "note": obj.note, "photo_sha256": obj.photo_sha256,
                 "recorded_at": _instant(obj.recorded_at)})
    raise TypeError(f"{type(obj).__name__} is not audited")


def append(session: Session, objects: list) -> None:
    """Append one record per object, in order, to the chain (inside the caller's transaction)."""
    if not objects:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
    head = connection.execute(select(AuditRecord.seq, AuditRecord.hash)
                              .order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow().isoformat(timespec="microseconds")
    rows = []
    for obj in objects:
        kind, subject_type, subject_id, actor_id, payload = describe(obj)
        seq += 1
        body = canonical(payload)
        digest = link_hash(seq, at, kind, subject_type, subject_id, actor_id, body, prev)
        rows.append({"seq": seq, "at": at, "kind": kind, "subject_type": subject_type, "subject_id": subject_id,
                     "actor_id": actor_id, "payload": body, "prev_hash": prev, "hash": digest})
        prev = digest
    connection.execute(insert(AuditRecord), rows)


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: how many records, the head, and the first broken link if any."""

    records: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


SUBJECTS = {"flag_event": FlagEvent, "regulation_version": RegulationVersion,
            "inspection_round": InspectionRound, "inspection_finding": InspectionFinding}


def verify(batch: int = 5000) -> Verdict:
    """Walk the whole chain, then compare every record with its subject row as it stands today;
    the first link that does not hold is named (chain breaks come first)."""
    links = list(_links(batch))
    broken = first_break(links)
    if broken is None:
        broken = _first_changed_subject(links)
    head = links[-1] if links else None
    return Verdict(len(links), head.seq if head else 0, head.hash if head else GENESIS, broken)


def head() -> tuple[int, str]:
    """The newest record's sequence number and hash (0 and the genesis hash for an empty trail)."""
    row = db.session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc())
                             .limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def _links(batch: int):
    last = 0
    while True:
        rows = db.session.execute(select(AuditRecord).where(AuditRecord.seq > last)
                                  .order_by(AuditRecord.seq).limit(batch)).scalars().all()
        if not rows:
            return
        for r in rows:
            yield Link(r.seq, r.at, r.kind, r.subject_type, r.subject_id, r.actor_id, r.payload, r.prev_hash, r.hash)
        last = rows[-1].seq
        db.session.expunge_all()


def _payload(kind: str, obj) -> dict:
    """What a record of this kind says of the subject row as it stands today."""
    return describe(RoundWithdrawal(obj) if kind == "round.withdrawn" else obj)[4]


def _first_changed_subject(links: list[Link]) -> Break | None:
    # A subject is recorded once per kind (a round: drawn, and perhaps withdrawn); should one ever
    # be recorded again, the latest record of that kind describes it as it should be now.
    latest: dict[tuple[str, int, str], Link] = {}
    for link in links:
        if link.subject_id is not None and link.subject_type in SUBJECTS:
            latest[(link.subject_type, link.subject_id, link.kind)] = link
    by_type: dict[str, set[int]] = {}
    for subject_type, subject_id, _ in latest:
        by_type.setdefault(subject_type, set()).add(subject_id)
    problems: list[Break] = []
    for subject_type, ids in by_type.items():
        model = SUBJECTS[subject_type]
        found = {}
        ids = sorted(ids)
        for chunk in range(0, len(ids), 500):
            for obj in db.session.scalars(select(model).where(model.id.in_(ids[chunk:chunk + 500]))):
                found[obj.id] = obj
        for (link_type, subject_id, kind), link in latest.items():
            if link_type != subject_type:
                continue
            obj = found.get(subject_id)
            if obj is None:
                problems.append(Break(link.seq, f"its {subject_type} {subject_id} has been deleted"))
            elif canonical(_payload(kind, obj)) != link.payload:
                problems.append(Break(link.seq, f"its {subject_type} {subject_id} no longer matches the record: "
                                                "the row was edited after it was recorded"))
    return min(problems, key=lambda b: b.seq) if problems else None
