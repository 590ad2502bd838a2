"""A labelled simulation of patrol days as real phones report them, for judging the judgement.

The fairness standard (DOMAIN.md, "Judging fairly") is that an honest officer under the noise real
phones have gets no flag, while real violations are still found. This package builds that test:

* `world`: a small city in local metres (districts, rectangular grids, fixed posts) and the
  conversion to WGS-84 (its own, deliberately not the service's projection);
* `phone`: what a phone reports of a true path: correlated jitter, multipath fixes thrown far with
  an ordinary-looking accuracy, silences, and the timing of fixes;
* `scenarios`: seeded, labelled shifts: honest patrols with decoys just under every threshold,
  each kind of violation, fixed posts, wrong clocks, retries, late and made-up uploads;
* `driver`: feeds a plan through the real HTTP doors (sign-ins, OsmAnd, position batches, GPX
  uploads, inspection findings) with the clock moved to each moment, and runs the scheduler's
  own tick between them;
* `score`: matches the flags the service raised to the labels and reports precision and recall
  per flag code, listing every wrong flag with its shift.

Nothing here imports the service's analysis: the labels come from the truth the generator drew.
"""
