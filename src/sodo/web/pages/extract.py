"""Trích xuất nhiệm vụ — from directive to tasks: paste a text or upload a file, see each
proposed task highlighted where the text says it, edit its "6 rõ" (lead and partners with the
unit picker), accept or reject each; accepted tasks go into the programme (its YAML file and
the store). Admins (the programme office) only; the services check it and audit it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sodo.domain import permissions
from sodo.domain.extract.model import Extraction
from sodo.domain.orgunits import NATION_CODE, OrgUnitLevel, default_hierarchy
from sodo.domain.permissions import Action, Actor
from sodo.domain.problems import InputError
from sodo.services import extract as extract_service
from sodo.services.extract.readers import MAX_BYTES
from sodo.services.programme import default_programme_path
from sodo.web.context import (
    app_context,
    db_session,
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
    "extract.title": ("Trích xuất nhiệm vụ", "Extract tasks"),
    "extract.nav": ("Trích xuất nhiệm vụ", "Extract tasks"),
    "extract.intro": ("Dán văn bản hoặc tải lên tệp (.docx, .pdf có lớp chữ, .txt) của thông báo "
                      "kết luận, công văn, chỉ thị hay phụ lục nhiệm vụ của quyết định; sodo đề xuất "
                      "từng nhiệm vụ theo nguyên tắc “6 rõ” để rà soát trước khi đưa vào chương trình.",
                      "Paste the text or upload the file (.docx, text-layer .pdf, .txt) of a "
                      "conclusion notice, an official letter, a directive or a decision's task "
                      "appendix; sodo proposes each task with the “6 rõ” for you to review before "
                      "it enters the programme."),
    "extract.text": ("Văn bản", "Text"),
    "extract.file": ("Hoặc tệp", "Or a file"),
    "extract.source": ("Số hiệu văn bản", "Document number"),
    "extract.date": ("Ngày văn bản", "Document date"),
    "extract.optional": ("(nếu đầu văn bản không ghi)", "(if its heading does not say)"),
    "extract.run": ("Trích xuất", "Extract"),
    "extract.proposals": ("Nhiệm vụ đề xuất ({n})", "Proposed tasks ({n})"),
    "extract.none": ("Không tìm thấy nhiệm vụ nào trong văn bản.", "No task was found in the text."),
    "extract.document": ("Văn bản đã đọc", "The text read"),
    "extract.work": ("Rõ việc — nội dung", "The work"),
    "extract.short": ("Tên ngắn", "Short title"),
    "extract.lead": ("Rõ người — chủ trì (mã đơn vị)", "Lead (unit codes)"),
    "extract.partners": ("Phối hợp (mã đơn vị)", "Partners (unit codes)"),
    "extract.partners_other": ("Phối hợp khác (ghi như văn bản, cách nhau bằng ;)",
                               "Other partners (as written, separated by ;)"),
    "extract.deadline": ("Rõ thời gian — thời hạn", "Deadline"),
    "extract.deadline_hint": ("vd. “trong Quý I/2026”, “2026-03-31”, “Thường xuyên”; để trống "
                              "nếu văn bản không nêu", "e.g. “trong Quý I/2026”, “2026-03-31”, "
                              "“Thường xuyên”; empty when the text gives none"),
    "extract.deliverable": ("Rõ kết quả — sản phẩm", "Deliverable"),
    "extract.authority": ("Rõ thẩm quyền — cấp trình/phê duyệt", "Approving authority"),
    "extract.accept": ("Nhận", "Accept"),
    "extract.reject": ("Bỏ", "Reject"),
    "extract.decision": ("Quyết định", "Decision"),
    "extract.confidence": ("độ tin cậy {c}", "confidence {c}"),
    "extract.unresolved": ("Chưa khớp đơn vị: {names}", "No unit found for: {names}"),
    "extract.submit": ("Đưa các nhiệm vụ đã nhận vào chương trình",
                       "Add the accepted tasks to the programme"),
    "extract.done": ("Đã thêm {n} nhiệm vụ vào chương trình ({file}); bỏ {r}.",
                     "Added {n} tasks to the programme ({file}); {r} rejected."),
    "extract.show": ("Xem trong văn bản", "Show in the text"),
    "extract.group": ("Thuộc mục", "Under"),
    "extract.names": ("Đơn vị", "Units"),
    "extract.again": ("Trích xuất văn bản khác", "Extract another document"),
    "extract.need_input": ("Hãy dán văn bản hoặc chọn một tệp.", "Paste a text or choose a file."),
    "extract.bad_date": ("Ngày “{value}” không đúng dạng (YYYY-MM-DD).",
                         "“{value}” is not a date (YYYY-MM-DD)."),
    "extract.none_accepted": ("Chưa nhận nhiệm vụ nào.", "No task was accepted."),
    "extract.kind.notice": ("Thông báo", "Notice"),
    "extract.kind.official_letter": ("Công văn", "Official letter"),
    "extract.kind.directive": ("Chỉ thị", "Directive"),
    "extract.kind.decision": ("Quyết định", "Decision"),
    "extract.kind.other": ("Văn bản", "Document"),
})


KIND_KEYS = {"notice": "extract.kind.notice", "official_letter": "extract.kind.official_letter",
             "directive": "extract.kind.directive", "decision": "extract.kind.decision"}


def _admin(request: Request) -> Actor:
    actor = require_actor(request)
    permissions.require(actor, Action.ADMIN)
    return actor


def _units(on: date | None) -> list[dict[str, str]]:
    """The unit picker's choices: the nation, the ministries and the provinces in force on
    the document's date."""
    hierarchy = default_hierarchy()
    units = [hierarchy.get(NATION_CODE)]
    for level in (OrgUnitLevel.MINISTRY, OrgUnitLevel.PROVINCE):
        units += hierarchy.at_level(level, on=on)
    return [{"code": u.code, "name": u.display_name} for u in units]


