"""Reporting in the service layer, on SQLite and PostgreSQL: the states, locking, versions,
late marking and publication to indicator_value."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sodo.domain import permissions
from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor, Conflict, Forbidden, Role
from sodo.domain.problems import InputError
from sodo.services import catalogue, reporting
from sodo.stores.operational.tables import indicator_value

FORM = "BC-CDS-QUY"
HN = Actor("hn", Role.REPORTER, "01")
HN_APPROVER = Actor("hn_ok", Role.APPROVER, "01")


@pytest.fixture
def store(session, loaded):
    catalogue.sync(session, Actor.system(), loaded=loaded)
    session.commit()
    return session


def _values(dvc: float = 60.0) -> list[ValueInput]:
    return [ValueInput("dvc_online", dvc), ValueInput("vb_dien_tu", 80.0)]


def _published(session) -> list[tuple]:
    c = indicator_value.c
    return session.execute(select(c.indicator, c.orgunit, c.period, c.value, c.origin, c.state)
                           .order_by(c.indicator)).all()


def test_draft_submit_approve_publishes_locked_values(store) -> None:
    sub = reporting.save_draft(store, HN, FORM, "01", "2026Q1", _values(),
                               today=date(2026, 3, 25))
    assert sub.state == "draft" and sub.version == 1
    sub = reporting.submit(store, HN, sub.id, today=date(2026, 4, 10))
    assert sub.state == "submitted" and sub.late is False
    assert _published(store) == []
    with pytest.raises(Conflict):
        reporting.save_draft(store, HN, FORM, "01", "2026Q1", _values(61.0))
    sub = reporting.approve(store, HN_APPROVER, sub.id)
    store.commit()
    assert _published(store) == [("dvc_online", "01", "2026Q1", 60.0, "reported", "approved"),
                                 ("vb_dien_tu", "01", "2026Q1", 80.0, "reported", "approved")]
    # A correction is a new version; the approved one stays, and stays published until the
    # correction is approved.
    fix = reporting.save_draft(store, HN, FORM, "01", "2026Q1", _values(65.0))
    assert (fix.version, fix.state) == (2, "draft") and fix.id != sub.id
    assert store.get(type(sub), sub.id).state == "approved"
    assert _published(store)[0][3] == 60.0
    reporting.submit(store, HN, fix.id)
    reporting.approve(store, HN_APPROVER, fix.id)
    store.commit()
    assert _published(store)[0][3] == 65.0
    versions = reporting.history(store, HN, FORM, "01", "2026Q1")
    assert [(v.version, v.state, v.current) for v in versions] == [
        (1, "approved", False), (2, "approved", True)]


def test_late_submission_is_marked_late(store) -> None:
    form = reporting.get_form(store, FORM)
    assert form.due_on(form.check_period("2026Q1")) == date(2026, 4, 15)
    sub = reporting.save_draft(store, HN, FORM, "01", "2026Q1", _values())
    sub = reporting.submit(store, HN, sub.id, today=date(2026, 4, 16))
    assert sub.late is True


def test_returned_report_carries_the_comment_and_can_be_fixed(store) -> None:
    sub = reporting.save_draft(store, HN, FORM, "01", "2025Q4", _values())
    reporting.submit(store, HN, sub.id)
    with pytest.raises(InputError):
        reporting.return_submission(store, HN_APPROVER, sub.id, "  ")
    sub = reporting.return_submission(store, HN_APPROVER, sub.id, "Số liệu dvc_online chưa khớp")
    assert (sub.state, sub.comment) == ("returned", "Số liệu dvc_online chưa khớp")
    sub = reporting.save_draft(store, HN, FORM, "01", "2025Q4", _values(59.0))
    assert (sub.state, sub.version) == ("draft", 1)


def test_bad_values_change_nothing(store) -> None:
    with pytest.raises(InputError) as info:
        reporting.save_draft(store, HN, FORM, "01", "2025Q3", [
            ValueInput("dvc_online", 120.0), ValueInput("khong_co", 1.0),
            ValueInput("so_diem_wifi", 2.5)])
    rules = sorted(p.rule for p in info.value.problems)
    assert rules == ["indicator", "range", "type"]
    assert reporting.list_submissions(store, Actor.system(), period="2025Q3").total == 0


def test_permissions_are_enforced_in_the_service(store) -> None:
    hcm = Actor("hcm", Role.REPORTER, "79")
    with pytest.raises(Forbidden):
        reporting.save_draft(store, hcm, FORM, "01", "2025Q2", _values())
    sub = reporting.save_draft(store, HN, FORM, "01", "2025Q2", _values())
    reporting.submit(store, HN, sub.id)
    with pytest.raises(Forbidden):
        reporting.approve(store, HN, sub.id)
    # An approver of another province may not even know the submitted report exists.
    with pytest.raises(permissions.NotFound):
        reporting.approve(store, Actor("hcm_ok", Role.APPROVER, "79"), sub.id)
    # An approver who submitted a report cannot approve it.
    boss = Actor("boss", Role.APPROVER, "VN")
    other = reporting.save_draft(store, Actor("boss", Role.ADMIN, "VN"), FORM, "01", "2025Q1",
                                 _values())
    reporting.submit(store, Actor("boss", Role.ADMIN, "VN"), other.id)
    with pytest.raises(Forbidden, match="submitted"):
        reporting.approve(store, boss, other.id)
    with pytest.raises(permissions.NotFound):
        reporting.get_submission(store, hcm, sub.id)


def test_wrong_period_or_unit_is_refused(store) -> None:
    with pytest.raises(InputError, match="quarter"):
        reporting.save_draft(store, HN, FORM, "01", "2025-11", _values())
    with pytest.raises(InputError, match="does not report"):
        reporting.save_draft(store, Actor.system(), FORM, "BCA", "2025Q4", _values())
    with pytest.raises(Conflict, match="opens"):
        reporting.save_draft(store, HN, FORM, "01", "2030Q4", _values())
