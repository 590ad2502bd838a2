"""Match the flags the service raised to the labels; precision and recall per flag code.

A flag matches an expected event of the same code on the same shift (officer) whose span it
overlaps, allowing `SLACK_S` either side (a span measured from noisy fixes starts and ends a
little off the truth); codes without a span match by code alone. Each expected event is matched
at most once, so a second flag for one event counts as a false flag ("one event, one flag").
Flags withdrawn by the end of the day do not count as raised; they are reported as transient.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tests.sim.scenarios import Expected, ShiftPlan, local_text

SLACK_S = 5 * 60.0


@dataclass
class RaisedFlag:
    id: int
    code: str
    officer: str
    start: float
    end: float
    status: str
    needs_review: bool
    summary: str


@dataclass
class Verdict:
    plan: ShiftPlan
    flag: RaisedFlag | None
    expected: Expected | None
    why: str = ""


@dataclass
class Score:
    true: list[Verdict] = field(default_factory=list)
    false: list[Verdict] = field(default_factory=list)
    missed: list[Verdict] = field(default_factory=list)
    transient: list[Verdict] = field(default_factory=list)

    def per_code(self) -> dict[str, tuple[int, int, int]]:
        """code → (true, false, missed)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for i, group in enumerate((self.true, self.false, self.missed)):
            for v in group:
                counts[(v.flag.code if v.flag else v.expected.code)][i] += 1
        return {code: tuple(c) for code, c in sorted(counts.items())}

    def precision(self, code: str | None = None, *, plain_only: bool = False) -> float:
        """Share of raised flags that the labels call for; with `plain_only`, of the flags raised as
        plain violations (not for review): the accusations."""
        def counted(v: Verdict) -> bool:
            return code in (None, v.flag.code) and not (plain_only and v.flag.needs_review)
        tp = sum(1 for v in self.true if counted(v))
        fp = sum(1 for v in self.false if counted(v))
        return tp / (tp + fp) if tp + fp else 1.0

    def review_on_honest(self) -> int:
        """Flags raised for review on shifts where nothing of the kind happened."""
        return sum(1 for v in self.false if v.flag.needs_review)

    def recall(self, code: str | None = None) -> float:
        tp = sum(1 for v in self.true if code in (None, v.flag.code))
        fn = sum(1 for v in self.missed if code in (None, v.expected.code))
        return tp / (tp + fn) if tp + fn else 1.0

    def below(self, precision: float, recall: float, *, plain_only: bool = False) -> list[str]:
        """Codes whose precision (of all flags, or of plain ones) or recall is under the target."""
        return [code for code in self.per_code()
                if self.precision(code, plain_only=plain_only) < precision or self.recall(code) < recall]


def score(plans: list[ShiftPlan], flags: list[RaisedFlag]) -> Score:
    """Judge every raised flag against the labels of its officer's plan."""
    by_badge = {p.badge: p for p in plans}
    result = Score()
    raised: dict[str, list[RaisedFlag]] = defaultdict(list)
    for flag in flags:
        if flag.status == "withdrawn":
            result.transient.append(Verdict(by_badge[flag.officer], flag, None, "withdrawn later"))
        else:
            raised[flag.officer].append(flag)
    for plan in plans:
        _match_plan(plan, sorted(raised.get(plan.badge, []), key=lambda f: (f.start, f.id)), result)
    return result


def _match_plan(plan: ShiftPlan, flags: list[RaisedFlag], result: Score) -> None:
    open_events = list(plan.expected)
    for flag in flags:
        event = next((e for e in open_events if _matches(e, flag)), None)
        if event is None:
            result.false.append(Verdict(plan, flag, None, _why_false(plan, flag)))
            continue
        open_events.remove(event)
        if event.review is True and not flag.needs_review:
            result.false.append(Verdict(plan, flag, event, "should have been raised for review only"))
        elif event.review is False and flag.needs_review:
            result.missed.append(Verdict(plan, flag, event, "raised only for review"))
        else:
            result.true.append(Verdict(plan, flag, event))
    for event in open_events:
        result.missed.append(Verdict(plan, None, event, "not raised"))


def _matches(event: Expected, flag: RaisedFlag) -> bool:
    if event.code != flag.code:
        return False
    if event.start is None:
        return True
    return flag.start <= event.end + SLACK_S and flag.end >= event.start - SLACK_S


def _why_false(plan: ShiftPlan, flag: RaisedFlag) -> str:
    same = [e for e in plan.expected if e.code == flag.code]
    if same:
        return "a second flag for one event" if any(_matches(e, flag) for e in same) else "outside the true span"
    return "nothing of the kind happened" if plan.honest else "not this kind of violation"


def report(result: Score, plans: list[ShiftPlan], *, seed: int, shifts: int) -> str:
    """The table per code, the overall figures, and every wrong flag with its shift."""
    lines = [(f"fairness: {shifts} shifts, seed {seed}  (precision: of all flags / of plain flags, the review "
              "flags left out)"),
             (f"{'code':22} {'true':>5} {'false':>6} {'review':>6} {'missed':>7} {'precision':>10} {'plain':>7} "
              f"{'recall':>7}")]
    for code, (tp, fp, fn) in result.per_code().items():
        review = sum(1 for v in result.false if v.flag.code == code and v.flag.needs_review)
        lines.append(f"{code:22} {tp:5d} {fp:6d} {review:6d} {fn:7d} {result.precision(code):10.3f} "
                     f"{result.precision(code, plain_only=True):7.3f} {result.recall(code):7.3f}")
    tp, fp, fn = len(result.true), len(result.false), len(result.missed)
    lines.append(f"{'all':22} {tp:5d} {fp:6d} {result.review_on_honest():6d} {fn:7d} {result.precision():10.3f} "
                 f"{result.precision(plain_only=True):7.3f} {result.recall():7.3f}")
    honest = [p for p in plans if p.honest]
    flagged_honest = {v.plan.index for v in result.false if v.plan.honest}
    lines.append(f"honest shifts: {len(honest)}, of which flagged: {len(flagged_honest)}; "
                 f"flags raised and later withdrawn: {len(result.transient)}")
    stories = Counter(p.story for p in plans)
    lines.append("stories: " + ", ".join(f"{k} {v}" for k, v in sorted(stories.items())))
    for title, group in (("false flags", result.false), ("missed", result.missed),
                         ("withdrawn later", result.transient)):
        if group:
            lines.append(f"-- {title}:")
            lines.extend(describe(v) for v in group)
    return "\n".join(lines)


def describe(v: Verdict) -> str:
    p = v.plan
    where = f"plan {p.index} {p.story} ({p.badge}, {local_text(p.start)}-{local_text(p.end)})"
    if v.flag is not None:
        f = v.flag
        marker = " [review]" if f.needs_review else ""
        return (f"  {f.code}{marker} #{f.id} {local_text(f.start)}-{local_text(f.end)} on {where}: {v.why}; "
                f"{f.summary}")
    e = v.expected
    span = f" {local_text(e.start)}-{local_text(e.end)}" if e.start is not None else ""
    return f"  {e.code}{span} on {where}: {v.why}"
