"""Browser sessions kept on the server, and ending every way in which an account is signed in.

The session cookie carries only a random token; the row with its hash decides whether the cookie
still opens anything. So logout ends the session for good (a copy of the cookie made before
opens nothing), and a password change or a deactivation ends all of the account's sessions and
bearer tokens at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from supervise.extensions import db
from supervise.models import ApiToken, User, WebSession
from supervise.timeutil import utcnow


def start_session(user: User, remote_addr: str | None, hours: int) -> str:
    """A new session for the user, valid `hours` at most; the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(WebSession(user_id=user.id, token_sha256=digest(token), remote_addr=(remote_addr or "")[:64] or None,
                              expires_at=utcnow() + timedelta(hours=hours)))
    db.session.commit()
    return token


_SESSIONS = WebSession.__table__.c
_LIVE_USER = (select(_SESSIONS.user_id, _SESSIONS.expires_at, _SESSIONS.revoked_at)
              .where(_SESSIONS.token_sha256 == bindparam("digest")))


def user_for_session(token: str) -> User | None:
    """The active user whose live (unexpired, not ended) session the token names, else None."""
    found = db.session.connection().execute(_LIVE_USER, {"digest": digest(token)}).first()
    if found is None:
        return None
    user_id, expires_at, revoked_at = found
    if revoked_at is not None or expires_at <= utcnow():
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def end_session(token: str) -> None:
    """End the session the token names (logout); a token already ended stays ended."""
    db.session.execute(update(WebSession).where(WebSession.token_sha256 == digest(token),
                                                WebSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()


def end_everything_of(user_id: int, *, keep_token: str | None = None, keep_session: str | None = None) -> int:
    """End every browser session and revoke every bearer token of the user, except the one bearer
    token or session named (the one making a password change). Not committed; the number ended."""
    now = utcnow()
    sessions = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if keep_session is not None:
        sessions = sessions.where(WebSession.token_sha256 != digest(keep_session))
    tokens = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep_token is not None:
        tokens = tokens.where(ApiToken.token_sha256 != digest(keep_token))
    ended = db.session.execute(sessions.values(revoked_at=now)).rowcount
    return ended + db.session.execute(tokens.values(revoked_at=now)).rowcount


def digest(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
