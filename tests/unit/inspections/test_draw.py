"""Drawing a cross-district inspection round (交叉互检): who goes where, and which shifts they check."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from supervise.inspections.draw import (
    NO_DISTRICT_HAS_SHIFTS,
    NO_OTHER_DISTRICT_HAS_SHIFTS,
    OTHER_DISTRICTS_ARE_COVERED,
    Draw,
    Inspector,
    Target,
    draw_round,
)

DISTRICTS = ("NG", "DL", "DW", "XF", "SB", "PF", "HL", "AC", "SC")
SEEDS = range(20)


def city(seed: int, *, inspectors: tuple[int, int] = (6, 12), shifts: tuple[int, int] = (40, 80),
         districts=DISTRICTS) -> tuple[list[Inspector], list[Target]]:
    """A random city: each district has some inspectors and some officers' shifts on the day."""
    rng = random.Random(seed)
    people = [d for d in districts for _ in range(rng.randint(*inspectors))]
    places = [d for d in districts for _ in range(rng.randint(*shifts))]
    return ([Inspector(100 + k, d) for k, d in enumerate(people)],
            [Target(5000 + k, d, 9000 + k) for k, d in enumerate(places)])


def shifts(district: str, officers) -> list[Target]:
    return [Target(int(f"{ord(district[0])}{officer:03d}"), district, officer) for officer in officers]


def trips(draw: Draw) -> dict[int, str]:
    """Where each placed inspector was sent; fails if anyone was sent to two districts."""
    sent: dict[int, str] = {}
    for check in draw.checks:
        assert sent.setdefault(check.inspector_id, check.district) == check.district
    return sent


def received(draw: Draw) -> Counter:
    return Counter(trips(draw).values())


def test_no_inspector_is_sent_to_their_own_district():
    for seed in SEEDS:
        inspectors, targets = city(seed)
        draw = draw_round(inspectors, targets, seed=seed)
        home = {i.id: i.district for i in inspectors}
        sent = trips(draw)
        assert sent and all(district != home[i] for i, district in sent.items())
        assert sorted([*sent, *(i for i, _ in draw.unplaced)]) == sorted(home)


def test_receiving_districts_differ_by_at_most_one_inspector():
    for seed in SEEDS:
        inspectors, targets = city(seed)
        without_shifts = set(random.Random(seed).sample(DISTRICTS, 2))
        targets = [t for t in targets if t.district not in without_shifts]
        counts = received(draw_round(inspectors, targets, seed=seed))
        assert set(counts) == set(DISTRICTS) - without_shifts
        assert max(counts.values()) - min(counts.values()) <= 1


def test_when_the_ban_rules_out_balance_everyone_is_still_placed():
    inspectors = [Inspector(k, "NG") for k in range(1, 5)]
    targets = shifts("NG", range(1, 20)) + shifts("DL", range(20, 40))
    draw = draw_round(inspectors, targets, seed=1)
    assert received(draw) == {"DL": 4} and not draw.unplaced


def test_the_same_seed_draws_the_same_round_whatever_the_input_order():
    inspectors, targets = city(3)
    history = {(i.id, DISTRICTS[i.id % 9]): 1 + i.id % 3 for i in inspectors}
    seen = [(i.id, t.officer_id) for i, t in zip(inspectors, targets[::7], strict=False)]
    first = draw_round(inspectors, targets, seed=42, inspectors_per_district=4,
                       recent_pairings=history, recent_checks=seen)
    shuffler = random.Random(0)
    for _ in range(3):
        shuffler.shuffle(inspectors)
        shuffler.shuffle(targets)
        shuffler.shuffle(seen)
        again = draw_round(inspectors, targets, seed=42, inspectors_per_district=4,
                           recent_pairings=dict(reversed(history.items())), recent_checks=set(seen))
        assert again == first


def test_a_different_seed_draws_a_different_round():
    inspectors, targets = city(3)
    rounds = [draw_round(inspectors, targets, seed=seed) for seed in range(5)]
    assert len({tuple(r.checks) for r in rounds}) == 5
    assert len({tuple(sorted(trips(r).items())) for r in rounds}) == 5


