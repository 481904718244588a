"""How current the tables are: their as-of date, their age in days, and the two warnings.

* An entry date after the tables' as-of date is priced on the measures the
  tables hold: :func:`after_as_of` words the warning (deterministic, so the
  engine puts it in the quote it caches).
* Tables older than a limit (``TARIFF_STACK_MAX_TABLE_AGE_DAYS``, default
  :data:`DEFAULT_MAX_AGE_DAYS`) make every answer carry
  :attr:`Freshness.warning`.  The age depends on today's date, so it is never
  part of a cached document: the web layer and the CLI add it to each answer.

"Today" is the UTC calendar date (:func:`today_utc`); callers that must not
depend on the real clock (tests) pass their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from service.model.errors import InputError

MAX_AGE_ENV = "TARIFF_STACK_MAX_TABLE_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 30
NOT_IN_TABLES = "measures announced after that date are not in these tables"


def today_utc() -> date:
    """The current UTC calendar date (the default clock)."""
    return datetime.now(timezone.utc).date()


def max_age_days(value) -> int:
    """The staleness limit from a setting: a whole number of days (0 or more); empty means the default."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        return DEFAULT_MAX_AGE_DAYS
    if isinstance(value, str) and text.isascii() and text.isdigit():
        return int(text)
    raise InputError.field(MAX_AGE_ENV, f"must be a whole number of days, 0 or more (default "
                                        f"{DEFAULT_MAX_AGE_DAYS}); got {str(value)[:40]!r}")


@dataclass(frozen=True)
class Freshness:
    """The tables' as-of date seen from ``today``, against a limit in days."""

    as_of: date
    today: date
    limit: int

    @property
    def age_days(self) -> int:
        """Days since the as-of date (negative if the clock is before it)."""
        return (self.today - self.as_of).days

    @property
    def stale(self) -> bool:
        """Older than the limit: at the limit the tables are still fresh, one day more they are not."""
        return self.age_days > self.limit

    @property
    def warning(self) -> str | None:
        if not self.stale:
            return None
        days = "day" if self.age_days == 1 else "days"
        return (f"tables as of {self.as_of} are {self.age_days} {days} old (limit {self.limit}): {NOT_IN_TABLES}; "
                f"check for newer tables, or set {MAX_AGE_ENV} to accept them")


def after_as_of(entry_date: date, as_of: date) -> str | None:
    """The warning of a line whose entry date is after the tables' as-of date (None on or before it)."""
    if entry_date <= as_of:
        return None
    return f"entry date {entry_date} is after the tables' as-of date {as_of}: {NOT_IN_TABLES}"


def range_after_as_of(start: date, end: date, as_of: date) -> str | None:
    """The warning of a range of entry dates ``[start, end)`` that reaches past the as-of date."""
    last = end - timedelta(days=1)
    if last <= as_of:
        return None
    first = max(start, as_of + timedelta(days=1))
    return (f"entry dates {first} to {last} are after the tables' as-of date {as_of}: {NOT_IN_TABLES}")


def from_settings(as_of: date, environ, today: date | None = None) -> Freshness:
    """The freshness of tables as of ``as_of`` under the settings ``environ`` (the limit) on ``today``
    (default: :func:`today_utc`, looked up on each call)."""
    return Freshness(as_of, today if today is not None else today_utc(), max_age_days(environ.get(MAX_AGE_ENV)))
