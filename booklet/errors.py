"""Errors and warnings, and how they print.

Every problem with an author's input is a `BookletError` located at a file and
line, printed the way compilers print (GNU style): ``path:line: error: message``.
Warnings are collected in a `Diagnostics` list that the command line prints.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Location:
    path: Path | None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [str(self.path) if self.path is not None else "booklet"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class BookletError(Exception):
    """Bad input: the build stops and the command exits with status 1."""

    def __init__(
        self,
        path: Path | None,
        line: int | None,
        message: str,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.location = Location(path, line, column)
        self.message = message

    def __str__(self) -> str:
        return one_line(f"{self.location}: error: {self.message}")


class BookletErrors(BookletError):
    """Several errors found while reading the whole booklet: all are reported."""

    def __init__(self, errors: list[BookletError]) -> None:
        first = errors[0]
        super().__init__(first.location.path, first.location.line, first.message)
        self.errors = tuple(errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C or a kill that came while the outputs were swapped in: held back, the new set is whole."""


@dataclass(frozen=True, slots=True)
class BookletWarning:
    """A located warning (`path:line: warning: …`); `--strict` makes any of them fatal."""

    location: Location
    message: str

    def __str__(self) -> str:
        return one_line(f"{self.location}: warning: {self.message}")


@dataclass(frozen=True, slots=True)
class Note:
    """Something the author should know that is not a problem (what a selection left out)."""

    location: Location
    message: str

    def __str__(self) -> str:
        return one_line(f"{self.location}: note: {self.message}")


@dataclass(slots=True)
class Diagnostics:
    """Warnings and notes gathered while building; errors are raised, not gathered here.
    `--strict` fails on warnings, never on notes."""

    warnings: list[BookletWarning] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def warn(self, path: Path | None, line: int | None, message: str) -> None:
        self.warnings.append(BookletWarning(Location(path, line), message))

    def note(self, path: Path | None, message: str) -> None:
        self.notes.append(Note(Location(path), message))


def one_line(text: str) -> str:
    """One message, one line: control characters and line breaks quoted from the input are escaped."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
