"""PHOTO_REUSED: the sign-in photo repeats an earlier selfie (of any officer).

Retries are not reuse: the same photo sent again by the same officer for the same shift is the
same sign-in (the service answers the first one again), and a sign-in never counts as repeating
one of the officer's own sign-ins of the same shift. The summary does not name the earlier
sign-in (the officer reads it; the earlier one may be another officer's): the evidence does, for
managers. A perceptual match near the limit is raised for review.

Same bytes (sha256) always count. A perceptual-hash match counts only when its
distance is known and within max_phash_distance: without the distance the
claim cannot be checked against the regulation, and a false flag can lead to
discipline.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, make_finding, num
from supervise.regulation.rules._common import checkin_time, known_checkins


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per sign-in whose photo is a reuse of an earlier sign-in's photo."""
    limit = config.params["max_phash_distance"]
    return [_finding(c, config) for c in known_checkins(facts) if _reused(c, limit)]


def _reused(c: CheckinFact, limit: float) -> bool:
    if c.reused_checkin_id is None:
        return False
    if c.reuse_kind == "phash":
        return c.reuse_distance is not None and c.reuse_distance <= limit
    return True


def _finding(c: CheckinFact, config: RuleConfig) -> Finding:
    t = checkin_time(c)
    review = []
    if c.reuse_kind == "phash":
        how_zh = f"相似度距离 {c.reuse_distance}（允许 ≤{num(config.params['max_phash_distance'])}）"
        limit = num(config.params["max_phash_distance"])
        how_en = f"perceptual distance {c.reuse_distance} (≤{limit} counts)"
        if c.reuse_distance is not None and c.reuse_distance >= config.params["max_phash_distance"] - 1:
            review.append(("两张照片相似但不完全相同，且相似度接近上限，请人工比对",
                           "the two pictures are similar, not identical, and near the limit: compare them by eye"))
    else:
        how_zh, how_en = "文件完全相同", "identical file"
    return make_finding(
        config, checkin_key("PHOTO_REUSED", c.id), (t, t),
        f"签到照片与此前另一次签到的照片重复：{how_zh}",
        f"The sign-in photo repeats the photo of an earlier sign-in: {how_en}",
        {"checkin_id": c.id, "reused_checkin_id": c.reused_checkin_id,
         "reuse_kind": c.reuse_kind, "reuse_distance": c.reuse_distance},
        review,
    )
