"""What anonymous visitors see: published, approved facts only. A unit's draft or submitted
report shows to its own people, never in the public pages or their JSON twins."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from workspace_builder import PASSWORD, TODAY, build_workspace

from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor
from sodo.services import reporting
from sodo.stores.operational.tables import make_engine

from .conftest import make_app

UNAPPROVED = ("draft", "submitted", "returned")


def test_the_anonymous_unit_page_shows_no_unapproved_state(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    app = make_app(root)
    engine = make_engine(app.state.ctx.settings.database_url)
    with Session(engine) as session:
        admin = Actor.system()
        # Hà Nội: the report due (Q2) submitted and awaiting approval, the open one (Q3) a draft
        due = reporting.save_draft(session, admin, "BC-CDS", "01", "2026Q2", [
            ValueInput("ho_so_tiep_nhan", 120), ValueInput("ty_le_hai_long", 81)], today=TODAY)
        reporting.submit(session, admin, due.id, today=TODAY)
        reporting.save_draft(session, admin, "BC-CDS", "01", "2026Q3",
                             [ValueInput("ho_so_tiep_nhan", 130)], today=TODAY)
        session.commit()
    engine.dispose()
    with TestClient(app) as anonymous:
        public = anonymous.get("/units/01", params={"format": "json"})
        overview = anonymous.get("/", params={"format": "json"}).json()
        html = anonymous.get("/units/01").text
    assert public.status_code == 200
    report = public.json()["reporting"][0]
    assert (report["state"], report["current_state"]) == ("unpublished", "unpublished")
    assert not any(f'"{state}"' in public.text for state in UNAPPROVED), public.text
    assert "Chờ phê duyệt" not in html and "Nháp" not in html and "Chưa công bố" in html
    # the submitted report does not count as sent for those who may not see it
    assert overview["reporting"][0]["sent"] == 0
    with TestClient(app) as reporter:
        reporter.post("/login", data={"username": "hanoi.reporter", "password": PASSWORD,
                                      "csrf_token": _csrf(reporter)})
        own = reporter.get("/units/01", params={"format": "json"}).json()["reporting"][0]
    assert (own["state"], own["current_state"]) == ("submitted", "draft")
    app.state.ctx.close()


def _csrf(client: TestClient) -> str:
    import re

    page = client.get("/login").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
