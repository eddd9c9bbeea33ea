"""What can be wrong with an export, as data: every refusal carries the whole list of problems.

A `Problem` names the file, the variable and the row(s) or token where it applies, what is
wrong and what was expected, so the CLI can print it as a table, Dagster can attach it as
metadata and the quarantine reason file can list it, all from the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

# How many row numbers one problem spells out before it only counts the rest: a code
# outside the value labels in 2,000 rows is one problem, not 2,000 lines of output.
MAX_ROWS_LISTED = 10


@dataclass(frozen=True)
class Problem:
    file: str
    problem: str
    variable: str | None = None
    where: str | None = None  # "row 3", "rows 3, 17 (2 rows)", "token R00ab…"
    expected: str | None = None

    def __str__(self) -> str:
        place = ", ".join(part for part in (
            f"variable {self.variable}" if self.variable else None, self.where) if part)
        text = f"{self.file}: {place + ': ' if place else ''}{self.problem}"
        return f"{text} (expected {self.expected})" if self.expected else text


class LandingError(ValueError):
    """An export (or a batch of them) that was not landed, with every problem found.

    `outcomes` holds what happened to each file of the batch, including the ones that did
    land, so a caller can report both.
    """

    def __init__(self, problems: Sequence[Problem], outcomes: Sequence[object] = ()) -> None:
        self.problems = list(problems)
        self.outcomes = list(outcomes)
        super().__init__("\n".join(str(problem) for problem in self.problems) or "landing failed")


class ExportError(LandingError):
    """The file cannot be read as an export: empty, damaged, wrong encoding or delimiter,
    no provenance. It goes to quarantine."""


class ValidationError(LandingError):
    """The file reads, but contradicts the codebook. It goes to quarantine."""


class ConflictError(LandingError):
    """A different version of the same export is already current and replacing it was not
    asked for. Nothing is wrong with the file, so it stays where it is."""


class CodebookError(LandingError):
    """The codebook itself cannot be read; no file is validated against it."""


def rows_text(row_numbers: Iterable[int]) -> str:
    """'row 3' or 'rows 3, 17, 20' or 'rows 3, 17, … (250 rows)'; numbers are 1-based data rows."""
    numbers = sorted(row_numbers)
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    listed = ", ".join(str(n) for n in numbers[:MAX_ROWS_LISTED])
    if len(numbers) > MAX_ROWS_LISTED:
        listed += ", …"
    return f"rows {listed} ({len(numbers)} rows)"


def combined_error(errors: Sequence[LandingError], outcomes: Sequence[object]) -> LandingError:
    """One exception for a batch: the specific class when every failure is of one kind
    (so `except ExportError` still works for a single damaged file), else the base class."""
    kinds = {type(error) for error in errors}
    cls = kinds.pop() if len(kinds) == 1 else LandingError
    return cls([problem for error in errors for problem in error.problems], outcomes)
