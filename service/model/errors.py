"""Domain errors.  The web layer maps each class to one HTTP status."""
from __future__ import annotations

from contextlib import contextmanager


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

    def under(self, prefix: str) -> "InputError":
        """This error as part of a larger request: every field under ``prefix``."""
        return InputError(f"{prefix}: {self.message}", {f"{prefix}.{k}": v for k, v in self.errors.items()})


class NotCovered(LookupError):
    """The tables do not cover what was asked (HTTP 404), with a hint."""

    def __init__(self, message: str, hint: str = "", field: str = "hts"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def under(self, prefix: str) -> "NotCovered":
        """This error as part of a larger request: its field under ``prefix``."""
        return NotCovered(f"{prefix}: {self.message}", self.hint, f"{prefix}.{self.field}")


class ErrorCollector:
    """Collects a caller's field errors so a parser can report them all at once.

    ``add(field, message)`` records one message; ``guard(field, fn, *args)`` and
    ``with field(name):`` record an :class:`InputError` or ``ValueError``
    raised inside them; ``raise_if_any(what)`` raises one :class:`InputError`
    with every ``field -> [messages]`` in the order they were found, its
    message naming the first: ``"{what}: {field}: {message}"``.

    ``scoped("lines.3")`` gives a collector that files ``name`` as
    ``lines.3.name`` into the same errors; a scope is true once anything was
    recorded through it.  With ``fail_fast=True`` the first message raises at
    once, as :meth:`InputError.field` does (for parsers that stop at the first
    error).
    """

    def __init__(self, *, fail_fast: bool = False, _prefix: str = "", _errors: dict | None = None):
        self.errors: dict[str, list[str]] = {} if _errors is None else _errors
        self.fail_fast = fail_fast
        self._prefix = _prefix
        self._count = 0

    def __bool__(self) -> bool:
        return self._count > 0

    def key(self, name: str) -> str:
        """``name`` as filed by this collector (with its scope)."""
        return f"{self._prefix}.{name}" if self._prefix else name

    def scoped(self, prefix: str) -> "ErrorCollector":
        return ErrorCollector(fail_fast=self.fail_fast, _prefix=self.key(prefix), _errors=self.errors)

    def add(self, name: str, message: str) -> None:
        self.extend(name, [message])

    def extend(self, name: str, messages: list[str]) -> None:
        self._file(self.key(name), messages)

    def _file(self, key: str, messages: list[str]) -> None:
        if self.fail_fast and messages:
            raise InputError(f"{key}: {messages[0]}", {key: list(messages)}) from None
        self.errors.setdefault(key, []).extend(messages)
        self._count += len(messages)

    def merge(self, errors: dict[str, list[str]]) -> None:
        """Another parser's ``field -> messages``, each field under this collector's scope."""
        for name, messages in errors.items():
            self.extend(name, messages)

    def record(self, name: str, exc: ValueError) -> None:
        """A parser's exception on field ``name``: an InputError keeps its own
        fields where they lie under the same top-level name as ``name``
        (``costs.x.currency`` for ``costs.x``) and files the rest under ``name``;
        a plain ValueError is one message on ``name``."""
        if not isinstance(exc, InputError):
            self.add(name, str(exc))
            return
        key = self.key(name)
        root = key.split(".")[0]
        for field, messages in exc.errors.items():
            self._file(field if field.startswith(root) else key, messages)

    @contextmanager
    def field(self, name: str):
        """Record an InputError or ValueError raised in the block as an error of ``name``."""
        try:
            yield
        except ValueError as exc:          # InputError is a ValueError
            self.record(name, exc)

    def guard(self, name: str, fn, *args):
        """``fn(*args)``, or None with its error recorded on ``name``."""
        with self.field(name):
            return fn(*args)
        return None

    def error(self, what: str) -> InputError:
        """The InputError for what was collected (call only when there is something)."""
        first = next(iter(self.errors))
        return InputError(f"{what}: {first}: {self.errors[first][0]}", self.errors)

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            raise self.error(what)
