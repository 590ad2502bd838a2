"""The notes the evidence readers write about a photo (why this capture time was chosen, why a GPS
reading is not a position), as catalog texts with parameters (PURE: no Flask imports).

A note is stored as plain English (a sign-in's `capture_time_note` and `evidence_problem`, the
flag's evidence), which the API gives as it is. A page says it in the reader's language with
`say`: the stored text is matched back against these templates, several of them joined by "; ",
and each part is translated with its values put back. A text no template matches (an older row,
a reader's own exception text) is shown as it is.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from supervise.i18n_marks import N_

SEPARATOR = "; "

# Capture time (supervise/evidence/capture_time.py)
NO_CAPTURE_TIME = N_("no capture time in the photo")
GPS_TIME_ONLY = N_("no DateTimeOriginal; GPS time (UTC) used")
CLOCK_AFTER_RECEIPT = N_("the photo's clock (%(source)s) says %(ahead)s after the photo was received: "
                         "impossible, so the receipt time is used; needs review")
ZONE_ASSUMED = N_("no offset tag; assumed %(zone)s")
GPS_AGREES = N_("no offset tag; GPS time used (agrees with %(zone)s)")
CAMERA_ZONE = N_("EXIF clock %(hours)s off GPS time: camera set to %(camera)s, not %(stated)s; GPS time used")
EXIF_AHEAD = N_("EXIF clock %(ahead)s ahead of GPS time and after the photo was received: "
                "impossible, so GPS time is used")
CLOCKS_DIFFER_GPS = N_("EXIF time and GPS time differ by %(seconds)s s, not a time-zone difference; "
                       "GPS time used, needs review")
CLOCKS_DIFFER_EXIF = N_("EXIF time and GPS time differ by %(seconds)s s, not a time-zone difference; "
                        "EXIF time kept, needs review")

# GPS position and time (supervise/evidence/exif.py)
NO_GPS_IN_EXIF = N_("no GPS position in the photo's EXIF")
ZERO_POSITION = N_("GPS position is exactly 0,0: a placeholder, not a position")
BAD_REF = N_("%(tag)sRef is missing or not %(refs)s: not a position")
BEYOND_LIMIT = N_("%(tag)s %(value)s is beyond ±%(limit)s degrees: not a position")
NOT_RATIONALS = N_("%(tag)s is not 1 to 3 rationals: not a position")
ZERO_DENOMINATOR = N_("%(tag)s has a zero denominator or is not a number (%(values)s): not a position")
NEGATIVE_PART = N_("%(tag)s has a negative part (%(values)s): not a position")
SIXTY_OR_MORE = N_("%(tag)s minutes or seconds are 60 or more (%(values)s): not a position")
NO_GPS_STAMP = N_("GPS date or time stamp missing: no GPS instant")
GPS_STAMP_UNREADABLE = N_("GPS date/time stamp unreadable (%(text)s): no GPS instant")
GPS_TIME_OUT_OF_RANGE = N_("GPS time stamp out of range (%(values)s): no GPS instant")
GPS_DATE_NOT_A_DATE = N_("GPS date stamp %(text)s is not a date: no GPS instant")
OFFSET_IGNORED = N_("OffsetTimeOriginal %(text)s is not ±HH:MM; ignored")

# A sign-in's evidence problem (supervise/services/checkins.py)
NO_GPS_IN_PHOTO = N_("no GPS position in the photo")

TEMPLATES = (NO_CAPTURE_TIME, GPS_TIME_ONLY, CLOCK_AFTER_RECEIPT, ZONE_ASSUMED, GPS_AGREES, CAMERA_ZONE,
             EXIF_AHEAD, CLOCKS_DIFFER_GPS, CLOCKS_DIFFER_EXIF, NO_GPS_IN_EXIF, ZERO_POSITION, BAD_REF,
             BEYOND_LIMIT, NOT_RATIONALS, ZERO_DENOMINATOR, NEGATIVE_PART, SIXTY_OR_MORE, NO_GPS_STAMP,
             GPS_STAMP_UNREADABLE, GPS_TIME_OUT_OF_RANGE, GPS_DATE_NOT_A_DATE, OFFSET_IGNORED, NO_GPS_IN_PHOTO)

_PARAM = re.compile(r"%\((\w+)\)s")
# Durations inside the values ("2 h 5 min", "35 min", "8 h"), said with the reader's units.
_DURATION = re.compile(r"\b(\d+(?:\.\d+)?) (h|min)\b")
UNIT_TEXTS = {"h": N_("%(n)s h"), "min": N_("%(n)s min")}


def note(template: str, **params: object) -> str:
    """The note in English, as it is stored: the template with its values."""
    return template % {name: str(value) for name, value in params.items()}


def joined(*notes: str | None) -> str | None:
    """Notes said one after the other ("; " between them), the empty ones left out."""
    return SEPARATOR.join(n for n in notes if n) or None


def say(text: str | None, translate: Callable[[str], str],
        named: Mapping[str, Callable[[str], str]] | None = None) -> str:
    """The stored note in the language of `translate` (gettext): each part that a template made
    is translated with its values (a value whose param is in `named` said by that function, as a
    time source's code by its name); a text that is not entirely made of templates stays as it is."""
    if not text:
        return ""
    parts = _parts(text)
    if parts is None:
        return text
    named = named or {}

    def value_said(name: str, value: str) -> str:
        return named[name](value) if name in named else _durations(value, translate)

    return SEPARATOR.join(translate(template) % {name: value_said(name, value) for name, value in values.items()}
                          for template, values in parts)


def _durations(value: str, translate: Callable[[str], str]) -> str:
    return _DURATION.sub(lambda m: translate(UNIT_TEXTS[m.group(2)]) % {"n": m.group(1)}, value)


def _parts(text: str) -> list[tuple[str, dict]] | None:
    """The templates (and their values) that make up `text`, in order, or None."""
    if not text:
        return []
    for template, pattern in _patterns():
        match = pattern.match(text)
        if match is None:
            continue
        rest = text[match.end():]
        if rest == "":
            return [(template, match.groupdict())]
        if rest.startswith(SEPARATOR):
            following = _parts(rest[len(SEPARATOR):])
            if following is not None:
                return [(template, match.groupdict()), *following]
    return None


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    """Each template as a regular expression; the longest first, so that a template is not taken
    for a shorter one it begins with ("no GPS position in the photo" and "... in the photo's EXIF")."""
    compiled = []
    for template in sorted(TEMPLATES, key=len, reverse=True):
        pieces = _PARAM.split(template)   # literal, name, literal, name, ..., literal
        expression = "".join(re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.+?)"
                             for i, piece in enumerate(pieces))
        # A part ends where the text does or the next part begins.
        compiled.append((template, re.compile(expression + "(?=" + re.escape(SEPARATOR) + "|$)")))
    return compiled
