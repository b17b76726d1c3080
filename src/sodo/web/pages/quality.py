"""Chất lượng dữ liệu: the stored scorecard as a principles × agencies heat table for one
dataset (or report form) and period, the drill-down of one agency (its failing checks with
counts and, for those who may see them, example records), and its trend over the periods
scored. Reads only the stored scorecard (``sodo quality`` computes it); never scans records."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sodo.domain.orgunits import NATION_CODE, OrgUnitError, default_hierarchy
from sodo.domain.quality import CHECKS, OVERALL, PRINCIPLE_NAMES, Principle
from sodo.http.views import period_label
from sodo.services import quality
from sodo.services.quality import intake as quality_intake
from sodo.web.context import (
    actor_of,
    app_context,
    db_session,
    language,
    page,
    render,
    require_actor,
)
from sodo.web.i18n import register, t
from sodo.web.summaries import dataset_names

router = APIRouter(include_in_schema=False)

register({
    "quality.title": ("Chất lượng dữ liệu", "Data quality"),
    "quality.intro": ("Điểm 0–100 theo tám nguyên tắc “Đúng – Đủ – Sạch – Sống – Thống nhất – "
                      "Đồng bộ – Kết nối – Dùng chung”: tỷ lệ bản ghi hoặc mục kỳ vọng đạt yêu "
                      "cầu của từng phép kiểm tra. Chọn một ô để xem các phép kiểm tra không đạt.",
                      "Scores 0–100 on the eight principles “Correct – Complete – Clean – Live – "
                      "Unified – Synchronised – Connected – Shared”: the share of records or "
                      "expected items that pass each check. Choose a cell to see the failing "
                      "checks."),
    "quality.dataset": ("Bộ dữ liệu / biểu mẫu", "Dataset / form"),
    "quality.period": ("Kỳ", "Period"),
    "quality.show": ("Xem", "Show"),
    "quality.agency": ("Cơ quan, đơn vị", "Agency"),
    "quality.overall": ("Chung", "Overall"),
    "quality.none": ("Chưa có bảng điểm chất lượng dữ liệu. Quản trị viên chạy “sodo quality” "
                     "để chấm điểm.",
                     "No data-quality scorecard yet. An administrator runs “sodo quality” to "
                     "score the data."),
    "quality.checks_of": ("Phép kiểm tra của {unit}", "Checks of {unit}"),
    "quality.check": ("Phép kiểm tra", "Check"),
    "quality.severity": ("Mức độ", "Severity"),
    "quality.failed": ("Không đạt", "Failed"),
    "quality.checked": ("Đã kiểm tra", "Checked"),
    "quality.score": ("Điểm", "Score"),
    "quality.examples": ("Ví dụ", "Examples"),
    "quality.key": ("Mã", "Key"),
    "quality.field": ("Trường", "Field"),
    "quality.value": ("Giá trị", "Value"),
    "quality.rule": ("Quy tắc", "Rule"),
    "quality.examples_hidden": ("Đăng nhập (trong phạm vi đơn vị mình) để xem bản ghi ví dụ.",
                                "Sign in (within your unit's scope) to see example records."),
    "quality.all_pass": ("Mọi phép kiểm tra đều đạt.", "Every check passes."),
    "quality.trend": ("Diễn biến điểm chung", "Overall score over time"),
    "quality.worst": ("Cơ quan có điểm chất lượng dữ liệu thấp nhất",
                      "Agencies with the lowest data-quality scores"),
    "quality.unit_card": ("Chất lượng dữ liệu", "Data quality"),
    "quality.see_all": ("Xem bảng chất lượng dữ liệu", "See the data-quality table"),
    "quality.nav": ("Chất lượng dữ liệu", "Data quality"),
    "quality.followup": ("Theo dõi", "Follow-up"),
    "quality.mark": ("Ghi nhận", "Mark"),
    "quality.confirmed": ("Đã xác nhận đúng", "Confirmed correct"),
    "quality.to_correct": ("Cần sửa", "To be corrected"),
    "quality.comment": ("Ghi chú", "Comment"),
    "quality.marked": ("Đã ghi nhận theo dõi.", "Follow-up recorded."),
    "quality.batches": ("Cảnh báo khi nạp dữ liệu", "Warnings at intake"),
    "quality.batches_intro": ("Các lô bản ghi gần đây được nạp kèm cảnh báo: lô vẫn được "
                              "nhận, các bản ghi cần được xem lại.",
                              "Recent record batches accepted with warnings: the batch was "
                              "taken in; the records deserve a second look."),
    "quality.batch": ("Lô", "Batch"),
    "quality.row": ("Dòng", "Row"),
    "quality.count": ("Số bản ghi bị cảnh báo", "Records flagged"),
})


def band(score: float | None) -> str:
    if score is None:
        return "q-none"
    return "q-hi" if score >= 95 else "q-mid" if score >= 80 else "q-lo"


def principle_columns(lang: str) -> list[dict[str, str]]:
    index = 0 if lang == "vi" else 1
    return [*({"key": str(p), "label": PRINCIPLE_NAMES[p][index]} for p in Principle),
            {"key": OVERALL, "label": t("quality.overall", lang)}]


def _unit_name(code: str, lang: str) -> str:
    try:
        return default_hierarchy().get(code).label(lang)
    except OrgUnitError:
        return code


def unit_quality(request: Request, code: str, lang: str) -> list[dict[str, Any]]:
    """For a unit's page: its overall and principle scores per dataset, latest period."""
    with app_context(request).session() as session:
        periods = quality.stored_periods(session)
        if not periods:
            return []
        rows = quality.scorecard(session, actor_of(request), period=periods[0], unit=code)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = out.setdefault(row["dataset"], {"dataset": row["dataset"],
                                               "period": row["period"], "scores": {}})
        item["scores"][row["principle"]] = {"score": row["score"], "band": band(row["score"])}
    return list(out.values())


