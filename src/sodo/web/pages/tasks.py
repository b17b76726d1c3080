"""Tasks: the board by status and by lead agency, one task's "6 rõ" and history, and the lead
agency's progress report (with evidence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sodo.domain.assessment.tasks import TASK_STATUS_ORDER, ProgressStatus
from sodo.domain.permissions import Action, Actor, Conflict, NotFound, allows
from sodo.domain.problems import InputError
from sodo.http.deps import RowId
from sodo.http.downloads import Column, Table
from sodo.http.views import in_language, unit_label
from sodo.services import task_progress, task_workflow
from sodo.services.assessment import accountability_rows
from sodo.web.context import (
    PageError,
    actor_of,
    app_context,
    current_user,
    db_session,
    language,
    page,
    programme,
    render,
    require_actor,
    wants_json,
)
from sodo.web.format import format_date
from sodo.web.forms import error_text, field_errors, parse_number, problem_text
from sodo.web.i18n import phrase_text, register, t
from sodo.web.pages.task_workflow import workflow_view
from sodo.web.summaries import task_assessments, task_rows

register({
    "tasks.evidence_restricted": ("chỉ đơn vị báo cáo và người quản trị xem được",
                                   "only the reporting unit and administrators may open it"),
})

router = APIRouter(include_in_schema=False)
STATUSES = tuple(str(s) for s in TASK_STATUS_ORDER)


@router.get("/tasks")
@page
def task_board(request: Request, source: str | None = None,
               lead: str | None = None) -> Response:
    lang = language(request)
    every = task_rows(request, lang)
    sources = sorted({tk["source"] for tk in every if tk["source"]})
    leads = sorted({c for tk in every for c in tk["lead"]}, key=lambda c: unit_label(c, lang))
    tasks = [tk for tk in every if (not source or tk["source"] == source)
             and (not lead or lead in tk["lead"])]
    by_status = [{"status": s, "label": t(f"task.{s}", lang),
                  "tasks": [tk for tk in tasks if tk["status"] == s]} for s in STATUSES]
    # the accountability table of the assessment, over the tasks shown
    assessed = task_assessments(request)
    # "VN" leads a task the notice gives to no single agency: say so, never "Toàn quốc"
    by_lead = [{**row, "code": row["lead"],
                "name": t("tasks.collective_lead", lang) if row["lead"] == "VN"
                else unit_label(row["lead"], lang), "total": row["led"]}
               for row in accountability_rows([assessed[tk["task_id"]] for tk in tasks])]
    result = {
        "title": t("tasks.title", lang), "source": source, "lead": lead,
        "sources": sources,
        "source_labels": {tk["source"]: tk["source_label"] for tk in every if tk["source"]},
        "leads": [{"code": c, "name": unit_label(c, lang)} for c in leads],
        "by_status": [g for g in by_status if g["tasks"]],
        "by_lead": by_lead,
        "count": len(tasks),
        "by_status_count": {**{s: sum(1 for tk in tasks if tk["status"] == s) for s in STATUSES},
                            **{k: sum(r.get(k, 0) for r in by_lead)
                               for k in ("blocked", "extended")}},
        "status_columns": [*({"key": s, "label": t(f"task.{s}", lang)} for s in STATUSES
                             if any(r.get(s) for r in by_lead)),
                           *({"key": k, "label": t(f"workflow.{k}", lang)}
                             for k in ("blocked", "extended") if any(r.get(k) for r in by_lead))],
        "lead_rows_total": sum(r["total"] for r in by_lead),
    }
    return render(request, "tasks.html", result, tables=lambda: task_tables(result, lang),
                  download_name="nhiem-vu")


def task_tables(result: dict[str, Any], lang: str) -> list[Table]:
    """The board's tasks and the accountability table, as shown."""
    tasks = [tk for g in result["by_status"] for tk in g["tasks"]]
    return [
        Table("tasks", t("tasks.title", lang), [
            Column("task_id", t("common.code", lang)),
            Column("title", t("common.task", lang)),
            Column("status_label", t("common.status", lang)),
            Column("percent", t("tasks.progress_label", lang), "%", 0, number=True),
            Column("lead_label", t("tasks.filter_lead", lang)),
            Column("deadline_label", t("common.deadline", lang)),
            Column("source_label", t("common.source", lang)),
        ], tasks),
        Table("by_lead", t("tasks.by_lead", lang), [
            Column("name", t("tasks.filter_lead", lang)),
            Column("total", t("common.count", lang), number=True, decimals=0),
            *(Column(c["key"], c["label"], number=True, decimals=0)
              for c in result["status_columns"]),
        ], result["by_lead"],
            [t("tasks.shared_leads_note", lang, rows=result["lead_rows_total"],
               tasks=result["count"])] if result["lead_rows_total"] > result["count"] else []),
    ]


