"""Follow-up (đôn đốc): what is due at an as-of date, who must hear of it, and sending it —
exactly once — by e-mail and to the in-app inbox.

What is due comes from the owners of each fact: task timeliness from the assessment service
(task deadlines and progress), the report calendar from :class:`sodo.domain.forms.ReportForm`
with the units' states from the reporting service, and submission events (returned, approved)
from the reporting service. The rules (how many days before, how often after, when to escalate)
are :mod:`sodo.domain.follow_up` with the workspace's ``[follow_up]`` settings.

Recipients: a unit's *staff* are its active reporters, its *leaders* its approvers; the
*programme office* is the admins. Each user chooses per kind e-mail, inbox only or off
(escalations and returns cannot be turned off); a user without an address gets the inbox.

Exactly once: each notice is inserted under a unique (kind, item, recipient, about); a rerun,
or a second worker computing the same notice, collides and skips it. The e-mail of a notice is
sent by whoever claims it (a conditional update, committed before sending); a failed send is
retried with doubling backoff and, after ``max_attempts``, marked failed for the admins. A
worker that dies between the server accepting a message and recording it leaves a claim that
runs out; that message may then be sent a second time (the one window left).
"""

from __future__ import annotations

import html
import os
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sodo.domain.assessment.targets import TargetStatus
from sodo.domain.assessment.tasks import TaskStatus
from sodo.domain.follow_up import (
    KINDS,
    MANDATORY,
    FollowUpConfig,
    check_preference,
    digest_week,
    escalation_due,
    kind_label,
    late_step,
    task_step,
)
from sodo.domain.orgunits import default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.permissions import Action, Actor, NotFound, require
from sodo.services import accounts, assessment, audit, catalogue, compliance, metrics, reporting
from sodo.services.context import AppContext
from sodo.services.mail import Transport, build_message
from sodo.stores.operational.models import User, utcnow
from sodo.stores.operational.notice_models import Notice, NoticeAttempt, NoticePreference

CLAIM_SECONDS = 600
SENT_STATES = ("pending", "retrying")
OFF_TRACK = {TargetStatus.OFF_TRACK, TargetStatus.DETERIORATING,
             TargetStatus.NEEDS_ACCELERATION, TargetStatus.NOT_ACHIEVED}


@dataclass
class Planned:
    """One notice sodo owes at the as-of date (not yet recorded)."""

    kind: str
    item: str
    about: str
    recipient: str
    recipient_unit: str
    channel: str  # email | inbox
    email: str
    lang: str
    due: date | None
    subject: str
    body_text: str
    body_html: str
    link: str
    sent: bool = False
    notice_id: int | None = None

    def row(self) -> dict[str, Any]:
        return {"kind": self.kind, "recipient_unit": self.recipient_unit,
                "recipient": self.recipient, "channel": self.channel, "item": self.item,
                "due": self.due.isoformat() if self.due else None, "subject": self.subject,
                "sent": self.sent}


@dataclass
class RunResult:
    planned: list[Planned] = field(default_factory=list)
    new: int = 0
    already: int = 0
    sent: int = 0
    failed: int = 0
    retried: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        return [p.row() for p in self.planned if p.notice_id is not None or not p.sent] \
            + self.retried


# -- recipients ---------------------------------------------------------------------------

@dataclass
class _People:
    users: list[User]
    prefs: dict[tuple[int, str], str]

    def staff(self, unit: str) -> list[User]:
        return [u for u in self.users if u.orgunit == unit and u.role == "reporter"]

    def leaders(self, unit: str) -> list[User]:
        return [u for u in self.users if u.orgunit == unit and u.role == "approver"]

    def office(self) -> list[User]:
        return [u for u in self.users if u.role == "admin"]

    def readers(self) -> list[User]:
        return [u for u in self.users if u.role in ("approver", "viewer")]

    def by_name(self, username: str | None) -> User | None:
        return next((u for u in self.users if u.username == username), None)

    def channel(self, user: User, kind: str) -> str | None:
        choice = self.prefs.get((user.id, kind), "email")
        if choice == "off":
            if kind not in MANDATORY:
                return None
            choice = "email"
        return "email" if choice == "email" and user.email else "inbox"


