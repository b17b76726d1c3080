"""The in-app inbox (thông báo): a user's notices, newest first, unread ones marked; one notice
with its message and a link to the item; marking read; the user's choice per kind (e-mail,
inbox only, off). For admins, the log of everything sent, with what failed and a retry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sodo.domain.follow_up import CHANNELS, KINDS, MANDATORY, kind_label
from sodo.domain.permissions import Action, require
from sodo.services import accounts, follow_up
from sodo.web.context import db_session, language, page, render, require_actor
from sodo.web.i18n import LANGUAGE_NAMES, LANGUAGES, register, t

router = APIRouter(include_in_schema=False)

register({
    "notices.title": ("Thông báo", "Notices"),
    "notices.bell": ("Thông báo chưa đọc: {n}", "Unread notices: {n}"),
    "notices.none": ("Chưa có thông báo nào.", "No notices yet."),
    "notices.unread": ("Chưa đọc", "Unread"),
    "notices.read": ("Đã đọc", "Read"),
    "notices.mark_read": ("Đánh dấu đã đọc", "Mark read"),
    "notices.mark_all": ("Đánh dấu tất cả đã đọc", "Mark all read"),
    "notices.open_item": ("Mở mục liên quan", "Open the item"),
    "notices.kind": ("Loại", "Kind"),
    "notices.subject": ("Tiêu đề", "Subject"),
    "notices.received": ("Nhận lúc", "Received"),
    "notices.due": ("Thời hạn", "Deadline"),
    "notices.back": ("Quay lại danh sách thông báo", "Back to the notices"),
    "notices.preferences": ("Cách nhận thông báo", "How you receive notices"),
    "notices.channel.email": ("Thư điện tử và hộp thư", "E-mail and inbox"),
    "notices.channel.inbox": ("Chỉ hộp thư trong sodo", "Inbox only"),
    "notices.channel.off": ("Tắt", "Off"),
    "notices.mandatory": ("(không tắt được)", "(cannot be turned off)"),
    "notices.save": ("Lưu lựa chọn", "Save choices"),
    "notices.saved": ("Đã lưu lựa chọn.", "Choices saved."),
    "notices.log": ("Nhật ký thông báo đã gửi", "Log of notices sent"),
    "notices.recipient": ("Người nhận", "Recipient"),
    "notices.mail_state": ("Thư điện tử", "E-mail"),
    "notices.attempts": ("Số lần gửi", "Attempts"),
    "notices.error": ("Lỗi gần nhất", "Last error"),
    "notices.retry": ("Gửi lại", "Retry"),
    "notices.counts": ("Theo trạng thái", "By state"),
    "notices.language": ("Ngôn ngữ của thông báo", "Language of notices"),
})

_CHANNEL_KEYS = {"email": "notices.channel.email", "inbox": "notices.channel.inbox",
                 "off": "notices.channel.off"}


def _item(notice: Any, lang: str) -> dict[str, Any]:
    """The notice for the page; its link as a path of this site (the e-mail has the full
    address, which may differ from the one the user reached)."""
    return {**follow_up.notice_dict(notice), "kind_label": kind_label(notice.kind, lang),
            "path": urlsplit(notice.link).path or "/"}


@router.get("/notices")
@page
def notices(request: Request, saved: int = 0) -> Response:
    lang = language(request)
    actor = require_actor(request)
    with db_session(request) as db:
        items = [_item(n, lang) for n in follow_up.inbox(db, actor)]
        prefs = follow_up.preferences(db, actor, actor.username)
        notice_lang = accounts.get_user(db, actor.username).lang
    choices = [{"kind": kind, "label": kind_label(kind, lang), "channel": prefs[kind],
                "mandatory": kind in MANDATORY,
                "options": [{"value": c, "label": t(_CHANNEL_KEYS[c], lang)} for c in CHANNELS
                            if not (c == "off" and kind in MANDATORY)]} for kind in KINDS]
    return render(request, "notices.html", {
        "title": t("notices.title", lang), "notices": items,
        "unread": sum(1 for n in items if not n["read"]), "preferences": choices,
        "notice_lang": notice_lang, "languages": [{"value": code, "label": LANGUAGE_NAMES[code]}
                                                  for code in LANGUAGES],
        "message": t("notices.saved", lang) if saved else None})


@router.get("/notices/{notice_id}")
@page
def notice_page(request: Request, notice_id: int) -> Response:
    lang = language(request)
    actor = require_actor(request)
    with db_session(request) as db:
        notice = follow_up.get_notice(db, actor, notice_id)
        if notice.recipient == actor.username:
            follow_up.mark_read(db, actor, notice_id)
            db.commit()
            db.refresh(notice)
        item = _item(notice, lang)
    return render(request, "notice.html", {"title": item["subject"], "notice": item})


@router.post("/notices/{notice_id}/read")
@page
def notice_read(request: Request, notice_id: int) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        follow_up.mark_read(db, actor, notice_id)
        db.commit()
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/read-all")
@page
def notices_read_all(request: Request) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        follow_up.mark_read(db, actor)
        db.commit()
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/preferences")
@page
async def notice_preferences(request: Request) -> Response:
    actor = require_actor(request)
    form = await request.form()
    wanted = {kind: str(form.get(f"pref_{kind}", "")) for kind in KINDS}
    lang = str(form.get("notice_lang", ""))
    def save() -> None:
        with db_session(request) as db:
            current = follow_up.preferences(db, actor, actor.username)
            for kind, channel in wanted.items():
                if channel and channel != current[kind]:
                    follow_up.set_preference(db, actor, actor.username, kind, channel)
            if lang and lang != accounts.get_user(db, actor.username).lang:
                accounts.set_language(db, actor, actor.username, lang)
            db.commit()

    await run_in_threadpool(save)
    return RedirectResponse("/notices?saved=1", status_code=303)


@router.get("/admin/notices")
@page
def notice_log(request: Request, state: str | None = None) -> Response:
    lang = language(request)
    actor = require_actor(request)
    require(actor, Action.READ_AUDIT)
    with db_session(request) as db:
        items = [_item(n, lang) for n in follow_up.sent_log(db, actor, state=state or None)]
        counts = follow_up.mail_counts(db, actor)
    return render(request, "notices_admin.html", {
        "title": t("notices.log", lang), "notices": items, "counts": counts, "state": state})


@router.post("/admin/notices/{notice_id}/retry")
@page
def notice_retry(request: Request, notice_id: int) -> Response:
    actor = require_actor(request)
    with db_session(request) as db:
        follow_up.requeue(db, actor, notice_id)
        db.commit()
    return RedirectResponse("/admin/notices", status_code=303)

