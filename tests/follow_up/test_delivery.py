"""Delivery: a notice is sent once across two concurrent processes (SQLite and PostgreSQL),
and an e-mail that could not be sent while the server was down is sent when it is back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sodo.services.settings import Settings
from sodo.stores.operational.notice_models import Notice, NoticeAttempt
from sodo.stores.operational.tables import make_engine

from .test_remind import remind

SODO = [sys.executable, "-m", "sodo"]


def _notices(ws: Path) -> list[Notice]:
    engine = make_engine(Settings.open(ws).database_url)
    with Session(engine) as session:
        rows = list(session.scalars(select(Notice).order_by(Notice.id)))
    engine.dispose()
    return rows


@pytest.mark.parametrize("workspace", ["sqlite", pytest.param(
    "postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_processes_at_once_send_each_notice_once(workspace: Path, smtp) -> None:
    env = {**os.environ, "SODO_SMTP_URL": smtp.url}
    procs = [subprocess.Popen([*SODO, "remind", "--as-of", "2026-04-14", "--format", "json",
                               "--workspace", str(workspace)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode() for o in outs]
    rows = [row for out, _ in outs for row in json.loads(out)]
    notices = _notices(workspace)
    emails = [n for n in notices if n.channel == "email"]
    assert emails and all(n.mail_state == "sent" and n.attempts == 1 for n in emails)
    # between them the two processes reported every notice, and each sending once (a
    # process may send the e-mail of a notice the other one recorded)
    keys = {(n.kind, n.item, n.recipient) for n in notices}
    assert {(r["kind"], r["item"], r["recipient"]) for r in rows} == keys
    sent = [(r["kind"], r["item"], r["recipient"]) for r in rows if r["sent"]]
    assert sorted(sent) == sorted(keys)
    received = [m["X-Sodo-Notice"].split(" ", 1)[0] for _, m in smtp.inbox.messages]
    assert sorted(received, key=int) == [str(n.id) for n in emails]
    # and a third run later that day sends nothing more
    assert remind(workspace, "2026-04-14") == []
    assert len(smtp.inbox.messages) == len(emails)


def test_retry_after_the_mail_server_was_down(workspace: Path, smtp) -> None:
    smtp.stop()
    rows = remind(workspace, "2026-03-17")
    email_rows = [r for r in rows if r["channel"] == "email"]
    assert email_rows and not any(r["sent"] for r in email_rows)
    assert all(r["sent"] for r in rows if r["channel"] == "inbox")  # the inbox has them
    waiting = [n for n in _notices(workspace) if n.channel == "email"]
    assert all(n.mail_state == "retrying" and n.attempts == 1 and n.last_error
               for n in waiting)
    smtp.start()
    retried = remind(workspace, "2026-03-17")
    assert {(r["item"], r["recipient"]) for r in retried} == \
        {(r["item"], r["recipient"]) for r in email_rows}
    assert all(r["sent"] for r in retried)
    assert {a for rcpts, _ in smtp.inbox.messages for a in rcpts} == \
        {n.email for n in waiting}
    assert len(smtp.inbox.messages) == len(waiting)
    notices = [n for n in _notices(workspace) if n.channel == "email"]
    assert all(n.mail_state == "sent" and n.attempts == 2 for n in notices)
    engine = make_engine(Settings.open(workspace).database_url)
    with Session(engine) as session:
        attempts = list(session.scalars(select(NoticeAttempt)))
    engine.dispose()
    assert sorted(a.ok for a in attempts) == [False] * len(notices) + [True] * len(notices)


def test_every_send_is_counted_in_the_metrics(workspace: Path, smtp,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from sodo.domain.permissions import Actor
    from sodo.services import follow_up, metrics
    from sodo.services.context import AppContext

    def counted(outcome: str) -> float:
        return sum(sample.value for m in metrics.REMINDERS_SENT.collect()
                   for sample in m.samples
                   if sample.name.endswith("_total") and sample.labels["outcome"] == outcome)

    monkeypatch.setenv("SODO_SMTP_URL", smtp.url)
    before = counted("sent")
    ctx = AppContext(Settings.open(workspace))
    try:
        result = follow_up.run(ctx, Actor.cli(), date(2026, 4, 14))
    finally:
        ctx.close()
    assert smtp.inbox.messages
    assert counted("sent") - before == len(smtp.inbox.messages) and result is not None
