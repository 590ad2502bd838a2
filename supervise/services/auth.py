"""Accounts, passwords and bearer tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from supervise.errors import Invalid, Unauthorized
from supervise.extensions import db
from supervise.models import ApiToken, District, LoginAttempt, User
from supervise.services.access import Actor
from supervise.timeutil import utcnow

# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """A scrypt hash of the password; refuses passwords shorter than 8 characters."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid("A password needs at least %(min_password_length)s characters.",
                      code="PASSWORD_TOO_SHORT", details={"min_length": MIN_PASSWORD_LENGTH}, params={"min_password_length": MIN_PASSWORD_LENGTH})
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def actor_for(user: User) -> Actor:
    """The Actor that access checks reason about."""
    return Actor(id=user.id, username=user.username, role=user.role, district_id=user.district_id,
                 district_code=user.district.code if user.district else None)


def check_credentials(username: str, password: str, remote_addr: str | None) -> User:
    """The active user with that password, or Unauthorized. Every attempt is recorded (who tried
    which name from where); how many failures are allowed is the login limits' business
    (supervise.ops.limits), counted per name and address so a stranger cannot lock anyone out."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = ok and user is not None and user.active
    db.session.add(LoginAttempt(username=username[:64], remote_addr=(remote_addr or "")[:64] or None, success=ok))
    db.session.commit()
    if not ok:
        raise Unauthorized(_("Wrong username or password."), code="BAD_CREDENTIALS")
    return user


def issue_token(user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    """A new random bearer token for the user; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_sha256=_digest(token),
                      expires_at=utcnow() + timedelta(hours=ttl_hours))
    db.session.add(record)
    db.session.commit()
    return token, record


# Built once and run through Core: every authenticated request asks it, and building the ORM
# user (with its district) cost more than the query; an Actor needs only these columns.
_TOKENS, _USERS, _DISTRICTS = ApiToken.__table__.c, User.__table__.c, District.__table__.c
_BY_TOKEN = (select(_TOKENS.expires_at, _TOKENS.revoked_at, _USERS.id, _USERS.username, _USERS.role,
                    _USERS.district_id, _USERS.active, _DISTRICTS.code)
             .select_from(ApiToken.__table__.join(User.__table__, _TOKENS.user_id == _USERS.id)
                          .outerjoin(District.__table__, _USERS.district_id == _DISTRICTS.id))
             .where(_TOKENS.token_sha256 == bindparam("digest")))


def actor_for_token(token: str) -> Actor | None:
    """The Actor of the active user a live (unexpired, unrevoked) token belongs to, else None
    (one query)."""
    found = db.session.connection().execute(_BY_TOKEN, {"digest": _digest(token)}).first()
    if found is None:
        return None
    expires_at, revoked_at, user_id, username, role, district_id, active, district_code = found
    if revoked_at is not None or expires_at <= utcnow() or not active:
        return None
    return Actor(id=user_id, username=username, role=role, district_id=district_id, district_code=district_code)


def user_of(actor: Actor) -> User:
    """The account behind an actor (read again: the actor holds only what access checks need)."""
    return db.session.get(User, actor.id)


def revoke_token(token: str) -> bool:
    """Revoke a token; True when it was live."""
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    db.session.commit()
    return True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
