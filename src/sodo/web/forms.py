"""Reading what people type into forms: numbers in the Vietnamese or English way, and the
service's problems said in the user's language next to the field."""

from __future__ import annotations

import re
from typing import Any

from sodo.domain.problems import Problem
from sodo.web.format import format_number
from sodo.web.i18n import t


def parse_number(text: str, lang: str) -> float | None:
    """A number typed by a person: "12,5" or "1.234,5" in Vietnamese, "12.5" or "1,234.5" in
    English. With both marks the last is the decimal one; a lone mark that groups digits by
    three the way the language groups thousands ("1.234" in Vietnamese, "1,234" in English)
    is a thousands mark; otherwise it is the decimal mark. Raises ValueError."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        return None
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
    elif "," in raw or "." in raw:
        mark = "," if "," in raw else "."
        grouping = "." if lang == "vi" else ","
        grouped = re.fullmatch(rf"[+-]?\d{{1,3}}(\{mark}\d{{3}})+", raw)
        decimal = "" if mark == grouping and grouped else mark
    else:
        decimal = ""
    for mark in ",.":
        if mark != decimal:
            raw = raw.replace(mark, "")
    raw = raw.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", raw):
        raise ValueError(text)
    return float(raw)


def field_message(problem: Problem, spec: Any, value: float | None, lang: str) -> str:
    """A service problem about one field, said in the user's language."""
    if problem.rule == "required":
        return t("reporting.required", lang)
    if problem.rule == "type" and spec is not None and spec.integer:
        return t("reporting.whole_number", lang)
    if problem.rule == "range" and spec is not None and value is not None:
        if spec.min is not None and value < spec.min:
            return t("reporting.at_least", lang, limit=format_number(spec.min, lang))
        if spec.max is not None and value > spec.max:
            return t("reporting.at_most", lang, limit=format_number(spec.max, lang))
    return problem.message
