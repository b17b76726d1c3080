"""Task progress in the service layer: lead agency only, status/percent logic, evidence files
type-checked by content, history kept."""

from __future__ import annotations

import io
import zipfile

import pytest

from sodo.domain.permissions import Actor, Forbidden, Role
from sodo.domain.problems import InputError
from sodo.services import catalogue, task_progress
from sodo.services.task_progress import Evidence

HN = Actor("hn", Role.REPORTER, "01")


@pytest.fixture
def store(session, loaded):
    catalogue.sync(session, Actor.system(), loaded=loaded)
    session.commit()
    return session


def _docx(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def test_history_is_kept_and_evidence_checked(store) -> None:
    first = task_progress.report_progress(store, HN, "NV-HN-1", "in_progress", 30,
                                          "Bắt đầu số hóa")
    second = task_progress.report_progress(store, HN, "NV-HN-1", "done",
                                           evidence=Evidence("bien-ban.docx", _docx()))
    store.commit()
    assert second.percent == 100 and second.evidence.media_type.endswith("document")
    history = task_progress.task_updates(store, Actor.anonymous(), "NV-HN-1")
    assert [u.id for u in history] == [second.id, first.id]
    with pytest.raises(InputError, match="macros"):
        task_progress.report_progress(store, HN, "NV-HN-1", "done", evidence=Evidence(
            "bien-ban.docx", _docx({"word/vbaProject.bin": b"\0"})))
    with pytest.raises(InputError, match="too large"):
        task_progress.report_progress(store, HN, "NV-HN-1", "done", evidence=Evidence(
            "scan.pdf", b"%PDF-" + b"\0" * task_progress.MAX_EVIDENCE_BYTES))
    with pytest.raises(InputError) as info:
        task_progress.report_progress(store, HN, "NV-HN-1", "not_started", 20)
    assert info.value.problems[0].rule == "logic"


def test_only_the_lead_agency_reports(store) -> None:
    with pytest.raises(Forbidden):
        task_progress.report_progress(store, Actor("hcm", Role.REPORTER, "79"), "NV-HN-1",
                                      "in_progress", 10)
    with pytest.raises(Forbidden):
        task_progress.report_progress(store, Actor("ok", Role.APPROVER, "01"), "NV-HN-1",
                                      "in_progress", 10)
    update = task_progress.report_progress(store, Actor("bca", Role.REPORTER, "BCA"),
                                           "NV-BCA-1", "in_progress", 50)
    assert update.orgunit == "BCA"
