"""The supervision regulation as a versioned document (PURE).

Why YAML: managers edit the regulation by hand, so the format must allow
comments (the reason for a stricter value, the clause it implements) and keep
Chinese text readable as written, without escapes. JSON is accepted too, since
a JSON document is a YAML document. Documents are read with `yaml.safe_load`
only, and validated by `schema.RegulationSchema`; every error names its key
path (e.g. `rules.IDLE.params.radius_m`) and, where the document has that key,
its line.

Which values are in force for a shift (`Regulation.values_for`): the built-in
defaults, then the document's base `rules`, then the officer's district
override, then every key period in force that day in that district. A period
beats a district; when several periods set the same value, the stricter wins.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from marshmallow import ValidationError

from supervise.i18n_marks import N_
from supervise.regulation.schema import RegulationSchema, flatten_errors
from supervise.regulation.spec import RULE_SPECS, SEVERITIES, default_params, stricter
from supervise.tracks.model import AnalysisParams


class RegulationInvalid(ValueError):
    """The document is not a valid regulation; `errors` says where and why."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        lines = [f"{e['path'] or '<document>'} (line {e['line']}): {e['message']}" for e in errors]
        super().__init__("invalid regulation: " + "; ".join(lines))


@dataclass(frozen=True)
class SignInWindow:
    """When a sign-in is accepted: from `open_before_min` before start to `close_after_min` after."""

    open_before_min: float = 30.0
    close_after_min: float = 30.0


@dataclass(frozen=True)
class RuleConfig:
    """One rule as it applies to one shift: defaults, base, district and periods merged."""

    code: str
    clause: str
    severity: str
    enabled: bool
    params: Mapping[str, float]            # read-only: the values are shared between shifts
    source: str = "base"
    param_sources: Mapping[str, str] = field(default_factory=dict)
    title_zh: str = ""
    title_en: str = ""
    sign_in: SignInWindow = SignInWindow()


@dataclass(frozen=True)
class Period:
    """A key period (e.g. the Asian Winter Games) with stricter values, local dates inclusive."""

    name_zh: str
    name_en: str
    start: date
    end: date
    districts: tuple[str, ...] | None  # None: every district
    rules: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"period:{self.name_zh}"

    def applies(self, day: date, district: str | None) -> bool:
        """True when `day` (local) is within the period and the period covers `district`."""
        in_dates = self.start <= day <= self.end
        return in_dates and (self.districts is None or district in self.districts)


@dataclass(frozen=True)
class Regulation:
    """A validated regulation document.

    `text` is the document as written (store it as the version), `raw` the plain
    dict yaml.safe_load made of it; the other fields are read-only views.
    """

    version_label: str
    timezone: str
    text: str
    raw: dict[str, Any]
    base: Mapping[str, Any]
    periods: tuple[Period, ...]
    districts: Mapping[str, Mapping[str, Any]]
    catalog: Mapping[str, Mapping[str, str]]
    # Values depend only on the local date and the district; a city-day asks for them 10,000 times.
    _values: dict = field(default_factory=dict, compare=False, repr=False)

    def values_for(self, at: datetime, district: str | None) -> dict[str, RuleConfig]:
        """Every rule's config in force at instant `at` (tz-aware) for `district` (do not mutate it)."""
        if at.tzinfo is None:
            raise ValueError("values_for needs a timezone-aware instant")
        day = at.astimezone(ZoneInfo(self.timezone)).date()
        key = (day, district)
        if key not in self._values:
            self._values[key] = self._values_on(day, district)
        return self._values[key]

    def _values_on(self, day, district: str | None) -> dict[str, RuleConfig]:
        periods = [p for p in self.periods if p.applies(day, district)]
        layers = [("base", self.base)]
        if district is not None and district in self.districts:
            layers.append((f"district:{district}", self.districts[district]))
        merged = {code: _merge(code, layers, periods) for code in RULE_SPECS}
        window = SignInWindow(
            merged["LATE"]["params"]["window_open_before_min"],
            merged["ABSENT"]["params"]["absent_after_min"],
        )
        return {code: RuleConfig(**{**m, "params": MappingProxyType(m["params"]),
                                    "param_sources": MappingProxyType(m["param_sources"])}, sign_in=window)
                for code, m in merged.items()}

    def analysis_params(self, at: datetime, district: str | None) -> AnalysisParams:
        """The track-analysis thresholds in force at `at` for `district`."""
        v = self.values_for(at, district)
        return AnalysisParams(
            idle_radius_m=v["IDLE"].params["radius_m"],
            idle_min_s=v["IDLE"].params["min_duration_min"] * 60,
            off_post_buffer_m=v["OFF_POST"].params["buffer_m"],
            gap_max_s=v["TRACK_GAP"].params["max_gap_min"] * 60,
            max_speed_kmh=v["LOCATION_SPOOF"].params["max_speed_kmh"],
            teleport_settle_s=v["LOCATION_SPOOF"].params["settle_min"] * 60,
            teleport_min_fixes=int(v["LOCATION_SPOOF"].params["settle_fixes"]),
        )


