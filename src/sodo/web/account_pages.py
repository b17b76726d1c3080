"""Pages that act: log in and out, agency reporting (web form and Excel), approval,
administration, and the open-data page for anonymous visitors.

Every change goes through a service (``accounts``, ``reporting``, ``excel_forms``,
``store_import``, ``audit``), which checks the user's rights and writes the audit log; these
routes parse the form, call the service, commit, and show errors in place in the user's
language.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sodo.domain import permissions
from sodo.domain.periods import Period, PeriodError
from sodo.domain.permissions import Action, Actor, Conflict, LoginRateLimited, NotFound, allows
from sodo.domain.problems import InputError, Problem
from sodo.http.deps import client_ip, login_session, logout_session
from sodo.services import accounts, audit, excel_forms, reporting, store_import, task_progress
from sodo.services.programme import load_programme
from sodo.services.reporting import EDITABLE, ReportForm, ValueInput
from sodo.stores.operational.tables import indicator_value
from sodo.web.format import format_number
from sodo.web.i18n import t, unit_text

router = APIRouter()

# Late imports from routes (which includes this router once its helpers are defined).
from sodo.web.routes import (  # noqa: E402
    PageError,
    current_user,
    indicator_name,
    language,
    page,
    period_label,
    recency,
    render,
    render_task_page,
    unit_label,
    wants_json,
    web_data,
)


def form_status(request: Request, status: int) -> int:
    """A form shown again with its errors is a normal page for the browser (200), so the error
    is read in place and not logged as a failed load; its JSON twin keeps the real status."""
    return status if wants_json(request) else 200


def db_session(request: Request) -> Session:
    return request.app.state.sessionmaker()


def require_actor(request: Request) -> Actor:
    actor = current_user(request)
    if actor is None:
        raise permissions.NotAuthenticated("sign in")
    return actor


def safe_next(target: str | None) -> str:
    """Only local paths, so a login link cannot send the user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


# -- login and logout ------------------------------------------------------------------------

@router.get("/login", include_in_schema=False)
@page
def login_form(request: Request, next: str = "/") -> Response:
    lang = language(request)
    return render(request, "login.html", {"title": t("login.title", lang), "next": safe_next(next),
                                          "error": None, "username": ""})


