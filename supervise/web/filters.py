"""Template filters and globals: Shanghai times and raw values said in the reader's language.

Every page shows stored values through these, never raw: `{{ f.status|status_name }}` (open → 待处理),
`{{ f.severity|severity_name }}` (medium → 中), `{{ user.role|role_name }}`, `{{ e.action|action_name }}`,
`{{ code_title(titles, f.code) }}` (a flag code's title from the regulation in force, in the page's
language), `{{ key|measure_name }}` and `{{ measure(key, value) }}` for measured values (distance_m →
"距离" and "120 米"; minutes, accuracy and instants likewise), `{{ value|value_text }}` for None/True/
False (→ "无"/"是"/"否"), `{{ source|source_name }}` ("default" → "默认值（随系统提供）"),
`{{ timeliness|timeliness_name }}`, `{{ time_source_label(v) }}`, `{{ location_source_label(v) }}`, and
`{{ both(zh, en) }}` to pick the reader's language from a text stored in both (findings' summaries,
review reasons as {"zh", "en"}), `{{ f|summary }}` for a flag's summary and `{{ e|event_reason }}`
for a flag history entry's reason (system-written ones are stored as catalog text + params). The names are English catalog messages kept in the pure module
`supervise/labels.py`; the Chinese is in the catalog. The older tuple helpers (`status_label`,
`action_label`, `timeliness_label`) still answer `(name, "")` so templates written for the bilingual
pages keep working while they are converted.
"""
from __future__ import annotations

from flask_babel import gettext

from supervise import labels
from supervise.evidence import notes
from supervise.i18n import current_language
from supervise.stored_text import event_reason
from supervise.timeutil import parse_instant
from supervise.web import bp
from supervise.web.common import local


def _(text: str) -> str:
    """The catalog's translation of a label (the label itself when the catalog has none)."""
    return gettext(text) if text else text


def _named(names: dict, value) -> str:
    """`value`'s name from one of the label tables, translated; the value itself when unnamed."""
    if value is None or value == "":
        return "—"
    name = names.get(value)
    return _(name) if name else str(value)