def _merge(code: str, layers: list[tuple[str, Mapping]], periods: list[Period]) -> dict[str, Any]:
    spec = RULE_SPECS[code]
    out: dict[str, Any] = {
        "code": code, "clause": spec.clause, "severity": spec.severity, "enabled": True,
        "params": default_params(code), "source": "base",
        "param_sources": dict.fromkeys(spec.params, "base"),
        "title_zh": spec.title_zh, "title_en": spec.title_en,
    }
    for label, rules in layers:
        _apply(out, rules.get(code) or {}, label)
    _apply_periods(out, code, periods)
    return out


def _apply(out: dict[str, Any], entry: Mapping[str, Any], label: str) -> None:
    if not entry:
        return
    for key in ("clause", "severity", "enabled"):
        if key in entry:
            out[key] = entry[key]
    if "title" in entry:
        out["title_zh"], out["title_en"] = entry["title"]["zh"], entry["title"]["en"]
    for name, value in (entry.get("params") or {}).items():
        out["params"][name] = value
        out["param_sources"][name] = label
    out["source"] = label


def _apply_periods(out: dict[str, Any], code: str, periods: list[Period]) -> None:
    """Periods beat everything below them; among periods the stricter value wins."""
    chosen: dict[str, tuple[Any, str]] = {}
    for period in periods:
        entry = period.rules.get(code) or {}
        for name, value in (entry.get("params") or {}).items():
            if name not in chosen or stricter(code, name, value, chosen[name][0]) != chosen[name][0]:
                chosen[name] = (value, period.label)
        for key, pick in (("enabled", max), ("severity", _more_severe)):
            if key in entry:
                old = chosen.get(key)
                value = entry[key] if old is None else pick(old[0], entry[key])
                if old is None or value != old[0]:
                    chosen[key] = (value, period.label)
    for name, (value, label) in chosen.items():
        if name in ("enabled", "severity"):
            out[name] = value
        else:
            out["params"][name] = value
            out["param_sources"][name] = label
        out["source"] = label


def _more_severe(a: str, b: str) -> str:
    return max(a, b, key=SEVERITIES.index)


def default_regulation_text() -> str:
    """The shipped default regulation (DOMAIN.md's table), as YAML text with bilingual comments."""
    return resources.files("supervise.regulation").joinpath("default.yaml").read_text("utf-8")


