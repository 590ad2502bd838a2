"""Changing who may sign in: one's own password, and an admin's reset or deactivation of an
account. Each ends the account's other sessions and tokens (services.sessions)."""
from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from supervise.errors import Forbidden, Unauthorized
from supervise.extensions import db
from supervise.models import User
from supervise.services import lookup
from supervise.services.access import Actor, require_role
from supervise.services.auth import hash_password
from supervise.services.sessions import end_everything_of


def change_own_password(actor: Actor, current: str, new: str, *, keep_token: str | None = None,
                        keep_session: str | None = None) -> int:
    """Set a new password for the actor, who proves the current one; every other session and
    token of theirs ends (the one used for the change stays). Returns how many ended."""
    user = db.session.get(User, actor.id)
    if user is None or not check_password_hash(user.password_hash, current or ""):
        raise Unauthorized("The current password is wrong; nothing was changed.", code="BAD_CREDENTIALS")
    user.password_hash = hash_password(new)
    ended = end_everything_of(user.id, keep_token=keep_token, keep_session=keep_session)
    db.session.commit()
    return ended


def update_account(actor: Actor, user_id: int, *, active: bool | None = None, password: str | None = None) -> User:
    """An admin deactivates, reactivates or resets the password of an account. Deactivating or
    resetting ends all of the account's sessions and tokens, so reactivating opens none again."""
    require_role(actor, "admin")
    user = lookup.get_or_404(User, user_id, "officer")
    if user.id == actor.id and active is False:
        raise Forbidden("An admin does not deactivate their own account.", code="OWN_ACCOUNT")
    if password is not None:
        user.password_hash = hash_password(password)
    if active is not None:
        user.active = active
    if password is not None or active is False:
        end_everything_of(user.id)
    db.session.commit()
    return user


def choose_language(user_id: int, language: str) -> None:
    """Keep the person's choice of page language on their account ("zh_Hans" or "en")."""
    from supervise.errors import Invalid
    from supervise.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise Invalid(_("Unknown language."), code="UNKNOWN_LANGUAGE", details={"choices": sorted(LANGUAGES)})
    user = db.session.get(User, user_id)
    if user is not None:
        user.language = language
        db.session.commit()
