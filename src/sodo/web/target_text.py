"""A target's calculation said in the reader's language: the formula with its figures written
the Vietnamese way ("0,98", "2.024" never for a year) or the English way, and the series the
assessment used in words instead of its ids ("year: reported: …").

The assessment (``sodo.domain.assessment.targets``) keeps its own English formula for the API
and the CLI; the page rebuilds it from the same components, so the figures cannot differ."""

from __future__ import annotations

from typing import Any

from sodo.domain.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from sodo.http.views import period_label
from sodo.web.format import format_number
from sodo.web.i18n import register, t

register({
    "formula.no_value": ("Mục tiêu chưa có giá trị cần đạt: chưa có gì để đánh giá.",
                         "The target has no value: nothing to assess against."),
    "formula.no_deadline": ("Mục tiêu chưa có thời hạn: chưa có gì để đánh giá.",
                            "The target has no deadline: nothing to assess against."),
    "formula.no_data": ("Chưa có giá trị cơ sở và chưa có số liệu quan sát.",
                        "No baseline and no observed value."),
    "formula.deadline_met": ("Đã hết thời hạn ({deadline}); giá trị {x} ({period}) đạt mục tiêu "
                             "{X} (dung sai {tol}).",
                             "Deadline {deadline} passed; the value {x} ({period}) meets {X} "
                             "(tolerance {tol})."),
    "formula.deadline_missed": ("Đã hết thời hạn ({deadline}); giá trị {x} ({period}) không đạt "
                                "mục tiêu {X} (dung sai {tol}).",
                                "Deadline {deadline} passed; the value {x} ({period}) misses "
                                "{X} (tolerance {tol})."),
    "formula.achieved": ("x = {x} ({period}) đạt X = {X}: {gap_name} = {gap} ≥ −{tol} "
                         "(dung sai).",
                         "x = {x} ({period}) meets X = {X}: {gap_name} = {gap} ≥ −{tol} "
                         "(tolerance)."),
    "formula.too_few": ("{n} điểm quan sát tính từ giá trị cơ sở; cần ít nhất {need} điểm để "
                        "tính xu hướng.",
                        "{n} point(s) from the baseline on; a trend needs {need}."),
    "formula.linear": ("x̂(t) = {level} {sign} {slope}·(t − {mean_t}), theo phương pháp bình phương "
                       "tối thiểu trên {n} điểm; x̂(Tc = {checkpoint}) = {proj}; {ratio}; "
                       "đúng tiến độ nếu x̂(Tc) đạt Xc = {Xc}, nếu không: {bands}.",
                       "x̂(t) = {level} {sign} {slope}·(t − {mean_t}) by least squares over {n} "
                       "points; x̂(Tc = {checkpoint}) = {proj}; {ratio}; on track if x̂(Tc) "
                       "meets Xc = {Xc}, else {bands}."),
    "formula.linear_ratio": ("LR = (x̂(Tc) − x0)/(Xc − x0) = ({proj} − {x0})/({Xc} − {x0}) = "
                             "{lr}", "LR = (x̂(Tc) − x0)/(Xc − x0) = ({proj} − {x0})/"
                             "({Xc} − {x0}) = {lr}"),
    "formula.no_ratio": ("không tính được LR (Xc = x0)", "LR undefined (Xc = x0)"),
    "formula.cagr": ("CR = ((x/x0)^(1/(t−t0)) − 1) / ((Xc/x0)^(1/(Tc−t0)) − 1) = "
                     "(({x}/{x0})^(1/{dt}) − 1) / (({Xc}/{x0})^(1/{dT}) − 1) = {actual} / "
                     "{required} = {cr}; {bands}.",
                     "CR = ((x/x0)^(1/(t−t0)) − 1) / ((Xc/x0)^(1/(Tc−t0)) − 1) = "
                     "(({x}/{x0})^(1/{dt}) − 1) / (({Xc}/{x0})^(1/{dT}) − 1) = {actual} / "
                     "{required} = {cr}; {bands}."),
    "formula.bands": ("tỷ số ≥ {on} là đúng tiến độ, từ {acc} đến dưới {on} là cần tăng tốc, "
                      "từ {det} đến dưới {acc} là chậm tiến độ, dưới {det} là thụt lùi",
                      "ratio ≥ {on} on track, {acc}–{on} needs acceleration, {det}–{acc} off "
                      "track, < {det} deteriorating"),
    "series.of": ("Số liệu theo {ptype}: {sources}", "{ptype} values: {sources}"),
    "series.ptype.year": ("năm", "Yearly"),
    "series.ptype.half": ("6 tháng", "Half-yearly"),
    "series.ptype.quarter": ("quý", "Quarterly"),
    "series.ptype.month": ("tháng", "Monthly"),
    "series.ptype.day": ("ngày", "Daily"),
    "series.ptype.stage": ("giai đoạn", "Plan-stage"),
    "series.origin.computed": ("tính từ dữ liệu gốc", "computed from records"),
    "series.origin.reported": ("đơn vị báo cáo", "reported by agencies"),
    "series.origin.seed": ("số liệu trong văn bản", "figures from documents"),
})


