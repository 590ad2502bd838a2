"""What every page shares: the signed-in actor, flag codes' titles, times in Shanghai and the error
page. Views stay thin: parse the form, call a service, render."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import g, render_template, request

from supervise.errors import DomainError, Forbidden
from supervise.services.access import Actor
from supervise.services.auth import actor_for
from supervise.services.lookup import MAX_PAGE
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import SHANGHAI, as_utc_stored, is_supported_day, local_today, utcnow


def current_actor() -> Actor:
    """The Actor of the signed-in user (the blueprint has already sent visitors to /login)."""
    return actor_for(g.web_user)


def require_web_role(*roles: str) -> Actor:
    """The actor, or Forbidden unless their role is one of `roles`."""
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden("This page is not for your role.")
    return actor


@dataclass(frozen=True)
class Title:
    zh: str
    en: str


def code_titles() -> dict[str, Title]:
    """Every flag code's title from the regulation in force (the `code_title` helper names the codes
    it does not, from the catalog)."""
    titles: dict[str, Title] = {}
    for code, config in regulation_in_force().regulation.values_for(utcnow(), None).items():
        if config.title_zh:
            titles[code] = Title(config.title_zh, config.title_en or code)
    return titles


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The instant as Shanghai wall-clock text ('' for None)."""
    if value is None:
        return ""
    return as_utc_stored(value).astimezone(SHANGHAI).strftime(fmt)


def page_number() -> int:
    """The `page` of the request's query: a whole number from 1 to MAX_PAGE, else the nearest."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD form value as a date; None when empty, malformed or beyond the years the service
    takes (the filter is then dropped)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and is_supported_day(day) else None


def today() -> date:
    """Today in Shanghai."""
    return local_today()


def error_page(exc: DomainError):
    """The error page for a refused request, with the service's status."""
    return render_template("error.html", error=exc), exc.status
