"""The definition format of record-computed indicators and of the 766 service index.

Definitions are YAML a programme office edits, never Python. A programme folder holds:

- ``computed/*.yaml`` with a ``computed:`` list of indicators computed from a dataset;
- ``svc766.yaml`` with an ``index:`` section: the 766 service index (groups, indicators, maxima,
  thresholds, special rules, options).

**Filters** (which records count) are a small structured language::

    all                                   every record
    {field: channel, in: [online_full]}   also: not_in, eq, ne, lt, le, gt, ge (constants)
    {field: fee_required, is: true}       is: true | false | null;  is_not: null
    {all: [F, ...]}  {any: [F, ...]}  {not: F}
    {timely: {done: finished_at, due: due_at, pause_days: supplement_days}}

Every leaf is null-safe: a null field never satisfies a comparison, and ``not`` of that is true.
``timely`` is the 766 timeliness rule: a record is on time when ``min(done, J) − pause_days ≤
due``, where ``J`` is the end of the period being judged (so a record still open at the end of
the period is judged then, and a quarter is judged at the quarter's end, not the month's).

**Measures** (what is summed over the records that pass): a filter alone means "count the records
that pass"; ``{sum: FIELD, where: F}`` sums a numeric field; ``{days_between: [START, END], where:
F}`` sums the days from START to END.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
PERIOD_TYPES = ("month", "quarter", "half", "year")


# -- filters ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """Base of the filter tree; ``key`` is a canonical text used to share work between
    indicators that use the same condition."""

    def key(self) -> str:  # pragma: no cover - every filter node overrides it
        raise NotImplementedError(f"{type(self).__name__} has no key")

    def fields(self) -> set[str]:
        return set()

    @property
    def period_dependent(self) -> bool:
        return False


@dataclass(frozen=True)
class AllRecords(Filter):
    def key(self) -> str:
        return "all"


@dataclass(frozen=True)
class FieldTest(Filter):
    field: str
    op: str  # in | not_in | is | is_not | eq | ne | lt | le | gt | ge
    value: Any

    def key(self) -> str:
        return json.dumps([self.field, self.op, self.value], default=str)

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class AllOf(Filter):
    items: tuple[Filter, ...]

    def key(self) -> str:
        return "all(" + ",".join(sorted(i.key() for i in self.items)) + ")"

    def fields(self) -> set[str]:
        return set().union(*(i.fields() for i in self.items))

    @property
    def period_dependent(self) -> bool:
        return any(i.period_dependent for i in self.items)


@dataclass(frozen=True)
class AnyOf(AllOf):
    def key(self) -> str:
        return "any(" + ",".join(sorted(i.key() for i in self.items)) + ")"


@dataclass(frozen=True)
class Not(Filter):
    item: Filter

    def key(self) -> str:
        return f"not({self.item.key()})"

    def fields(self) -> set[str]:
        return self.item.fields()

    @property
    def period_dependent(self) -> bool:
        return self.item.period_dependent


@dataclass(frozen=True)
class Timely(Filter):
    done: str
    due: str
    pause_days: str | None = None

    def key(self) -> str:
        return f"timely({self.done},{self.due},{self.pause_days})"

    def fields(self) -> set[str]:
        return {self.done, self.due} | ({self.pause_days} if self.pause_days else set())

    @property
    def period_dependent(self) -> bool:
        return True


def parse_filter(obj: Any) -> Filter:
    """Parse the YAML form of a filter; raises ValueError saying what is wrong."""
    if obj is None or obj == "all" or obj is True:
        return AllRecords()
    if isinstance(obj, Filter):
        return obj
    if not isinstance(obj, dict):
        raise ValueError(f"a filter is 'all' or a mapping, not {obj!r}")
    keys = set(obj)
    if keys == {"all"} or keys == {"any"}:
        name = next(iter(keys))
        items = obj[name]
        if not isinstance(items, list) or not items:
            raise ValueError(f"'{name}' takes a non-empty list of filters")
        parsed = tuple(parse_filter(i) for i in items)
        return AllOf(parsed) if name == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(parse_filter(obj["not"]))
    if keys == {"timely"}:
        spec = obj["timely"]
        if not isinstance(spec, dict) or not {"done", "due"} <= set(spec) or \
                set(spec) - {"done", "due", "pause_days"}:
            raise ValueError("'timely' takes {done: FIELD, due: FIELD, pause_days: FIELD?}")
        return Timely(str(spec["done"]), str(spec["due"]),
                      str(spec["pause_days"]) if spec.get("pause_days") else None)
    if "field" in keys:
        ops = keys - {"field"}
        if len(ops) != 1:
            raise ValueError(f"a field test has exactly one operator besides 'field' "
                             f"(in, not_in, is, is_not, {', '.join(COMPARISONS)}); got {sorted(ops)}")
        op = ops.pop()
        value = obj[op]
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"'{op}' takes a non-empty list of values")
            value = tuple(value)
        elif op in ("is", "is_not"):
            if value not in (True, False, None):
                raise ValueError(f"'{op}' takes true, false or null, not {value!r}")
            if op == "is_not" and value is not None:
                raise ValueError("'is_not' takes only null (write 'is: true' or 'is: false')")
        elif op in COMPARISONS:
            if isinstance(value, list | dict):
                raise ValueError(f"'{op}' takes one constant value")
        else:
            raise ValueError(f"unknown operator '{op}' (use in, not_in, is, is_not, "
                             f"{', '.join(COMPARISONS)})")
        return FieldTest(str(obj["field"]), op, value)
    raise ValueError(f"not a filter: {sorted(keys)} (use field/all/any/not/timely)")


def filter_and(*filters: Filter) -> Filter:
    items = [f for f in filters if not isinstance(f, AllRecords)]
    if not items:
        return AllRecords()
    return items[0] if len(items) == 1 else AllOf(tuple(items))


# -- measures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """A per-record quantity summed over the records passing ``where``."""

    kind: Literal["count", "sum", "days_between"]
    where: Filter
    field: str | None = None
    start: str | None = None

    def key(self) -> str:
        return f"{self.kind}:{self.field}:{self.start}:{self.where.key()}"

    def fields(self) -> set[str]:
        extra = {f for f in (self.field, self.start) if f}
        return self.where.fields() | extra

    @property
    def period_dependent(self) -> bool:
        return self.where.period_dependent

    def restricted(self, extra: Filter) -> Measure:
        return Measure(self.kind, filter_and(extra, self.where), self.field, self.start)


def parse_measure(obj: Any) -> Measure:
    if isinstance(obj, Measure):
        return obj
    if isinstance(obj, dict) and "count" in obj:
        if set(obj) != {"count"}:
            raise ValueError("'count' stands alone: {count: FILTER}")
        return Measure("count", parse_filter(obj["count"]))
    if isinstance(obj, dict) and "sum" in obj:
        if set(obj) - {"sum", "where"}:
            raise ValueError("'sum' takes {sum: FIELD, where: FILTER?}")
        return Measure("sum", parse_filter(obj.get("where")), field=str(obj["sum"]))
    if isinstance(obj, dict) and "days_between" in obj:
        pair = obj["days_between"]
        if set(obj) - {"days_between", "where"} or not isinstance(pair, list) or len(pair) != 2:
            raise ValueError("'days_between' takes {days_between: [START, END], where: FILTER?}")
        return Measure("days_between", parse_filter(obj.get("where")), field=str(pair[1]),
                       start=str(pair[0]))
    return Measure("count", parse_filter(obj))


# -- indicators ------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)


class ComputedIndicator(_Strict):
    """An indicator computed from one dataset's records.

    ``value``: ``count`` (records passing ``filter``), ``sum`` (of ``field`` over ``filter``), or
    ``ratio`` (``numerator`` / ``denominator`` × ``scale``). A ratio's numerator counts only records
    in its denominator unless ``numerator_within_denominator`` is false. Ratios roll up as the
    ratio of summed numerators and denominators; an empty denominator gives no value (N/A).
    """

    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)
    name: str = ""
    name_en: str = ""
    dataset: str
    period_field: str = "received_at"
    orgunit_field: str = "agency_code"
    value: Literal["count", "sum", "ratio"]
    filter: Any = Field(default=None, validate_default=True)
    field: str | None = None
    numerator: Any = None
    denominator: Any = None
    numerator_within_denominator: bool = True
    scale: float = 1.0
    unit: str = ""
    decimals: int = 2
    description: str = ""

    @field_validator("filter")
    @classmethod
    def _filter(cls, value: Any) -> Filter:
        return parse_filter(value)

    @field_validator("numerator", "denominator")
    @classmethod
    def _measure(cls, value: Any) -> Measure | None:
        return None if value is None else parse_measure(value)

    @model_validator(mode="after")
    def _shape(self) -> ComputedIndicator:
        if self.value == "ratio" and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio needs both 'numerator' and 'denominator'")
        if self.value == "sum" and not self.field:
            raise ValueError("a sum needs 'field'")
        if self.value != "ratio" and (self.numerator is not None or self.denominator is not None):
            raise ValueError(f"'numerator'/'denominator' belong to value: ratio, not {self.value}")
        return self

    def measures(self) -> tuple[Measure, Measure | None]:
        """(numerator, denominator); a count or sum has only a numerator."""
        if self.value == "count":
            return Measure("count", self.filter), None
        if self.value == "sum":
            return Measure("sum", self.filter, field=self.field), None
        num, den = self.numerator, self.denominator
        assert isinstance(num, Measure) and isinstance(den, Measure)
        if self.numerator_within_denominator and den.kind == "count":
            num = num.restricted(filter_and(self.filter, den.where))
        else:
            num = num.restricted(self.filter)
        return num, den.restricted(self.filter)


# -- the 766 index ---------------------------------------------------------------------------
class IndexGroup(_Strict):
    code: str
    name: str
    name_en: str = ""
    max: float


class IndexIndicator(_Strict):
    """One indicator of the index: a rate (numerator / denominator, in percent) and its score
    ``max if rate ≥ threshold else rate × max / threshold``. ``display`` indicators are shown
    but not scored (e.g. 2.2 mean processing time)."""

    id: str
    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=60)
    name: str
    name_en: str = ""
    group: str | None = None
    max: float = 0
    threshold: float = 100.0
    display: bool = False
    dataset: str
    period_field: str = "received_at"
    orgunit_field: str = "agency_code"
    filter: Any = Field(default=None, validate_default=True)
    numerator: Any
    denominator: Any
    numerator_within_denominator: bool = True
    scale: float = 100.0
    unit: str = "%"
    note: str = ""
    note_en: str = ""
    # time limits of the rule in working days, by step (766 5.2: rejection 2, supplement
    # request 5, handling 15, publication 2); records carry the resulting deadline
    deadlines: dict[str, float] = {}

    @model_validator(mode="after")
    def _scored(self) -> IndexIndicator:
        if not self.display and (not self.group or self.max <= 0):
            raise ValueError("a scored indicator needs 'group' and a positive 'max' "
                             "(or display: true)")
        if self.threshold <= 0:
            raise ValueError("'threshold' must be positive (percent)")
        return self

    def rate_indicator(self) -> ComputedIndicator:
        return ComputedIndicator(
            code=self.code, name=self.name, name_en=self.name_en, dataset=self.dataset,
            period_field=self.period_field, orgunit_field=self.orgunit_field, value="ratio",
            filter=self.filter, numerator=self.numerator, denominator=self.denominator,
            numerator_within_denominator=self.numerator_within_denominator, scale=self.scale,
            unit=self.unit, decimals=2)


class Redistribution(_Strict):
    """When ``source`` has an empty denominator (N/A), its maximum is shared equally among the
    ``to`` indicators that are not N/A themselves (766: no feedback -> 5.3's 6 points go 3 to 5.2
    and 3 to 5.4). Points shared to an N/A indicator would be unearnable, so they go to the
    others; if all are N/A they are dropped from the computable maximum."""

    source: str
    to: list[str]
    when: Literal["not_applicable"] = "not_applicable"


class IndexOptions(_Strict):
    decimals: int = 2
    # points: a group's value is the points earned; its denominator the points computable.
    group_value: Literal["points", "scaled_to_group_max"] = "points"
    # normalised_100: total = 100 × points earned / points computable (the indicators of the
    # index that records can feed, minus N/A ones); points: the raw points earned.
    total: Literal["normalised_100", "points"] = "normalised_100"
    rank_levels: list[Literal["province", "ministry", "commune"]] = ["province", "ministry"]
    rank_period_types: list[Literal["month", "quarter", "half", "year"]] = [
        "month", "quarter", "year"]
    bands: list[dict[str, Any]] = []


class IndexConfig(_Strict):
    code: str = "svc766"
    name: str
    name_en: str = ""
    source: str = ""
    groups: list[IndexGroup]
    indicators: list[IndexIndicator]
    redistribute: list[Redistribution] = []
    options: IndexOptions = IndexOptions()

    @model_validator(mode="after")
    def _references(self) -> IndexConfig:
        groups = {g.code for g in self.groups}
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("indicator ids must be unique")
        for ind in self.indicators:
            if ind.group and ind.group not in groups:
                raise ValueError(f"indicator {ind.id}: unknown group '{ind.group}'")
        for red in self.redistribute:
            for ref in [red.source, *red.to]:
                if ref not in ids:
                    raise ValueError(f"redistribute: unknown indicator id '{ref}'")
        return self

    def by_id(self, ident: str) -> IndexIndicator:
        return next(i for i in self.indicators if i.id == ident)

    def score_code(self, ind: IndexIndicator) -> str:
        return f"{ind.code}_score"

    def group_code(self, group: IndexGroup) -> str:
        return f"{self.code}_{group.code.lower()}"

    @property
    def total_code(self) -> str:
        return f"{self.code}_total"

    @property
    def rank_code(self) -> str:
        return f"{self.code}_rank"

    def output_codes(self) -> list[str]:
        codes: list[str] = []
        for ind in self.indicators:
            codes.append(ind.code)
            if not ind.display:
                codes.append(self.score_code(ind))
        codes += [self.group_code(g) for g in self.groups]
        return [*codes, self.total_code, self.rank_code]


@dataclass
class EngineConfig:
    indicators: list[ComputedIndicator]
    index: IndexConfig | None
    files: list[str]

    def all_rate_indicators(self) -> list[ComputedIndicator]:
        """Plain indicators plus the rate of every index indicator."""
        extra = [i.rate_indicator() for i in self.index.indicators] if self.index else []
        return [*self.indicators, *extra]

    def datasets(self) -> list[str]:
        return sorted({i.dataset for i in self.all_rate_indicators()})

    def output_codes(self) -> list[str]:
        codes = [i.code for i in self.indicators]
        return codes + (self.index.output_codes() if self.index else [])

    def fingerprint(self) -> str:
        """Changes whenever a definition changes, so cached sums are not reused across edits."""
        parts = [i.model_dump_json() for i in self.indicators]
        parts += [i.model_dump_json() for i in (self.index.indicators if self.index else [])]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


