"""The regulation in force: published versions in the database, the shipped default before any."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from flask import g, has_request_context
from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from supervise.errors import Conflict, Invalid
from supervise.extensions import db
from supervise.models import RegulationVersion, text_limit
from supervise.regulation import Regulation, RegulationInvalid, default_regulation_text, parse_regulation
from supervise.regulation.document import key_lines, line_of
from supervise.services.access import Actor, require_role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InForce:
    """The regulation to apply and the stored version it came from (None: the shipped default)."""

    regulation: Regulation
    version: RegulationVersion | None

    @property
    def version_number(self) -> int:
        return self.version.number if self.version else 0


@lru_cache(maxsize=16)
def parse_cached(text: str) -> Regulation:
    """The validated regulation of a document text, parsed once per process."""
    return parse_regulation(text)


def regulation_in_force() -> InForce:
    """The newest published version, or the shipped default document when none is stored yet.

    Looked up once per request: a sign-in asks several times and must see one version throughout.
    """
    if has_request_context():
        if "regulation_in_force" not in g:
            g.regulation_in_force = _lookup()
        return g.regulation_in_force
    return _lookup()


_IN_FORCE: dict[tuple, InForce] = {}


_VERSIONS = RegulationVersion.__table__.c
# Built once and run through Core on the session's connection: this question is asked on every
# sign-in, and the ORM layer costs more than the query.
_NEWEST = select(_VERSIONS.id, _VERSIONS.number, _VERSIONS.created_at).order_by(_VERSIONS.number.desc()).limit(1)


def _lookup() -> InForce:
    """Ask the database only which version is newest; parse each version once per process."""
    newest = db.session.connection().execute(_NEWEST).first()
    key = tuple(newest) if newest else (0,)
    if key not in _IN_FORCE:
        _IN_FORCE.clear()
        _IN_FORCE[key] = _newest_valid()
    return _IN_FORCE[key]


def _newest_valid() -> InForce:
    """The newest stored version that still validates, else the shipped default.

    A version stored before a check existed (a threshold outside today's range) would otherwise
    fail every sign-in and check until someone published again; it is passed over, loudly."""
    numbers = db.session.scalars(select(RegulationVersion.number).order_by(RegulationVersion.number.desc())).all()
    for number in numbers:
        version = db.session.scalar(select(RegulationVersion).where(RegulationVersion.number == number))
        try:
            regulation = parse_cached(version.text)
        except RegulationInvalid as exc:
            log.error("regulation version %s no longer validates and is passed over: %s", number, exc)
            continue
        db.session.expunge(version)
        return InForce(regulation, version)
    return InForce(parse_cached(default_regulation_text()), None)


# Publishes racing for the next number: each loser reads the new newest and tries again.
PUBLISH_ATTEMPTS = 5
_PUBLISH_LOCK_SPACE = 0x52454755  # "REGU": the two-key advisory lock of publishing


def publish_regulation(actor: Actor, text: str, note: str | None = None) -> RegulationVersion:
    """Validate a document and store it as the next version (admin); invalid documents store nothing.

    Two publishes at once each get a number of their own, in the order they commit; one that loses
    the race PUBLISH_ATTEMPTS times is a 409 REGULATION_PUBLISH_CONFLICT with nothing stored."""
    require_role(actor, "admin")
    regulation = _valid(text)
    for _attempt in range(PUBLISH_ATTEMPTS):
        _take_turn()
        number = (db.session.scalar(select(func.max(RegulationVersion.number))) or 0) + 1
        version = RegulationVersion(number=number, label=regulation.version_label, text=text, note=note,
                                    created_by_id=actor.id or None)
        db.session.add(version)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another publish took this number first
            continue
        if has_request_context():
            g.pop("regulation_in_force", None)
        return version
    raise Conflict("Other versions were being published at the same moment; nothing was stored. Read the "
                   "newest version and publish again.", code="REGULATION_PUBLISH_CONFLICT")


def _take_turn() -> None:
    """On PostgreSQL, publishes wait for each other here (a transaction lock), so each reads the
    number the previous one stored; elsewhere the unique number and the retry decide."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sql_text("SELECT pg_advisory_xact_lock(:space, 1)"), {"space": _PUBLISH_LOCK_SPACE})


def _valid(text: str) -> Regulation:
    """The regulation of a document fit to store, or Invalid REGULATION_INVALID listing why."""
    try:
        regulation = parse_cached(text)
    except RegulationInvalid as exc:
        errors = exc.errors
    else:
        errors = _label_errors(text, regulation)
        if not errors:
            return regulation
    raise Invalid("The regulation document is not valid; nothing was stored.", code="REGULATION_INVALID",
                  details={"errors": errors})


def _label_errors(text: str, regulation: Regulation) -> list[dict]:
    limit = text_limit(RegulationVersion.label)
    if len(regulation.version_label) <= limit:
        return []
    return [{"path": "version_label", "line": line_of(key_lines(text), "version_label"),
             "message": f"At most {limit} characters (the label is stored with the version)."}]
