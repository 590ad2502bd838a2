"""The regulation in force: published versions in the database, the shipped default before any."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
def _parsed(text: str) -> Regulation:
    return parse_regulation(text)


def regulation_in_force() -> InForce:
    """The newest published version, or the shipped default document when none is stored yet."""
    version = db.session.scalar(select(RegulationVersion).order_by(RegulationVersion.number.desc()).limit(1))
    if version is None:
        return InForce(_parsed(default_regulation_text()), None)
    return InForce(_parsed(version.text), version)


def publish_regulation(actor: Actor, text: str, note: str | None = None) -> RegulationVersion:
    """Validate a document and store it as the next version (admin); invalid documents store nothing."""
    require_role(actor, "admin")
    try:
        regulation = _parsed(text)
    except RegulationInvalid as exc:
        raise Invalid("The regulation document is not valid; nothing was stored.", code="REGULATION_INVALID",
                      details={"errors": exc.errors}) from None
    number = (db.session.scalar(select(func.max(RegulationVersion.number))) or 0) + 1
    version = RegulationVersion(number=number, label=regulation.version_label, text=text, note=note,
                                created_by_id=actor.id or None)
    db.session.add(version)
    db.session.commit()
    return version