@router.get("/tasks/{task_id}")
@page
def task_page(request: Request, task_id: str, done: str | None = None) -> Response:
    return render_task_page(request, task_id, done=done)


def render_task_page(request: Request, task_id: str, done: str | None = None,
                     form_error: str | None = None,
                     field_errors: dict[str, str] | None = None,
                     typed: dict[str, str] | None = None) -> Response:
    """The task page; ``form_error`` shows a refused progress update above its form."""
    lang = language(request)
    cat = programme(request)
    task = cat.task(task_id)
    if task is None:
        raise PageError(404, "tasks.not_found", code=task_id)
    summary = next(tk for tk in task_rows(request, lang) if tk["task_id"] == task_id)
    due = summary["due"]
    six = [
        {"key": "ro_nguoi", "label": t("tasks.ro_nguoi", lang),
         "value": summary["lead_label"],
         "detail": ", ".join([unit_label(c, lang) for c in task.partners]
                             + [phrase_text(p, lang) for p in task.partners_other])},
        {"key": "ro_viec", "label": t("tasks.ro_viec", lang), "value": in_language(task, "work", lang) or in_language(task, "title", lang),
         "detail": ""},
        {"key": "ro_thoi_gian", "label": t("tasks.ro_thoi_gian", lang),
         "value": summary["deadline_label"] + (f" ({format_date(due, lang)})" if due else ""),
         "detail": phrase_text(task.deadline_note, lang)},
        {"key": "ro_trach_nhiem", "label": t("tasks.ro_trach_nhiem", lang),
         "value": task.responsible, "detail": ""},
        {"key": "ro_tham_quyen", "label": t("tasks.ro_tham_quyen", lang),
         "value": phrase_text(task.authority, lang), "detail": ""},
        {"key": "ro_ket_qua", "label": t("tasks.ro_ket_qua", lang), "value": in_language(task, "deliverable", lang),
         "detail": ""},
    ]
    actor = current_user(request)
    workflow = workflow_view(request, task_id, list(task.lead), summary, lang)
    if workflow["responsible"]:
        six[3]["value"] = workflow["responsible"]
        six[3]["detail"] = task.responsible
    result = {
        **summary, "id": task.id, "work": task.work, "six": six, "workflow": workflow,
        "partners": [{"code": c, "name": unit_label(c, lang)} for c in task.partners],
        "partners_other": task.partners_other,
        "source_passage": task.source.passage if task.source else "",
        "history": task_history(request, task_id, lang),
        "can_update": any(allows(actor, Action.UPDATE_TASK, u) for u in task.lead)
        if actor else False,
        "progress_statuses": [{"value": str(s), "label": s.label(lang)}
                              for s in ProgressStatus],
        "done_message": t("tasks.progress_saved", lang) if done == "progress_saved" else None,
        "form_error": form_error,
        "field_errors": field_errors or {},
        "typed": {k: v for k, v in (typed or {}).items() if k != "csrf_token"},
    }
    return render(request, "task.html", result,
                  status=422 if form_error and wants_json(request) else 200)


def task_history(request: Request, task_id: str, lang: str) -> list[dict[str, Any]]:
    """Progress updates with their evidence, newest first, from the task-progress service."""
    with db_session(request) as db:
        try:
            updates = task_progress.task_updates(db, actor_of(request), task_id)
        except NotFound:  # a task of the files not yet synced into the store
            return []
        rows = [task_progress.update_dict(u) for u in updates]
    actor = actor_of(request)
    # A file is linked only for those who may open it (the unit's own people, admins):
    # others — the anonymous public included — see its name, not a link to a refusal.
    return [{**row, "status_label": ProgressStatus(row["status"]).label(lang),
             "by": row["actor"], "date": row["at"],
             "evidence_file_url": f"/api/v1/tasks/evidence/{row['evidence_file']['id']}"
             if row["evidence_file"] and allows(actor, Action.READ_DRAFT, row["orgunit"])
             else None} for row in rows]


@router.post("/tasks/{task_id}/progress")
@page
async def task_progress_post(request: Request, task_id: str) -> Response:
    require_actor(request)  # before the upload is read
    posted = await request.form()
    upload = posted.get("file")
    evidence = None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        evidence = task_progress.Evidence(upload.filename,
                                          await upload.read(task_progress.MAX_EVIDENCE_BYTES + 1))
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_task_progress, request, task_id, fields, evidence)