@router.get("/quality")
@page
def quality_page(request: Request) -> Response:
    lang = language(request)
    actor = actor_of(request)
    query = request.query_params
    with app_context(request).session() as session:
        periods = quality.stored_periods(session)
        period = query.get("period") or (periods[0] if periods else None)
        all_rows = quality.scorecard(session, actor, period=period) if period else []
        datasets = sorted({r["dataset"] for r in all_rows})
        dataset = query.get("dataset") or ("dossiers" if "dossiers" in datasets
                                           else datasets[0] if datasets else None)
        rows = [r for r in all_rows if r["dataset"] == dataset]
        selected = query.get("unit")
        marks = {(m["check"], m["ref"]): m["state"] for m in quality.followups(
            session, actor, dataset=dataset, unit=selected)} if selected and dataset else {}
        trend = []
        if selected and dataset:
            for p in periods:
                found = quality.scorecard(session, actor, dataset=dataset, period=p,
                                          unit=selected, principle=OVERALL)
                if found:
                    trend.append({"period": p, "period_label": period_label(p, lang),
                                  "score": found[0]["score"], "band": band(found[0]["score"])})
    heat: dict[str, dict[str, Any]] = {}
    for row in rows:
        line = heat.setdefault(row["unit"], {"code": row["unit"],
                                             "name": _unit_name(row["unit"], lang),
                                             "scores": {}})
        line["scores"][row["principle"]] = {"score": row["score"], "band": band(row["score"]),
                                            "failed": row["failed"]}
    order = sorted(heat.values(), key=lambda r: (
        r["code"] != NATION_CODE, not r["code"].isdigit(), r["code"]))
    drill = None
    if selected:
        index = 0 if lang == "vi" else 1
        mine = [r for r in rows if r["unit"] == selected and r["principle"] != OVERALL]
        checks = []
        for row in mine:
            for c in row["checks"]:
                definition = CHECKS.get(c["code"])
                checks.append({
                    "code": c["code"], "principle": row["principle"],
                    "principle_label": PRINCIPLE_NAMES[Principle(row["principle"])][index],
                    "name": (definition.name if lang == "vi" else definition.name_en)
                    if definition else c["code"],
                    "severity": c["severity"], "failed": c["failed"],
                    "examples": [{**e, "followup": marks.get((c["code"], e["key"]))}
                                 for e in c["examples"]]})
        drill = {"unit": selected, "name": _unit_name(selected, lang),
                 "failing": [c for c in checks if c["failed"]],
                 "passing": [c for c in checks if not c["failed"]],
                 "examples_hidden": not actor.is_authenticated, "trend": trend,
                 "marked": query.get("done") == "marked"}
    with app_context(request).session() as session:
        batches = _batch_warnings(quality_intake.recent(session, actor), lang)
    names = dataset_names(request, lang)
    for batch in batches:
        batch["dataset_name"] = names.get(batch["dataset"], batch["dataset"])
    data = {
        "title": t("quality.title", lang), "period": period, "batches": batches,
        "examples_hidden": not actor.is_authenticated,
        "period_label": period_label(period, lang) if period else None,
        "periods": [{"id": p, "label": period_label(p, lang)} for p in periods],
        "dataset": dataset, "datasets": datasets, "columns": principle_columns(lang),
        "dataset_name": names.get(dataset, dataset) if dataset else None,
        "dataset_options": [{"code": d, "name": names.get(d, d)} for d in datasets],
        "rows": order, "drill": drill,
    }
    return render(request, "quality.html", data)


def _batch_warnings(found: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    index = 0 if lang == "vi" else 1
    for batch in found:
        for w in batch["warnings"]:
            definition = CHECKS.get(w["check"])
            w["name"] = (definition.name if index == 0 else definition.name_en) \
                if definition else w["check"]
            w["principle_label"] = PRINCIPLE_NAMES[definition.principle][index] \
                if definition else w.get("principle", "")
    return found


@router.post("/quality/followup")
@page
async def followup_post(request: Request) -> Response:
    require_actor(request)
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_followup, request, fields)


def _followup(request: Request, fields: dict[str, str]) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        quality.mark(db, actor, dataset=fields.get("dataset", ""),
                     check_code=fields.get("check", ""), ref=fields.get("ref", ""),
                     state=fields.get("state", ""), comment=fields.get("comment", ""),
                     unit=fields.get("unit", ""))
        db.commit()
    back = urlencode({"dataset": fields.get("dataset", ""), "period": fields.get("period", ""),
                      "unit": fields.get("unit", ""), "done": "marked"})
    return RedirectResponse(f"/quality?{back}#drill", status_code=303)
