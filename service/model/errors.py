"""Domain errors.  The web layer maps each class to one HTTP status."""
from __future__ import annotations


class TableError(Exception):
    """A tariff table does not validate: ``where`` is ``file:line``."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class TableErrors(TableError):
    """Several table defects found in one run (the loader collects them all).

    ``errors`` lists every :class:`TableError`; ``where``/``reason`` are the
    first one's, so code that reports a single error still works.
    """

    def __init__(self, errors: list[TableError]):
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first.where, first.reason + more)
        self.errors = list(errors)

    def __str__(self) -> str:
        return "\n".join(f"{e.where}: {e.reason}" for e in self.errors)


class InputError(ValueError):
    """A caller's input is malformed or incomplete (HTTP 400).

    ``errors`` maps a field name to a list of messages.
    """

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    @classmethod
    def field(cls, name: str, message: str) -> "InputError":
        return cls(f"{name}: {message}", {name: [message]})


class NotCovered(LookupError):
    """The tables do not cover what was asked (HTTP 404), with a hint."""

    def __init__(self, message: str, hint: str = "", field: str = "hts"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field
