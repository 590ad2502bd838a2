"""Template filters and globals: Shanghai times, Chinese labels with English beside them."""
from __future__ import annotations

from supervise.timeutil import parse_instant
from supervise.web import bp
from supervise.web.common import (
    ACTION_LABELS,
    LOCATION_SOURCE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    TIME_SOURCE_LABELS,
    TIMELINESS_LABELS,
    local,
)


@bp.app_template_filter("local")
def local_filter(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local(value, fmt)


@bp.app_template_global()
def status_label(status: str) -> tuple[str, str]:
    return STATUS_LABELS.get(status, (status, status))


@bp.app_template_global()
def action_label(action: str) -> tuple[str, str]:
    return ACTION_LABELS.get(action, (action, action))


@bp.app_template_global()
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@bp.app_template_global()
def timeliness_label(value: str | None) -> tuple[str, str]:
    return TIMELINESS_LABELS.get(value or "", (value or "—", ""))


@bp.app_template_global()
def time_source_label(value: str | None) -> str:
    return TIME_SOURCE_LABELS.get(value or "", value or "无 none")


@bp.app_template_global()
def location_source_label(value: str | None) -> str:
    return LOCATION_SOURCE_LABELS.get(value or "", value or "无 none")


@bp.app_template_filter("local_text")
def local_text(value: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An ISO 8601 text (as the evidence view gives it) as Shanghai wall-clock time."""
    if not value:
        return ""
    try:
        return local(parse_instant(value), fmt)
    except ValueError:
        return value


@bp.app_template_filter("evidence_value")
def evidence_value(value) -> str:
    """A measured value for people: instants (ISO text with Z) in Shanghai time, the rest as it is."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        return local_text(value) or value
    if isinstance(value, list | tuple) and len(value) <= 6:
        return " – ".join(evidence_value(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