def test_an_inspector_avoids_the_district_they_checked_last_round():
    for seed in SEEDS:
        inspectors, targets = city(seed)
        last_round = trips(draw_round(inspectors, targets, seed=seed))
        history = {(i, district): 1 for i, district in last_round.items()}
        draw = draw_round(inspectors, targets, seed=seed, recent_pairings=history)
        assert all(last_round[i] != district for i, district in trips(draw).items())
        assert draw.repeated_pairings == []
        counts = received(draw)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_a_repeat_happens_only_when_nothing_else_is_balanced_and_is_reported():
    # One inspector per district: a balanced round sends one to each, and both such rounds repeat
    # a pairing (ng→DL two rounds ago, or dl→NG last round). Sending ng and dl both to DW would avoid
    # any repeat but leave NG without an inspector, so the older repeat is the one drawn.
    ng, dl, dw = Inspector(1, "NG"), Inspector(2, "DL"), Inspector(3, "DW")
    targets = shifts("NG", range(1, 10)) + shifts("DL", range(10, 20)) + shifts("DW", range(20, 30))
    history = {(1, "DL"): 2, (2, "NG"): 1}
    for seed in SEEDS:
        draw = draw_round([ng, dl, dw], targets, seed=seed, recent_pairings=history)
        assert trips(draw) == {1: "DL", 2: "DW", 3: "NG"}
        assert draw.repeated_pairings == [(1, "DL")]


def test_one_repeat_from_last_round_is_preferred_to_two_older_ones():
    ng, dl, dw = Inspector(1, "NG"), Inspector(2, "DL"), Inspector(3, "DW")
    targets = shifts("NG", range(1, 10)) + shifts("DL", range(10, 20)) + shifts("DW", range(20, 30))
    history = {(1, "DL"): 1, (2, "NG"): 3, (3, "DL"): 3}
    for seed in SEEDS:
        draw = draw_round([ng, dl, dw], targets, seed=seed, recent_pairings=history)
        assert trips(draw) == {1: "DL", 2: "DW", 3: "NG"}
        assert draw.repeated_pairings == [(1, "DL")]


def test_no_shift_is_checked_twice_in_a_round():
    for seed in SEEDS:
        inspectors, targets = city(seed, shifts=(5, 30))
        checked = [c.target_id for c in draw_round(inspectors, targets, seed=seed).checks]
        assert len(checked) == len(set(checked))


def test_each_inspector_gets_at_most_the_asked_number_of_checks():
    for seed, asked in zip(SEEDS, [1, 2, 3, 5, 20] * 4, strict=True):
        inspectors, targets = city(seed, shifts=(5, 60))
        draw = draw_round(inspectors, targets, seed=seed, checks_per_inspector=asked)
        per_inspector = Counter(c.inspector_id for c in draw.checks)
        assert 1 <= min(per_inspector.values()) and max(per_inspector.values()) <= asked
        sent = trips(draw)
        for district in set(sent.values()):
            here = [n for i, n in per_inspector.items() if sent[i] == district]
            assert max(here) - min(here) <= 1


def test_a_district_with_few_shifts_gets_few_inspectors():
    inspectors, targets = city(5)
    targets = [t for t in targets if t.district != "SC"] + shifts("SC", [1, 2])
    draw = draw_round(inspectors, targets, seed=5, checks_per_inspector=3)
    counts = received(draw)
    assert counts.pop("SC") == 1
    assert max(counts.values()) - min(counts.values()) <= 1


def test_an_inspector_is_not_sent_back_to_an_officer_they_checked_recently():
    inspector = Inspector(1, "NG")
    targets = shifts("DL", range(1, 7))
    for seed in SEEDS:
        draw = draw_round([inspector], targets, seed=seed, recent_checks={(1, 1), (1, 2), (1, 3)})
        assert {t.officer_id for t in targets if t.id in {c.target_id for c in draw.checks}} == {4, 5, 6}


def test_the_one_inspector_who_saw_officers_recently_gets_the_others_even_when_the_deck_says_otherwise():
    x, y = Inspector(1, "NG"), Inspector(2, "NG")
    targets = shifts("DL", [1, 2, 3, 4])
    officer = {t.id: t.officer_id for t in targets}
    for seed in SEEDS:
        draw = draw_round([x, y], targets, seed=seed, checks_per_inspector=2,
                          recent_checks=[(1, 1), (1, 2)])
        got = {i: {officer[c.target_id] for c in draw.checks if c.inspector_id == i} for i in (1, 2)}
        assert got == {1: {3, 4}, 2: {1, 2}}


