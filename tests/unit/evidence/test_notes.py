"""A note the evidence readers stored in English is said back in the reader's language, part by part,
with its values; a text no template made stays as it is."""
from __future__ import annotations

import re

import pytest

from supervise.evidence import notes
from supervise.evidence.capture_time import resolve_capture_time


def shouting(text: str) -> str:
    """A stand-in translation that can be told apart from the English (values stay as they are)."""
    return "".join(piece if piece.startswith("%(") else piece.upper() for piece in re.split(r"(%\(\w+\)s)", text))


@pytest.mark.parametrize("template", notes.TEMPLATES)
def test_every_template_is_found_again_in_its_stored_text_with_its_values(template):
    names = re.findall(r"%\((\w+)\)s", template)
    values = {name: f"<{name} {i}>" for i, name in enumerate(names)}
    stored = notes.note(template, **values)

    assert notes.say(stored, shouting) == shouting(template) % values


def test_notes_joined_by_semicolons_are_each_said_in_turn():
    stored = notes.joined(notes.note(notes.ZONE_ASSUMED, zone="Asia/Shanghai"),
                          notes.note(notes.CLOCKS_DIFFER_EXIF, seconds="+95"))

    said = notes.say(stored, shouting)

    assert said == "NO OFFSET TAG; ASSUMED Asia/Shanghai; EXIF TIME AND GPS TIME DIFFER BY +95 S, NOT A TIME-ZONE " \
                   "DIFFERENCE; EXIF TIME KEPT, NEEDS REVIEW"


def test_the_longer_of_two_templates_that_begin_alike_is_the_one_found():
    assert notes.say(notes.NO_GPS_IN_EXIF, shouting) == "NO GPS POSITION IN THE PHOTO'S EXIF"
    assert notes.say(notes.NO_GPS_IN_PHOTO, shouting) == "NO GPS POSITION IN THE PHOTO"


def test_durations_inside_the_values_are_said_with_the_readers_units():
    stored = notes.note(notes.EXIF_AHEAD, ahead="2 h 5 min")
    chinese = {notes.EXIF_AHEAD: "EXIF 时钟快 %(ahead)s", notes.UNIT_TEXTS["h"]: "%(n)s 小时",
               notes.UNIT_TEXTS["min"]: "%(n)s 分钟"}

    assert notes.say(stored, lambda text: chinese.get(text, text)) == "EXIF 时钟快 2 小时 5 分钟"


@pytest.mark.parametrize("text", ["exifread failed: KeyError: 'x'", "no GPS position in the photo; and more",
                                  "a reviewer's own words"])
def test_a_text_not_made_of_templates_is_shown_as_it_is(text):
    assert notes.say(text, shouting) == text


def test_the_capture_time_reader_writes_its_notes_from_the_templates():
    from datetime import UTC, datetime

    when = resolve_capture_time(datetime(2026, 11, 23, 8, 0), None, None)

    assert when.note == "no offset tag; assumed Asia/Shanghai"
    assert notes.say(when.note, shouting) == "NO OFFSET TAG; ASSUMED Asia/Shanghai"
    assert when.captured_at == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)   # 08:00 in Harbin


def test_a_value_with_a_name_of_its_own_is_said_by_it():
    stored = notes.note(notes.CLOCK_AFTER_RECEIPT, source="exif_offset", ahead="35 min")

    said = notes.say(stored, shouting, named={"source": {"exif_offset": "Photo EXIF (with time zone)"}.get})

    assert said.startswith("THE PHOTO'S CLOCK (Photo EXIF (with time zone)) SAYS 35 MIN AFTER")
