"""What a check found for one scored unit (no Ibis: the report checks and the scorecard's
refresh use it without the record checks' compiler)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

EXAMPLES = 5


@dataclass
class Tally:
    """Items a check looked at for one scored unit, how many failed, and a few examples."""

    checked: int = 0
    failed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, checked: int, failed: int, examples: Sequence[dict[str, Any]] = ()) -> None:
        self.checked += int(checked)
        self.failed += int(failed)
        room = EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(list(examples)[:room])


#: (unit, check code) → tally
Tallies = dict[tuple[str, str], Tally]
