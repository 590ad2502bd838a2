"""How much text each column holds, read from the models, and one check before every flush.

PostgreSQL refuses a value longer than its VARCHAR(n) column, or holding a NUL character, with an
error in the middle of a commit; SQLite stores both without a word. So every text a model is about
to write is checked here first, on both databases alike: too long is a 422 TEXT_TOO_LONG naming
the column and its limit, a NUL a 422 NUL_CHARACTER. The doors (API schemas, imports) check the same
limits earlier, by field, through `text_limit`; this is what makes a missed door harmless.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapper, Session

from supervise.errors import Invalid

NUL = "\x00"


def text_limit(attribute) -> int:
    """The number of characters the VARCHAR column behind a model attribute holds (e.g.
    `text_limit(Squad.code)` is 32), so a limit is written once, in the model."""
    [column] = attribute.property.columns
    length = getattr(column.type, "length", None)
    if length is None:
        raise TypeError(f"{attribute} is not a column of bounded text")
    return length


@cache
def _bounded_text_columns(mapper: Mapper) -> tuple[tuple[str, str, int | None], ...]:
    """(attribute key, table.column, length or None for unbounded text) of each text column."""
    return tuple((prop.key, f"{column.table.name}.{column.name}", column.type.length)
                 for prop in mapper.column_attrs for column in prop.columns
                 if isinstance(column.type, String))


def check_texts(session: Session, _flush_context=None, _instances=None) -> None:
    """Refuse, before anything is written, a text longer than its column or holding a NUL character."""
    for instance in (*session.new, *session.dirty):
        values = instance.__dict__
        for key, column, length in _bounded_text_columns(inspect(instance).mapper):
            value = values.get(key)
            if not isinstance(value, str):
                continue
            if length is not None and len(value) > length:
                raise Invalid("%(column)s holds at most %(length)s characters; this one has %(value_count)s. Nothing was stored.", code="TEXT_TOO_LONG",
                              details={"column": column, "max_length": length, "length": len(value)}, params={"column": column, "length": length, "value_count": len(value)})
            if NUL in value:
                raise Invalid("%(column)s cannot hold a NUL character (\\u0000). Nothing was stored.",
                              code="NUL_CHARACTER", details={"column": column}, params={"column": column})


def check_texts_before_every_flush() -> None:
    """Install `check_texts` for every session (once per process)."""
    if not event.contains(Session, "before_flush", check_texts):
        event.listen(Session, "before_flush", check_texts)
