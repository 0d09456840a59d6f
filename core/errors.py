"""The errors a student is told about: one base, three families, each with its reasons.

Every failure the app expects (a model that cannot be fetched or run, an upload that is not an
image, Quick, Draw! data that does not arrive) is raised as a `StudentFacingError` whose
`reason` is a member of its family's enum and whose `detail` says what was seen. The pages show
the catalogue text `<family's section>.<reason>` in the student's language; a test checks that
every reason of every family has one in both catalogues.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import ClassVar


class StudentFacingError(Exception):
    """An expected failure: `reason` says which (an enum member, also a plain string) and
    `detail` what was seen (a size, a file name, the library's own words)."""

    Reason: ClassVar[type[StrEnum]]
    messages: ClassVar[str]  # the catalogue section holding one text per reason

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = self.Reason(reason)  # ValueError for a reason the family does not have
        self.detail = detail
        super().__init__(f"{self.reason}{': ' + detail if detail else ''}")

    def __reduce__(self):  # rebuilt from its parts when it crosses a process
        return (type(self), (str(self.reason), self.detail))

    @property
    def message_key(self) -> str:
        """The catalogue key of the text shown for this error."""
        return f"{self.messages}.{self.reason}"


def error_families() -> tuple[type[StudentFacingError], ...]:
    """Every family of student-facing errors (for the catalogue test and Diagnostics)."""
    return tuple(_families(StudentFacingError))


def _families(base: type[StudentFacingError]) -> list[type[StudentFacingError]]:
    found = []
    for family in base.__subclasses__():
        if "Reason" in vars(family):
            found.append(family)
        found += _families(family)
    return found


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it wraps (its cause, or the error it was raised while handling), each
    once."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not other for other in seen):
        seen.append(current)
        yield current
        current = current.__cause__ or current.__context__


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message (at most `limit` characters), or its type's
    name: a `detail` a student may read."""
    text = str(exc).strip().splitlines()
    return text[0][:limit] if text else type(exc).__name__
