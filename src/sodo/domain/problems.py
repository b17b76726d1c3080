"""Problems found in user input (a programme file, a record batch, an Excel sheet)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``line`` and ``column`` are 1-based; ``row`` is the 1-based data row of a table file.
    """

    message: str
    file: str = ""
    line: int | None = None
    column: int | str | None = None
    rule: str = ""
    severity: Severity = Severity.ERROR
    object: str = ""

    @property
    def where(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        rule = f" [{self.rule}]" if self.rule else ""
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.severity}{rule}: {self.message}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


class InputError(Exception):
    """Input rejected as a whole; ``problems`` says every reason found."""

    def __init__(self, summary: str, problems: list[Problem] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.summary, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class StoreBusy(InputError):
    """A store cannot be opened now (another process holds it): said to the user like any
    input error, but no fault of the input, so a watched folder tries the file again."""