@bp.app_template_filter("local")
def local_filter(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as Shanghai wall-clock text."""
    return local(value, fmt)


@bp.app_template_filter("status_name")
def status_name(status: str | None) -> str:
    """A flag's status in the reader's language (open → 待处理)."""
    return _named(labels.STATUS_NAMES, status)


@bp.app_template_filter("action_name")
def action_name(action: str | None) -> str:
    """A flag history entry's action in the reader's language (appeal_rejected → 申诉驳回)."""
    return _named(labels.ACTION_NAMES, action)


@bp.app_template_filter("role_name")
def role_name(role: str | None) -> str:
    """A user's role in the reader's language (manager → 管理人员)."""
    return _named(labels.ROLE_NAMES, role)


@bp.app_template_filter("severity_name")
def severity_name(severity: str | None) -> str:
    """A rule's or flag's severity in the reader's language (medium → 中)."""
    return _named(labels.SEVERITY_NAMES, severity)


@bp.app_template_filter("timeliness_name")
def timeliness_name(value: str | None) -> str:
    """A sign-in's timeliness in the reader's language (late → 迟到)."""
    return _named(labels.TIMELINESS_NAMES, value)


@bp.app_template_filter("value_text")
def value_text(value) -> str:
    """None, True and False as words of the reader's language (无, 是, 否); anything else as text."""
    if value is None or isinstance(value, bool):
        return _(labels.VALUE_WORDS[value])
    return evidence_value(value)


@bp.app_template_filter("source_name")
def source_name(source: str | None) -> str:
    """Where a regulation value comes from: "default" said as the shipped default, else as it is."""
    if source in (None, "", "default", labels.DEFAULT_SOURCE):
        return _(labels.DEFAULT_SOURCE)
    return str(source)


@bp.app_template_filter("measure_name")
def measure_name(key: str) -> str:
    """A measured value's name in the reader's language (distance_m → 距离, late_min → 迟到时长)."""
    return _(labels.split_unit(key)[0])


@bp.app_template_global()
def measure(key: str, value) -> str:
    """A measured value with its unit in the reader's language (distance_m, 120.5 → "120.5 米")."""
    unit = labels.split_unit(key)[1]
    text = value_text(value)
    if unit is None or not isinstance(value, int | float) or isinstance(value, bool):
        return text
    return f"{text} {_(unit)}"


@bp.app_template_global()
def both(zh: str | None, en: str | None) -> str:
    """Of a text stored in both languages, the reader's (the other one when it is missing)."""
    if current_language() == "en":
        return en or zh or ""
    return zh or en or ""


@bp.app_template_filter("event_reason")
def event_reason_filter(event) -> str:
    """A flag history entry's reason: a system-written one in the reader's language (stored as a
    catalog text with params), a person's words as written."""
    return event_reason(event)


@bp.app_template_filter("summary")
def summary_filter(item) -> str:
    """A flag's or finding's summary (stored in both languages) in the reader's language."""
    return both(getattr(item, "summary_zh", None), getattr(item, "summary_en", None))


@bp.app_template_filter("one_language")
def one_language(text: str | None) -> str:
    """Of a label written "中文 / English" (as the shipped regulation's are), the reader's side; any
    other text as it is."""
    if not text or text.count(" / ") != 1:
        return text or ""
    first, second = (part.strip() for part in text.split(" / "))
    chinese = [part for part in (first, second) if _has_chinese(part)]
    if len(chinese) != 1:
        return text
    other = second if chinese[0] == first else first
    return other if current_language() == "en" else chinese[0]


def _has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@bp.app_template_global()
def code_title(titles: dict, code: str) -> str:
    """A flag code's title in the reader's language: the regulation's title in force, else the
    catalog's name for the code, else the code."""
    title = titles.get(code) if titles else None
    if title is not None:
        return both(title.zh, title.en)
    name = labels.CODE_NAMES.get(code)
    return _(name) if name else code


@bp.app_template_global()
def status_label(status: str) -> tuple[str, str]:
    """Older form of `status_name`: (the status's name, "")."""
    return status_name(status), ""


@bp.app_template_global()
def action_label(action: str) -> tuple[str, str]:
    """Older form of `action_name`: (the action's name, "")."""
    return action_name(action), ""


@bp.app_template_global()
def role_label(role: str) -> str:
    """The role's name (as `role_name`)."""
    return role_name(role)


@bp.app_template_global()
def timeliness_label(value: str | None) -> tuple[str, str]:
    """Older form of `timeliness_name`: (the timeliness's name, "")."""
    return timeliness_name(value), ""


@bp.app_template_global()
def time_source_label(value: str | None) -> str:
    """Where a photo's time came from, in the reader's language."""
    return _named(labels.TIME_SOURCE_NAMES, value) if value else _(labels.VALUE_WORDS[None])


@bp.app_template_global()
def location_source_label(value: str | None) -> str:
    """Where a sign-in's location came from, in the reader's language."""
    return _named(labels.LOCATION_SOURCE_NAMES, value) if value else _(labels.VALUE_WORDS[None])


@bp.app_template_global()
def measured_value(key: str, value) -> str:
    """A flag's measured value as people read it: a number with its unit, an instant in Shanghai
    time, where a photo's time or place came from by name (late_min, 12 → "12 分钟")."""
    if key == "evidence_problem" and isinstance(value, str):
        return evidence_note(value)
    if key == "checkins_outside_window" and isinstance(value, list):
        return ", ".join(f"#{checkin}" for checkin in value) or value_text(None)
    if key in labels.EVIDENCE_VALUE_NAMES:
        names = labels.EVIDENCE_VALUE_NAMES[key]
        words = value if isinstance(value, list) else [value]
        separator = ", " if current_language() == "en" else "、"
        return separator.join(_(names[w]) if w in names else value_text(w) for w in words) or value_text(None)
    if isinstance(value, dict):   # a measurement with parts (a leap: start, end, distance, speed ...)
        return "; ".join(f"{measure_name(k)} {measured_value(k, v)}" for k, v in value.items())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return measure(key, value)
    return value_text(value)


@bp.app_template_filter("evidence_note")
def evidence_note(text: str | None) -> str:
    """A note the evidence readers wrote about a photo (why this capture time, why no position) in
    the reader's language; a text they did not write from a template as it is."""
    return notes.say(text, _, named={"source": time_source_label})


@bp.app_template_filter("override_source")
def override_source(source: str | None) -> str:
    """Where a threshold that differs from the regulation's general value comes from ("district:DL"
    → 道里区的规定 in the reader's words; a period by its label); "" for the general value."""
    if source in (None, "", "base", "default"):
        return ""
    if source.startswith("district:"):
        return _("override for district %(code)s", code=source.split(":", 1)[1])
    return one_language(source)


@bp.app_template_filter("version_label")
def version_label(label: str | None) -> str:
    """A regulation version's label in the reader's language (the shipped default named as such)."""
    if label in (None, "", labels.DEFAULT_SOURCE):
        return _(labels.DEFAULT_SOURCE)
    return one_language(label)


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
    """A measured value for people: instants (ISO text with Z) in Shanghai time, None/True/False
    in words, the rest as it is."""
    if value is None or isinstance(value, bool):
        return value_text(value)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        return local_text(value) or value
    if isinstance(value, list | tuple) and len(value) <= 6:
        return " – ".join(evidence_value(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
