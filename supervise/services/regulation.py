"""The regulation in force: published versions in the database, the shipped default before any."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import g, has_request_context
from sqlalchemy import func, select

from supervise.errors import Invalid
from supervise.extensions import db
from supervise.models import RegulationVersion
from supervise.regulation import Regulation, RegulationInvalid, default_regulation_text, parse_regulation
from supervise.services.access import Actor, require_role


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
        _IN_FORCE[key] = _load(newest.id if newest else None)
    return _IN_FORCE[key]


def _load(version_id: int | None) -> InForce:
    if version_id is None:
        return InForce(parse_cached(default_regulation_text()), None)
    version = db.session.get(RegulationVersion, version_id)
    db.session.expunge(version)
    return InForce(parse_cached(version.text), version)


def publish_regulation(actor: Actor, text: str, note: str | None = None) -> RegulationVersion:
    """Validate a document and store it as the next version (admin); invalid documents store nothing."""
    require_role(actor, "admin")
    try:
        regulation = parse_cached(text)
    except RegulationInvalid as exc:
        raise Invalid("The regulation document is not valid; nothing was stored.", code="REGULATION_INVALID",
                      details={"errors": exc.errors}) from None
    number = (db.session.scalar(select(func.max(RegulationVersion.number))) or 0) + 1
    version = RegulationVersion(number=number, label=regulation.version_label, text=text, note=note,
                                created_by_id=actor.id or None)
    db.session.add(version)
    db.session.commit()
    if has_request_context():
        g.pop("regulation_in_force", None)
    return version
