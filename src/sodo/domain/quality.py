"""Data quality on the eight principles of the seeds: the checks, their configuration, scores.

"Đúng – Đủ – Sạch – Sống – Thống nhất – Đồng bộ – Kết nối – Dùng chung" (DESIGN.md §4). Each
check belongs to one principle, has a severity (``error``: refused at intake; ``warning``:
accepted and flagged; ``info``) and a definition in Vietnamese and English. The defaults are
:data:`CHECKS`; a programme's ``quality.yaml`` overrides severity, weight, parameters or turns a
check off, for the whole programme, per dataset or per report form (:class:`QualityConfig`).

A check counts *items* (records, expected reports, agencies, indicators…) and how many of them
fail. The score of a principle is the weighted share of items passing over its checks,
0–100 (:func:`principle_score`); the overall score is the mean of the principle scores.
Pure: no I/O. Running the checks is ``sodo.services.quality``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Principle(StrEnum):
    DUNG = "dung"
    DU = "du"
    SACH = "sach"
    SONG = "song"
    THONG_NHAT = "thong_nhat"
    DONG_BO = "dong_bo"
    KET_NOI = "ket_noi"
    DUNG_CHUNG = "dung_chung"


#: (Vietnamese, English) name of each principle, in the seeds' order.
PRINCIPLE_NAMES: dict[Principle, tuple[str, str]] = {
    Principle.DUNG: ("Đúng", "Correct"),
    Principle.DU: ("Đủ", "Complete"),
    Principle.SACH: ("Sạch", "Clean"),
    Principle.SONG: ("Sống", "Live"),
    Principle.THONG_NHAT: ("Thống nhất", "Unified"),
    Principle.DONG_BO: ("Đồng bộ", "Synchronised"),
    Principle.KET_NOI: ("Kết nối", "Connected"),
    Principle.DUNG_CHUNG: ("Dùng chung", "Shared"),
}
OVERALL = "overall"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Scope(StrEnum):
    """What a check reads: dataset records, report-form submissions, or the publication."""

    RECORDS = "records"
    REPORTS = "reports"
    PUBLICATION = "publication"


class CheckDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    principle: Principle
    scope: Scope
    severity: Severity = Severity.WARNING
    weight: float = Field(1.0, ge=0)
    enabled: bool = True
    name: str
    name_en: str
    definition: str
    definition_en: str
    params: dict[str, Any] = Field(default_factory=dict)

    def with_override(self, override: CheckOverride | None) -> CheckDefinition:
        if override is None:
            return self
        changes: dict[str, Any] = {k: v for k, v in (
            ("severity", override.severity), ("weight", override.weight),
            ("enabled", override.enabled)) if v is not None}
        if override.params:
            changes["params"] = {**self.params, **override.params}
        return self.model_copy(update=changes)


class CheckOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    weight: float | None = Field(None, ge=0)
    enabled: bool | None = None
    params: dict[str, Any] | None = None


class QualityConfig(BaseModel):
    """A programme's overrides: ``checks`` for every dataset and form, then ``datasets`` and
    ``forms`` by code (the more specific wins; parameters are merged key by key)."""

    model_config = ConfigDict(extra="forbid")

    checks: dict[str, CheckOverride] = Field(default_factory=dict)
    datasets: dict[str, dict[str, CheckOverride]] = Field(default_factory=dict)
    forms: dict[str, dict[str, CheckOverride]] = Field(default_factory=dict)

    def unknown_codes(self) -> list[str]:
        named = set(self.checks)
        for group in (*self.datasets.values(), *self.forms.values()):
            named |= set(group)
        return sorted(named - set(CHECKS))

    def resolved(self, kind: str, code: str) -> list[CheckDefinition]:
        """The enabled checks for dataset (``kind="dataset"``) or form (``"form"``) ``code``:
        records and publication checks for a dataset, report and publication checks for a
        form."""
        scopes = {Scope.RECORDS, Scope.PUBLICATION} if kind == "dataset" \
            else {Scope.REPORTS, Scope.PUBLICATION}
        specific = (self.datasets if kind == "dataset" else self.forms).get(code, {})
        out = []
        for check in CHECKS.values():
            if check.scope not in scopes:
                continue
            resolved = check.with_override(self.checks.get(check.code)).with_override(
                specific.get(check.code))
            if resolved.enabled:
                out.append(resolved)
        return out


def _check(code: str, principle: Principle, scope: Scope, name: tuple[str, str],
           definition: tuple[str, str], severity: Severity = Severity.WARNING,
           **params: Any) -> CheckDefinition:
    return CheckDefinition(code=code, principle=principle, scope=scope, severity=severity,
                           name=name[0], name_en=name[1], definition=definition[0],
                           definition_en=definition[1], params=params)


P, S = Principle, Scope
_DEFAULTS = [
    _check("dung.allowed_values", P.DUNG, S.RECORDS,
           ("Giá trị trong danh mục cho phép", "Allowed values"),
           ("Trường có danh mục giá trị (trạng thái, kênh…) chỉ nhận giá trị của danh mục.",
            "A field with a list of allowed values (status, channel…) holds one of them."),
           Severity.ERROR),
    _check("dung.range", P.DUNG, S.RECORDS, ("Giá trị trong khoảng hợp lệ", "Value ranges"),
           ("Giá trị số nằm trong khoảng [min, max] cấu hình cho từng trường.",
            "A numeric value lies within the [min, max] configured for its field."),
           ranges={}),
    _check("dung.cross_field", P.DUNG, S.RECORDS,
           ("Quy tắc liên trường", "Cross-field rules"),
           ("Các trường của một bản ghi không mâu thuẫn nhau (ví dụ thời điểm hoàn thành không "
            "trước thời điểm tiếp nhận; đã thanh toán trực tuyến thì thủ tục phải có phí).",
            "The fields of a record agree with each other (e.g. finished_at is not before "
            "received_at; paid online implies a fee is required)."), rules=[]),
    _check("du.required", P.DU, S.RECORDS, ("Trường bắt buộc có giá trị", "Required fields"),
           ("Mọi trường bắt buộc của bộ dữ liệu (và các trường cấu hình thêm) đều có giá trị.",
            "Every required field of the dataset (and those configured in addition) has a "
            "value."), also=[]),
    _check("du.agency_coverage", P.DU, S.RECORDS,
           ("Đủ cơ quan gửi dữ liệu", "Every agency sends records"),
           ("Mỗi cơ quan phải giải quyết hồ sơ (các cấp cấu hình) có bản ghi trong kỳ.",
            "Every agency that must settle records (at the configured levels) has records "
            "in the period."), levels=["ministry", "province"]),
    _check("sach.duplicate_key", P.SACH, S.RECORDS,
           ("Mã trùng khác chữ hoa/thường, ký tự ẩn", "Keys equal but for case or invisible "
            "characters"),
           ("Hai bản ghi có mã chỉ khác nhau ở chữ hoa/thường, khoảng trắng hoặc ký tự ẩn là "
            "một bản ghi bị nhập hai lần.",
            "Two records whose keys differ only by case, spaces or invisible characters are "
            "one record entered twice.")),
    _check("sach.duplicate_content", P.SACH, S.RECORDS,
           ("Bản ghi trùng nội dung dưới mã khác", "Same content under another key"),
           ("Hai bản ghi có cùng nội dung ở mọi trường so sánh (mặc định: mọi trường trừ mã) "
            "là bản ghi trùng.",
            "Two records equal in every compared field (by default every field but the key) "
            "are duplicates."), fields=[]),
    _check("sach.malformed", P.SACH, S.RECORDS, ("Mã sai định dạng", "Malformed codes"),
           ("Mã (mã bản ghi, mã cơ quan, mã thủ tục) không có khoảng trắng đầu/cuối hay ký tự "
            "ẩn.",
            "Codes (record key, agency, procedure) carry no leading or trailing spaces and no "
            "invisible characters."), fields=[]),
    _check("sach.outlier_volume", P.SACH, S.RECORDS,
           ("Số bản ghi bất thường theo tháng", "Outlying monthly record counts"),
           ("Số bản ghi của một cơ quan trong tháng so với cùng tháng năm trước, đặt cạnh tỷ lệ "
            "đó của các tháng trước (khử yếu tố mùa vụ): điểm z hiệu chỉnh M = 0,6745·(x − "
            "trung vị)/MAD vượt ngưỡng 3,5 (mặc định chỉ xét tăng đột biến).",
            "An agency's record count in a month against the same month a year earlier, set "
            "beside that ratio in its previous months (seasons cancel out): modified z-score "
            "M = 0.6745·(x − median)/MAD above 3.5 (by default upward spikes only)."),
           threshold=3.5, history_months=12, min_history=6),
    _check("sach.outlier_reported", P.SACH, S.REPORTS,
           ("Số liệu báo cáo bất thường", "Outlying reported values"),
           ("Giá trị một đơn vị báo cáo so với các đơn vị khác cùng chỉ tiêu, cùng kỳ: điểm z "
            "hiệu chỉnh (trung vị, MAD) vượt ngưỡng (3,5).",
            "A unit's reported value against the other units' for the same indicator and "
            "period: modified z-score (median, MAD) above the threshold (3.5)."),
           threshold=3.5, min_units=5),
    _check("song.freshness", P.SONG, S.RECORDS, ("Dữ liệu cập nhật", "Fresh records"),
           ("Bản ghi mới nhất của mỗi cơ quan không cũ hơn tần suất kỳ vọng (số ngày) tính "
            "đến cuối kỳ (hoặc hôm nay).",
            "Each agency's newest record is no older than the expected frequency (days) at "
            "the end of the period (or today)."), max_age_days=31, by_level={}),
    _check("song.on_time", P.SONG, S.REPORTS, ("Báo cáo đúng hạn", "Reports on time"),
           ("Báo cáo được gửi trước hạn của biểu mẫu.",
            "Reports are submitted by the form's due date.")),
    _check("du.reporting_rate", P.DU, S.REPORTS, ("Tỷ lệ đơn vị báo cáo", "Reporting rate"),
           ("Mọi đơn vị phải báo cáo theo biểu mẫu đã gửi báo cáo của kỳ (đã hết hạn).",
            "Every unit that must report on the form has sent its report for the period "
            "(once due).")),
    _check("thong_nhat.orgunit_in_force", P.THONG_NHAT, S.RECORDS,
           ("Mã đơn vị còn hiệu lực", "Org unit in force"),
           ("Mã đơn vị của bản ghi còn hiệu lực vào ngày của bản ghi theo danh mục dùng chung "
            "(Quyết định 19/2025/QĐ-TTg): hồ sơ sau 01/7/2025 không mang mã tỉnh trước sáp nhập.",
            "The record's org-unit code is in force on the record's date in the shared code "
            "list (Decision 19/2025/QĐ-TTg): no pre-merger province code after 2025-07-01."),
           before_valid_from=False),
    _check("thong_nhat.code_lists", P.THONG_NHAT, S.RECORDS,
           ("Mã trong danh mục dùng chung", "Codes in the shared code lists"),
           ("Mã của bản ghi (ví dụ mã thủ tục hành chính) có trong danh mục dùng chung mà "
            "chương trình khai báo cho trường đó (tệp catalogues/<tên>.csv của chương trình). "
            "Trường chưa có danh mục: “chưa cấu hình” (thông tin, không tính là lỗi).",
            "The record's codes (e.g. the administrative-procedure code) are in the shared "
            "code list the programme declares for the field (the programme's "
            "catalogues/<name>.csv). A field with no list: \"not configured\" (information, "
            "not a failure)."), lists={}),
    _check("thong_nhat.units", P.THONG_NHAT, S.REPORTS,
           ("Đơn vị tính thống nhất", "Consistent units of measure"),
           ("Giá trị báo cáo dùng đúng đơn vị tính của chỉ tiêu: chỉ tiêu tính bằng % không "
            "báo dạng phân số (0,85 thay cho 85 %); số đếm, thứ hạng là số nguyên.",
            "A reported value uses the indicator's declared unit: a percentage is not "
            "reported as a fraction (0.85 for 85 %); a count or a rank is a whole number."),
           fraction_below=1.0),
    _check("dong_bo.reported_vs_computed", P.DONG_BO, S.REPORTS,
           ("Số báo cáo khớp số tính từ dữ liệu", "Reported agrees with computed"),
           ("Giá trị đơn vị báo cáo khớp với cùng số liệu tính từ dữ liệu gốc của đơn vị, trong "
            "dung sai cấu hình.",
            "A value a unit reports agrees with the same figure computed from its raw "
            "records, within the configured tolerance."), pairs=[]),
    _check("ket_noi.references", P.KET_NOI, S.RECORDS,
           ("Tham chiếu hợp lệ", "References resolve"),
           ("Mọi mã tham chiếu (cơ quan, đơn vị, hồ sơ…) trỏ tới một đối tượng có thật.",
            "Every reference (agency, unit, dossier…) points at something that exists.")),
    _check("dung_chung.published", P.DUNG_CHUNG, S.PUBLICATION,
           ("Công bố dữ liệu mở", "Published as open data"),
           ("Các chỉ tiêu của bộ dữ liệu / biểu mẫu được công bố dữ liệu mở, có siêu dữ liệu và "
            "giấy phép.",
            "The indicators of the dataset / form are published as open data, with metadata "
            "and a licence.")),
]
#: Every check sodo knows, by code, with its default configuration.
CHECKS: dict[str, CheckDefinition] = {c.code: c for c in _DEFAULTS}


def check(code: str) -> CheckDefinition:
    try:
        return CHECKS[code]
    except KeyError:
        raise KeyError(f"unknown check '{code}' (known: {', '.join(sorted(CHECKS))})") from None


# -- scores ------------------------------------------------------------------------------------
def pass_share(checked: int, failed: int) -> float | None:
    return None if checked <= 0 else max(checked - failed, 0) / checked


def principle_score(items: Iterable[tuple[float, int, int]]) -> float | None:
    """0–100 from ``(weight, checked, failed)`` of a principle's checks: the weighted mean of
    each check's passing share; ``None`` when no check had anything to look at."""
    total = weight_sum = 0.0
    for weight, checked, failed in items:
        share = pass_share(checked, failed)
        if share is None or weight <= 0:
            continue
        total += weight * share
        weight_sum += weight
    return None if weight_sum == 0 else round(100 * total / weight_sum, 1)


