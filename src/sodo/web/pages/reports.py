"""Reports: download the evaluation report of a unit and year (Word, Excel annex), the
reports issued, and the narrative sections the analyst writes — with their history — which
the report merges (empty ones are placeholders)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sodo.domain.permissions import Action, allows
from sodo.domain.reports import document_year
from sodo.http.views import unit_label
from sodo.services.reports import issued as issued_service
from sodo.services.reports import narrative as narrative_service
from sodo.services.reports.evaluation import NARRATIVE_SECTIONS
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

router = APIRouter(include_in_schema=False)

register({
    "nav.reports": ("Báo cáo, kế hoạch", "Reports and plans"),
    "reports.title": ("Báo cáo đánh giá năm", "Annual evaluation report"),
    "reports.intro": ("Báo cáo theo thể thức Nghị định 30/2020/NĐ-CP, lập từ số liệu đã phê "
                      "duyệt; các phần nhận định do cán bộ soạn thảo bên dưới.",
                      "The report in the Decree 30/2020 layout, built from approved figures; "
                      "the analyst writes the sections below."),
    "reports.year": ("Năm báo cáo", "Year"),
    "reports.unit": ("Đơn vị", "Unit"),
    "reports.show": ("Xem", "Show"),
    "reports.download_docx": ("Tải báo cáo (Word)", "Download the report (Word)"),
    "reports.download_xlsx": ("Tải phụ lục (Excel)", "Download the appendices (Excel)"),
    "reports.issued": ("Báo cáo đã ban hành", "Issued reports"),
    "reports.none_issued": ("Chưa có báo cáo nào được ban hành.", "No report issued yet."),
    "reports.narrative": ("Nội dung do cán bộ soạn thảo", "Sections the analyst writes"),
    "reports.save": ("Lưu phiên bản mới", "Save a new version"),
    "reports.saved": ("Đã lưu.", "Saved."),
    "reports.versions": ("Các phiên bản trước", "Earlier versions"),
    "reports.empty": ("Chưa có nội dung (báo cáo sẽ ghi rõ là phần để trống).",
                      "Empty (the report marks it as a placeholder)."),
    "reports.number": ("Số", "Number"),
    "reports.date": ("Ngày", "Date"),
    "reports.by": ("Người ban hành", "Issued by"),
    "reports.file": ("Tệp", "File"),
    "reports.section.causes": ("Nguyên nhân của tồn tại, hạn chế", "Causes of shortcomings"),
    "reports.section.lessons": ("Bài học kinh nghiệm", "Lessons learned"),
    "reports.section.directions": ("Phương hướng, nhiệm vụ năm tới", "Directions for next year"),
    "reports.section.proposals": ("Kiến nghị, đề xuất", "Proposals"),
})
SECTION_KEYS = {"causes": "reports.section.causes", "lessons": "reports.section.lessons",
                "directions": "reports.section.directions",
                "proposals": "reports.section.proposals"}


@router.get("/reports")
@page
def reports_page(request: Request, year: str | None = None, unit: str = "VN",
                 done: str | None = None) -> Response:
    lang = language(request)
    actor = actor_of(request)
    chosen = document_year(year, app_context(request).today().year - 1)
    can_write = allows(actor, Action.REPORT, unit)
    with db_session(request) as db:
        issued = [r.to_dict() for r in issued_service.list_issued(db, actor, unit=unit)]
        current = narrative_service.current_narrative(db, unit, chosen) if can_write else {}
        history = (narrative_service.narrative_history(db, actor, unit, chosen)
                   if allows(actor, Action.READ_DRAFT, unit) else [])
    sections: list[dict[str, Any]] = []
    for key, _ in NARRATIVE_SECTIONS:
        sections.append({"key": key, "label": t(SECTION_KEYS[key], lang),
                         "text": current.get(key, ""),
                         "versions": [h for h in history if h["section"] == key][:-1][::-1]})
    query = f"year={chosen}&unit={unit}"
    result = {"title": t("reports.title", lang), "year": chosen, "unit": unit,
              "unit_name": unit_label(unit, lang), "issued": issued,
              "docx_url": f"/api/v1/reports/evaluation?{query}&format=docx",
              "xlsx_url": f"/api/v1/reports/evaluation?{query}&format=xlsx",
              "can_write": can_write, "sections": sections if can_write else [],
              "saved": done == "saved"}
    return render(request, "reports.html", result)


@router.post("/reports/narrative")
@page
async def narrative_post(request: Request) -> Response:
    require_actor(request)
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_save, request, fields)


def _save(request: Request, fields: dict[str, str]) -> Response:
    actor = require_actor(request)
    unit = fields.get("unit", "VN")
    year = document_year(fields.get("year"), 0)
    with db_session(request) as db:
        narrative_service.save_narrative(db, actor, unit, year, fields.get("section", ""),
                                         fields.get("text", ""))
        db.commit()
    return RedirectResponse(f"/reports?year={year}&unit={unit}&done=saved#h-narrative",
                            status_code=303)
