"""Periods written at the precision the text gives: ``2023``, ``2023-07``, ``2023-07-15``."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache


class PeriodError(ValueError):
    pass


@lru_cache(maxsize=65536)  # a pure function of its text, asked hundreds of thousands of times
def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a partial ISO date stands for: "2023-02" → (2023-02-01, 2023-02-28)."""
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(parts) == 1 and len(parts[0]) == 4:
            (year,) = numbers
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(parts) == 2:
            year, month = numbers
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        if len(parts) == 3:
            day = dt.date(*numbers)
            return day, day
    except ValueError:
        pass
    raise PeriodError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")


def period_label(start: str, end: str) -> str:
    """"2023" for one year; "2017/2021" for a span (ISO 8601 interval notation)."""
    return start if start == end else f"{start}/{end}"


def publication_day(date_published: str) -> dt.date | None:
    """The day a report was published ("2022-07-22 06:30:46" → 2022-07-22), None if unknown or
    known only to the month or year (the last day of that month or year is then the limit)."""
    if not date_published:
        return None
    try:
        return parse_period(date_published[:10])[1]
    except PeriodError:
        return None  # a malformed date is reported by the schema check
