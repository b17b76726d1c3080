"""Datasets (bộ dữ liệu): record-level data with a declared schema.

A declaration names the canonical fields, their types, which are required, the values allowed,
the key, and the fields that place a record in a period and in an org unit. Cross-field rules
are SQL boolean expressions over the typed fields, so a programme office can add one without
code. This module holds only the declarations; loading them is ``sodo.services.datasets``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FieldType(StrEnum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"


#: SQL type of each field type, as DuckDB and PostgreSQL both spell it.
SQL_TYPES: dict[FieldType, str] = {
    FieldType.STR: "VARCHAR",
    FieldType.INT: "BIGINT",
    FieldType.FLOAT: "DOUBLE",
    FieldType.BOOL: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMP",
    FieldType.DATE: "DATE",
}


class DatasetField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    required: bool = False
    allowed: list[str] | None = None
    #: ``orgunit``: the value must be a code of the org-unit hierarchy.
    references: str | None = None
    #: A code (e.g. a procedure code): written one way and compared without regard to case.
    #: The key and fields that reference something are codes without saying so.
    code: bool = False
    description: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


class CrossFieldRule(BaseModel):
    """A rule every record must satisfy, as an SQL boolean over the typed fields.

    A record breaks the rule when the expression is FALSE (NULL counts as satisfied, so optional
    fields do not need ``IS NULL OR`` guards)."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    check: str
    columns: list[str]
    message: str


class Dataset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str = ""
    key: str
    period_field: str
    orgunit_field: str
    fields: list[DatasetField]
    rules: list[CrossFieldRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Dataset:
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"fields declared twice: {', '.join(duplicates)}")
        for role in ("key", "period_field", "orgunit_field"):
            value = getattr(self, role)
            if value not in names:
                raise ValueError(f"{role} '{value}' is not a declared field")
        if self.field(self.period_field).type not in (FieldType.TIMESTAMP, FieldType.DATE):
            raise ValueError(f"period_field '{self.period_field}' must be a timestamp or date")
        for rule in self.rules:
            unknown = [c for c in rule.columns if c not in names]
            if unknown:
                raise ValueError(f"rule '{rule.rule}' names unknown fields: {', '.join(unknown)}")
        return self

    def field(self, name: str) -> DatasetField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def code_fields(self) -> list[str]:
        """The text fields that hold codes: the key, the fields that reference something and
        those declared ``code``. A code is an identifier, not prose: ``HS7-0001`` and
        ``hs7-0001`` are one code, so intake stores each in upper case (one way of writing
        it) and refuses invisible characters and padding in it."""
        return [f.name for f in self.fields if f.type is FieldType.STR
                and (f.name == self.key or f.references is not None or f.code)]

    def columns_sql(self) -> str:
        """Column definitions for CREATE TABLE, in declaration order."""
        return ", ".join(f'"{f.name}" {f.sql_type}' for f in self.fields)
