"""Draw an inspection round: who checks which shift (PURE). Cross-district (交叉互检) by default;
with `own_district=True` each inspector checks their own district only (常规督察, routine); an
inspector's `barred` districts are refused too (a joint team, 联检, stands for all its members'
districts). What each kind means is in supervise/inspections/kinds.py.

How a round is drawn, in order (one `random.Random(seed)`, and numpy generators
seeded from it, drive every choice; inputs are sorted by id first, so the same
inputs and seed give the same round whatever order the inputs come in):

1. Selection. From each home district, `inspectors_per_district` inspectors are
   drawn at random (all of them when None or when the district has fewer).
2. Trip. Each drawn inspector is sent to one district that has shifts, never their
   own, by one `linear_sum_assignment` over "slots": district d offers slots of
   level 0, 1, 2, ... up to what it can keep busy (ceil(shifts / checks_per_inspector)).
   Cells of the inspector's own district are forbidden (infinite). The other
   costs are lexicographic, each tier outweighing all lower tiers added up:
     staying unplaced > level of the slot > number of repeated recent pairings >
     how recent those repeats are > seeded noise (ties break at random).
   A slot of level j costs j * LEVEL, so the summed cost of a district holding n
   inspectors is LEVEL * n(n-1)/2, which is convex: the cheapest assignment gives
   the receiving districts counts that differ by at most one (water-filling under
   each district's cap) whenever the own-district ban allows it, and only then
   avoids repeats. This generalises "N // D slots each plus N % D extras".
   Each inspector also has a private "stay home" column (the top tier), so the
   fewest possible are unplaced, and an unplaced inspector takes no slot.
3. Dealing. In each receiving district its shifts are shuffled and dealt to the
   inspectors sent there: as evenly as possible (counts differ by at most one),
   each up to `checks_per_inspector`, no shift twice, and by a second small
   assignment that gives nobody an officer they checked recently while another
   shift is free.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

MAX_CHECKS_PER_INSPECTOR = 20

NO_DISTRICT_HAS_SHIFTS = "no district has shifts to check on that date"
NO_OTHER_DISTRICT_HAS_SHIFTS = "no other district has shifts to check on that date"
OTHER_DISTRICTS_ARE_COVERED = (
    "every other district with shifts already has as many inspectors as it has shifts for"
)
NO_OWN_DISTRICT_SHIFTS = "their own district has no shifts to check on that date"
OWN_DISTRICT_IS_COVERED = "their own district already has as many inspectors as it has shifts for"


@dataclass(frozen=True)
class Inspector:
    id: int
    district: str  # home district code
    barred: frozenset[str] = frozenset()  # other districts this inspector (or their team) may not check


@dataclass(frozen=True)
class Target:
    """One officer's shift on the round's date that may be checked."""

    id: int  # shift id
    district: str
    officer_id: int


@dataclass(frozen=True)
class Check:
    """One drawn spot check: this inspector checks this shift."""

    inspector_id: int
    district: str
    target_id: int


@dataclass(frozen=True)
class Draw:
    checks: list[Check]  # ordered by inspector id, then target id
    unplaced: list[tuple[int, str]]  # (inspector id, reason) for drawn inspectors who got nothing
    repeated_pairings: list[tuple[int, str]]  # (inspector id, district) repeats that could not be avoided


def draw_round(
    inspectors: Sequence[Inspector],
    targets: Sequence[Target],
    *,
    seed: int,
    inspectors_per_district: int | None = None,
    checks_per_inspector: int = 3,
    recent_pairings: Mapping[tuple[int, str], int] | None = None,
    recent_checks: Collection[tuple[int, int]] = (),
    own_district: bool = False,
) -> Draw:
    """Draw one round of spot checks, reproducibly from `seed`.

    Promises: no inspector checks their own district; only districts with targets
    receive inspectors, at most ceil(targets / checks_per_inspector) each, and the
    receiving districts' inspector counts differ by at most one whenever the
    own-district ban allows it; a pairing from `recent_pairings` ((inspector id,
    district) -> rounds ago, 1 = last round) is repeated only when no balanced
    assignment avoids it, the older the better, and every repeat is reported; no
    target is checked twice; each placed inspector gets 1..checks_per_inspector
    checks, counts within a district differing by at most one; an officer in
    `recent_checks` ((inspector id, officer id)) goes to another inspector when a
    free shift allows it. Every drawn inspector is either in `checks` or in
    `unplaced` with a reason. With `own_district`, every inspector checks their own district
    instead (and never another). Raises ValueError for bad arguments.
    """
    _validate(inspectors, targets, seed, inspectors_per_district, checks_per_inspector, recent_pairings)
    rng = random.Random(seed)
    drawn = _select(inspectors, inspectors_per_district, rng)
    targets_by_district = _group_targets(targets)
    trips, unplaced = _send(drawn, targets_by_district, checks_per_inspector, recent_pairings or {}, rng,
                            own_district)

    recent_officers: dict[int, set[int]] = defaultdict(set)
    for inspector_id, officer_id in recent_checks:
        recent_officers[inspector_id].add(officer_id)
    shuffler = np.random.default_rng(rng.getrandbits(64))
    checks: list[Check] = []
    for district, sent in _by_district(trips).items():
        checks += _deal(sent, district, targets_by_district[district], checks_per_inspector,
                        recent_officers, shuffler)

    pairings = recent_pairings or {}
    return Draw(
        checks=sorted(checks, key=lambda c: (c.inspector_id, c.target_id)),
        unplaced=sorted(unplaced),
        repeated_pairings=sorted(pair for pair in trips.items() if pair in pairings),
    )


def _validate(inspectors, targets, seed, inspectors_per_district, checks_per_inspector, recent_pairings):
    if not _is_int(seed):
        raise ValueError("seed must be an integer")
    if not _is_int(checks_per_inspector) or not 1 <= checks_per_inspector <= MAX_CHECKS_PER_INSPECTOR:
        raise ValueError(
            f"checks_per_inspector must be a whole number from 1 to {MAX_CHECKS_PER_INSPECTOR}, "
            f"got {checks_per_inspector!r}"
        )
    if inspectors_per_district is not None and (
        not _is_int(inspectors_per_district) or inspectors_per_district < 1
    ):
        raise ValueError(
            "inspectors_per_district must be a whole number of at least 1 (or left out for all), "
            f"got {inspectors_per_district!r}"
        )
    for (inspector_id, district), rounds_ago in (recent_pairings or {}).items():
        if not _is_int(rounds_ago) or rounds_ago < 1:
            raise ValueError(
                f"recent pairing of inspector {inspector_id} with {district} must be at least 1 round ago, "
                f"got {rounds_ago!r}"
            )
    _refuse_duplicate_ids("inspector", inspectors)
    _refuse_duplicate_ids("target shift", targets)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse_duplicate_ids(what: str, items) -> None:
    seen: set[int] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} {item.id} is listed twice")
        seen.add(item.id)


def select_per_district(inspectors: Sequence[Inspector], per_district: int | None, seed: int) -> list[Inspector]:
    """Up to `per_district` inspectors of each home district, drawn by seed (all when None)."""
    return _select(inspectors, per_district, random.Random(seed))


def _select(inspectors: Sequence[Inspector], per_district: int | None, rng: random.Random) -> list[Inspector]:
    """The inspectors drawn for this round, by id."""
    by_home: dict[str, list[Inspector]] = defaultdict(list)
    for inspector in sorted(inspectors, key=lambda i: i.id):
        by_home[inspector.district].append(inspector)
    drawn: list[Inspector] = []
    for home in sorted(by_home):
        group = by_home[home]
        drawn += group if per_district is None or len(group) <= per_district else rng.sample(group, per_district)
    return sorted(drawn, key=lambda i: i.id)


def _group_targets(targets: Sequence[Target]) -> dict[str, list[Target]]:
    by_district: dict[str, list[Target]] = defaultdict(list)
    for target in sorted(targets, key=lambda t: t.id):
        by_district[target.district].append(target)
    return dict(by_district)


def _send(
    drawn: list[Inspector],
    targets_by_district: dict[str, list[Target]],
    checks_per_inspector: int,
    recent_pairings: Mapping[tuple[int, str], int],
    rng: random.Random,
    own_district: bool = False,
) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Choose each drawn inspector's district: ({inspector id: district}, unplaced with reasons)."""
    districts = sorted(targets_by_district)
    if not drawn:
        return {}, []
    if not districts:
        return {}, [(i.id, NO_DISTRICT_HAS_SHIFTS) for i in drawn]

    n = len(drawn)
    pair_cost, forbidden = _pair_costs(drawn, districts, recent_pairings, rng, own_district)
    slot_district, slot_level = _slots(drawn, districts, targets_by_district, checks_per_inspector, forbidden)
    level_unit = n * float(pair_cost.max(initial=0.0)) + 1  # outweighs every repeat and noise together
    costs = pair_cost[:, slot_district] + level_unit * slot_level[None, :]
    costs[forbidden[:, slot_district]] = np.inf
    # Each inspector may also stay home, on a column of their own, at a cost that outweighs
    # everything else an assignment can add up: the fewest possible stay home.
    stay_home = np.full((n, n), np.inf)
    finite = costs[np.isfinite(costs)]
    np.fill_diagonal(stay_home, n * (float(finite.max(initial=0.0)) + 1) + 1)
    rows, cols = linear_sum_assignment(np.hstack([costs, stay_home]))

    trips: dict[int, str] = {}
    for row, col in zip(rows, cols, strict=True):
        if col < len(slot_district):
            trips[drawn[row].id] = districts[slot_district[col]]
    unplaced = [(i.id, _why_unplaced(i, districts, own_district)) for i in drawn if i.id not in trips]
    return trips, unplaced


