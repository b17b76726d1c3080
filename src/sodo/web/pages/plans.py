"""Next year's plan of a unit, as a round trip in the browser: download the workbook (the
latest version filled in, or the template), edit it in Excel, upload it again — every cell
checked, all or nothing; the refused cells listed in place (sheet, cell, rule, message in
Vietnamese) — then see the version stored with its targets, tasks, resources and the lint,
download the "Kế hoạch" as Word, and issue it. The same service as ``sodo plan`` and the
API: rights are checked and the audit written there."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Action, allows
from sodo.domain.problems import InputError
from sodo.domain.reports import document_year
from sodo.http.views import unit_label
from sodo.services import excel_forms
from sodo.services.reports import issued as issued_service
from sodo.services.reports import plan as plan_service
from sodo.web.context import (
    PageError,
    actor_of,
    app_context,
    form_status,
    language,
    page,
    render,
    require_actor,
)
from sodo.web.forms import error_text, problem_text
from sodo.web.i18n import register, t

router = APIRouter(include_in_schema=False)

register({
    "plans.title": ("Kế hoạch chuyển đổi số năm {year}", "Digital transformation plan {year}"),
    "plans.intro": ("Tải tệp Excel (đã điền phiên bản mới nhất, hoặc mẫu trống), chỉnh sửa, "
                    "rồi tải lên lại: mọi ô được kiểm tra, có lỗi thì không nhập gì. Mỗi lần "
                    "nhập là một phiên bản mới.",
                    "Download the workbook (the latest version filled in, or the empty "
                    "template), edit it, upload it again: every cell is checked and a file "
                    "with errors changes nothing. Each upload is a new version."),
    "plans.year": ("Năm kế hoạch", "Plan year"),
    "plans.download_xlsx": ("Tải tệp Excel để chỉnh sửa", "Download the workbook to edit"),
    "plans.download_docx": ("Tải Kế hoạch (Word)", "Download the plan (Word)"),
    "plans.download_yaml": ("Tải YAML", "Download YAML"),
    "plans.upload": ("Tải lên tệp kế hoạch đã điền", "Upload the filled workbook"),
    "plans.file": ("Tệp Excel (.xlsx)", "Excel file (.xlsx)"),
    "plans.send": ("Kiểm tra và nhập", "Check and import"),
    "plans.refused": ("Tệp không được nhập, không có gì thay đổi: {n} ô có lỗi.",
                      "The file was not imported and nothing changed: {n} cells are wrong."),
    "plans.saved": ("Đã nhập phiên bản {version}.", "Version {version} imported."),
    "plans.issued_ok": ("Đã ban hành.", "Issued."),
    "plans.none": ("Chưa có kế hoạch nào của đơn vị cho năm này.",
                   "No plan of this unit for this year yet."),
    "plans.version": ("Phiên bản", "Version"),
    "plans.state.draft": ("dự thảo", "draft"),
    "plans.state.issued": ("đã ban hành", "issued"),
    "plans.by": ("Người nhập", "Imported by"),
    "plans.targets": ("Chỉ tiêu", "Targets"),
    "plans.tasks": ("Nhiệm vụ", "Tasks"),
    "plans.findings": ("Kết quả kiểm tra kế hoạch", "Plan lint"),
    "plans.no_findings": ("Không có cảnh báo.", "Nothing found."),
    "plans.versions": ("Các phiên bản", "Versions"),
    "plans.issue": ("Ban hành phiên bản này", "Issue this version"),
    "plans.sheet": ("Trang", "Sheet"),
    "plans.cell": ("Ô", "Cell"),
    "plans.rule": ("Quy tắc", "Rule"),
    "plans.problem": ("Lỗi", "Problem"),
    "plans.baseline": ("Hiện trạng", "Baseline"),
    "plans.goal": ("Chỉ tiêu năm", "Year's target"),
    "plans.method": ("Phương pháp đo lường", "Measurement method"),
    "plans.resources": ("Nguồn lực", "Resources"),
    "plans.contributes": ("Đóng góp cho chỉ tiêu quốc gia", "Contributes to national target"),
    "plans.lead": ("Rõ người (chủ trì)", "Lead"),
    "plans.responsible": ("Rõ trách nhiệm", "Responsible"),
    "plans.deadline": ("Rõ thời gian", "Deadline"),
    "plans.deliverable": ("Rõ kết quả", "Deliverable"),
    "plans.authority": ("Rõ thẩm quyền", "Authority"),
    "plans.link": ("Kế hoạch năm tới (tải, sửa, tải lên)", "Next year's plan (download, "
                                                           "edit, upload)"),
    "plans.million": ("triệu đồng", "million VND"),
    "plans.severity.error": ("lỗi", "error"),
    "plans.severity.warning": ("cảnh báo", "warning"),
    "cascade.title": ("Chỉ tiêu kế hoạch của các bộ, ngành, địa phương",
                      "Plan targets of ministries and provinces"),
    "cascade.none": ("Chưa có kế hoạch nào gắn chỉ tiêu với mục tiêu này.",
                     "No plan names this target yet."),
    "cascade.year": ("Năm {year}", "Year {year}"),
    "cascade.required": ("Yêu cầu quốc gia năm {year}", "National requirement for {year}"),
    "cascade.basis.milestone": ("mốc của mục tiêu", "the target's milestone"),
    "cascade.basis.target": ("giá trị mục tiêu", "the target value"),
    "cascade.basis.required path": ("lộ trình từ số liệu gốc đến mục tiêu",
                                    "the path from the baseline to the target"),
    "cascade.unit": ("Đơn vị", "Unit"),
    "cascade.plan": ("Chỉ tiêu kế hoạch", "Plan target"),
    "cascade.latest": ("Số liệu mới nhất", "Latest value"),
    "cascade.meets": ("Tự đạt yêu cầu", "Meets it alone"),
    "cascade.version": ("Phiên bản", "Version"),
    "cascade.yes": ("có", "yes"),
    "cascade.no": ("không", "no"),
    "cascade.method.sum": ("Tổng chỉ tiêu kế hoạch (đơn vị chưa có kế hoạch tính theo số liệu "
                           "mới nhất): {combined}", "Sum of the plan targets (units without "
                           "one at their latest value): {combined}"),
    "cascade.method.weighted": ("Bình quân gia quyền theo mẫu số mới nhất của từng đơn vị (đơn "
                                "vị chưa có kế hoạch tính theo số liệu mới nhất): {combined}",
                                "Mean weighted by each unit's latest denominator (units "
                                "without a plan at their latest value): {combined}"),
    "cascade.method.mean": ("Bình quân các đơn vị (đơn vị chưa có kế hoạch tính theo số liệu "
                            "mới nhất): {combined}", "Mean of the units (units without a "
                            "plan at their latest value): {combined}"),
    "cascade.method.spread": ("Chỉ số không cộng dồn theo đơn vị: xét độ phân tán — "
                              "{meeting}/{planned} chỉ tiêu kế hoạch tự đạt yêu cầu "
                              "(thấp nhất {lowest}, cao nhất {highest})",
                              "The indicator does not roll up: judged by the spread — "
                              "{meeting}/{planned} plan targets meet it alone (lowest "
                              "{lowest}, highest {highest})"),
    "cascade.reaches": ("Có thể đạt yêu cầu quốc gia.", "Can reach the national requirement."),
    "cascade.short": ("Chưa đủ để đạt yêu cầu quốc gia.",
                      "Not enough to reach the national requirement."),
    "cascade.unknown": ("Chưa đủ số liệu để kết luận.", "Not enough data to tell."),
    "cascade.coverage": ("{planned}/{units} đơn vị có chỉ tiêu kế hoạch.",
                         "{planned}/{units} units have a plan target."),
})


SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}


def _unit(value: str | None) -> str:
    unit = (value or "VN").strip()
    if unit not in default_hierarchy():
        raise PageError(404, "error.not_found")
    return unit


def _resources(res: dict[str, Any], lang: str) -> str:
    parts = []
    if res.get("budget") is not None:
        parts.append(f"{res['budget']:,.0f}".replace(",", ".") + " " + t("plans.million", lang))
    if res.get("funding"):
        parts.append(", ".join(res["funding"]))
    if res.get("responsible"):
        parts.append(res["responsible"])
    return "; ".join(parts) or "—"


def plan_page_data(request: Request, unit: str, year: int, *,
                   upload_errors: list[dict[str, Any]] | None = None,
                   done: str | None = None) -> dict[str, Any]:
    lang = language(request)
    actor = actor_of(request)
    ctx = app_context(request)
    plan = plan_service.find_plan(ctx, actor, unit, year)
    versions = plan_service.list_plans(ctx, actor, unit=unit, year=year)
    query = f"year={year}&unit={unit}"
    current = plan.to_dict() if plan is not None else None
    for version in versions:
        version["state_text"] = t(f"plans.state.{version['state']}", lang)
    if current is not None:
        current["state_text"] = t(f"plans.state.{current['state']}", lang)
        for finding in current["findings"]:
            finding["severity_text"] = t(f"plans.severity.{finding['severity']}", lang)
        for target in current["targets"]:
            target["resources_text"] = _resources(target["resources"], lang)
        for task in current["tasks"]:
            task["resources_text"] = _resources(task["resources"], lang)
    can_write = allows(actor, Action.REPORT, unit)
    return {
        "title": t("plans.title", lang, year=year), "unit": unit, "year": year,
        "unit_name": unit_label(unit, lang), "plan": current, "versions": versions,
        "can_write": can_write,
        "can_issue": can_write and current is not None and current["state"] == "draft",
        "xlsx_url": f"/api/v1/plans/file?{query}&format=xlsx",
        "docx_url": f"/api/v1/plans/file?{query}&format=docx" if current else None,
        "yaml_url": f"/api/v1/plans/file?{query}&format=yaml" if current else None,
        "upload_errors": upload_errors or [],
        "form_error": (t("plans.refused", lang, n=sum(1 for e in upload_errors if e["cell"]))
                       if upload_errors else None),
        "done": done,
    }


@router.get("/plans")
@page
def plans_page(request: Request, year: str | None = None, unit: str | None = None,
               done: str | None = None) -> Response:
    today = app_context(request).today()
    chosen = document_year(year, today.year + 1 if today.month >= 7 else today.year)
    data = plan_page_data(request, _unit(unit), chosen, done=done)
    if done and done.startswith("v"):
        data["done_text"] = t("plans.saved", language(request), version=done[1:])
    elif done == "issued":
        data["done_text"] = t("plans.issued_ok", language(request))
    return render(request, "plans.html", data, extra={"signs": SIGNS})


@router.post("/plans/upload")
@page
async def plan_upload(request: Request) -> Response:
    actor = require_actor(request)
    if not allows(actor, Action.REPORT, actor.orgunit):
        raise PageError(403, "error.forbidden")  # before the workbook is read or parsed
    posted = await request.form(max_files=1, max_fields=10)
    file = posted.get("file")
    unit = _unit(str(posted.get("unit") or "VN"))
    year = document_year(str(posted.get("year") or ""), 0)
    if file is None or isinstance(file, str):
        raise PageError(400, "error.bad_request")
    content = await file.read(excel_forms.MAX_UPLOAD_BYTES + 1)
    return await run_in_threadpool(_upload, request, unit, year, content,
                                   file.filename or "ke-hoach.xlsx")


def _upload(request: Request, unit: str, year: int, content: bytes,
            filename: str) -> Response:
    actor = require_actor(request)
    try:
        plan = plan_service.import_plan(app_context(request), actor, content, filename,
                                        channel="web")
    except InputError as exc:
        lang = language(request)
        cells = [{**c, "message": problem_text(c["message"], c["rule"], lang)}
                 for c in excel_forms.problems_as_cells(exc.problems)] or [
            {"sheet": "", "cell": "", "rule": "", "message": error_text(exc, lang)}]
        data = plan_page_data(request, unit, year, upload_errors=cells)
        return render(request, "plans.html", data, status=form_status(request, 422),
                      extra={"signs": SIGNS})
    return RedirectResponse(f"/plans?year={plan.year}&unit={plan.unit}&done=v{plan.version}",
                            status_code=303)


@router.post("/plans/issue")
@page
async def plan_issue(request: Request) -> Response:
    require_actor(request)
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_issue, request, fields)


def _issue(request: Request, fields: dict[str, str]) -> Response:
    actor = require_actor(request)
    unit, year = _unit(fields.get("unit")), document_year(fields.get("year"), 0)
    version = int(fields["version"]) if fields.get("version", "").isdigit() else None
    issued_service.issue_plan(app_context(request), actor, year=year, unit=unit,
                              version=version)
    return RedirectResponse(f"/plans?year={year}&unit={unit}&done=issued", status_code=303)


def target_cascade_view(request: Request, target_id: str, unit: str,
                        lang: str) -> dict[str, Any]:
    """The cascade section of a national target's page: per plan year, the requirement, each
    contributing plan target and whether they reach it (:mod:`sodo.services.reports.cascade`)."""
    from sodo.services.reports.cascade import target_cascade
    from sodo.web.format import format_value

    found = target_cascade(app_context(request), actor_of(request), target_id)
    years = []
    for y in found["years"]:
        reach = y["reach"]

        def v(x: float | None) -> str:
            return format_value(x, unit, lang)

        method = t(f"cascade.method.{reach['method']}", lang, combined=v(reach["combined"]),
                   meeting=reach["meeting"], planned=reach["planned"], lowest=v(reach["lowest"]),
                   highest=v(reach["highest"]))
        verdict = ("cascade.reaches" if reach["reaches"] else "cascade.unknown"
                   if reach["reaches"] is None else "cascade.short")
        years.append({
            "year": y["year"], "required": v(y["required"]),
            "required_label": t("cascade.required", lang, year=y["year"]),
            "basis": t(f"cascade.basis.{y['required_basis']}", lang),
            "method": method, "verdict": t(verdict, lang), "reaches": reach["reaches"],
            "coverage": t("cascade.coverage", lang, planned=reach["planned"],
                          units=reach["units"]),
            "rows": [{**r, "plan_text": f"{SIGNS.get(r['comparator'], r['comparator'])} "
                                        f"{v(r['value'])}",
                      "latest_text": v(r["latest"]),
                      "meets_text": "—" if r["meets"] is None else t(
                          "cascade.yes" if r["meets"] else "cascade.no", lang),
                      "state_text": t(f"plans.state.{r['state']}", lang)}
                     for r in y["rows"]]})
    return {"years": years}
