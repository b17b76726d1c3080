"""Ranking units on an indicator: standard competition ranking ("1224") with the change of rank
since the previous period. The one ranking every page, the API, the CLI and the reports use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class RankRow:
    rank: int | None
    orgunit: str
    name: str
    value: float | None
    previous_rank: int | None
    previous_value: float | None
    change: int | None  # positive: moved up (better rank than in the previous period)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def competition_ranks(values: Mapping[str, float], sense: int) -> dict[str, int]:
    """Standard competition ranking ("1224"): equal values share a rank and the next rank
    skips. ``sense`` +1 ranks the highest value first, −1 the lowest."""
    ordered = sorted(values.items(), key=lambda kv: (-sense * kv[1], kv[0]))
    ranks: dict[str, int] = {}
    previous_value: float | None = None
    previous_rank = 0
    for position, (code, value) in enumerate(ordered, start=1):
        if previous_value is None or value != previous_value:
            previous_rank = position
        ranks[code] = previous_rank
        previous_value = value
    return ranks


def rank_units(units: Sequence[tuple[str, str]], now: Mapping[str, float],
               before: Mapping[str, float], sense: int) -> list[RankRow]:
    """Rank ``units`` (code, name) on their values ``now``, with the rank ``before``; units
    without a value are listed last, unranked."""
    now_ranks, before_ranks = competition_ranks(now, sense), competition_ranks(before, sense)
    rows = []
    for code, name in units:
        r, b = now_ranks.get(code), before_ranks.get(code)
        rows.append(RankRow(r, code, name, now.get(code), b, before.get(code),
                            b - r if r and b else None))
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.orgunit))
    return rows
