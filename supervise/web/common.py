"""What every page shares: the signed-in actor, labels in Chinese with English beside them, times in
Shanghai and the error page. Views stay thin: parse the form, call a service, render."""
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

# Used only when the regulation in force does not name a code (e.g. an older flag's rule was removed).
FALLBACK_TITLES = {
    "ABSENT": ("缺勤", "Absent"), "LATE": ("迟到", "Late"), "CHECKIN_OFF_GRID": ("签到不在网格", "Off grid"),
    "PHOTO_STALE": ("照片过期", "Stale photo"), "PHOTO_NO_EVIDENCE": ("照片无定位/时间", "No evidence"),
    "LOCATION_MISMATCH": ("位置不一致", "Location mismatch"), "LOCATION_SPOOF": ("虚拟定位", "Mock location"),
    "PHOTO_REUSED": ("照片重复使用", "Photo reused"), "TRACK_GAP": ("轨迹中断（失联）", "Track gap"),
    "IDLE": ("在岗不在状态", "Idle"), "OFF_POST": ("脱岗", "Off post"), "EARLY_LEAVE": ("早退", "Early leave"),
    "LOW_PATROL": ("巡查里程不足", "Patrol too short"), "INSPECTION": ("督察发现", "Inspection"),
}
STATUS_LABELS = {"open": ("待处理", "Open"), "appealed": ("申诉中", "Appealed"),
                 "confirmed": ("已确认", "Confirmed"), "dismissed": ("已撤销", "Dismissed"),
                 "withdrawn": ("已自动撤回", "Withdrawn")}
ACTION_LABELS = {"raised": ("系统生成", "Raised"), "confirmed": ("确认", "Confirmed"),
                 "dismissed": ("撤销", "Dismissed"), "appealed": ("提出申诉", "Appealed"),
                 "appeal_rejected": ("申诉驳回", "Appeal rejected"), "appeal_upheld": ("申诉成立", "Appeal upheld"),
                 "withdrawn": ("自动撤回", "Withdrawn"), "reinstated": ("恢复", "Reinstated"),
                 "cause_gone": ("原因已消失", "Cause gone")}
ROLE_LABELS = {"officer": "执法队员", "inspector": "督察员", "manager": "管理人员", "admin": "管理员"}
TIMELINESS_LABELS = {"on_time": ("准时", "On time"), "late": ("迟到", "Late"),
                     "outside_window": ("不在签到时段", "Outside the sign-in window")}
TIME_SOURCE_LABELS = {"exif_offset": "照片EXIF（带时区）", "exif_gps": "照片GPS时间", "exif_local": "照片EXIF（本地时间）",
                      "device": "手机定位时间"}
LOCATION_SOURCE_LABELS = {"exif": "照片EXIF定位", "device": "手机浏览器定位（较弱）"}


def current_actor() -> Actor:
    """The Actor of the signed-in user (the blueprint has already sent visitors to /login)."""
    return actor_for(g.web_user)


def require_web_role(*roles: str) -> Actor:
    """The actor, or Forbidden unless their role is one of `roles`."""
    actor = current_actor()
    if actor.role not in roles:
        raise Forbidden("这个页面不属于您的角色。 This page is not for your role.")
    return actor


@dataclass(frozen=True)
class Title:
    zh: str
    en: str


def code_titles() -> dict[str, Title]:
    """Every flag code's title from the regulation in force, fallbacks for codes it does not name."""
    titles = {code: Title(*pair) for code, pair in FALLBACK_TITLES.items()}
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
