"""Thresholds and tolerances of the assessment, as configuration with documented defaults.

A workspace may override any of them in ``sodo.toml`` (read by ``sodo.services.settings``)::

    [assess]
    on_track_ratio = 0.95          # ratio ≥ this: on track (UN SDG Progress Chart band)
    acceleration_ratio = 0.5       # ratio in [this, on_track_ratio): needs acceleration
    deterioration_ratio = -0.1     # ratio in [this, acceleration_ratio): off track; below: deteriorating
    full_percent_from = 99.0       # a percent target at or above this counts as "near 100 %"
    full_percent_tolerance = 0.5   # … and is achieved within this many percentage points
    projection_method = "linear"   # linear | cagr: which projection decides the status
    due_soon_days = 14             # a task due within this many days is "due soon"
    min_points = 2                 # fewer observed points than this: insufficient data
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from sodo.domain.problems import InputError, Problem

ProjectionMethod = Literal["linear", "cagr"]


@dataclass(frozen=True)
class AssessmentConfig:
    """Every number the assessment judges by. The ratio bands apply both to the CAGR ratio of
    the UN SDG Progress Chart and to the linear ratio (share of the required change the linear
    trend is projected to make by the deadline), so the two methods read the same way."""

    on_track_ratio: float = 0.95
    acceleration_ratio: float = 0.5
    deterioration_ratio: float = -0.1
    full_percent_from: float = 99.0
    full_percent_tolerance: float = 0.5
    projection_method: ProjectionMethod = "linear"
    due_soon_days: int = 14
    min_points: int = 2

    def __post_init__(self) -> None:
        if not self.deterioration_ratio < self.acceleration_ratio < self.on_track_ratio:
            raise ValueError("assessment bands must satisfy deterioration_ratio < "
                             "acceleration_ratio < on_track_ratio")
        if self.projection_method not in ("linear", "cagr"):
            raise ValueError(f"projection_method must be linear or cagr, "
                             f"not {self.projection_method!r}")
        if self.due_soon_days < 0 or self.full_percent_tolerance < 0:
            raise ValueError("due_soon_days and full_percent_tolerance must not be negative")
        if self.min_points < 2:
            raise ValueError("min_points must be at least 2 (a trend needs two points)")

    @classmethod
    def from_mapping(cls, values: dict[str, Any], file: str = "") -> AssessmentConfig:
        """Defaults overridden by ``values`` (the ``[assess]`` table); unknown keys and bad
        values are an :class:`InputError` naming the key."""
        known = {f.name: f for f in fields(cls)}
        problems = [Problem(f"unknown setting '{key}' (known: {', '.join(known)})", file,
                            column=key, rule="assess-config")
                    for key in values if key not in known]
        if problems:
            raise InputError(f"{file or 'assessment settings'}: unknown settings", problems)
        converted: dict[str, Any] = {}
        for key, value in values.items():
            kind = type(getattr(cls(), key))
            try:
                converted[key] = value if kind is str else kind(value)
            except (TypeError, ValueError):
                expected = {int: "a whole number", float: "a number"}.get(kind, kind.__name__)
                raise InputError(f"{file or 'assessment settings'}: [assess] {key} = {value!r} "
                                 f"is not {expected}") from None
        try:
            return replace(cls(), **converted)
        except ValueError as exc:
            raise InputError(f"{file or 'assessment settings'}: [assess] {exc}") from None


DEFAULT_CONFIG = AssessmentConfig()
