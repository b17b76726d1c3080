"""Reading what people type into forms: numbers in the Vietnamese or English way, and the
service's problems said in the user's language next to the field."""

from __future__ import annotations

import re
from typing import Any

from sodo.domain.problems import Problem
from sodo.web.format import format_date, format_number
from sodo.web.i18n import register, t
from sodo.web.messages import PATTERNS as MESSAGE_PATTERNS


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

register({
    "reporting.note": ("Ghi chú (ví dụ: Ước tính)", "Note (e.g. estimate)"),
    "problem.above_max": ("{a0} vượt mức tối đa {a1}.", "{a0} is above the maximum {a1}."),
    "problem.below_min": ("{a0} nhỏ hơn mức tối thiểu {a1}.", "{a0} is below the minimum {a1}."),
    "problem.whole_number": ("{a0} phải là số nguyên.", "{a0} must be a whole number."),
    "problem.not_number": ("«{a0}» không phải là số.", "'{a0}' is not a number."),
    "problem.required": ("Chỉ tiêu «{a0}» bắt buộc phải có giá trị.",
                         "A value for '{a0}' is required."),
    "problem.duplicate": ("{a0} / {a1} xuất hiện hai lần.", "{a0} / {a1} appears twice."),
    "problem.period_changed": ("Không được sửa kỳ báo cáo (phải là {a0}).",
                               "The period must stay {a0}."),
    "problem.unit_not_in_template": ("Đơn vị «{a0}» không có trong biểu mẫu này.",
                                     "Unit '{a0}' is not in this template."),
    "problem.indicator_not_on_form": ("Chỉ tiêu «{a0}» không thuộc biểu {a1}.",
                                      "Indicator '{a0}' is not on form {a1}."),
    "problem.choose": ("«{a0}»: chọn {a1}.", "'{a0}': choose {a1}."),
    "problem.percent_range": ("Tỷ lệ hoàn thành {a0} phải từ 0 đến 100.",
                              "Percent done {a0} must be between 0 and 100."),
    "problem.done_is_100": ("Nhiệm vụ đã hoàn thành thì tỷ lệ hoàn thành phải là 100 %.",
                            "A done task is 100 percent."),
    "problem.not_started_is_0": ("Nhiệm vụ chưa bắt đầu thì tỷ lệ hoàn thành phải là 0 %.",
                                 "A task not started is 0 percent."),
    "problem.bad_status": ("Trạng thái «{a0}» không hợp lệ.", "Status '{a0}' is not valid."),
    "problem.bad_link": ("Đường dẫn minh chứng phải là địa chỉ http(s).",
                         "The evidence link must be an http(s) address."),
    "problem.file_too_large": ("Tệp quá lớn.", "The file is too large."),
    "problem.empty_file": ("Tệp rỗng.", "The file is empty."),
    "problem.file_type": ("Loại tệp này không được chấp nhận làm minh chứng (PDF, ảnh, Word, "
                          "Excel).", "This file type is not accepted as evidence."),
    "problem.macro": ("Tệp có macro: không được chấp nhận.",
                      "Macro-enabled files are not accepted."),
    "problem.zipbomb": ("Tệp nén bất thường: không được chấp nhận.",
                        "The file's compression looks unsafe: refused."),
    "problem.not_template": ("Tệp không phải biểu mẫu của biểu này (hãy tải biểu mẫu mới).",
                             "Not this form's template (download a fresh one)."),
    "problem.unreadable": ("Không đọc được tệp Excel.", "The Excel file cannot be read."),
    "problem.upload_refused": ("Có {n} ô sai; chưa nhập số liệu nào. Hãy sửa các ô dưới đây "
                               "rồi tải lên lại.", "{n} bad cell(s); nothing was imported. Fix "
                               "the cells below and upload again."),
    "problem.progress_refused": ("Chưa lưu cập nhật tiến độ: hãy sửa các mục được đánh dấu.",
                                 "The progress update was not saved: fix the marked fields."),
    "reporting.sheet": ("Trang tính", "Sheet"),
    "role.admin": ("Quản trị", "Administrator"),
    "role.reporter": ("Báo cáo số liệu", "Reporter"),
    "role.approver": ("Phê duyệt", "Approver"),
    "role.viewer": ("Xem", "Viewer"),
})

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
    query = re.match(r"^bad value query: (.*)$", message)
    if query:  # "bad value query: pe: <problem> (and 2 more problems); dx: <problem>"
        parts = [re.sub(r" \(and \d+ more problems?.*\)$", "", part)
                 for part in query.group(1).split("; ")]
        said = [problem_text(re.sub(r"^(dx|pe|ou): ", "", part), "", lang) for part in parts]
        return t("msg.bad_query", lang, a0=" ".join(said))
    for pattern, key in _CELL_PATTERNS:
        found = re.match(pattern, message)
        if found:
            groups = [_vi_number(g, lang) for g in found.groups()]
            return t(key, lang, **{f"a{i}": g for i, g in enumerate(groups)})
    for pattern, key in MESSAGE_PATTERNS:  # codes and names stay; dates, periods in words
        found = re.match(pattern, message)
        if found:
            return t(key, lang, **{f"a{i}": _readable(g, lang)
                                   for i, g in enumerate(found.groups())})
    if rule in _RULE_KEYS:
        return t(_RULE_KEYS[rule], lang)
    return message


def error_text(exc: BaseException, lang: str) -> str:
    """A refusal of the services (an ``InputError`` with its problems, a conflict, a missing
    item, a bad period or unit) in the user's language: the summary, then each problem that
    says more."""
    summary = str(getattr(exc, "summary", "") or exc)
    parts = [problem_text(summary, "", lang)]
    for problem in getattr(exc, "problems", None) or []:
        text = problem_text(problem.message, problem.rule, lang)
        if text not in parts:
            parts.append(text)
    return " ".join(p if p.endswith((".", ":", "!", "?")) else p + "." for p in parts if p)


def field_errors(exc: BaseException, lang: str, fields: dict[str, str]) -> dict[str, str]:
    """The problems of a refusal by the field they belong to (``fields``: a problem's column
    or rule → the form field's name), in the user's language."""
    out: dict[str, str] = {}
    for problem in getattr(exc, "problems", None) or []:
        field = fields.get(str(problem.column or "")) or fields.get(problem.rule)
        if field and field not in out:
            out[field] = problem_text(problem.message, problem.rule, lang)
    return out


def _readable(text: str, lang: str) -> str:
    """An ISO date as the reader writes it (05/12/2026); a quarter, half or month id in words
    ("Quý IV/2026"); anything else as it is."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        from datetime import date

        try:
            return format_date(date.fromisoformat(text), lang)
        except ValueError:
            return text
    if re.fullmatch(r"\d{4}(Q[1-4]|S[12]|-\d{2})", text):
        from sodo.domain.periods import Period, PeriodError

        try:
            return Period.parse(text).label(lang)
        except PeriodError:
            return text
    return text


def _vi_number(text: str, lang: str) -> str:
    try:
        return format_number(float(text), lang)
    except ValueError:
        return text


def upload_summary(count: int, lang: str) -> str:
    """The summary of a refused workbook: how many cells are wrong; nothing imported."""
    return t("problem.upload_refused", lang, n=count)
