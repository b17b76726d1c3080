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


# -- problems of the services, said in the user's language -----------------------------------

_NUMBER = r"(-?[\d.]+(?:e[+-]?\d+)?)"
_CELL_PATTERNS: list[tuple[str, str]] = [
    (rf"^{_NUMBER} is above the maximum {_NUMBER}$", "problem.above_max"),
    (rf"^{_NUMBER} is below the minimum {_NUMBER}$", "problem.below_min"),
    (rf"^{_NUMBER} must be a whole number$", "problem.whole_number"),
    (r"^'(.*)' is not a number", "problem.not_number"),
    (r"^a value for '(.*)' is required", "problem.required"),
    (r"^(.*) / (.*) appears twice$", "problem.duplicate"),
    (r"^period must stay (.*)$", "problem.period_changed"),
    (r"^org unit '(.*)' is not in this template$", "problem.unit_not_in_template"),
    (r"^indicator '(.*)' is not on form (.*)$", "problem.indicator_not_on_form"),
    (r"^'(.*)': choose (.*)$", "problem.choose"),
    (r"^percent (.*) must be between 0 and 100$", "problem.percent_range"),
    (r"^a done task is 100 percent$", "problem.done_is_100"),
    (r"^a task not started is 0 percent$", "problem.not_started_is_0"),
    (r"^status '(.*)' is not one of", "problem.bad_status"),
    (r"^evidence link must be an http\(s\) address$", "problem.bad_link"),
    (r"^file too large$", "problem.file_too_large"),
    (r"^empty file$", "problem.empty_file"),
    (r"^file type not accepted$", "problem.file_type"),
]
_RULE_KEYS = {"macro": "problem.macro", "zipbomb": "problem.zipbomb", "size":
              "problem.file_too_large", "template": "problem.not_template",
              "type": "problem.unreadable"}


def problem_text(message: str, rule: str, lang: str) -> str:
    """A problem a service found (its message is English, for logs and the API), in the
    user's language: by its known wording, else by its rule, else as it is."""
    for pattern, key in _CELL_PATTERNS:
        found = re.match(pattern, message)
        if found:
            groups = [_vi_number(g, lang) for g in found.groups()]
            return t(key, lang, **{f"a{i}": g for i, g in enumerate(groups)})
    if rule in _RULE_KEYS:
        return t(_RULE_KEYS[rule], lang)
    return message


def _vi_number(text: str, lang: str) -> str:
    try:
        return format_number(float(text), lang)
    except ValueError:
        return text


def upload_summary(count: int, lang: str) -> str:
    """The summary of a refused workbook: how many cells are wrong; nothing imported."""
    return t("problem.upload_refused", lang, n=count)
