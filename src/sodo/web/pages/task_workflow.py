"""The task workflow on the task page: the responsible person (rõ người), extension requests
(xin gia hạn) and their decision, and the programme office's review of evidence. The task page
(:mod:`sodo.web.pages.tasks`) shows it through :func:`workflow_view`; its forms post to that
module, which renders the page again with a refusal on the field."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from sodo.domain.permissions import Action, NotFound, allows
from sodo.services import task_workflow
from sodo.web.context import actor_of, current_user, db_session
from sodo.web.i18n import register, t

register({
    "workflow.title": ("Gia hạn, trách nhiệm và minh chứng", "Extensions, responsibility, evidence"),
    "workflow.responsible": ("Người chịu trách nhiệm", "Responsible person"),
    "workflow.set_responsible": ("Giao người chịu trách nhiệm", "Name the responsible person"),
    "workflow.person": ("Họ tên, chức vụ", "Name and post"),
    "workflow.extensions": ("Đề nghị gia hạn", "Extension requests"),
    "workflow.no_extensions": ("Chưa có đề nghị gia hạn.", "No extension request."),
    "workflow.request": ("Xin gia hạn", "Request an extension"),
    "workflow.new_deadline": ("Thời hạn đề nghị", "New deadline asked for"),
    "workflow.reason": ("Lý do", "Reason"),
    "workflow.state.requested": ("Chờ quyết định", "Awaiting decision"),
    "workflow.state.granted": ("Đã đồng ý", "Granted"),
    "workflow.state.refused": ("Không đồng ý", "Refused"),
    "workflow.grant": ("Đồng ý gia hạn", "Grant"),
    "workflow.refuse": ("Không đồng ý", "Refuse"),
    "workflow.decision_note": ("Ý kiến", "Note"),
    "workflow.original": ("Thời hạn gốc", "Original deadline"),
    "workflow.extended": ("Thời hạn gia hạn", "Extended deadline"),
    "workflow.verdict.on_time": ("Hoàn thành đúng hạn gia hạn", "Done on time against the extension"),
    "workflow.verdict.late": ("Hoàn thành quá hạn gia hạn", "Done late against the extension"),
    "workflow.blocked": ("Vướng mắc", "Blocked"),
    "workflow.unblock_by": ("Cơ quan, người có thể tháo gỡ", "Who can unblock it"),
    "workflow.accept": ("Chấp nhận minh chứng", "Accept the evidence"),
    "workflow.send_back": ("Trả lại minh chứng", "Send the evidence back"),
    "workflow.review.accepted": ("Minh chứng đã được chấp nhận", "Evidence accepted"),
    "workflow.review.returned": ("Minh chứng bị trả lại", "Evidence sent back"),
})

_STATE_KEYS = {"requested": "workflow.state.requested", "granted": "workflow.state.granted",
               "refused": "workflow.state.refused"}
_VERDICT_KEYS = {"on_time": "workflow.verdict.on_time", "late": "workflow.verdict.late"}
_REVIEW_KEYS = {"accepted": "workflow.review.accepted", "returned": "workflow.review.returned"}


def workflow_view(request: Request, task_id: str, lead: list[str], summary: dict[str, Any],
                  lang: str) -> dict[str, Any]:
    """What the task page shows of the workflow, and which forms the user may use."""
    actor = current_user(request)
    with db_session(request) as db:
        try:
            exts = task_workflow.extensions(db, actor_of(request), task_id)
        except NotFound:
            exts = []
        person = task_workflow.responsible(db, task_id)
        reviews = task_workflow.reviews(db, task_id)
        rows = [{**task_workflow.extension_dict(e), "state_label": t(_STATE_KEYS[e.state], lang)}
                for e in exts]
        review_rows = {uid: {"verdict": r.verdict, "label": t(_REVIEW_KEYS[r.verdict], lang),
                             "note": r.note, "by": r.by} for uid, r in reviews.items()}
    is_lead = bool(actor) and any(allows(actor, Action.UPDATE_TASK, u) for u in lead)
    verdict = summary.get("extension_verdict")
    return {
        "responsible": person.person if person else "",
        "extensions": rows,
        "reviews": review_rows,
        "extended_due": summary.get("extended_due"),
        "verdict_label": t(_VERDICT_KEYS[verdict], lang) if verdict else None,
        "can_request": is_lead and not any(r["state"] == "requested" for r in rows),
        "can_decide": bool(actor) and actor.is_admin,
        "can_name": bool(actor) and (actor.is_admin or is_lead),
    }
