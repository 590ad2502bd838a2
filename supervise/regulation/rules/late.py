"""LATE: the accepted sign-in came after start + grace_min.

Judged only once that sign-in exists; with none, ABSENT decides. Minutes late
are counted from shift start, as people say them ("12 minutes late"). Late by less than a
minute beyond the grace on a clock nobody checked (an assumed zone, the phone's fix time, the
receipt) is raised for review: a phone clock a minute off decides it.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, num
from supervise.regulation.rules._common import accepted_sign_in, checkin_time, minutes


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One LATE finding when the accepted sign-in is later than start + grace_min."""
    checkin = accepted_sign_in(facts, config)
    if checkin is None:
        return []
    grace = config.params["grace_min"]
    signed = checkin_time(checkin)
    if signed <= facts.start + minutes(grace):
        return []
    late_min = (signed - facts.start).total_seconds() / 60
    review = []
    if late_min - grace < 1 and checkin.capture_time_source not in ("exif_gps", "exif_offset"):
        review.append((f"仅超出 {num(late_min - grace)} 分钟，且拍摄时间未经卫星时间核对",
                       f"only {num(late_min - grace)} min beyond the grace, on a clock not checked against GPS time"))
    return [make_finding(
        config, "LATE", (facts.start, signed),
        f"签到晚 {num(late_min)} 分钟（允许 {num(grace)} 分钟）",
        f"Signed in {num(late_min)} min after shift start ({num(grace)} min allowed)",
        {"checkin_id": checkin.id, "signed_in_at": iso(signed), "shift_start": iso(facts.start),
         "late_min": round(late_min, 2), "grace_min": grace, "capture_time_source": checkin.capture_time_source,
         "support": {"margin": round(late_min - grace, 2), "margin_unit": "min"}},
        review,
    )]
