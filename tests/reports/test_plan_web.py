"""The plan round trip on a served demo app, in the browser's way and the API's: download the
workbook from the page, fill it, upload it with a bad cell (refused whole: the page names
sheet, cell and rule in Vietnamese and no version is stored), fix it, upload again (version
1, shown on the page), download the draft again (filled with version 1), edit, upload
(version 2), download the Word plan, issue it; the API gives the same plan, refuses a bad
file with the cells, and refuses a reporter of another unit; every change is audited."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import httpx
from docx import Document
from openpyxl import load_workbook
from server import serve
from sqlalchemy import func, select

from sodo.domain.permissions import Actor
from sodo.services import accounts
from sodo.services.context import AppContext
from sodo.services.demo import DEMO_PASSWORD
from sodo.services.settings import Settings
from sodo.stores.operational.models import AuditEntry
from sodo.stores.operational.plan_models import PlanTarget, PlanVersion

UNIT, YEAR = "79", 2026


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field"
    return match.group(1)


def _link(html: str, element_id: str) -> str:
    match = re.search(rf'href="([^"]+)" id="{element_id}"', html)
    assert match, element_id
    return match.group(1).replace("&amp;", "&")


def _fill(content: bytes, *, goal: object, budget: object = 900) -> bytes:
    wb = load_workbook(BytesIO(content))
    ws = wb["Chỉ tiêu"]
    ws["J2"], ws["L2"], ws["M2"], ws["N2"] = goal, budget, "Ngân sách địa phương", "Sở KH&CN"
    tasks = wb["Nhiệm vụ"]
    for cell, value in (("B2", "Số hóa hồ sơ thủ tục hành chính"), ("C2", UNIT),
                        ("D2", "Giám đốc Sở KH&CN"), ("E2", "30/9/2026"),
                        ("F2", "Kho dữ liệu số hóa"), ("G2", "Chủ tịch UBND"), ("H2", 500),
                        ("I2", "Ngân sách địa phương"), ("J2", "Sở KH&CN")):
        tasks[cell] = value
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _counts(ctx: AppContext) -> tuple[int, int, int]:
    with ctx.session() as s:
        return (s.scalar(select(func.count()).select_from(PlanVersion)),
                s.scalar(select(func.count()).select_from(PlanTarget)),
                s.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.action.like("plan.%"))))


def test_plan_round_trip_in_the_browser_and_the_api(demo_workspace: Path):
    from sodo.http.app import create_app

    settings = Settings.open(demo_workspace)
    ctx = AppContext(settings)
    app = create_app(settings)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with serve(app) as base, httpx.Client(base_url=base, timeout=120) as browser:
        public = browser.get("/plans", params={"year": YEAR, "unit": UNIT})
        assert public.status_code == 200 and "Kế hoạch chuyển đổi số năm 2026" in public.text
        assert 'id="plan-upload"' not in public.text  # the public does not upload
        login = browser.get("/login")
        assert browser.post("/login", data={
            "username": "hcm", "password": DEMO_PASSWORD, "next": "/plans",
            "csrf_token": _csrf(login.text)}, follow_redirects=False).status_code == 303
        mine = browser.get("/plans", params={"year": YEAR, "unit": UNIT})
        assert 'id="plan-upload"' in mine.text and 'id="plan-none"' in mine.text
        template = browser.get(_link(mine.text, "download-xlsx"))
        assert template.status_code == 200 and template.headers["content-type"] == xlsx
        national = load_workbook(BytesIO(template.content))["Chỉ tiêu"]["I2"].value
        assert national  # the national target the first row contributes to, pre-filled
        before = _counts(ctx)

        bad = _fill(template.content, goal="nhiều")
        refused = browser.post("/plans/upload", data={
            "csrf_token": _csrf(mine.text), "unit": UNIT, "year": str(YEAR)},
            files={"file": ("ke-hoach.xlsx", bad, xlsx)}, follow_redirects=False)
        assert refused.status_code == 200  # the form again, with its errors in place
        table = refused.text[refused.text.index('id="upload-errors"'):]
        assert "<td>Chỉ tiêu</td><td>J2</td><td>số</td>" in table
        assert "“nhiều” không phải là số" in table
        assert 'aria-invalid="true"' in refused.text and "không có gì thay đổi" in refused.text
        assert _counts(ctx) == before  # nothing stored, nothing audited

        good = _fill(template.content, goal=72.5)
        done = browser.post("/plans/upload", data={
            "csrf_token": _csrf(mine.text), "unit": UNIT, "year": str(YEAR)},
            files={"file": ("ke-hoach.xlsx", good, xlsx)}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith("done=v1")
        shown = browser.get(done.headers["location"])
        assert "Đã nhập phiên bản 1." in shown.text
        assert "Phiên bản 1 · dự thảo · Người nhập: hcm" in shown.text
        assert "Số hóa hồ sơ thủ tục hành chính" in shown.text
        assert "72,5" in shown.text and "900 triệu đồng; Ngân sách địa phương" in shown.text

        # The draft downloaded again carries version 1; edited and uploaded: version 2.
        draft = browser.get(_link(shown.text, "download-xlsx"))
        sheet = load_workbook(BytesIO(draft.content))
        assert sheet["Chỉ tiêu"]["J2"].value == 72.5
        assert sheet["Nhiệm vụ"]["B2"].value == "Số hóa hồ sơ thủ tục hành chính"
        assert dict(sheet["_sodo"].iter_rows(values_only=True))["from_version"] == 1
        ws = sheet["Chỉ tiêu"]
        ws["J2"] = 75
        buf = BytesIO()
        sheet.save(buf)
        again = browser.post("/plans/upload", data={
            "csrf_token": _csrf(shown.text), "unit": UNIT, "year": str(YEAR)},
            files={"file": ("ke-hoach-v2.xlsx", buf.getvalue(), xlsx)}, follow_redirects=True)
        assert "Phiên bản 2 · dự thảo" in again.text
        # The national target's page lists the draft for those who may read the unit's drafts.
        page = browser.get(f"/targets/{national}")
        cascade = page.text[page.text.index('id="cascade"'):]
        assert "KH2026-79-01" in cascade and "≥ 75" in cascade and "dự thảo" in cascade
        assert "KH2026-79-01" not in httpx.get(f"{base}/targets/{national}").text  # public
        word = browser.get(_link(again.text, "download-docx"))
        doc = Document(BytesIO(word.content))
        cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        assert "Số hóa hồ sơ thủ tục hành chính" in cells and "75" in cells
        assert "KẾ HOẠCH" in [p.text for p in doc.paragraphs]

        issued = browser.post("/plans/issue", data={
            "csrf_token": _csrf(again.text), "unit": UNIT, "year": str(YEAR),
            "version": "2"}, follow_redirects=True)
        assert "Phiên bản 2 · đã ban hành" in issued.text
        public = httpx.get(f"{base}/targets/{national}", params={"format": "json"}).json()
        year = public["cascade"]["years"][0]
        # (other report tests share the demo workspace and issue plans of other units)
        assert [(r["unit"], r["value"], r["state"]) for r in year["rows"]
                if r["unit"] == UNIT] == [(UNIT, 75, "issued")]

    with ctx.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("plan.%")).order_by(AuditEntry.id)).all()
        assert actions[-3:] == ["plan.import", "plan.import", "plan.issue"]
        _, hanoi = accounts.create_token(s, Actor.system(), "hanoi", "t", ["read", "write"])
        _, hcm = accounts.create_token(s, Actor.system(), "hcm", "t", ["read", "write"])
        s.commit()

    with serve(app) as base:
        anonymous = httpx.Client(base_url=base, timeout=120)
        plan = anonymous.get("/api/v1/plans/current", params={"year": YEAR, "unit": UNIT})
        assert plan.status_code == 200  # issued: public
        body = plan.json()
        assert body["version"] == 2 and body["state"] == "issued"
        assert body["targets"][0]["value"] == 75
        assert body["targets"][0]["resources"] == {
            "budget": 900, "funding": ["Ngân sách địa phương"], "responsible": "Sở KH&CN"}
        other = httpx.Client(base_url=base, timeout=120,
                             headers={"Authorization": f"Bearer {hanoi}"})
        wrong = other.post("/api/v1/plans/upload", files={"file": ("p.xlsx", good, xlsx)})
        assert wrong.status_code == 403  # a Hà Nội reporter does not write HCMC's plan
        api = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {hcm}"})
        before = _counts(ctx)
        bad_api = api.post("/api/v1/plans/upload", files={"file": ("p.xlsx", bad, xlsx)})
        assert bad_api.status_code == 422
        errors = bad_api.json()["errors"]
        assert {(e["sheet"], e["cell"], e["row"], e["column"], e["rule"]) for e in errors} == {
            ("Chỉ tiêu", "J2", 2, "J", "số")}
        assert _counts(ctx) == before
        ok = api.post("/api/v1/plans/upload", files={"file": ("p.xlsx", good, xlsx)})
        assert ok.status_code == 201 and ok.json()["version"] == 3
        listed = api.get("/api/v1/plans", params={"unit": UNIT}).json()
        assert [(v["version"], v["state"]) for v in listed] == [
            (3, "draft"), (2, "issued"), (1, "draft")]
        assert [(v["version"]) for v in anonymous.get(
            "/api/v1/plans", params={"unit": UNIT}).json()] == [2]  # drafts are not public
        yaml = api.get("/api/v1/plans/file", params={"year": YEAR, "unit": UNIT,
                                                     "format": "yaml"})
        assert yaml.status_code == 200 and "KH-79-2026" in yaml.text
    ctx.close()