def _n(value: Any, lang: str, decimals: int | None = None) -> str:
    """A figure as ``lang`` writes it, a negative one with a true minus sign."""
    if not isinstance(value, int | float):
        return "–"
    text = format_number(value, lang, decimals)
    return "−" + text[1:] if text.startswith("-") else text


def _time(value: Any, lang: str) -> str:
    """A time in years (2024.5): never grouped by thousands, the decimal mark of ``lang``."""
    if not isinstance(value, int | float):
        return "–"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "vi" else text


def _bands(config: AssessmentConfig, lang: str) -> str:
    return t("formula.bands", lang, on=_n(config.on_track_ratio, lang),
             acc=_n(config.acceleration_ratio, lang), det=_n(config.deterioration_ratio, lang))


def formula_text(assessment: dict[str, Any], lang: str,
                 config: AssessmentConfig = DEFAULT_CONFIG) -> str:
    """The calculation of one assessed target (``TargetAssessment.to_dict()``) in ``lang``."""
    c = assessment.get("components") or {}
    method = assessment.get("method", "none")
    deadline = period_label(assessment.get("deadline"), lang) if assessment.get("deadline") \
        else ""
    if "X" not in c:
        return t("formula.no_value" if assessment.get("target_value") is None
                 else "formula.no_deadline", lang)
    if "x0" not in c:
        return t("formula.no_data", lang)
    tol = _n(c.get("tolerance"), lang)
    if method == "value at deadline":
        key = ("formula.deadline_met" if assessment.get("status") == "achieved"
               else "formula.deadline_missed")
        return t(key, lang, deadline=deadline, x=_n(c.get("value_at_deadline"), lang),
                 period=period_label(c.get("value_at_deadline_period"), lang),
                 X=_n(c["X"], lang), tol=tol)
    if method == "achieved":
        equal = c.get("comparator") == "="
        x, X = c.get("x"), c["X"]
        gap = abs(x - X) if equal else c.get("direction", 1) * (x - X)
        return t("formula.achieved", lang, x=_n(x, lang),
                 period=period_label(assessment.get("latest_period"), lang), X=_n(X, lang),
                 gap_name="|x − X|" if equal else "d·(x − X)", gap=_n(gap, lang), tol=tol)
    if method == "cagr" and "cagr_ratio" in c:
        return t("formula.cagr", lang, x=_n(c["x"], lang), x0=_n(c["x0"], lang),
                 dt=_time(c["t"] - c["t0"], lang), Xc=_n(c["Xc"], lang),
                 dT=_time(c["Tc"] - c["t0"], lang), actual=_n(c["cagr_actual"], lang, 4),
                 required=_n(c["cagr_required"], lang, 4), cr=_n(c["cagr_ratio"], lang),
                 bands=_bands(config, lang))
    if "slope_per_year" in c:
        proj = _n(c.get("projected_linear_at_checkpoint"), lang)
        ratio = (t("formula.linear_ratio", lang, proj=proj, x0=_n(c["x0"], lang),
                   Xc=_n(c.get("Xc"), lang), lr=_n(c["linear_ratio"], lang))
                 if c.get("linear_ratio") is not None else t("formula.no_ratio", lang))
        return t("formula.linear", lang, level=_n(c.get("level_at_mean_t"), lang),
                 sign="−" if c["slope_per_year"] < 0 else "+",
                 slope=_n(abs(c["slope_per_year"]), lang), mean_t=_time(c.get("mean_t"), lang),
                 n=c.get("points", 0), checkpoint=period_label(c.get("checkpoint_period"), lang),
                 proj=proj, ratio=ratio, Xc=_n(c.get("Xc"), lang), bands=_bands(config, lang))
    return t("formula.too_few", lang, n=c.get("points", 0), need=config.min_points)


def series_text(description: str, lang: str) -> str:
    """The assessment's series description ("year: reported: <source>, computed") in words."""
    if not description:
        return ""
    ptype, _, labels = description.partition(": ")
    sources = []
    for label in labels.split(", "):
        origin, _, source = label.partition(": ")
        if lang == "en":  # the label's estimate mark (domain.values) in English
            source = source.replace(" (ước tính)", " (estimate)")
        words = t(f"series.origin.{origin}", lang)
        if words.startswith("series."):
            words = origin
        sources.append(f"{words} ({source})" if source else words)
    kind = t(f"series.ptype.{ptype}", lang)
    return t("series.of", lang, ptype=ptype if kind.startswith("series.") else kind,
             sources="; ".join(dict.fromkeys(sources)))