def test_an_inspector_who_saw_every_officer_recently_still_gets_checks():
    draw = draw_round([Inspector(1, "NG")], shifts("DL", [1, 2, 3]), seed=0,
                      recent_checks={(1, 1), (1, 2), (1, 3)})
    assert len(draw.checks) == 3


def test_inspectors_per_district_limits_how_many_are_drawn_from_each_home():
    inspectors, targets = city(8, inspectors=(1, 12))
    home = {i.id: i.district for i in inspectors}
    available = Counter(home.values())
    drawn_sets = set()
    for seed in range(5):
        draw = draw_round(inspectors, targets, seed=seed, inspectors_per_district=2)
        drawn = [*trips(draw), *(i for i, _ in draw.unplaced)]
        assert Counter(home[i] for i in drawn) == {d: min(2, n) for d, n in available.items()}
        drawn_sets.add(frozenset(drawn))
    assert len(drawn_sets) > 1


def test_a_round_without_inspectors_is_empty():
    assert draw_round([], shifts("DL", [1]), seed=0) == Draw(checks=[], unplaced=[], repeated_pairings=[])


def test_without_shifts_every_drawn_inspector_is_unplaced_with_the_reason():
    draw = draw_round([Inspector(2, "DL"), Inspector(1, "NG")], [], seed=0)
    assert draw.checks == []
    assert draw.unplaced == [(1, NO_DISTRICT_HAS_SHIFTS), (2, NO_DISTRICT_HAS_SHIFTS)]


def test_in_a_city_of_one_district_nobody_can_be_sent():
    draw = draw_round([Inspector(1, "NG"), Inspector(2, "NG")], shifts("NG", range(1, 10)), seed=0)
    assert draw.checks == []
    assert draw.unplaced == [(1, NO_OTHER_DISTRICT_HAS_SHIFTS), (2, NO_OTHER_DISTRICT_HAS_SHIFTS)]


def test_an_inspector_from_a_district_without_shifts_checks_one_that_has_them():
    draw = draw_round([Inspector(1, "HL"), Inspector(2, "NG")], shifts("NG", range(1, 10)), seed=0)
    assert trips(draw) == {1: "NG"}
    assert draw.unplaced == [(2, NO_OTHER_DISTRICT_HAS_SHIFTS)]


def test_with_more_inspectors_than_shifts_every_shift_is_checked_and_the_rest_wait():
    inspectors = [Inspector(k, "NG") for k in range(1, 8)]
    targets = shifts("DL", [1, 2, 3]) + shifts("DW", [4, 5])
    draw = draw_round(inspectors, targets, seed=0, checks_per_inspector=1)
    assert sorted(c.target_id for c in draw.checks) == sorted(t.id for t in targets)
    assert len(draw.unplaced) == 2 and {reason for _, reason in draw.unplaced} == {OTHER_DISTRICTS_ARE_COVERED}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(checks_per_inspector=0), "checks_per_inspector must be a whole number from 1 to 20"),
        (dict(checks_per_inspector=21), "checks_per_inspector must be a whole number from 1 to 20"),
        (dict(checks_per_inspector=2.5), "checks_per_inspector must be a whole number from 1 to 20"),
        (dict(inspectors_per_district=0), "inspectors_per_district must be a whole number of at least 1"),
        (dict(recent_pairings={(1, "DL"): 0}), "recent pairing of inspector 1 with DL must be at least 1"),
        (dict(seed="abc"), "seed must be an integer"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(arguments, message):
    arguments = {"seed": 0, **arguments}
    with pytest.raises(ValueError, match=message):
        draw_round([Inspector(1, "NG")], shifts("DL", [1]), **arguments)


def test_an_inspector_or_shift_listed_twice_is_refused():
    with pytest.raises(ValueError, match="inspector 1 is listed twice"):
        draw_round([Inspector(1, "NG"), Inspector(1, "DL")], [], seed=0)
    with pytest.raises(ValueError, match="target shift 7 is listed twice"):
        draw_round([], [Target(7, "NG", 1), Target(7, "NG", 2)], seed=0)