@router.post("/login", include_in_schema=False)
@page
def login(request: Request, username: str = Form("", max_length=64),
                password: str = Form("", max_length=1024), next: str = Form("/")) -> Response:
    lang = language(request)
    target = safe_next(next)
    with db_session(request) as db:
        try:
            user = accounts.authenticate(db, username.strip(), password, client_ip(request))
        except LoginRateLimited as exc:
            db.commit()
            error = t("login.rate_limited", lang, minutes=max(1, exc.retry_after // 60))
            return render(request, "login.html", {"title": t("login.title", lang),
                                                  "next": target, "error": error,
                                                  "username": username},
                          status=form_status(request, 429))
        db.commit()
        if user is None:
            return render(request, "login.html", {"title": t("login.title", lang),
                                                  "next": target,
                                                  "error": t("login.failed", lang),
                                                  "username": username},
                          status=form_status(request, 401))
        response = RedirectResponse(target, status_code=303)
        login_session(response, request, user)
        return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    logout_session(response, request)
    return response


# -- reporting ----------------------------------------------------------------------------------

def open_period(form: ReportForm, today: date) -> Period:
    """The newest period of the form that has opened by ``today``."""
    period = Period.containing(today, form.period_type)
    for _ in range(24):
        if form.opens_on(period) <= today:
            return period
        period = period.previous()
    return period


def due_period(form: ReportForm, today: date) -> Period:
    """The newest period of the form whose report was due by ``today`` (the open one if none
    is due yet)."""
    period = open_period(form, today)
    for _ in range(24):
        if form.due_on(period) <= today:
            return period
        period = period.previous()
    return open_period(form, today)


def form_label(form: ReportForm, lang: str) -> str:
    return form.name_en if lang == "en" and form.name_en else form.name


@router.get("/reporting", include_in_schema=False)
@page
def reporting_home(request: Request, done: str | None = None) -> Response:
    lang = language(request)
    actor = require_actor(request)
    data = web_data(request)
    today = data.today
    open_forms: list[dict[str, Any]] = []
    to_approve: list[dict[str, Any]] = []
    with db_session(request) as db:
        for form in reporting.list_forms(db):
            period = open_period(form, today)
            units = [u for u in form.reporting_units(on=period.end)
                     if allows(actor, Action.REPORT, u)]
            if not units:
                continue
            subs = {s.orgunit: s for s in reporting.list_submissions(
                db, actor, form=form.code, period=period.id, limit=1000).items}
            for unit in units:
                sub = subs.get(unit)
                state = sub.state if sub else "open"
                open_forms.append({
                    "form": form.code, "form_name": form_label(form, lang), "orgunit": unit,
                    "orgunit_name": unit_label(unit, lang), "period": period.id,
                    "period_label": period.label(lang), "due": form.due_on(period),
                    "state": state, "state_label": t(f"state.{state}", lang),
                    "url": f"/reporting/{form.code}/{unit}/{period.id}",
                })
        if any(allows(actor, Action.APPROVE, u) for u in [actor.orgunit]):
            for sub in reporting.list_submissions(db, actor, state="submitted",
                                                  limit=500).items:
                if not allows(actor, Action.APPROVE, sub.orgunit):
                    continue
                to_approve.append(submission_row(sub, lang))
    result = {"title": t("reporting.title", lang), "open_forms": open_forms,
              "to_approve": to_approve, "done": done,
              "done_message": t(f"reporting.{done}", lang) if done in DONE_KEYS else None}
    return render(request, "reporting.html", result)


DONE_KEYS = ("saved", "submitted", "approved", "returned")


def submission_row(sub: Any, lang: str) -> dict[str, Any]:
    return {"id": sub.id, "form": sub.form, "orgunit": sub.orgunit,
            "orgunit_name": unit_label(sub.orgunit, lang), "period": sub.period,
            "period_label": period_label(sub.period, lang), "state": sub.state,
            "state_label": t(f"state.{sub.state}", lang), "version": sub.version,
            "late": sub.late, "submitted_by": sub.submitted_by, "comment": sub.comment,
            "url": f"/reporting/{sub.form}/{sub.orgunit}/{sub.period}",
            "values": [{"indicator": v.indicator, "value": v.value} for v in sub.values]}


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


def form_context(request: Request, db: Session, actor: Actor, form: ReportForm, orgunit: str,
                 period: Period, lang: str, typed: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None,
                 upload_errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    history = reporting.history(db, actor, form.code, orgunit, period.id)
    current = history[-1] if history else None
    state = current.state if current else "open"
    editable = state in (*EDITABLE, "open", "approved") and allows(actor, Action.REPORT, orgunit)
    stored = {v.indicator: v.value for v in current.values} if current else {}
    data = web_data(request)
    fields = []
    for spec in form.indicators:
        ind = data.indicator(spec.code)
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
            "code": spec.code, "label": spec.label or indicator_name(data, spec.code, lang),
            "unit": unit_text(ind.unit, lang) if ind else "", "required": spec.required, "value": value_text,
            "hint": " · ".join(hints), "error": (errors or {}).get(spec.code),
        })
    return {
        "title": f"{form_label(form, lang)} · {unit_label(orgunit, lang)}",
        "form": form.code, "form_name": form_label(form, lang), "orgunit": orgunit,
        "orgunit_name": unit_label(orgunit, lang), "period": period.id,
        "period_label": period.label(lang), "due": form.due_on(period),
        "state": state, "state_label": t(f"state.{state}", lang), "editable": editable,
        "submission": submission_row(current, lang) if current else None,
        "can_approve": bool(current and current.state == "submitted"
                            and allows(actor, Action.APPROVE, orgunit)),
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


@router.get("/reporting/{form_code}/{orgunit}/{period_id}", include_in_schema=False)
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


@router.post("/reporting/{form_code}/{orgunit}/{period_id}", include_in_schema=False)
@page
async def report_save(request: Request, form_code: str, orgunit: str,
                      period_id: str) -> Response:
    posted = {key: str(value) for key, value in (await request.form()).items()}
    # the database work runs in the thread pool, like the other pages
    return await run_in_threadpool(_report_save, request, form_code, orgunit, period_id, posted)


def _report_save(request: Request, form_code: str, orgunit: str, period_id: str,
                 posted: dict[str, str]) -> Response:
    lang = language(request)
    actor = require_actor(request)
    action = posted.get("action", "save")
    with db_session(request) as db:
        form, period = _load_form(db, form_code, period_id)
        typed = {spec.code: str(posted.get(f"v_{spec.code}", "")) for spec in form.indicators}
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
                values.append(ValueInput(spec.code, numbers[spec.code], where=spec.code))
        try:
            if errors:
                raise InputError("invalid numbers")
            sub = reporting.save_draft(db, actor, form.code, orgunit, period.id, values,
                                       channel="web", today=web_data(request).today)
            if action == "submit":
                reporting.submit(db, actor, sub.id, today=web_data(request).today)
        except InputError as exc:
            db.rollback()
            for problem in exc.problems:
                code = problem.object if problem.object in typed else None
                if code is None:
                    continue
                spec = next((s for s in form.indicators if s.code == code), None)
                errors.setdefault(code, field_message(problem, spec, numbers.get(code), lang))
            if not errors:
                errors["_form"] = exc.summary
            result = form_context(request, db, actor, form, orgunit, period, lang, typed,
                                  {k: v for k, v in errors.items() if k != "_form"})
            result["error_count"] = len(errors)
            result["form_error"] = errors.get("_form")
            return render(request, "report_form.html", result,
                          status=form_status(request, 422))
        except Conflict as exc:
            db.rollback()
            result = form_context(request, db, actor, form, orgunit, period, lang, typed)
            result["form_error"] = str(exc)
            return render(request, "report_form.html", result,
                          status=form_status(request, 409))
        db.commit()
    done = "submitted" if action == "submit" else "saved"
    return RedirectResponse(f"/reporting/{form_code}/{orgunit}/{period_id}?done={done}",
                            status_code=303)


@router.get("/reporting/{form_code}/{orgunit}/{period_id}/template.xlsx",
            include_in_schema=False)
@page
def report_template(request: Request, form_code: str, orgunit: str,
                          period_id: str) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        _load_form(db, form_code, period_id)
        name, content = excel_forms.template_for(db, actor, form_code, period_id, [orgunit])
    return Response(content, media_type=excel_forms.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/reporting/{form_code}/{orgunit}/{period_id}/upload", include_in_schema=False)
@page
async def report_upload(request: Request, form_code: str, orgunit: str, period_id: str,
                        file: UploadFile = File(...)) -> Response:
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
            result = form_context(request, db, actor, form, orgunit, period, lang,
                                  upload_errors=excel_forms.problems_as_cells(exc.problems)
                                  or [{"sheet": "", "cell": "", "message": exc.summary}])
            result["form_error"] = exc.summary
            return render(request, "report_form.html", result,
                          status=form_status(request, 422))
        db.commit()
    return RedirectResponse(f"/reporting/{form_code}/{orgunit}/{period_id}?done=saved",
                            status_code=303)


@router.post("/submissions/{submission_id}/approve", include_in_schema=False)
@page
def approve(request: Request, submission_id: int) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        try:
            reporting.approve(db, actor, submission_id)
        except (Conflict, NotFound) as exc:
            db.rollback()
            return _refused(request, str(exc))
        db.commit()
    return RedirectResponse("/reporting?done=approved", status_code=303)


def _refused(request: Request, message: str) -> Response:
    """The page for a review the service refused (already approved, gone, bad comment)."""
    return render(request, "error.html", {"status": 409, "message": message,
                                          "title": t("error.title", language(request))},
                  status=form_status(request, 409))


@router.post("/submissions/{submission_id}/return", include_in_schema=False)
@page
def return_report(request: Request, submission_id: int,
                        comment: str = Form("", max_length=2000)) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        try:
            reporting.return_submission(db, actor, submission_id, comment)
        except (Conflict, NotFound, InputError) as exc:
            db.rollback()
            return _refused(request, exc.summary if isinstance(exc, InputError) else str(exc))
        db.commit()
    return RedirectResponse("/reporting?done=returned", status_code=303)


# -- task progress -------------------------------------------------------------------------------

@router.post("/tasks/{task_id}/progress", include_in_schema=False)
@page
async def task_progress_post(request: Request, task_id: str) -> Response:
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
    try:
        percent = parse_number(fields.get("percent", ""), lang)
    except ValueError:
        percent = None
        error = t("reporting.not_number", lang, value=fields.get("percent", ""))
    else:
        error = None
    with db_session(request) as db:
        if error is None:
            try:
                task_progress.report_progress(
                    db, actor, task_id, fields.get("status", ""), percent,
                    fields.get("note", ""), fields.get("evidence_url", ""), evidence)
                db.commit()
            except NotFound:
                raise PageError(404, "tasks.not_found", code=task_id) from None
            except InputError as exc:
                db.rollback()
                error = "; ".join([exc.summary, *(p.message for p in exc.problems)])
    if error is not None:
        return render_task_page(request, task_id, form_error=error)
    return RedirectResponse(f"/tasks/{task_id}?done=progress_saved#h-hist", status_code=303)


# -- open data ------------------------------------------------------------------------------------

@router.get("/public", include_in_schema=False)
@page
def public_values(request: Request) -> Response:
    """Approved values only: what anyone may read and reuse."""
    lang = language(request)
    data = web_data(request)
    iv = indicator_value.c
    columns = (iv.indicator, iv.orgunit, iv.period, iv.value, iv.origin, iv.source,
               iv.updated_at)
    # values agencies reported and had approved (few), newest first; then the national
    # figure of every indicator (one unit: read through the org-unit index, not a scan)
    reported = (select(*columns)
                .where(iv.state == "approved", iv.category == "", iv.origin == "reported")
                .order_by(iv.updated_at.desc(), iv.indicator, iv.orgunit).limit(200))
    national = (select(*columns)
                .where(iv.state == "approved", iv.category == "", iv.orgunit == "VN",
                       iv.origin != "reported"))
    latest: dict[str, Any] = {}
    rows = []
    with data.engine.connect() as conn:
        found = list(conn.execute(reported).mappings())
        for row in conn.execute(national).mappings():
            held = latest.get(row["indicator"])
            if held is None or recency(Period.parse(row["period"]), data.today) > recency(
                    Period.parse(held["period"]), data.today):
                latest[row["indicator"]] = row
    for row in found + [latest[k] for k in sorted(latest)]:
        if row["indicator"].startswith("svc766_") and row["indicator"] != "svc766_total":
            continue
        ind = data.indicator(row["indicator"])
        rows.append({
            "indicator": row["indicator"],
            "indicator_name": indicator_name(data, row["indicator"], lang),
            "orgunit": row["orgunit"], "orgunit_name": unit_label(row["orgunit"], lang),
            "period": row["period"], "period_label": period_label(row["period"], lang),
            "value": row["value"], "unit": unit_text(ind.unit, lang) if ind else "",
            "origin": row["origin"], "source": row["source"],
            "updated_at": row["updated_at"],
        })
    return render(request, "public.html", {"title": t("public.title", lang), "rows": rows})


# -- administration -------------------------------------------------------------------------------

def require_admin(request: Request) -> Actor:
    actor = require_actor(request)
    permissions.require(actor, Action.ADMIN)
    return actor


def admin_context(request: Request, db: Session, actor: Actor, lang: str) -> dict[str, Any]:
    data = web_data(request)
    forms = []
    for form in reporting.list_forms(db):
        period = open_period(form, data.today)
        forms.append({"code": form.code, "name": form_label(form, lang),
                      "period_type": form.period_type, "period": period.id,
                      "period_label": period.label(lang), "opens_on": form.opens_on(period),
                      "due_on": form.due_on(period),
                      "units": len(form.reporting_units(on=period.end))})
    return {
        "title": t("admin.title", lang),
        "users": [accounts.user_dict(u) for u in accounts.list_users(db, actor)],
        "tokens": [accounts.token_dict(tk) for tk in accounts.list_tokens(db, actor)],
        "forms": forms,
        "audit": [audit.entry_dict(e) for e in audit.query(db, actor, limit=30).entries],
        "roles": [r.value for r in permissions.Role if r is not permissions.Role.PUBLIC],
        "message": None, "error": None, "new_token": None,
    }


@router.get("/admin", include_in_schema=False)
@page
def admin_home(request: Request) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        return render(request, "admin.html", admin_context(request, db, actor, lang))


@router.post("/admin/users", include_in_schema=False)
@page
def admin_add_user(request: Request, username: str = Form("", max_length=64),
                         password: str = Form("", max_length=1024),
                         role: str = Form("reporter", max_length=16),
                         orgunit: str = Form("VN", max_length=32),
                         display_name: str = Form("", max_length=200)) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            accounts.create_user(db, actor, username, password, role, orgunit.strip(),
                                 display_name)
        except (InputError, Conflict) as exc:
            db.rollback()
            result = admin_context(request, db, actor, lang)
            result["error"] = str(exc) if isinstance(exc, Conflict) else "; ".join(
                [exc.summary, *(p.message for p in exc.problems)])
            return render(request, "admin.html", result,
                          status=form_status(request, 422))
        db.commit()
        result = admin_context(request, db, actor, lang)
        result["message"] = t("admin.user_added", lang, name=username)
        return render(request, "admin.html", result)


@router.post("/admin/tokens", include_in_schema=False)
@page
def admin_new_token(request: Request, username: str = Form("", max_length=64),
                          name: str = Form("", max_length=100),
                          scope: str = Form("read", max_length=16)) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            _token, secret = accounts.create_token(db, actor, username, name, (scope,),
                                                   timedelta(days=90))
        except (InputError, NotFound, permissions.Forbidden) as exc:
            db.rollback()
            result = admin_context(request, db, actor, lang)
            result["error"] = exc.summary if isinstance(exc, InputError) else str(exc)
            return render(request, "admin.html", result,
                          status=form_status(request, 422))
        db.commit()
        result = admin_context(request, db, actor, lang)
        result["new_token"] = secret
        return render(request, "admin.html", result)


@router.post("/admin/tokens/{token_id}/revoke", include_in_schema=False)
@page
def admin_revoke_token(request: Request, token_id: int) -> Response:
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            accounts.revoke_token(db, actor, token_id)
        except NotFound:
            raise PageError(404, "error.not_found") from None
        db.commit()
    return RedirectResponse("/admin#tokens", status_code=303)


@router.post("/admin/programme/import", include_in_schema=False)
@page
def admin_import_programme(request: Request) -> Response:
    lang = language(request)
    actor = require_admin(request)
    data = web_data(request)
    with db_session(request) as db:
        try:
            result_import = store_import.import_programme(db, load_programme(data.programme_path),
                                                          actor)
        except InputError as exc:
            db.rollback()
            result = admin_context(request, db, actor, lang)
            result["error"] = "; ".join([exc.summary, *(str(p) for p in exc.problems[:20])])
            return render(request, "admin.html", result,
                          status=form_status(request, 422))
        db.commit()
        result = admin_context(request, db, actor, lang)
        result["message"] = t("admin.imported", lang, summary=result_import.summary())
        return render(request, "admin.html", result)