def _people(session: Session, actor: Actor) -> _People:
    users = [u for u in accounts.list_users(session, actor, limit=100_000) if u.active]
    prefs = {(p.user_id, p.kind): p.channel for p in session.scalars(select(NoticePreference))}
    return _People(users, prefs)


# -- messages -----------------------------------------------------------------------------

_TEXT = {
    "greeting": ("Kính gửi {name},", "Dear {name},"),
    "task_due_soon": ("Nhiệm vụ «{title}» do {unit} chủ trì có thời hạn {due} (còn {days} ngày).",
                      "The task “{title}” led by {unit} is due on {due} ({days} day(s) left)."),
    "task_overdue": ("Nhiệm vụ «{title}» do {unit} chủ trì đã quá hạn {days} ngày (hạn {due}).",
                     "The task “{title}” led by {unit} is {days} day(s) overdue (due {due})."),
    "task_escalation": ("Nhiệm vụ «{title}» do {unit} chủ trì đã quá hạn {days} ngày (hạn {due})"
                        " và được báo cáo lên Văn phòng Chương trình và lãnh đạo đơn vị.",
                        "The task “{title}” led by {unit} is {days} day(s) overdue (due {due}) "
                        "and is escalated to the programme office and the unit's leader."),
    "report_opening": ("Kỳ báo cáo {period} của biểu «{title}» đã mở cho {unit}; hạn nộp {due}.",
                       "Reporting for {period} on the form “{title}” is open for {unit}; due "
                       "{due}."),
    "report_due_soon": ("Báo cáo {period} của biểu «{title}» của {unit} đến hạn ngày {due} (còn "
                        "{days} ngày).",
                        "The {period} report on “{title}” of {unit} is due on {due} ({days} "
                        "day(s) left)."),
    "report_late": ("Báo cáo {period} của biểu «{title}» của {unit} đã chậm {days} ngày (hạn "
                    "{due}).",
                    "The {period} report on “{title}” of {unit} is {days} day(s) late (due "
                    "{due})."),
    "submission_returned": ("Báo cáo {period} của biểu «{title}» của {unit} đã bị {by} trả lại. "
                            "Ý kiến: {comment}",
                            "The {period} report on “{title}” of {unit} was returned by {by}. "
                            "Comment: {comment}"),
    "submission_approved": ("Báo cáo {period} của biểu «{title}» của {unit} đã được {by} phê "
                            "duyệt.",
                            "The {period} report on “{title}” of {unit} was approved by {by}."),
    "digest": ("Tổng hợp tuần {week} (đến ngày {as_of}).",
               "Weekly digest for {week} (as of {as_of})."),
    "link": ("Xem chi tiết: {link}", "Details: {link}"),
    "contact": ("Liên hệ: {contact}", "Contact: {contact}"),
    "footer": ("Thư tự động của sodo; chọn cách nhận thông báo trong mục Thông báo.",
               "An automatic message from sodo; choose how you receive notices under Notices."),
    "overdue_by_agency": ("Nhiệm vụ quá hạn theo cơ quan chủ trì", "Overdue tasks by lead agency"),
    "late_reports": ("Báo cáo chậm hạn", "Late reports"),
    "targets_changed": ("Mục tiêu chậm tiến độ đổi trạng thái trong tuần",
                        "Off-track targets whose status changed this week"),
    "none": ("(không có)", "(none)"),
    "missing_of": ("{form} kỳ {period}: {missing}/{owed} đơn vị chưa gửi",
                   "{form} {period}: {missing} of {owed} units have not sent"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    vi, en = _TEXT[key]
    return (en if lang == "en" else vi).format(**kw)


def _day(d: date | None, lang: str) -> str:
    if d is None:
        return "—"
    return d.isoformat() if lang == "en" else d.strftime("%d/%m/%Y")


def _compose(kind: str, lang: str, name: str, facts: dict[str, Any], link: str,
             contact: str, sections: list[tuple[str, list[str]]] | None = None
             ) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notice."""
    headline = _t(kind, lang, **facts)
    subject = f"[sodo] {kind_label(kind, lang)}: {facts.get('title') or facts.get('week', '')}"
    if facts.get("period"):
        subject += f" — {facts['period']}"
    lines = [_t("greeting", lang, name=name), "", headline]
    parts = [f"<p>{html.escape(_t('greeting', lang, name=name))}</p>",
             f"<p>{html.escape(headline)}</p>"]
    for title, items in sections or []:
        lines += ["", title + ":"] + [f"  - {i}" for i in items or [_t("none", lang)]]
        parts.append(f"<h3>{html.escape(title)}</h3><ul>"
                     + "".join(f"<li>{html.escape(i)}</li>" for i in items or [_t("none", lang)])
                     + "</ul>")
    if link:
        lines += ["", _t("link", lang, link=link)]
        parts.append(f'<p><a href="{html.escape(link, quote=True)}">'
                     f"{html.escape(_t('link', lang, link=link))}</a></p>")
    lines += [_t("contact", lang, contact=contact), "", "--", _t("footer", lang)]
    parts.append(f"<p>{html.escape(_t('contact', lang, contact=contact))}</p>"
                 f"<hr><p><small>{html.escape(_t('footer', lang))}</small></p>")
    body_html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                 f"<title>{html.escape(subject)}</title></head><body>"
                 + "".join(parts) + "</body></html>")
    return subject, "\n".join(lines) + "\n", body_html


# -- planning -----------------------------------------------------------------------------

class _Planner:
    def __init__(self, session: Session, ctx: AppContext, actor: Actor, as_of: date) -> None:
        self.session, self.ctx, self.actor, self.as_of = session, ctx, actor, as_of
        self.config: FollowUpConfig = ctx.settings.follow_up
        self.base = ctx.settings.public_url
        self.people = _people(session, actor)
        self.hierarchy = default_hierarchy()
        self.out: list[Planned] = []

    def unit_name(self, code: str) -> str:
        return self.hierarchy.get(code).name if code in self.hierarchy else code

    def add(self, kind: str, item: str, about: str, users: list[User], unit: str,
            due: date | None, facts: dict[str, Any], path: str,
            sections: Any = None) -> None:
        link = f"{self.base}{path}" if path else ""
        seen: set[str] = set()
        for user in users:
            if user.username in seen:
                continue
            seen.add(user.username)
            channel = self.people.channel(user, kind)
            if channel is None:
                continue
            lang = user.lang if user.lang in ("vi", "en") else "vi"
            made = {k: (_day(v, lang) if isinstance(v, date) else v) for k, v in facts.items()}
            secs = sections(lang) if callable(sections) else None
            subject, text, body = _compose(kind, lang, user.display_name or user.username,
                                           made, link, self.config.contact, secs)
            self.out.append(Planned(kind, item, about, user.username, unit, channel,
                                    user.email if channel == "email" else "", lang, due,
                                    subject, text, body, link))

    # tasks
    def tasks(self, programme: Any) -> None:
        for task_result in assessment.assess_tasks(self.session, programme, self.as_of,
                                                   self.ctx.settings.assess):
            if task_result.due is None or task_result.status not in (
                    TaskStatus.OVERDUE, TaskStatus.DUE_SOON, TaskStatus.IN_PROGRESS):
                continue
            due = task_result.extended_due or task_result.due  # an extension granted wins
            step = task_step(due, self.as_of, self.config)
            if step is None:
                continue
            kind, about = step
            days = abs((due - self.as_of).days)
            item, path = f"task:{task_result.task_id}", f"/tasks/{task_result.task_id}"
            for unit in task_result.lead:
                facts = {"title": task_result.title, "unit": self.unit_name(unit), "due": due,
                         "days": days}
                self.add(kind, item, about, self.people.staff(unit), unit, due, facts, path)
                escalated = escalation_due(due, self.as_of, self.config)
                if escalated:
                    self.add("task_escalation", item, escalated,
                             self.people.office() + self.people.leaders(unit), unit, due,
                             facts, path)

    # report forms
    def forms(self) -> None:
        for form in reporting.list_forms(self.session):
            open_period = form.open_period(self.as_of)
            if form.opens_on(open_period) <= self.as_of <= form.due_on(open_period):
                due = form.due_on(open_period)
                days = (due - self.as_of).days
                kind = ("report_due_soon" if days <= self.config.report_due_soon_days
                        else "report_opening")
                about = f"{open_period.id}/{'due-soon' if kind == 'report_due_soon' else 'open'}"
                self._owing(form, open_period, kind, about, due, days)
            late_period = form.due_period(self.as_of)
            due = form.due_on(late_period)
            step = late_step(due, self.as_of, self.config)
            if step is not None:
                self._owing(form, late_period, "report_late", f"{late_period.id}/late-{step}",
                            due, (self.as_of - due).days)

    def _owing(self, form: Any, period: Period, kind: str, about: str, due: date,
               days: int) -> None:
        units = form.reporting_units(on=period.end)
        sent = {s.orgunit for s in reporting.list_submissions(
            self.session, self.actor, form=form.code, period=period.id, limit=100_000).items
            if s.state in ("submitted", "approved")}
        for unit in units:
            staff = self.people.staff(unit)
            if unit in sent or not staff:
                continue
            facts = {"title": form.label("vi"), "unit": self.unit_name(unit),
                     "period": period.id, "due": due, "days": days}
            self.add(kind, f"form:{form.code}/{unit}/{period.id}", about, staff, unit, due,
                     facts, f"/reporting/{form.code}/{unit}/{period.id}")

    # submissions
    def submissions(self) -> None:
        forms = {f.code: f for f in reporting.list_forms(self.session)}
        recent = utcnow() - timedelta(days=self.config.approved_within_days)
        for state, kind in (("returned", "submission_returned"),
                            ("approved", "submission_approved")):
            for sub in reporting.list_submissions(self.session, self.actor, state=state,
                                                  limit=100_000).items:
                if sub.decided_at is None or (state == "approved" and sub.decided_at < recent):
                    continue
                form = forms.get(sub.form)
                reporter = self.people.by_name(sub.submitted_by or sub.created_by)
                users = [reporter] if reporter else self.people.staff(sub.orgunit)
                due = form.due_on(Period.parse(sub.period)) if form else None
                facts = {"title": form.label("vi") if form else sub.form,
                         "unit": self.unit_name(sub.orgunit), "period": sub.period,
                         "by": sub.decided_by or "", "comment": sub.comment or ""}
                self.add(kind, f"submission:{sub.id}",
                         f"{state}-{sub.decided_at.strftime('%Y%m%dT%H%M%S')}", users,
                         sub.orgunit, due, facts,
                         f"/reporting/{sub.form}/{sub.orgunit}/{sub.period}")

    # weekly digest
    def digest(self, programme: Any) -> None:
        week = digest_week(self.as_of, self.config)
        readers = self.people.readers()
        if week is None or not readers:
            return
        overdue: dict[str, list[str]] = {}
        for result in assessment.assess_tasks(self.session, programme, self.as_of,
                                              self.ctx.settings.assess):
            if result.status == TaskStatus.OVERDUE:
                for unit in result.lead:
                    overdue.setdefault(unit, []).append(
                        f"{result.task_id} {result.title} ({-(result.days_to_due or 0)})")
        late = []
        for row in compliance.reporting_status(self.session, self.actor, self.as_of):
            if row.overdue:
                late.append((row, len(row.missing)))
        now = {a.target_id: a for a in assessment.assess_targets(
            self.session, programme, self.as_of, self.ctx.settings.assess)}
        before = {a.target_id: a for a in assessment.assess_targets(
            self.session, programme, self.as_of - timedelta(days=7),
            self.ctx.settings.assess)}
        changed = [a for tid, a in now.items() if a.status in OFF_TRACK
                   and tid in before and before[tid].status != a.status]

        def sections(lang: str) -> list[tuple[str, list[str]]]:
            return [
                (_t("overdue_by_agency", lang),
                 [f"{self.unit_name(u)}: {len(items)} — " + "; ".join(items[:5])
                  for u, items in sorted(overdue.items(), key=lambda kv: -len(kv[1]))]),
                (_t("late_reports", lang),
                 [_t("missing_of", lang, form=row.name_en if lang == "en" and row.name_en
                     else row.name, period=row.period, missing=n, owed=row.owed)
                  for row, n in late]),
                (_t("targets_changed", lang),
                 [f"{a.target_id} {a.title}: {before[a.target_id].status.label(lang)} → "
                  f"{a.status.label(lang)}" for a in changed]),
            ]

        for user in readers:
            self.add("digest", f"digest:{week}", week, [user], user.orgunit, None,
                     {"week": week, "as_of": self.as_of, "title": week}, "/tasks",
                     sections)


def plan(ctx: AppContext, actor: Actor, as_of: date) -> list[Planned]:
    """Every notice owed at ``as_of`` (whether or not already sent)."""
    require(actor, Action.ADMIN)
    with ctx.session() as session:
        found = catalogue.current(session)
        planner = _Planner(session, ctx, actor, as_of)
        if found is not None:
            planner.tasks(found.programme)
        planner.forms()
        planner.submissions()
        if found is not None:
            planner.digest(found.programme)
        return planner.out


# -- recording and sending ----------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(ctx: AppContext, actor: Actor, as_of: date, *, dry_run: bool = False,
        transport: Transport | None = None) -> RunResult:
    """Compute what is due at ``as_of``; unless ``dry_run``, record each new notice (once)
    and send the e-mails owed, this run's and earlier ones waiting for a retry."""
    result = RunResult(planned=plan(ctx, actor, as_of))
    if dry_run:
        with ctx.session() as session:
            known = {tuple(row) for row in session.execute(
                select(Notice.kind, Notice.item, Notice.recipient, Notice.about))}
        result.planned = [p for p in result.planned
                          if (p.kind, p.item, p.recipient, p.about) not in known]
        return result
    transport = transport or Transport(ctx.settings.smtp_url, ctx.settings.mail_dir)
    with ctx.session() as session:
        for item in result.planned:
            try:
                with session.begin_nested():
                    notice = Notice(
                        kind=item.kind, item=item.item, recipient=item.recipient,
                        recipient_unit=item.recipient_unit, about=item.about,
                        due=item.due.isoformat() if item.due else "",
                        as_of=as_of.isoformat(), channel=item.channel, email=item.email,
                        lang=item.lang, subject=item.subject, body_text=item.body_text,
                        body_html=item.body_html, link=item.link,
                        mail_state="pending" if item.channel == "email" else "none")
                    session.add(notice)
                    session.flush()
            except IntegrityError:
                result.already += 1
                item.sent = True  # recorded before: not this run's
                continue
            item.notice_id = notice.id
            item.sent = item.channel == "inbox"
            result.new += 1
            audit.record(session, actor, "notice.create", "notice", str(notice.id), None,
                         {"kind": item.kind, "item": item.item, "recipient": item.recipient,
                          "about": item.about, "channel": item.channel})
        audit.record(session, actor, "notice.run", "follow_up", as_of.isoformat(), None,
                     {"planned": len(result.planned), "new": result.new,
                      "already": result.already})
        session.commit()
    if not transport.configured:
        if any(p.notice_id and p.channel == "email" for p in result.planned):
            result.warnings.append("no mail server configured (SODO_SMTP_URL or [mail] "
                                   "folder): e-mails wait in the queue")
        return result
    outcome = deliver(ctx, actor, transport)
    mine = {p.notice_id: p for p in result.planned if p.notice_id is not None}
    for notice_id, ok, row in outcome:
        if notice_id in mine:
            mine[notice_id].sent = ok
        else:
            result.retried.append({**row, "sent": ok})
        result.sent += ok
        result.failed += not ok
    return result


def deliver(ctx: AppContext, actor: Actor, transport: Transport,
            now: datetime | None = None) -> list[tuple[int, bool, dict[str, Any]]]:
    """Send every e-mail waiting (new, or due for a retry), each claimed first so that two
    workers never send the same one. Returns (notice id, sent?, row) per attempt."""
    config = ctx.settings.follow_up
    worker = worker_name()
    now = now or utcnow()
    done: list[tuple[int, bool, dict[str, Any]]] = []
    with ctx.session() as session:
        waiting = list(session.scalars(
            select(Notice.id).where(Notice.mail_state.in_(SENT_STATES),
                                    or_(Notice.next_attempt_at.is_(None),
                                        Notice.next_attempt_at <= now))
            .order_by(Notice.id)))
    for notice_id in waiting:
        with ctx.session() as session:
            claimed = session.execute(
                update(Notice).where(and_(
                    Notice.id == notice_id, Notice.mail_state.in_(SENT_STATES),
                    or_(Notice.claimed_until.is_(None), Notice.claimed_until < now)))
                .values(claimed_by=worker, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                .execution_options(synchronize_session=False))
            session.commit()
            if claimed.rowcount != 1:
                continue
            notice = session.get(Notice, notice_id)
            assert notice is not None
            msg = build_message(ctx.settings.mail_sender, notice.email, notice.subject,
                                notice.body_text, notice.body_html, notice.lang)
            msg["X-Sodo-Notice"] = f"{notice.id} {notice.kind} {notice.item} {notice.about}"
            error = ""
            try:
                transport.send(msg, f"{notice.id:06d}-{notice.kind}-{notice.recipient}")
            except Exception as exc:  # any failure of the server or the network: retry later
                error = f"{type(exc).__name__}: {exc}"[:2000]
            notice.attempts += 1
            notice.claimed_until = None
            if error:
                notice.last_error = error
                if notice.attempts >= config.max_attempts:
                    notice.mail_state = "failed"
                    notice.next_attempt_at = None
                else:
                    notice.mail_state = "retrying"
                    notice.next_attempt_at = utcnow() + timedelta(
                        seconds=config.retry_delay(notice.attempts))
            else:
                notice.mail_state, notice.sent_at, notice.last_error = "sent", utcnow(), ""
                notice.next_attempt_at = None
            metrics.REMINDERS_SENT.labels(notice.kind, "failed" if error else "sent").inc()
            session.add(NoticeAttempt(notice_id=notice.id, worker=worker, ok=not error,
                                      error=error))
            audit.record(session, actor, "notice.send" if not error else "notice.send_failed",
                         "notice", str(notice.id), None,
                         {"to": notice.email, "attempt": notice.attempts,
                          "state": notice.mail_state, "error": error})
            session.commit()
            done.append((notice.id, not error, notice_row(notice)))
    return done


def notice_row(notice: Notice) -> dict[str, Any]:
    return {"kind": notice.kind, "recipient_unit": notice.recipient_unit,
            "recipient": notice.recipient, "channel": notice.channel, "item": notice.item,
            "due": notice.due or None, "subject": notice.subject,
            "sent": notice.mail_state in ("sent", "none")}


def notice_dict(notice: Notice) -> dict[str, Any]:
    return {**notice_row(notice), "id": notice.id, "about": notice.about,
            "as_of": notice.as_of, "email": notice.email, "lang": notice.lang,
            "link": notice.link, "body_text": notice.body_text,
            "created_at": notice.created_at.isoformat() if notice.created_at else None,
            "read": notice.read_at is not None, "mail_state": notice.mail_state,
            "attempts": notice.attempts, "last_error": notice.last_error,
            "next_attempt_at": notice.next_attempt_at.isoformat()
            if notice.next_attempt_at else None,
            "sent_at": notice.sent_at.isoformat() if notice.sent_at else None}


# -- preferences and the inbox ------------------------------------------------------------

def preferences(session: Session, actor: Actor, username: str) -> dict[str, str]:
    """Each kind → the user's choice (``email`` unless changed)."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    user = accounts.get_user(session, username)
    chosen = {p.kind: p.channel for p in session.scalars(
        select(NoticePreference).where(NoticePreference.user_id == user.id))}
    return {kind: chosen.get(kind, "email") for kind in KINDS}


def set_preference(session: Session, actor: Actor, username: str, kind: str,
                   channel: str) -> None:
    """Choose e-mail, inbox only or off for one kind (the user themself, or an admin)."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    check_preference(kind, channel)
    user = accounts.get_user(session, username)
    row = session.scalar(select(NoticePreference).where(
        NoticePreference.user_id == user.id, NoticePreference.kind == kind))
    before = row.channel if row else "email"
    if row is None:
        session.add(NoticePreference(user_id=user.id, kind=kind, channel=channel))
    else:
        row.channel = channel
    audit.record(session, actor, "notice.preference", "user", username, {kind: before},
                 {kind: channel})


def inbox(session: Session, actor: Actor, *, unread_only: bool = False,
          limit: int = 100) -> list[Notice]:
    """The actor's own notices, newest first."""
    require(actor, Action.READ_PUBLIC)
    stmt = select(Notice).where(Notice.recipient == actor.username)
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    return list(session.scalars(stmt.order_by(Notice.id.desc()).limit(limit)))


def unread_count(session: Session, actor: Actor) -> int:
    if not actor.is_authenticated:
        return 0
    return session.scalar(select(func.count(Notice.id)).where(
        Notice.recipient == actor.username, Notice.read_at.is_(None))) or 0


def get_notice(session: Session, actor: Actor, notice_id: int) -> Notice:
    """One of the actor's notices (an admin may read any); others do not exist (404)."""
    notice = session.get(Notice, notice_id)
    if notice is None or (notice.recipient != actor.username and not actor.is_admin):
        raise NotFound(f"no notice {notice_id}")
    return notice


def mark_read(session: Session, actor: Actor, notice_id: int | None = None) -> int:
    """Mark one of the actor's notices read (or all of them); how many changed."""
    require(actor, Action.READ_PUBLIC)
    stmt = update(Notice).where(Notice.recipient == actor.username, Notice.read_at.is_(None))
    if notice_id is not None:
        get_notice(session, actor, notice_id)
        stmt = stmt.where(Notice.id == notice_id)
    changed = session.execute(stmt.values(read_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    return int(changed or 0)


def sent_log(session: Session, actor: Actor, *, state: str | None = None,
             limit: int = 200) -> list[Notice]:
    """Every notice, newest first (admins): what was sent, to whom, and what failed."""
    require(actor, Action.READ_AUDIT)
    stmt = select(Notice)
    if state:
        stmt = stmt.where(Notice.mail_state == state)
    return list(session.scalars(stmt.order_by(Notice.id.desc()).limit(limit)))


def requeue(session: Session, actor: Actor, notice_id: int) -> Notice:
    """Try a failed (or waiting) e-mail again at the next run (admins)."""
    require(actor, Action.ADMIN)
    notice = session.get(Notice, notice_id)
    if notice is None or notice.channel != "email":
        raise NotFound(f"no e-mail notice {notice_id}")
    before = notice.mail_state
    if notice.mail_state != "sent":
        notice.mail_state, notice.next_attempt_at, notice.claimed_until = "pending", None, None
    audit.record(session, actor, "notice.requeue", "notice", str(notice.id),
                 {"state": before}, {"state": notice.mail_state})
    return notice


def mail_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many notices are in each e-mail state (admins)."""
    require(actor, Action.READ_AUDIT)
    return {state: count for state, count in session.execute(
        select(Notice.mail_state, func.count(Notice.id)).group_by(Notice.mail_state))}