def overall_score(scores: Iterable[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return None if not present else round(sum(present) / len(present), 1)


def modified_z_scores(values: Sequence[float]) -> list[float]:
    """Iglewicz–Hoaglin modified z-score of each value, M = 0.6745·(x − median)/MAD. With a
    MAD of 0 (more than half the values equal) the mean absolute deviation stands in
    (M = (x − median)/(1.253314·MeanAD)); all values equal: every score 0."""
    if not values:
        return []
    med = _median(values)
    deviations = [abs(v - med) for v in values]
    mad = _median(deviations)
    if mad > 0:
        return [0.6745 * (v - med) / mad for v in values]
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad == 0:
        return [0.0 for _ in values]
    return [(v - med) / (1.253314 * mean_ad) for v in values]


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def unit_conflict(value_type: str, unit: str, value: float,
                  fraction_below: float = 1.0) -> str | None:
    """Why ``value`` does not fit an indicator declared as ``value_type`` in ``unit`` (a
    percentage given as a fraction, a count or rank with decimals); ``None`` when it fits."""
    if not math.isfinite(value):
        return None
    if (value_type == "percent" or unit.strip() == "%") and 0 < abs(value) < fraction_below:
        return f"percentage reported as a fraction? ({value:g} for {value * 100:g} %)"
    if value_type in ("count", "rank") and value != math.floor(value):
        return f"a {value_type} with decimals ({value:g})"
    return None


def is_outlier(z: float, threshold: float) -> bool:
    return math.isfinite(z) and abs(z) > threshold
