"""``sodo remind`` against a real SMTP server on loopback: each kind of notice reaches the
right people at the right as-of dates, in their language, with a text and an HTML part, and
nothing is sent twice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sodo.cli.main import app
from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor, Role
from sodo.services import reporting
from sodo.stores.operational.tables import make_engine

runner = CliRunner()


def remind(ws: Path, as_of: str, *extra: str) -> list[dict]:
    result = runner.invoke(app, ["remind", "--as-of", as_of, "--format", "json",
                                 "--workspace", str(ws), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kinds(rows: list[dict]) -> set[tuple[str, str]]:
    return {(r["kind"], r["recipient"]) for r in rows}


def body(msg) -> tuple[str, str]:
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text, html


def test_task_reminders_escalation_and_exactly_once(workspace: Path, smtp) -> None:
    rows = remind(workspace, "2026-03-10")
    assert not [r for r in rows if r["kind"].startswith("task")]  # 21 days before: nothing
    rows = remind(workspace, "2026-03-17")
    task_rows = [r for r in rows if r["kind"].startswith("task")]
    assert kinds(task_rows) == {("task_due_soon", "hn.reporter"),
                                ("task_due_soon", "hn.noemail")}
    by = {r["recipient"]: r for r in task_rows}
    assert by["hn.reporter"] == {**by["hn.reporter"], "channel": "email", "item": "task:NV-A",
                                 "due": "2026-03-31", "recipient_unit": "01", "sent": True}
    assert by["hn.noemail"]["channel"] == "inbox"
    assert set(rows[0]) == {"kind", "recipient_unit", "recipient", "channel", "item", "due",
                            "subject", "sent"}
    [msg] = [m for m in smtp.inbox.to("hn.reporter@example.vn")
             if "Nhiệm vụ sắp đến hạn" in m["Subject"]]
    text, html = body(msg)
    assert "31/03/2026" in text and "còn 14 ngày" in text
    assert "https://sodo.example.vn/tasks/NV-A" in text and 'href="https://sodo.example.vn/tasks/NV-A"' in html
    assert msg["From"] == "sodo <sodo@example.vn>"
    # the same day again, and a day later: the 14-day reminder is not sent twice
    assert not [r for r in remind(workspace, "2026-03-17") if r["kind"].startswith("task")]
    assert not [r for r in remind(workspace, "2026-03-18") if r["kind"].startswith("task")]
    # 3 days before, then overdue, then every 7 days, and escalated after 14
    assert ("task_due_soon", "hn.reporter") in kinds(remind(workspace, "2026-03-28"))
    assert ("task_overdue", "hn.reporter") in kinds(remind(workspace, "2026-04-01"))
    assert not [r for r in remind(workspace, "2026-04-07") if r["kind"].startswith("task")]
    late = kinds([r for r in remind(workspace, "2026-04-14") if r["kind"].startswith("task")])
    assert late == {("task_overdue", "hn.reporter"), ("task_overdue", "hn.noemail"),
                    ("task_escalation", "admin"), ("task_escalation", "hn.approver")}
    [esc] = [m for m in smtp.inbox.to("hn.leader@example.vn") if "vượt cấp" in m["Subject"]]
    assert "quá hạn 14 ngày" in body(esc)[0]
    # every notice went to one address, once
    sent = [(tuple(r), m["X-Sodo-Notice"].split(" ", 1)[1]) for r, m in smtp.inbox.messages]
    assert len(sent) == len(set(sent))


def _submit(workspace: Path, period: str, today: date) -> int:
    engine = make_engine(f"sqlite:///{workspace / 'sodo.db'}")
    reporter = Actor("hn.reporter", Role.REPORTER, "01")
    with Session(engine) as session:
        sub = reporting.save_draft(session, reporter, "BC-THANG", "01", period,
                                   [ValueInput("ho_so", 120)], today=today)
        reporting.submit(session, reporter, sub.id, today=today)
        session.commit()
        sub_id = sub.id
    engine.dispose()
    return sub_id


def test_report_calendar_and_submission_notices(workspace: Path, smtp) -> None:
    # March's report opens on 31/03 and is due on 10/04
    rows = [r for r in remind(workspace, "2026-04-01") if r["item"].endswith("/2026-03")]
    assert kinds(rows) == {("report_opening", "hn.reporter"), ("report_opening", "hn.noemail"),
                           ("report_opening", "hcm.reporter")}
    [msg] = [m for m in smtp.inbox.to("hcm.reporter@example.vn")
             if "report_opening form:BC-THANG/79/2026-03 " in m["X-Sodo-Notice"]]
    assert msg["Subject"].startswith("[sodo] Report period open")  # in English
    assert "due 2026-04-10" in body(msg)[0]
    # Hà Nội submits; it is returned with a comment, then the reminders go to Hồ Chí Minh only
    sub_id = _submit(workspace, "2026-03", date(2026, 4, 2))
    engine = make_engine(f"sqlite:///{workspace / 'sodo.db'}")
    approver = Actor("hn.approver", Role.APPROVER, "01")
    with Session(engine) as session:
        reporting.return_submission(session, approver, sub_id, "Thiếu số liệu quận Hoàn Kiếm")
        session.commit()
    rows = remind(workspace, "2026-04-08")
    assert ("submission_returned", "hn.reporter") in kinds(rows)
    [ret] = [m for m in smtp.inbox.to("hn.reporter@example.vn") if "trả lại" in m["Subject"]]
    assert "Thiếu số liệu quận Hoàn Kiếm" in body(ret)[0]
    due_soon = {r["recipient"] for r in rows if r["kind"] == "report_due_soon"}
    assert due_soon == {"hn.reporter", "hn.noemail", "hcm.reporter"}  # returned: not sent
    # resubmitted and approved: the reporter hears of it, and only HCM is late
    with Session(engine) as session:
        reporter = Actor("hn.reporter", Role.REPORTER, "01")
        reporting.save_draft(session, reporter, "BC-THANG", "01", "2026-03",
                             [ValueInput("ho_so", 125)], today=date(2026, 4, 9))
        reporting.submit(session, reporter, sub_id, today=date(2026, 4, 9))
        reporting.approve(session, approver, sub_id)
        session.commit()
    engine.dispose()
    rows = remind(workspace, "2026-04-11")
    assert ("submission_approved", "hn.reporter") in kinds(rows)
    late = {r["recipient"] for r in rows if r["kind"] == "report_late"
            and r["item"].endswith("/2026-03")}
    assert late == {"hcm.reporter"}


def test_weekly_digest_for_leaders_and_viewers(workspace: Path, smtp) -> None:
    rows = [r for r in remind(workspace, "2026-04-13") if r["kind"] == "digest"]  # a Monday
    assert {r["recipient"] for r in rows} == {"hn.approver", "viewer"}
    [msg] = smtp.inbox.to("viewer@example.vn")
    text = body(msg)[0]
    assert "2026-W16" in msg["Subject"]
    assert "Nhiệm vụ quá hạn theo cơ quan chủ trì" in text and "NV-A" in text
    assert "Báo cáo chậm hạn" in text
    assert not [r for r in remind(workspace, "2026-04-15") if r["kind"] == "digest"]


def test_dry_run_records_and_sends_nothing(workspace: Path, smtp) -> None:
    rows = remind(workspace, "2026-03-17", "--dry-run")
    assert rows and all(r["sent"] is False for r in rows)
    assert smtp.inbox.messages == []
    assert remind(workspace, "2026-03-17", "--dry-run") == rows
    assert {r["kind"] for r in remind(workspace, "2026-03-17")} == {r["kind"] for r in rows}