def may_check(inspector: Inspector, district: str, own_district: bool = False) -> bool:
    """Whether the inspector may be sent to the district: their own only in a routine round, else
    never their own nor a barred one."""
    if own_district:
        return district == inspector.district
    return district != inspector.district and district not in inspector.barred


def _pair_costs(drawn, districts, recent_pairings, rng, own_district=False):
    """Cost of sending each inspector to each district, and where it is forbidden."""
    n = len(drawn)
    oldest = max(recent_pairings.values(), default=0)
    # A repeat costs more than all recency and noise together, so the fewest repeats win first.
    repeat = n * oldest + 1
    # Noise below 1 / (n + 1) per cell stays below 1 summed over any assignment.
    cost = np.random.default_rng(rng.getrandbits(64)).random((n, len(districts))) / (n + 1)
    forbidden = np.zeros((n, len(districts)), dtype=bool)
    for row, inspector in enumerate(drawn):
        for col, district in enumerate(districts):
            rounds_ago = recent_pairings.get((inspector.id, district))
            if rounds_ago is not None:
                cost[row, col] += repeat + (oldest + 1 - rounds_ago)
            forbidden[row, col] = not may_check(inspector, district, own_district)
    return cost, forbidden


def _slots(drawn, districts, targets_by_district, checks_per_inspector, forbidden):
    """Columns of the assignment: each slot's district index and level (0 = first inspector there)."""
    district_of, level_of = [], []
    for col, district in enumerate(districts):
        keeps_busy = math.ceil(len(targets_by_district[district]) / checks_per_inspector)
        could_come = int((~forbidden[:, col]).sum())
        for level in range(min(keeps_busy, could_come)):
            district_of.append(col)
            level_of.append(level)
    return np.array(district_of, dtype=np.intp), np.array(level_of, dtype=float)