def _task_progress(request: Request, task_id: str, fields: dict[str, str],
                   evidence: task_progress.Evidence | None) -> Response:
    lang = language(request)
    actor = require_actor(request)
    field_errors: dict[str, str] = {}
    try:
        percent = parse_number(fields.get("percent", ""), lang)
    except ValueError:
        percent = None
        field_errors["percent"] = t("reporting.not_number", lang,
                                    value=fields.get("percent", ""))
    error = t("problem.progress_refused", lang) if field_errors else None
    with db_session(request) as db:
        if error is None:
            try:
                task_progress.report_progress(
                    db, actor, task_id, fields.get("status", ""), percent,
                    fields.get("note", ""), fields.get("evidence_url", ""), evidence,
                    unblock_by=fields.get("unblock_by", ""),
                    today=app_context(request).today())
                db.commit()
            except NotFound:
                raise PageError(404, "tasks.not_found", code=task_id) from None
            except InputError as exc:
                db.rollback()
                error = t("problem.progress_refused", lang)
                for problem in exc.problems:
                    column = str(problem.column or "")
                    field = {"status": "status", "percent": "percent", "note": "note",
                             "unblock_by": "unblock_by",
                             "evidence_url": "evidence_url"}.get(column, "file")
                    field_errors[field] = problem_text(problem.message, problem.rule, lang)
    if error is not None:
        return render_task_page(request, task_id, form_error=error,
                                field_errors=field_errors, typed=fields)
    return RedirectResponse(f"/tasks/{task_id}?done=progress_saved#h-hist", status_code=303)


# -- the workflow's forms (extension, its decision, responsible person, evidence review): a
# refusal is said on the form's field, in the user's language, with what was typed; here, not
# in ``task_workflow`` (which this module imports), because it renders the task page again

def _workflow_step(request: Request, task_id: str,
                   step: Callable[[Session, Actor], object], *, form: str,
                   fields: dict[str, str], typed: dict[str, str], back: str) -> Response:
    """Run one workflow step as the signed-in user in one transaction; back to the task page
    when done, the task page with the refusal on ``form`` (``fields``: a problem's column →
    the form field's name) when the service refuses."""
    if programme(request).task(task_id) is None:
        raise PageError(404, "tasks.not_found", code=task_id)
    actor = actor_of(request)
    with db_session(request) as db:
        try:
            step(db, actor)
            db.commit()
        except (InputError, Conflict) as exc:
            db.rollback()
            lang = language(request)
            errors = field_errors(exc, lang, fields)
            errors[f"_{form}"] = error_text(exc, lang)
            return render_task_page(request, task_id, field_errors=errors, typed=typed)
    return RedirectResponse(f"/tasks/{task_id}{back}", status_code=303)


@router.post("/tasks/{task_id}/extension")
@page
def extension_request(request: Request, task_id: str,
                      new_deadline: str = Form("", max_length=10),
                      reason: str = Form("", max_length=4000)) -> Response:
    """A lead agency asks for a later deadline."""
    return _workflow_step(
        request, task_id, lambda db, actor: task_workflow.request_extension(
            db, actor, task_id, new_deadline, reason),
        form="extension", fields={"new_deadline": "new_deadline", "reason": "reason"},
        typed={"new_deadline": new_deadline, "reason": reason}, back="#h-workflow")


@router.post("/tasks/{task_id}/extension/{extension_id}/decide")
@page
def extension_decide(request: Request, task_id: str, extension_id: RowId,
                     decision: str = Form("", max_length=16),
                     note: str = Form("", max_length=4000)) -> Response:
    """The programme office grants or refuses an extension."""
    return _workflow_step(
        request, task_id, lambda db, actor: task_workflow.decide_extension(
            db, actor, extension_id, decision == "grant", note),
        form="decision", fields={"note": "decision_note"},
        typed={"decision_note": note, "decision_of": str(extension_id)}, back="#h-workflow")


@router.post("/tasks/{task_id}/responsible")
@page
def responsible_post(request: Request, task_id: str,
                     person: str = Form("", max_length=500)) -> Response:
    """The lead agency or the programme office names the responsible person."""
    return _workflow_step(
        request, task_id, lambda db, actor: task_workflow.set_responsible(
            db, actor, task_id, person),
        form="responsible", fields={"person": "person"}, typed={"person": person},
        back="#h-workflow")


@router.post("/tasks/{task_id}/updates/{update_id}/review")
@page
def review_post(request: Request, task_id: str, update_id: RowId,
                verdict: str = Form("", max_length=16),
                note: str = Form("", max_length=4000)) -> Response:
    """The programme office accepts an update's evidence or sends it back with a note."""
    return _workflow_step(
        request, task_id, lambda db, actor: task_workflow.review_update(
            db, actor, update_id, verdict, note),
        form="review", fields={"note": "review_note"},
        typed={"review_note": note, "review_of": str(update_id)}, back="#h-hist")
