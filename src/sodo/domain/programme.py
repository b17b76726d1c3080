"""The programme's domain objects: indicators, targets, tasks, data values, the programme itself.

These are pydantic models so that a YAML programme file, the JSON Schema editors use, the API's
request/response bodies and the services all share one definition.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from sodo.domain.periods import Deadline, Period, PeriodError, parse_deadline
from sodo.domain.text import nfc

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value: object) -> object:
        # Vietnamese text is stored in NFC everywhere, whatever the editor produced.
        return nfc(value) if isinstance(value, str) else value


class Source(_Model):
    """Where a fact comes from: a document, and the passage that says it."""

    document: str = Field(description='Document number or title, e.g. "4/TB-VPCP".')
    document_en: str = Field("", description="The document named in English, for a source "
                             "named by a Vietnamese title rather than a number (slides, news).")
    title: str = ""
    title_en: str = ""
    issued: date | None = None
    passage: str = Field("", description="The words of the source this item is taken from.")
    url: str = ""
    note: str = Field("", description="Provenance caveat, e.g. 'from a draft transcription'.")

    def short(self) -> str:
        return self.document


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.HIGHER else -1


class Comparator(StrEnum):
    GE = ">="
    LE = "<="
    EQ = "="
    GT = ">"
    LT = "<"


class Aggregation(StrEnum):
    SUM = "sum"
    RATIO = "ratio"  # ratio of summed numerators and denominators
    LAST = "last"
    AVERAGE = "average"
    MAX = "max"
    MIN = "min"
    NONE = "none"


class Obtained(StrEnum):
    REPORTED = "reported"
    COMPUTED = "computed"


class Indicator(_Model):
    code: Code
    name: str = Field(description="Vietnamese name.")
    name_en: str = ""
    unit: str = Field("", description='Unit as shown, e.g. "%", "tỷ USD", "hạng".')
    value_type: Literal["percent", "number", "count", "rank", "ratio", "score"] = "number"
    direction: Direction = Direction.HIGHER
    obtained: Obtained = Obtained.REPORTED
    aggregation_time: Aggregation = Aggregation.LAST
    aggregation_hierarchy: Aggregation = Aggregation.NONE
    method: str = Field("", description="How it is measured (phương pháp đo lường).")
    method_en: str = Field("", description="The method in English (fallback: the Vietnamese).")
    area: str = Field("", description="Programme area, e.g. 'Hạ tầng số'.")
    description: str = ""
    description_en: str = ""
    source: Source | None = None
    decimals: int = 2


class Baseline(_Model):
    period: str
    value: float
    source: Source | None = None
    estimate: bool = Field(False, description='The source gives it as approximate ("gần 59%").')

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        return Period.parse(value).id


class Milestone(_Model):
    period: str
    value: float

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        return Period.parse(value).id


class Target(_Model):
    id: Code
    indicator: Code
    orgunit: str = "VN"
    title: str = Field("", description="The target as the source words it.")
    title_en: str = Field("", description="The title in English (the English pages show it; "
                          "without it they show the Vietnamese).")
    baseline: Baseline | None = None
    milestones: list[Milestone] = []
    value: float | None = Field(None, description="Final value to reach.")
    deadline: str | None = Field(None, description="Period by whose end the value is due.")
    comparator: Comparator = Comparator.GE
    tolerance: float | None = Field(None, description="Counted achieved within this distance.")
    source: Source | None = None
    stage: str = Field("", description="Plan stage, e.g. 2025..2027.")
    note: str = ""
    qualitative: bool = Field(
        False, description="The source states the target in words only, with no number: it is "
        "listed with its source and not assessed against a value.")

    @field_validator("deadline", "stage")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return value
        return Period.parse(value).id

    @property
    def deadline_date(self) -> date | None:
        return Period.parse(self.deadline).end if self.deadline else None


class Task(_Model):
    """A task under the "6 rõ" principle: rõ người, rõ việc, rõ thời gian, rõ trách nhiệm,
    rõ thẩm quyền, rõ kết quả."""

    id: Code
    title: str = Field(description="Short name of the work (rõ việc).")
    title_en: str = Field("", description="The title in English (fallback: the Vietnamese).")
    work: str = Field("", description="The work in full, as the source words it.")
    work_en: str = ""
    lead: list[str] = Field([], description="Org-unit codes of the lead agency (chủ trì).")
    lead_note: str = Field("", description="Lead as the source names it when not one unit.")
    lead_note_en: str = ""
    partners: list[str] = Field([], description="Org-unit codes of partners (phối hợp).")
    partners_other: list[str] = Field([], description="Partners that are not org units.")
    responsible: str = Field("", description="Responsible person or post.")
    deadline: str | None = Field(
        None, description='Deadline as written: "trong tháng 01/2026", "Quý I/2026", "Thường xuyên".'
    )
    deadline_note: str = Field("", description="Why there is no date, e.g. 'khẩn trương'.")
    authority: str = Field("", description='Approving authority, e.g. "Thủ tướng Chính phủ".')
    deliverable: str = ""
    deliverable_en: str = ""
    source: Source | None = None
    group: str = ""
    depends_on: list[str] = []

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: str | None) -> str | None:
        if value not in (None, ""):
            parse_deadline(value)  # raises PeriodError with a plain message
        return value or None

    @property
    def due(self) -> Deadline:
        return parse_deadline(self.deadline)


class DataValue(_Model):
    """indicator × org unit × period → value, with where it came from."""

    indicator: Code
    orgunit: str = "VN"
    period: str
    value: float
    numerator: float | None = None
    denominator: float | None = None
    category: str = Field("", description="Disaggregation, e.g. 'khối bộ'.")
    source: Source | None = None
    note: str = ""
    estimate: bool = False

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        return Period.parse(value).id


class OpenData(_Model):
    """What the programme publishes as open data (Law 20/2023/QH15, Art. 43) and on which
    terms. Every field is optional: a programme that declares nothing publishes every
    indicator under CC BY 4.0, with the figures of its documents open and computed values
    open once released."""

    indicators: list[str] | None = Field(
        None, description="Codes of the indicators published as open data; omitted: all.")
    exclude: list[str] = Field([], description="Codes kept out of the open data.")
    documents_open: bool = Field(
        True, description="Figures quoted from the programme's public documents are open "
        "as soon as the programme is synced (false: only approved reports and released "
        "computed values).")
    licence: str = Field("CC-BY-4.0", description="SPDX identifier of the licence.")
    licence_name: str = "Creative Commons Attribution 4.0 International"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    conditions: str = Field(
        "", description="Conditions of use as the programme office states them (Vietnamese).")
    conditions_en: str = ""
    publisher: str = Field("", description="Publishing body; default: the programme's owner.")
    publisher_url: str = ""
    contact_name: str = ""
    contact_email: str = ""
    title: str = Field("", description="Title of the catalogue; default: from the programme.")
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    sdmx_agency: str = Field("", pattern=r"^$|^[A-Za-z][A-Za-z0-9_\-]*$",
                             description="SDMX agency id; default: the publisher's code.")
    sdmx_dataflow: str = Field("", pattern=r"^$|^[A-Za-z0-9_@$\-]+$",
                               description="SDMX dataflow id; default: DF_ + programme code.")
    themes: dict[str, str] = Field(
        {}, description="Programme area → code of the EU data theme (GOVE, TECH, ECON, "
        "SOCI…), beside the defaults.")

    def is_declared_open(self, code: str) -> bool:
        if code in self.exclude:
            return False
        return self.indicators is None or code in self.indicators


class Programme(_Model):
    code: Code
    name: str
    name_en: str = ""
    period: str = ""
    description: str = ""
    owner: str = ""
    sources: list[Source] = []
    indicators: list[Indicator] = []
    targets: list[Target] = []
    tasks: list[Task] = []
    values: list[DataValue] = []
    open_data: OpenData | None = Field(
        None, description="Open data: which indicators, the licence, publisher and contact.")

    @model_serializer(mode="wrap")
    def _omit_undeclared(self, handler: SerializerFunctionWrapHandler,
                         info: SerializationInfo) -> dict[str, object]:
        # A programme that declares no open data dumps as it did before the section existed,
        # so the store's copy of it is not taken for out of date.
        data = handler(self)
        if isinstance(data, dict) and data.get("open_data") is None:
            data.pop("open_data", None)
        return data

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


__all__ = [
    "Aggregation", "Baseline", "Comparator", "DataValue", "Direction", "Indicator", "Milestone",
    "Obtained", "OpenData", "PeriodError", "Programme", "Source", "Target", "Task",
]