def _segments(text: str, proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut at every proposal's span: plain pieces and marked ones (by number)."""
    out, pos = [], 0
    for n, p in sorted(enumerate(proposals, start=1), key=lambda x: x[1]["span"][0]):
        start, end = p["span"]
        if start < pos or end <= start:
            continue
        out.append({"text": text[pos:start], "n": None})
        out.append({"text": text[start:end], "n": n})
        pos = end
    out.append({"text": text[pos:], "n": None})
    return out


def _review(request: Request, lang: str, *, text: str, document: dict[str, Any],
            proposals: list[dict[str, Any]], decisions: dict[int, str] | None = None,
            error: str | None = None, field_errors: dict[str, str] | None = None,
            done: str | None = None, status: int = 200) -> Response:
    issued = document.get("issued")
    on = date.fromisoformat(issued) if issued else app_context(request).today()
    for n, p in enumerate(proposals, start=1):
        p["n"] = n
        p["decision"] = (decisions or {}).get(n) or ("accept" if p.get("confidence", 0) >= 0.5
                                                     else "reject")
    kind = t(KIND_KEYS.get(str(document.get("kind")), "extract.kind.other"), lang)
    data = {"title": t("extract.title", lang), "mode": "review", "text": text,
            "document": {**document, "kind_label": kind}, "proposals": proposals,
            "segments": _segments(text, proposals), "units": _units(on),
            "error": error, "field_errors": field_errors or {}, "done": done}
    return render(request, "extract.html", data, status=form_status(request, status))


@router.get("/extract")
@page
def extract_home(request: Request) -> Response:
    lang = language(request)
    _admin(request)
    return render(request, "extract.html", {"title": t("extract.title", lang), "mode": "form",
                                            "error": None, "form": {}})


@router.post("/extract")
@page
async def extract_post(request: Request) -> Response:
    actor = _admin(request)  # before the upload is read
    posted = await request.form()
    upload = posted.get("file")
    data = None
    name = "text"
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(MAX_BYTES + 1)
        name = upload.filename
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_extract, request, actor, fields, data, name)


