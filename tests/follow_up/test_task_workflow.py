"""The task workflow over HTTP: "vướng mắc" with the obstacle and who can unblock it, an
extension requested by the lead and granted by the programme office (the original deadline
kept; timeliness judged against both), the responsible person, evidence accepted; the
accountability table counts blocked tasks and extensions; reminders follow the extension."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sodo.domain.periods import vietnam_today

from .conftest import csrf_of
from .test_remind import remind


def test_blocked_extension_responsible_and_review(workspace: Path, smtp, client_for) -> None:
    today = vietnam_today()  # updates and decisions are stamped with the real clock
    reporter = client_for("hn.reporter", today)
    page = reporter.get("/tasks/NV-A")
    refused = reporter.post("/tasks/NV-A/progress", data={
        "csrf_token": csrf_of(page.text), "status": "blocked", "percent": "40",
        "note": "Chưa được cấp kinh phí"})
    assert "Hãy nêu ai có thể tháo gỡ vướng mắc." in refused.text  # in the page's language
    reporter.post("/tasks/NV-A/progress", data={
        "csrf_token": csrf_of(page.text), "status": "blocked", "percent": "40",
        "note": "Chưa được cấp kinh phí", "unblock_by": "Sở Tài chính"})
    task = reporter.get("/tasks/NV-A", params={"format": "json"}).json()
    assert task["blocked"] and task["obstacle"] == "Chưa được cấp kinh phí"
    assert task["unblock_by"] == "Sở Tài chính" and task["status"] == "overdue"
    # the lead asks for an extension; the programme office grants it
    new_deadline = today + timedelta(days=30)
    page = reporter.get("/tasks/NV-A")
    reporter.post("/tasks/NV-A/extension", data={
        "csrf_token": csrf_of(page.text), "new_deadline": new_deadline.isoformat(),
        "reason": "Chờ phân bổ kinh phí năm"})
    admin = client_for("admin", today)
    wf = admin.get("/tasks/NV-A", params={"format": "json"}).json()["workflow"]
    [ext] = wf["extensions"]
    assert ext["state"] == "requested" and wf["can_decide"]
    page = admin.get("/tasks/NV-A")
    admin.post(f"/tasks/NV-A/extension/{ext['id']}/decide", data={
        "csrf_token": csrf_of(page.text), "decision": "grant", "note": "Đồng ý"})
    task = reporter.get("/tasks/NV-A", params={"format": "json"}).json()
    assert task["due"] == "2026-03-31"  # the original deadline is kept
    assert task["extended_due"] == new_deadline.isoformat()
    assert task["status"] == "in_progress"  # not overdue while the extension runs
    assert "Thời hạn gia hạn" in reporter.get("/tasks/NV-A").text
    # reminders follow the extension: nothing overdue for NV-A today
    rows = remind(workspace, today.isoformat())
    assert not [r for r in rows if r["item"] == "task:NV-A" and r["kind"] != "digest"]
    # the board's accountability table counts the blocked task and the extension
    board = admin.get("/tasks", params={"format": "json"}).json()
    [hanoi] = [r for r in board["by_lead"] if r["code"] == "01"]
    assert hanoi["blocked"] == 1 and hanoi["extended"] == 1
    # responsible person; done with evidence, accepted by the programme office
    page = reporter.get("/tasks/NV-A")
    reporter.post("/tasks/NV-A/responsible", data={
        "csrf_token": csrf_of(page.text), "person": "Nguyễn Văn A, Phó Giám đốc Sở"})
    reporter.post("/tasks/NV-A/progress", data={
        "csrf_token": csrf_of(page.text), "status": "done", "percent": "100",
        "note": "Đã ban hành", "evidence_url": "https://example.vn/ke-hoach.pdf"})
    task = admin.get("/tasks/NV-A", params={"format": "json"}).json()
    assert task["workflow"]["responsible"] == "Nguyễn Văn A, Phó Giám đốc Sở"
    assert task["status"] == "done_late" and task["extension_verdict"] == "on_time"
    html = admin.get("/tasks/NV-A").text
    assert "hoàn thành đúng hạn gia hạn" in html
    update_id = task["history"][0]["id"]
    admin.post(f"/tasks/NV-A/updates/{update_id}/review", data={
        "csrf_token": csrf_of(html), "verdict": "accepted"})
    assert "Minh chứng đã được chấp nhận" in admin.get("/tasks/NV-A").text
    # a reporter cannot decide extensions
    assert reporter.post(f"/tasks/NV-A/extension/{ext['id']}/decide", data={
        "csrf_token": csrf_of(page.text), "decision": "grant"}).status_code == 403


def test_progress_sent_through_the_api_counts_on_the_pinned_day(workspace: Path) -> None:
    """A demo or a test pins today before the clock: an update sent through the API is
    stamped on that day (as the web form's is), so the board shows it instead of dropping
    it as made in the future."""
    from dataclasses import replace
    from datetime import date, datetime

    from fastapi.testclient import TestClient

    from sodo.domain.periods import VIETNAM
    from sodo.domain.permissions import Actor
    from sodo.http.app import create_app
    from sodo.services import accounts
    from sodo.services.context import AppContext
    from sodo.services.settings import Settings

    pinned = date(2026, 3, 17)
    assert pinned < vietnam_today()
    with AppContext(Settings.open(workspace)) as ctx, ctx.session() as session:
        _, secret = accounts.create_token(session, Actor.system(), "hn.reporter", "api",
                                          ("read", "write"))
        session.commit()
    app = create_app(replace(Settings.open(workspace), today=pinned))
    with TestClient(app, base_url="https://testserver") as client:
        sent = client.post("/api/v1/tasks/NV-A/updates",
                           json={"status": "in_progress", "percent": 60},
                           headers={"Authorization": f"Bearer {secret}"})
        assert sent.status_code == 201, sent.text
        # stored in UTC, made on the pinned day in Vietnam (UTC+7: at 03:00 there UTC is
        # still on the day before)
        made = datetime.fromisoformat(sent.json()["at"]).astimezone(VIETNAM)
        assert made.date() == pinned, sent.json()["at"]
        board = client.get("/tasks", params={"format": "json"}).json()
        [card] = [tk for g in board["by_status"] for tk in g["tasks"] if tk["task_id"] == "NV-A"]
        assert card["percent"] == 60
