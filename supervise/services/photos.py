"""Who gets which copy of a photo (PIPL: a selfie's EXIF holds where and when a person was).

Everyone allowed to see a sign-in or a finding gets the display copy: upright, at most 1600 px,
without EXIF or GPS. The original bytes (the evidence as received, GPS included) go to managers
and admins only, and each such fetch is recorded: who, when, which record, from where.
"""
from __future__ import annotations

from flask import has_request_context, request

from supervise.errors import DomainError, Forbidden
from supervise.extensions import db
from supervise.models import OriginalPhotoFetch, Photo
from supervise.services import storage
from supervise.services.access import Actor
from supervise.timeutil import local_iso

ORIGINAL_ROLES = ("manager", "admin")


def photo_for(actor: Actor, photo: Photo, variant: str, record: str, stem: str) -> storage.PhotoFile:
    """The photo of `record` ("checkin:17") for an actor already allowed to see that record: the
    display copy, or (variant "original") the original to managers and admins, the fetch recorded.
    A photo removed by the retention purge is 410 PHOTO_PURGED."""
    if photo.purged_at is not None:
        raise DomainError("The photo of %(record)s was removed on %(value)s under the retention policy; its hashes and what was judged from it are kept.",
                          code="PHOTO_PURGED", status=410, details={"purged_at": local_iso(photo.purged_at)}, params={"record": record, "value": local_iso(photo.purged_at)[:10]})
    if variant == "original":
        if actor.role not in ORIGINAL_ROLES:
            raise Forbidden("The original photo (with its GPS) is for managers and admins; ask for the display "
                            "copy (?variant=display, the default).", code="ORIGINAL_NOT_ALLOWED")
        served = storage.photo_file(photo.sha256, photo.format, variant, stem)
        _record_fetch(actor, photo.sha256, record)
        return served
    return storage.photo_file(photo.sha256, photo.format, variant, stem)


def _record_fetch(actor: Actor, sha256: str, record: str) -> None:
    address = request.remote_addr if has_request_context() else None
    db.session.add(OriginalPhotoFetch(photo_sha256=sha256, user_id=actor.id, record=record[:32],
                                      remote_addr=(address or "")[:64] or None))
    db.session.commit()