def _extract(request: Request, actor: Actor, fields: dict[str, str], data: bytes | None,
             name: str) -> Response:
    lang = language(request)
    text = fields.get("text", "")
    source = fields.get("source", "").strip() or None
    raw_date = fields.get("date", "").strip()

    def again(message: str, field: str) -> Response:
        return render(request, "extract.html",
                      {"title": t("extract.title", lang), "mode": "form", "error": message,
                       "error_field": field, "form": fields},
                      status=form_status(request, 422))

    try:
        issued = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        return again(t("extract.bad_date", lang, value=raw_date), "date")
    if data is None and not text.strip():
        return again(t("extract.need_input", lang), "text")
    ctx = app_context(request)
    with db_session(request) as db:
        try:
            extraction: Extraction = extract_service.propose(
                actor, text=text if data is None else None, data=data, name=name,
                source=source, issued=issued, today=ctx.today())
        except InputError as exc:  # said in the user's language, on the file or text
            return again(error_text(exc, lang), "file" if data is not None else "text")
        extract_service.record_proposals(db, actor, extraction, name)
        db.commit()
    result = extraction.to_dict()
    return _review(request, lang, text=result["text"], document=result["document"],
                   proposals=result["proposals"])


_FIELDS = ("work", "title", "lead", "partners", "partners_other", "deadline_text",
           "deliverable", "authority", "source", "issued", "source_passage", "span_start",
           "span_end", "group", "lead_other", "lead_text", "unresolved", "notes", "confidence",
           "recurring", "lead_names", "partner_names")


@router.post("/extract/accept")
@page
async def extract_accept(request: Request) -> Response:
    actor = _admin(request)
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_accept, request, actor, fields)


# a problem's column → the review form's field (the deadline is typed as words)
_FIELD_OF = {"deadline": "deadline_text"}


def _posted_proposals(fields: dict[str, str]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    count = int(fields.get("count", "0") or 0)
    proposals, decisions = [], {}
    for n in range(1, min(count, 2000) + 1):
        p = {f: fields.get(f"p{n}-{f}", "") for f in _FIELDS}
        p["span"] = [int(p.pop("span_start") or 0), int(p.pop("span_end") or 0)]
        p["confidence"] = float(p.get("confidence") or 0.5)
        p["recurring"] = p.get("recurring") == "true"
        for key in ("lead_names", "partner_names", "unresolved", "notes", "lead_other"):
            p[key] = [s for s in p[key].split(";") if s.strip()] if p[key] else []
        proposals.append(p)
        decisions[n] = fields.get(f"p{n}-decision", "reject")
    return proposals, decisions


def _accept(request: Request, actor: Actor, fields: dict[str, str]) -> Response:
    lang = language(request)
    proposals, decisions = _posted_proposals(fields)
    document = {"number": fields.get("document", ""), "issued": fields.get("issued") or None,
                "kind": fields.get("kind", ""), "title": ""}
    text = fields.get("text", "")
    edits = [{**p, "n": n} for n, p in enumerate(proposals, start=1)
             if decisions[n] == "accept"]
    if not edits:
        return _review(request, lang, text=text, document=document, proposals=proposals,
                       decisions=decisions, error=t("extract.none_accepted", lang), status=422)
    ctx = app_context(request)
    with db_session(request) as db:
        try:
            result = extract_service.accept(
                db, actor, ctx.settings.programme_path(), edits,
                rejected=len(proposals) - len(edits),
                default_programme=default_programme_path())
            db.commit()
        except InputError as exc:
            db.rollback()
            numbers = [n for n, p in enumerate(proposals, start=1) if decisions[n] == "accept"]
            errors: dict[str, str] = {}
            for problem in exc.problems:  # on each proposal's field, in the user's language
                index = int(problem.object.split()[-1]) if problem.object else 0
                if 0 < index <= len(numbers):
                    field = _FIELD_OF.get(str(problem.column), str(problem.column))
                    errors[f"p{numbers[index - 1]}-{field}"] = problem_text(
                        problem.message, problem.rule, lang)
            return _review(request, lang, text=text, document=document, proposals=proposals,
                           decisions=decisions, error=problem_text(exc.summary, "", lang),
                           field_errors=errors, status=422)
    message = t("extract.done", lang, n=len(result.task_ids), file=result.file.name,
                r=result.rejected)
    return render(request, "extract.html", {
        "title": t("extract.title", lang), "mode": "done", "message": message,
        "task_ids": result.task_ids, "file": str(result.file)})
