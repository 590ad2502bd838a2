"""Which stored positions a judgement may rest on, by where they came from (PURE).

Positions arrive by two kinds of channel:

* live tracking: the phone's tracking app reports as it goes (Traccar Client over OsmAnd, the
  service's own app over /api/v1/positions). When the phone is offline it keeps its fixes and
  sends them late, stamped with the time they were taken: a late batch from the phone that came
  back online.
* a file the officer uploads afterwards (GPX, GeoJSON, CSV), recorded by some app, or made up.

Two rules follow from DOMAIN.md ("Evidence sent by the officer about a period already judged is
weighed by a person"):

1. Where the live channel reported, an uploaded file does not override it: an uploaded fix within
   LIVE_REACH_S of a live fix is set aside (it only fills silences of the live channel).
2. A flag is withdrawn automatically by late data only when that data came over the live channel,
   or was received before the flag was raised. An uploaded file received after the flag does not
   withdraw it: it is shown on the flag as the officer's counter-evidence.
"""
from __future__ import annotations

import numpy as np

LIVE_REACH_S = 90.0


def superseded_by_live(t: np.ndarray, live: np.ndarray, reach_s: float = LIVE_REACH_S) -> np.ndarray:
    """True for uploaded fixes (not `live`) that lie within `reach_s` of a live fix; `t` sorted."""
    out = np.zeros(t.size, dtype=bool)
    live_t = t[live]
    if live_t.size == 0 or live.all():
        return out
    uploaded = np.flatnonzero(~live)
    k = np.searchsorted(live_t, t[uploaded])
    before = np.abs(t[uploaded] - live_t[np.clip(k - 1, 0, live_t.size - 1)])
    after = np.abs(live_t[np.clip(k, 0, live_t.size - 1)] - t[uploaded])
    out[uploaded] = np.minimum(before, after) <= reach_s
    return out


def untrusted_after(live: np.ndarray, received: np.ndarray, cutoff: float) -> np.ndarray:
    """True for uploaded fixes (not `live`) received after `cutoff` (POSIX seconds)."""
    return ~live & (received > cutoff)
