"""The in-app inbox over HTTP: the bell counts unread notices, the list shows them, opening one
marks it read, choices per kind are saved (returns cannot be turned off), and the admin log
shows what was sent and what failed."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import csrf_of
from .test_remind import remind


def test_bell_list_open_mark_read_and_preferences(workspace: Path, smtp, client_for) -> None:
    remind(workspace, "2026-03-17")
    reporter = client_for("hn.reporter")
    home = reporter.get("/")
    count = re.search(r'id="unread-count">(\d+)<', home.text)
    assert count
    unread = int(count.group(1))
    listing = reporter.get("/notices")
    assert "Nhiệm vụ sắp đến hạn" in listing.text
    data = reporter.get("/notices", params={"format": "json"}).json()
    assert data["unread"] == unread == len(data["notices"])
    first = data["notices"][0]
    opened = reporter.get(f"/notices/{first['id']}")
    assert opened.status_code == 200 and first["subject"] in opened.text
    assert 'href="/' in opened.text  # the item, on this site
    after = reporter.get("/notices", params={"format": "json"}).json()
    assert after["unread"] == unread - 1
    # someone else's notice does not exist for me
    other = client_for("hcm.reporter")
    assert other.get(f"/notices/{first['id']}").status_code == 404
    # mark all read
    page = reporter.get("/notices")
    reporter.post("/notices/read-all", data={"csrf_token": csrf_of(page.text)})
    assert reporter.get("/notices", params={"format": "json"}).json()["unread"] == 0
    assert 'id="unread-count"' not in reporter.get("/").text
    # choices: digest off, due-soon inbox only; "off" is not offered for returns
    page = reporter.get("/notices")
    assert 'name="pref_submission_returned"' in page.text
    returned_select = page.text.split('name="pref_submission_returned"')[1].split("</select>")[0]
    assert 'value="off"' not in returned_select
    reporter.post("/notices/preferences", data={
        "csrf_token": csrf_of(page.text), "pref_digest": "off",
        "pref_task_due_soon": "inbox", "notice_lang": "en"})
    prefs = {p["kind"]: p["channel"] for p in
             reporter.get("/notices", params={"format": "json"}).json()["preferences"]}
    assert prefs["digest"] == "off" and prefs["task_due_soon"] == "inbox"
    assert reporter.get("/notices", params={"format": "json"}).json()["notice_lang"] == "en"
    rows = remind(workspace, "2026-03-28")
    mine = [r for r in rows if r["recipient"] == "hn.reporter" and r["kind"] == "task_due_soon"]
    assert [r["channel"] for r in mine] == ["inbox"]
    assert mine[0]["subject"].startswith("[sodo] Task due soon")  # now in English
    # the admin log: every notice, with its e-mail state; not for a reporter
    admin = client_for("admin")
    log = admin.get("/admin/notices", params={"format": "json"}).json()
    assert log["counts"].get("sent", 0) >= 1 and log["notices"]
    assert reporter.get("/admin/notices").status_code == 403


def test_failed_sends_are_shown_to_admins_and_can_be_retried(workspace: Path, smtp,
                                                              client_for) -> None:
    smtp.stop()
    remind(workspace, "2026-03-17")
    admin = client_for("admin")
    log = admin.get("/admin/notices", params={"state": "retrying", "format": "json"}).json()
    assert log["notices"] and all(n["last_error"] for n in log["notices"])
    page = admin.get("/admin/notices")
    assert "Gửi lại" in page.text
    smtp.start()
    remind(workspace, "2026-03-17")
    assert admin.get("/admin/notices", params={"format": "json"}).json()["counts"] \
        .get("retrying", 0) == 0


def test_the_inbox_over_the_api(workspace: Path, smtp, client_for) -> None:
    remind(workspace, "2026-03-17")
    reporter = client_for("hn.reporter")
    mine = reporter.get("/api/v1/notices").json()
    assert mine["unread"] == len(mine["items"]) > 0
    assert {n["recipient"] for n in mine["items"]} == {"hn.reporter"}
    page = reporter.get("/notices")
    read = reporter.post(f"/api/v1/notices/{mine['items'][0]['id']}/read",
                         headers={"X-CSRF-Token": csrf_of(page.text)})
    assert read.status_code == 200, read.text
    assert read.json() == {"changed": 1, "unread": mine["unread"] - 1}
    assert reporter.get("/api/v1/notices/log").status_code == 403
    admin = client_for("admin")
    log = admin.get("/api/v1/notices/log").json()
    assert log["counts"]["sent"] >= 1