def _why_unplaced(inspector: Inspector, districts: list[str], own_district: bool = False) -> str:
    if own_district:
        return OWN_DISTRICT_IS_COVERED if inspector.district in districts else NO_OWN_DISTRICT_SHIFTS
    if any(may_check(inspector, d) for d in districts):
        return OTHER_DISTRICTS_ARE_COVERED
    return NO_OTHER_DISTRICT_HAS_SHIFTS


def _by_district(trips: dict[int, str]) -> dict[str, list[int]]:
    sent: dict[str, list[int]] = defaultdict(list)
    for inspector_id in sorted(trips):
        sent[trips[inspector_id]].append(inspector_id)
    return {district: sent[district] for district in sorted(sent)}


def _deal(
    inspector_ids: list[int],
    district: str,
    targets: list[Target],
    checks_per_inspector: int,
    recent_officers: Mapping[int, set[int]],
    shuffler: np.random.Generator,
) -> list[Check]:
    """Deal a district's shuffled shifts to the inspectors sent there, evenly and without repeats."""
    order = [inspector_ids[k] for k in shuffler.permutation(len(inspector_ids))]  # who gets an odd extra
    deck = [targets[k] for k in shuffler.permutation(len(targets))]
    total = min(len(deck), len(order) * checks_per_inspector)
    base, extra = divmod(total, len(order))
    hand_counts = [base + (k < extra) for k in range(len(order))]

    officers = np.array([t.officer_id for t in deck])
    seen = np.array([np.isin(officers, list(recent_officers.get(i, ()))) for i in order])
    deck_size = _enough_of_the_deck(~seen, total)
    hands = np.repeat(np.arange(len(order)), hand_counts)
    position = np.arange(deck_size) / deck_size  # deal from the top of the deck...
    # ...but skipping an officer the inspector saw recently outweighs the whole deck order.
    costs = position[None, :] + total * seen[hands, :deck_size]
    rows, cols = linear_sum_assignment(costs)
    return [Check(order[hands[r]], district, deck[c].id) for r, c in zip(rows, cols, strict=True)]


def _enough_of_the_deck(fresh: np.ndarray, total: int) -> int:
    """The shortest top of the deck in which every inspector has `total` fresh shifts (or all of it).

    That top already allows a deal with no recent officer, so the rest of the deck is not needed.
    """
    fresh_so_far = np.cumsum(fresh, axis=1)
    enough = fresh_so_far[:, -1] >= total
    if not enough.all():
        return fresh.shape[1]
    return max(total, int((fresh_so_far >= total).argmax(axis=1).max()) + 1)
