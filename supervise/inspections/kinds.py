"""PURE: what each kind of inspection round means (README "Inspection kinds").

| kind | who goes where | what the finding may cite |
| --- | --- | --- |
| cross_district 交叉互检 | each inspector to another district, never their own | any catalog item |
| routine 常规督察 | each district's own inspectors, in their own district only | any catalog item |
| special 专项督察 | cross-district, about the catalog items the round names | only those items |
| key_point 重点督察 | cross-district, among shifts on the named focus grids (or nets and domains) during the named times | any catalog item |
| joint 联检督察 | city teams of inspectors from different districts, each team to a district none of its members comes from; a finding stands once every member signed it | any catalog item |

`scope` narrows a round: `districts` (routine, joint: which districts take part), `items`
(special), `grids` and `times` (key_point: ["HH:MM", "HH:MM"] Shanghai wall-clock spans, which may
cross midnight), `team_size` (joint, default 2).
"""
from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from supervise.inspections.draw import Inspector

KINDS = ("cross_district", "routine", "special", "key_point", "joint")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_TEAM = 6


def parse_scope(kind: str, raw: dict | None, *, catalog: Collection[str], grids: Collection[str],
                districts: Collection[str]) -> dict:
    """The round's scope, checked and normalised for its kind; ValueError names what is wrong."""
    raw = dict(raw or {})
    if kind not in KINDS:
        raise ValueError(f"kind is one of {', '.join(KINDS)}")
    allowed = {"cross_district": set(), "routine": {"districts"}, "special": {"items"},
               "key_point": {"grids", "times"}, "joint": {"districts", "team_size"}}[kind]
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ValueError(f"a {kind} round takes no {', '.join(extra)} in its scope"
                         + (f" (only {', '.join(sorted(allowed))})" if allowed else ""))
    scope: dict = {}
    if "districts" in raw:
        scope["districts"] = _codes(raw["districts"], districts, "district")
    if kind == "special":
        scope["items"] = _codes(raw.get("items"), catalog, "catalog item")
    if kind == "key_point":
        scope["grids"] = _codes(raw.get("grids"), grids, "grid")
        scope["times"] = [_span(s) for s in raw.get("times") or []]
        if not scope["times"]:
            raise ValueError("a key_point round names its focus times, e.g. [[\"07:00\", \"09:00\"]]")
    if kind == "joint":
        size = raw.get("team_size", 2)
        if not isinstance(size, int) or isinstance(size, bool) or not 2 <= size <= MAX_TEAM:
            raise ValueError(f"team_size is a whole number from 2 to {MAX_TEAM}")
        scope["team_size"] = size
    return scope


def _codes(value, known: Collection[str], what: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"name at least one {what} code in a list")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}")
    return sorted(set(value))


def _span(value) -> list[str]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValueError("each focus time is [\"HH:MM\", \"HH:MM\"]")
    try:
        start, end = (time.fromisoformat(v) for v in value)
    except ValueError:
        raise ValueError(f"{value!r} is not [\"HH:MM\", \"HH:MM\"]") from None
    if start == end:
        raise ValueError(f"the focus time {value[0]}–{value[1]} is empty")
    return [start.strftime("%H:%M"), end.strftime("%H:%M")]


def focus_windows(day: date, times: Sequence[Sequence[str]]) -> list[tuple[datetime, datetime]]:
    """The key-point times of a Shanghai day as instants (a span like 22:00–02:00 ends the next day)."""
    windows = []
    for start_text, end_text in times:
        start = datetime.combine(day, time.fromisoformat(start_text), tzinfo=SHANGHAI)
        end = datetime.combine(day, time.fromisoformat(end_text), tzinfo=SHANGHAI)
        if end <= start:
            end += timedelta(days=1)
        windows.append((start, end))
    return windows


def in_focus(grid_chain: Collection[str], shift_start: datetime, shift_end: datetime, scope: dict,
             day: date) -> bool:
    """Whether a shift is a key-point target: on a named grid (or under a named net or domain, its
    `grid_chain` listing the grid and its parents) and overlapping a named time of the day."""
    if not set(grid_chain) & set(scope["grids"]):
        return False
    return any(shift_start < end and start < shift_end for start, end in focus_windows(day, scope["times"]))


def cited_outside(kind: str, scope: dict | None, items: Sequence[str]) -> list[str]:
    """The items a finding cites that its round does not cover (special rounds name their items)."""
    if kind != "special":
        return []
    return sorted(set(items) - set((scope or {}).get("items", [])))


def form_teams(inspectors: Sequence[Inspector], size: int, seed: int) -> list[list[Inspector]]:
    """City teams for a joint round: each of `size` inspectors from `size` different districts,
    as many teams as the districts allow (fullest districts first, ties and members drawn by seed).
    The first member leads (records the finding first); every member signs."""
    rng = random.Random(seed)
    pools: dict[str, list[Inspector]] = {}
    for inspector in sorted(inspectors, key=lambda i: i.id):
        pools.setdefault(inspector.district, []).append(inspector)
    for pool in pools.values():
        rng.shuffle(pool)
    order = {d: rng.random() for d in pools}
    teams = []
    while True:
        fullest = sorted((d for d in pools if pools[d]), key=lambda d: (-len(pools[d]), order[d]))[:size]
        if len(fullest) < size:
            return teams
        teams.append([pools[d].pop() for d in fullest])


def team_as_inspector(team: Sequence[Inspector]) -> Inspector:
    """A team stands in the draw as its leader, barred from every member's district."""
    lead = team[0]
    return Inspector(lead.id, lead.district, frozenset(m.district for m in team[1:]))
