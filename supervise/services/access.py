"""The one place that decides who may do what: a role check plus district scoping.

An admin may do anything. A manager acts on one district, or on the whole city when they
have no district. An officer acts only on themselves. An inspector reads only what their
assignments give them.
"""
from __future__ import annotations

from dataclasses import dataclass

from supervise.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """Who is calling: taken from a token or a browser session."""

    id: int
    username: str
    role: str
    district_id: int | None
    district_code: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_city_wide(self) -> bool:
        return self.is_admin or (self.role == "manager" and self.district_id is None)


def require_role(actor: Actor, *roles: str) -> None:
    """Raise Forbidden unless the actor has one of `roles` (admin always passes)."""
    if actor.is_admin or actor.role in roles:
        return
    raise Forbidden("This needs the role %(value)s; you are %(role)s.",
                    details={"required": list(roles), "role": actor.role}, params={"value": ' or '.join(roles), "role": actor.role})


def can_manage_district(actor: Actor, district_id: int | None) -> bool:
    """True for admins, city-wide managers, and managers of that district."""
    if actor.is_city_wide:
        return True
    return actor.role == "manager" and district_id is not None and actor.district_id == district_id


def require_district(actor: Actor, district_id: int | None) -> None:
    """Raise Forbidden unless the actor manages that district."""
    if not can_manage_district(actor, district_id):
        raise Forbidden("That belongs to a district you are not responsible for.")


def can_see_officer(actor: Actor, officer_id: int, officer_district_id: int | None) -> bool:
    """Officers see themselves; managers their district (or all); admins all."""
    if actor.id == officer_id:
        return True
    return can_manage_district(actor, officer_district_id)


def require_officer_visible(actor: Actor, officer_id: int, officer_district_id: int | None) -> None:
    """Raise Forbidden unless the actor may see that officer's records."""
    if not can_see_officer(actor, officer_id, officer_district_id):
        raise Forbidden("You may not see another officer's records.")


def scope_to_actor(query, actor: Actor, officer_id_column, district_id_column):
    """Narrow a select() to the rows the actor may list: their own rows as an officer or inspector,
    their district's as a district manager, everything for admins and city-wide managers."""
    if actor.role in ("officer", "inspector"):
        return query.where(officer_id_column == actor.id)
    visible = visible_district_ids(actor)
    return query if visible is None else query.where(district_id_column.in_(visible))


def visible_district_ids(actor: Actor) -> set[int] | None:
    """None means every district; otherwise the set of district ids the actor may list."""
    if actor.is_city_wide:
        return None
    if actor.role == "manager":
        return {actor.district_id} if actor.district_id else set()
    return set()