def parse_regulation(text: str) -> Regulation:
    """Parse and validate a YAML (or JSON) regulation; raise RegulationInvalid naming path and line."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise RegulationInvalid([{"path": "", "line": None, "message": f"The document has {len(text)} characters; "
                                  f"a regulation has at most {MAX_DOCUMENT_CHARS}."}])
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RegulationInvalid([{"path": "", "line": line, "message": f"Not valid YAML: {exc}",
                                  "text": N_("Not valid YAML: %(problem)s"), "params": {"problem": str(exc)}}]) from exc
    except ValueError as exc:  # a tagged value YAML cannot build, such as the date 2026-13-01
        raise RegulationInvalid([{"path": "", "line": None, "message": f"Not a valid value: {exc}."}]) from exc
    except RecursionError as exc:
        raise RegulationInvalid([{"path": "", "line": None, "message": N_("The document is nested too deeply.")}]) from exc
    if not isinstance(raw, dict):
        raise RegulationInvalid([{"path": "", "line": 1, "message": N_("The document must be a mapping.")}])
    problem = _expanded_problem(raw)
    if problem is not None:
        raise RegulationInvalid([{"path": "", "line": None, "message": problem}])
    try:
        data = RegulationSchema().load(raw)
    except ValidationError as exc:
        raise RegulationInvalid(_located(text, exc.messages)) from exc
    return _build(text, raw, data)


# Far longer than any regulation (the shipped default has ~8,000); YAML is read in pure Python.
MAX_DOCUMENT_CHARS = 1_000_000
# More values than any regulation needs once YAML aliases are expanded (the default has ~300).
MAX_EXPANDED_VALUES = 100_000


def _expanded_problem(raw: Any) -> str | None:
    """Why the document cannot be read as a tree: a container that holds itself, or more values
    than MAX_EXPANDED_VALUES once its aliases are expanded (a "billion laughs"). Walked without
    recursion, each shared container once."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[Any, bool]] = [(raw, False)]
    while stack:
        value, leaving = stack.pop()
        if not isinstance(value, dict | list):
            continue
        children = list(value.values() if isinstance(value, dict) else value)
        key = id(value)
        if leaving:
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[key] > MAX_EXPANDED_VALUES:
                return f"The document has more than {MAX_EXPANDED_VALUES} values once its aliases are expanded."
        elif key in entered and key not in sizes:
            return "The document contains itself (a YAML alias inside its own anchor)."
        elif key not in entered:
            entered.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in children)
    return None


def _located(text: str, messages: Any) -> list[dict[str, Any]]:
    lines = key_lines(text)
    return [
        {"path": path, "line": line_of(lines, path), "message": message}
        for path, message in flatten_errors(messages)
    ]


def key_lines(text: str) -> dict[str, int]:
    """Map each dotted key path of a YAML document (sequence items by index) to its 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    out: dict[str, int] = {}
    if root is not None:
        out[""] = root.start_mark.line + 1
        _walk(root, (), out)
    return out


def _walk(node: yaml.Node, path: tuple[str, ...], out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        children = [(str(k.value), k, v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(str(i), item, item) for i, item in enumerate(node.value)]
    else:
        return
    for name, mark_node, child in children:
        sub = (*path, name)
        out[".".join(sub)] = mark_node.start_mark.line + 1
        _walk(child, sub, out)


def line_of(lines: Mapping[str, int], path: str) -> int | None:
    """The line of `path`, or of its nearest ancestor that the document has."""
    parts = path.split(".") if path else []
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return lines.get("")


def _build(text: str, raw: dict, data: dict) -> Regulation:
    periods = tuple(
        Period(
            name_zh=p["name"]["zh"], name_en=p["name"]["en"], start=p["from_"], end=p["to"],
            districts=None if p["districts"] == "all" else tuple(p["districts"]),
            rules=_frozen(p["rules"]),
        )
        for p in data["periods"]
    )
    return Regulation(
        version_label=data["version_label"],
        timezone=data["timezone"],
        text=text,
        raw=raw,
        base=_frozen(data["rules"]),
        periods=periods,
        districts=_frozen({code: d["rules"] for code, d in data["districts"].items()}),
        catalog=_frozen({c["code"]: {"zh": c["zh"], "en": c["en"]} for c in data["catalog"]}),
    )


def _frozen(value: Any) -> Any:
    """A read-only view, so a Regulation shared between checks cannot be changed by one of them."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
