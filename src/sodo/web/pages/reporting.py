"""Agency reporting: the reporter's open forms and the approver's queue, a report form (web
entry or Excel template), saving and submitting, approving and returning. Every change goes
through the reporting service, which checks rights and writes the audit log; these pages parse
the form, call it, and show its errors in place in the user's language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sodo.domain.forms import EDITABLE, ReportForm, ValueInput
from sodo.domain.periods import Period, PeriodError
from sodo.domain.permissions import Action, Actor, Conflict, NotFound, allows
from sodo.domain.problems import InputError
from sodo.domain.text import nfc
from sodo.http.deps import RowId
from sodo.http.downloads import download
from sodo.http.views import indicator_name, period_label, unit_label
from sodo.services import excel_forms, reporting
from sodo.web.context import (
    PageError,
    app_context,
    db_session,
    form_status,
    language,
    page,
    programme,
    render,
    require_actor,
)
from sodo.web.format import format_number
from sodo.web.forms import error_text, field_message, parse_number, problem_text, upload_summary
from sodo.web.i18n import t, unit_text

router = APIRouter(include_in_schema=False)
DONE_KEYS = ("saved", "submitted", "approved", "returned")


@router.get("/reporting")
@page
def reporting_home(request: Request, done: str | None = None) -> Response:
    lang = language(request)
    actor = require_actor(request)
    today = app_context(request).today()
    open_forms: list[dict[str, Any]] = []
    to_approve: list[dict[str, Any]] = []
    form_names: dict[str, str] = {}
    with db_session(request) as db:
        for form in reporting.list_forms(db):
            form_names[form.code] = form.label(lang)
            # the period whose report is past due (until it is sent), then the open one
            periods = list(dict.fromkeys([form.due_period(today), form.open_period(today)]))
            for period in periods:
                units = [u for u in form.reporting_units(on=period.end)
                         if allows(actor, Action.REPORT, u)]
                if not units:
                    continue
                subs = {s.orgunit: s for s in reporting.list_submissions(
                    db, actor, form=form.code, period=period.id, limit=1000).items}
                due = form.due_on(period)
                for unit in units:
                    sub = subs.get(unit)
                    state = sub.state if sub else "open"
                    sent = state in ("submitted", "approved")
                    overdue = not sent and due < today
                    if period != periods[-1] and sent:
                        continue  # a past period already sent needs nothing more
                    open_forms.append({
                        "form": form.code, "form_name": form.label(lang), "orgunit": unit,
                        "orgunit_name": unit_label(unit, lang), "period": period.id,
                        "period_label": period.label(lang), "due": due,
                        "state": state, "state_label": t(f"state.{state}", lang),
                        "overdue": overdue, "days_late": (today - due).days if overdue else 0,
                        "url": f"/reporting/{form.code}/{unit}/{period.id}",
                    })
        open_forms.sort(key=lambda f: (not f["overdue"], f["due"]))
        if allows(actor, Action.APPROVE, actor.orgunit):
            for sub in reporting.list_submissions(db, actor, state="submitted",
                                                  limit=500).items:
                if allows(actor, Action.APPROVE, sub.orgunit):
                    to_approve.append(submission_row(sub, lang, form_names.get(sub.form)))
    result = {"title": t("reporting.title", lang), "open_forms": open_forms,
              "overdue_count": sum(1 for f in open_forms if f["overdue"]),
              "to_approve": to_approve, "done": done,
              "done_message": t(f"reporting.{done}", lang) if done in DONE_KEYS else None}
    return render(request, "reporting.html", result)


def submission_row(sub: Any, lang: str, form_name: str | None = None) -> dict[str, Any]:
    return {"id": sub.id, "form": sub.form, "form_name": form_name or sub.form,
            "submitted_at": sub.submitted_at, "orgunit": sub.orgunit,
            "orgunit_name": unit_label(sub.orgunit, lang), "period": sub.period,
            "period_label": period_label(sub.period, lang), "state": sub.state,
            "state_label": t(f"state.{sub.state}", lang), "version": sub.version,
            "late": sub.late, "submitted_by": sub.submitted_by, "comment": sub.comment,
            "url": f"/reporting/{sub.form}/{sub.orgunit}/{sub.period}",
            "values": [{"indicator": v.indicator, "value": v.value} for v in sub.values]}


def form_context(request: Request, db: Session, actor: Actor, form: ReportForm, orgunit: str,
                 period: Period, lang: str, typed: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None,
                 upload_errors: list[dict[str, Any]] | None = None,
                 typed_notes: dict[str, str] | None = None) -> dict[str, Any]:
    history = reporting.history(db, actor, form.code, orgunit, period.id)
    current = history[-1] if history else None
    state = current.state if current else "open"
    editable = state in (*EDITABLE, "open", "approved") and allows(actor, Action.REPORT, orgunit)
    stored = {v.indicator: v.value for v in current.values} if current else {}
    today = app_context(request).today()
    # notes come with the values (the Excel template's "Ghi chú", "Ước tính"): shown and kept
    notes = {v.indicator: v.note or "" for v in current.values} if current else {}
    cat = programme(request)
    fields = []
    for spec in form.indicators:
        ind = cat.indicator(spec.code)
        value_text = (typed or {}).get(spec.code)
        if value_text is None:
            value_text = format_number(stored.get(spec.code), lang) \
                if stored.get(spec.code) is not None else ""
        hints = []
        if spec.min is not None:
            hints.append(f"≥ {format_number(spec.min, lang)}")
        if spec.max is not None:
            hints.append(f"≤ {format_number(spec.max, lang)}")
        if spec.integer:
            hints.append(t("reporting.whole_number", lang))
        fields.append({
            "code": spec.code, "label": spec.label or indicator_name(cat, spec.code, lang),
            "unit": unit_text(ind.unit, lang) if ind else "", "required": spec.required,
            "value": value_text, "hint": " · ".join(hints),
            "error": (errors or {}).get(spec.code),
            "note": (typed_notes or {}).get(spec.code, notes.get(spec.code, "")),
        })
    return {
        "title": f"{form.label(lang)} · {unit_label(orgunit, lang)}",
        "form": form.code, "form_name": form.label(lang), "orgunit": orgunit,
        "orgunit_name": unit_label(orgunit, lang), "period": period.id,
        "period_label": period.label(lang), "due": form.due_on(period),
        "state": state, "state_label": t(f"state.{state}", lang), "editable": editable,
        "submission": submission_row(current, lang) if current else None,
        "can_approve": bool(current and current.state == "submitted"
                            and allows(actor, Action.APPROVE, orgunit)),
        # not sent by its due date: said on the form too, with the days late
        "days_late": (today - form.due_on(period)).days
        if state in ("open", "draft", "returned") and form.due_on(period) < today else 0,
        "fields": fields, "error_count": len(errors or {}),
        "upload_errors": upload_errors or [],
        "done_message": None,
    }


def _load_form(db: Session, form_code: str, period_id: str) -> tuple[ReportForm, Period]:
    try:
        form = reporting.get_form(db, form_code)
    except NotFound:
        raise PageError(404, "error.not_found") from None
    try:
        period = form.check_period(period_id)
    except (InputError, PeriodError):
        raise PageError(400, "error.bad_period", value=period_id) from None
    return form, period


@router.get("/reporting/{form_code}/{orgunit}/{period_id}")
@page
def report_form(request: Request, form_code: str, orgunit: str, period_id: str,
                done: str | None = None) -> Response:
    lang = language(request)
    actor = require_actor(request)
    with db_session(request) as db:
        form, period = _load_form(db, form_code, period_id)
        if not allows(actor, Action.READ_DRAFT, orgunit):
            raise PageError(403, "error.forbidden")
        result = form_context(request, db, actor, form, orgunit, period, lang)
    if done in DONE_KEYS:
        result["done_message"] = t(f"reporting.{done}", lang)
    return render(request, "report_form.html", result)


@router.post("/reporting/{form_code}/{orgunit}/{period_id}")
@page
async def report_save(request: Request, form_code: str, orgunit: str,
                      period_id: str) -> Response:
    require_actor(request)
    posted = {key: str(value) for key, value in (await request.form()).items()}
    # the database work runs in the thread pool, like the other pages
    return await run_in_threadpool(_report_save, request, form_code, orgunit, period_id, posted)


def _report_save(request: Request, form_code: str, orgunit: str, period_id: str,
                 posted: dict[str, str]) -> Response:
    lang = language(request)
    actor = require_actor(request)
    action = posted.get("action", "save")
    today = app_context(request).today()
    with db_session(request) as db:
        form, period = _load_form(db, form_code, period_id)
        typed = {spec.code: str(posted.get(f"v_{spec.code}", "")) for spec in form.indicators}
        typed_notes = {spec.code: nfc(str(posted.get(f"n_{spec.code}", "")).strip())[:500]
                       for spec in form.indicators}
        errors: dict[str, str] = {}
        values: list[ValueInput] = []
        numbers: dict[str, float | None] = {}
        for spec in form.indicators:
            try:
                numbers[spec.code] = parse_number(typed[spec.code], lang)
            except ValueError:
                errors[spec.code] = t("reporting.not_number", lang, value=typed[spec.code])
                continue
            if numbers[spec.code] is not None:
                values.append(ValueInput(spec.code, numbers[spec.code],
                                         note=typed_notes[spec.code], where=spec.code))
        try:
            if errors:
                raise InputError("invalid numbers")
            sub = reporting.save_draft(db, actor, form.code, orgunit, period.id, values,
                                       channel="web", today=today)
            if action == "submit":
                reporting.submit(db, actor, sub.id, today=today)
        except InputError as exc:
            db.rollback()
            for problem in exc.problems:
                code = problem.object if problem.object in typed else None
                if code is None:
                    continue
                spec = next((s for s in form.indicators if s.code == code), None)
                errors.setdefault(code, field_message(problem, spec, numbers.get(code), lang))
            if not errors:
                errors["_form"] = error_text(exc, lang)
            result = form_context(request, db, actor, form, orgunit, period, lang, typed,
                                  {k: v for k, v in errors.items() if k != "_form"},
                                  typed_notes=typed_notes)
            result["error_count"] = len(errors)
            result["form_error"] = errors.get("_form")
            return render(request, "report_form.html", result,
                          status=form_status(request, 422))
        except Conflict as exc:
            db.rollback()
            result = form_context(request, db, actor, form, orgunit, period, lang, typed,
                                  typed_notes=typed_notes)
            result["form_error"] = error_text(exc, lang)
            return render(request, "report_form.html", result,
                          status=form_status(request, 409))
        db.commit()
    done = "submitted" if action == "submit" else "saved"
    return RedirectResponse(f"/reporting/{form_code}/{orgunit}/{period_id}?done={done}",
                            status_code=303)


@router.get("/reporting/{form_code}/{orgunit}/{period_id}/template.xlsx")
@page
def report_template(request: Request, form_code: str, orgunit: str,
                    period_id: str) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        _load_form(db, form_code, period_id)
        name, content = excel_forms.template_for(db, actor, form_code, period_id, [orgunit])
    return download(content, name, excel_forms.XLSX_MEDIA_TYPE)


@router.post("/reporting/{form_code}/{orgunit}/{period_id}/upload")
@page
async def report_upload(request: Request, form_code: str, orgunit: str,
                        period_id: str) -> Response:
    actor = require_actor(request)
    if not allows(actor, Action.REPORT, orgunit):
        raise PageError(403, "error.forbidden")  # before the workbook is read or parsed
    # The body is no route parameter, so it is parsed only now, after the rights check.
    posted = await request.form(max_files=1, max_fields=10)
    file = posted.get("file")
    if file is None or isinstance(file, str):
        raise PageError(400, "error.bad_request")
    content = await file.read(excel_forms.MAX_UPLOAD_BYTES + 1)
    return await run_in_threadpool(_report_upload, request, form_code, orgunit, period_id,
                                   content, file.filename or "upload.xlsx")


def _report_upload(request: Request, form_code: str, orgunit: str, period_id: str,
                   content: bytes, filename: str) -> Response:
    lang = language(request)
    actor = require_actor(request)
    with db_session(request) as db:
        form, period = _load_form(db, form_code, period_id)
        try:
            excel_forms.import_upload(db, actor, content, filename, form_code=form_code)
        except InputError as exc:
            db.rollback()
            cells = [{**c, "message": problem_text(c["message"], c["rule"], lang)}
                     for c in excel_forms.problems_as_cells(exc.problems)]
            cell_count = sum(1 for c in cells if c["cell"])
            summary = (upload_summary(cell_count, lang) if cell_count
                       else cells[0]["message"] if cells else t("problem.unreadable", lang))
            result = form_context(request, db, actor, form, orgunit, period, lang,
                                  upload_errors=cells
                                  or [{"sheet": "", "cell": "", "message": summary}])
            result["form_error"] = summary
            return render(request, "report_form.html", result,
                          status=form_status(request, 422))
        db.commit()
    return RedirectResponse(f"/reporting/{form_code}/{orgunit}/{period_id}?done=saved",
                            status_code=303)


@router.post("/submissions/{submission_id}/approve")
@page
def approve(request: Request, submission_id: RowId) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        try:
            reporting.approve(db, actor, submission_id)
        except (Conflict, NotFound) as exc:
            db.rollback()
            return _refused(request, error_text(exc, language(request)))
        db.commit()
    return RedirectResponse("/reporting?done=approved", status_code=303)


@router.post("/submissions/{submission_id}/return")
@page
def return_report(request: Request, submission_id: RowId,
                  comment: str = Form("", max_length=2000)) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        try:
            reporting.return_submission(db, actor, submission_id, comment)
        except (Conflict, NotFound, InputError) as exc:
            db.rollback()
            return _refused(request, error_text(exc, language(request)))
        db.commit()
    return RedirectResponse("/reporting?done=returned", status_code=303)


def _refused(request: Request, message: str) -> Response:
    """The page for a review the service refused (already approved, gone, bad comment)."""
    return render(request, "error.html", {"status": 409, "message": message,
                                          "title": t("error.title", language(request))},
                  status=form_status(request, 409))
