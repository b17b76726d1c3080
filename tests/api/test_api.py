"""The JSON API's resources over real HTTP: reporting workflow, task progress, values as JSON
and CSV, org-unit search, pagination, problem details, and NDJSON record batches."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from sqlalchemy import select

from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import accounts
from sodo.services.workspace import init_workspace
from sodo.stores.operational.models import TaskUpdate
from sodo.stores.operational.tables import indicator_value

from .conftest import PASSWORD, LiveServer

FORM = "BC-CDS-QUY"


def test_reporting_workflow_over_http(site) -> None:
    with site.client("hn_reporter") as hn, site.client("hn_approver") as ok, \
            site.client() as public:
        draft = hn.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": "01", "period": "2024Q1",
            "values": [{"indicator": "dvc_online", "numerator": 450, "denominator": 600},
                       {"indicator": "vb_dien_tu", "value": 97}]}).json()
        assert draft["values"][0]["value"] == 75.0  # numerator / denominator × 100
        incomplete = hn.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": "01", "period": "2024Q1", "values": []})
        assert incomplete.status_code == 201
        refused = hn.post(f"/api/v1/submissions/{draft['id']}/submit")
        assert refused.status_code == 422 and "required" in json.dumps(refused.json()["errors"])
        hn.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": "01", "period": "2024Q1", "submit": True,
            "values": [{"indicator": "dvc_online", "value": 75},
                       {"indicator": "vb_dien_tu", "value": 97}]})
        query = {"dx": "dvc_online", "pe": "2024Q1", "ou": "01"}
        assert public.get("/api/v1/values", params=query).json()["rows"] == []
        returned = ok.post(f"/api/v1/submissions/{draft['id']}/return", json={"comment": ""})
        assert returned.status_code == 422
        approved = ok.post(f"/api/v1/submissions/{draft['id']}/approve")
        assert approved.status_code == 200 and approved.json()["late"] is True
        again = ok.post(f"/api/v1/submissions/{draft['id']}/approve")
        assert again.status_code == 409
        rows = public.get("/api/v1/values", params=query).json()["rows"]
        assert [(r["orgunit"], r["value"], r["origin"], r["state"]) for r in rows] == [
            ("01", 75.0, "reported", "approved")]
        assert public.get(f"/api/v1/submissions/{draft['id']}").status_code == 200


def test_values_as_csv_and_dhis2_dimensions(site) -> None:
    with site.session() as session:
        for index, unit in enumerate(["01", "79", "48"]):
            for month in ("2023-01", "2023-02"):
                session.execute(indicator_value.insert().values(
                    indicator="so_diem_wifi", orgunit=unit, period=month, period_type="month",
                    category="", value=100.0 + index, origin="computed", state="approved"))
        session.commit()
    query = {"dx": "so_diem_wifi", "pe": "2023-01;2023-02", "ou": "VN;LEVEL-province"}
    with site.client() as client:
        data = client.get("/api/v1/values", params=query).json()
        by_accept = client.get("/api/v1/values", params=query, headers={"Accept": "text/csv"})
        by_format = client.get("/api/v1/values", params={**query, "format": "csv"})
        paged = client.get("/api/v1/values", params={**query, "limit": 4}).json()
        one_unit = client.get("/api/v1/values", params={**query, "ou": "79"}).json()
        bad = client.get("/api/v1/values", params={**query, "pe": "2023Q5", "ou": "XX"})
    assert len(data["ou"]) == 34 and data["count"] == 6
    assert by_accept.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(by_accept.text)))
    assert by_format.text == by_accept.text
    assert [(r["orgunit"], r["period"], r["value"]) for r in table][:2] == [
        ("01", "2023-01", "100.0"), ("48", "2023-01", "102.0")]
    assert list(table[0])[:6] == ["indicator", "orgunit", "period", "category", "value",
                                  "numerator"]
    assert paged["count"] == 4 and paged["more"] is True
    assert [r["orgunit"] for r in one_unit["rows"]] == ["79", "79"]
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["status"] == 422 and "2023Q5" in problem["detail"]
    assert {e["column"] for e in problem["errors"]} == {"pe", "ou"}


def test_a_bad_period_or_unit_is_quoted_whole_in_the_problem(site) -> None:
    with site.client() as anonymous:
        period = anonymous.get("/api/v1/quality", params={"period": "2025-Q3"})
        never_scored = anonymous.get("/api/v1/quality", params={"period": "2025Q3"})
    assert period.status_code == 422
    assert period.json()["detail"].startswith("'2025-Q3' is not a period id (expected e.g.")
    # a period never scored is said so, not answered with an empty list ("nothing wrong")
    assert never_scored.status_code == 404
    assert never_scored.json()["detail"].startswith("no scorecard for 2025Q3: scored periods")


def test_task_progress_with_link_and_file(site) -> None:
    with site.client("hn_reporter") as hn, site.client("hcm_reporter") as hcm, \
            site.client() as public:
        link = hn.post("/api/v1/tasks/NV-HN-1/updates", json={
            "status": "in_progress", "percent": 40, "note": "Đã số hóa 40% hồ sơ",
            "evidence_url": "https://hanoi.gov.vn/bao-cao"})
        assert link.status_code == 201, link.text
        not_lead = hcm.post("/api/v1/tasks/NV-HN-1/updates", json={"status": "done"})
        assert not_lead.status_code == 403
        bad = hn.post("/api/v1/tasks/NV-HN-1/updates", json={
            "status": "done", "percent": 50, "evidence_url": "javascript:alert(1)"})
        assert bad.status_code == 422 and len(bad.json()["errors"]) == 2
        fake_pdf = hn.post("/api/v1/tasks/NV-HN-1/updates/upload",
                           data={"status": "done"},
                           files={"evidence": ("bien-ban.pdf", b"MZ\x90\x00 not a pdf")})
        assert fake_pdf.status_code == 422 and "not a .pdf" in fake_pdf.json()["detail"]
        exe = hn.post("/api/v1/tasks/NV-HN-1/updates/upload", data={"status": "done"},
                      files={"evidence": ("tool.exe", b"MZ\x90\x00")})
        assert exe.status_code == 422
        done = hn.post("/api/v1/tasks/NV-HN-1/updates/upload", data={"status": "done"},
                       files={"evidence": ("bien-ban.pdf", b"%PDF-1.7\n%test\n")})
        assert done.status_code == 201 and done.json()["percent"] == 100
        evidence_id = done.json()["evidence_file"]["id"]
        history = public.get("/api/v1/tasks/NV-HN-1/updates").json()
        assert [u["status"] for u in history][:2] == ["done", "in_progress"]
        task = public.get("/api/v1/tasks/NV-HN-1").json()
        assert task["progress"]["status"] == "done"
        # anonymous: the same 404 as for a file that does not exist (ids are not enumerable)
        assert public.get(f"/api/v1/tasks/evidence/{evidence_id}").status_code == 404
        assert public.get("/api/v1/tasks/evidence/999999").status_code == 404
        # a unit that may not see it: the same (a file you may not see does not exist)
        assert hcm.get(f"/api/v1/tasks/evidence/{evidence_id}").status_code == 404
        file = hn.get(f"/api/v1/tasks/evidence/{evidence_id}")
        assert file.content.startswith(b"%PDF") and file.headers["content-type"] == \
            "application/pdf"
    with site.session() as session:
        assert session.scalars(select(TaskUpdate.status).where(
            TaskUpdate.task == "NV-HN-1").order_by(TaskUpdate.id)).all()[-2:] == [
            "in_progress", "done"]


def test_catalogue_orgunits_and_pagination(site) -> None:
    with site.client() as client:
        found = client.get("/api/v1/orgunits", params={"q": "ha noi", "level": "province"})
        assert found.json()["items"][0]["code"] == "01"
        provinces = client.get("/api/v1/orgunits", params={"level": "province",
                                                           "on": "2026-01-01", "limit": 10,
                                                           "offset": 30}).json()
        assert provinces["total"] == 34 and len(provinces["items"]) == 4
        tree = client.get("/api/v1/orgunits/01/tree").json()
        assert tree["children"] and all(c["parent"] == "01" for c in tree["children"])
        assert client.get("/api/v1/orgunits/ZZ").status_code == 404
        indicators = client.get("/api/v1/indicators", params={"q": "van ban dien tu"}).json()
        assert [i["code"] for i in indicators["items"]] == ["vb_dien_tu"]
        assert client.get("/api/v1/indicators/khong_co").json()["status"] == 404
        programme = client.get("/api/v1/programmes/TEST-CDS").json()
        assert programme["name"] == "Chương trình thử nghiệm chuyển đổi số"
        forms = client.get("/api/v1/forms").json()["items"]
        assert [f["code"] for f in forms] == [FORM]
        window = client.get(f"/api/v1/forms/{FORM}", params={"period": "2026Q1"}).json()
        assert window["due_on"] == "2026-04-15"
        too_many = client.get("/api/v1/tasks", params={"limit": 5000})
        assert too_many.status_code == 422
        assert too_many.headers["content-type"].startswith("application/problem+json")


def test_admin_manages_users_and_a_disabled_user_stops_at_once(site) -> None:
    with site.client("admin") as admin:
        made = admin.post("/api/v1/users", json={"username": "dn_reporter",
                                                 "password": PASSWORD, "role": "reporter",
                                                 "orgunit": "48"})
        assert made.status_code == 201
        assert admin.post("/api/v1/users", json={"username": "dn_reporter",
                                                 "password": PASSWORD,
                                                 "role": "reporter"}).status_code == 409
        unknown = admin.post("/api/v1/users", json={"username": "x", "password": "short",
                                                    "role": "reporter", "orgunit": "99"})
        assert unknown.status_code == 422 and len(unknown.json()["errors"]) == 2
        token = admin.post("/api/v1/users/dn_reporter/tokens", json={"scopes": ["read"]})
        secret = token.json()["token"]
        headers = {"Authorization": f"Bearer {secret}"}
        assert admin.get("/api/v1/auth/me", headers=headers).json()["orgunit"] == "48"
        admin.patch("/api/v1/users/dn_reporter", json={"active": False})
        assert admin.get("/api/v1/auth/me", headers=headers).status_code == 401
        entries = admin.get("/api/v1/audit", params={"object_type": "user",
                                                     "object_id": "dn_reporter"}).json()
        assert [e["action"] for e in entries["items"]] == ["user.disable", "user.add"]
        assert entries["items"][0]["before"]["active"] is True
        assert entries["items"][0]["after"]["active"] is False


@pytest.fixture
def workspace_site(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    app = create_app(workspace, include_web=False)
    with app.state.ctx.session() as session:
        accounts.create_user(session, Actor.system(), "data", PASSWORD, "admin")
        _, secret = accounts.create_token(session, Actor.system(), "data", "", ["write",
                                                                                "admin"])
        session.commit()
    with LiveServer(app) as server:
        yield workspace, server.url, secret
    app.state.ctx.close()


def test_ndjson_records_are_loaded_all_or_nothing(workspace_site) -> None:
    workspace, url, secret = workspace_site
    import httpx

    def record(n: int, agency: str = "01") -> str:
        return json.dumps({"feedback_id": f"PA-{n}", "agency_code": agency,
                           "received_at": "2025-11-03T08:00:00",
                           "deadline_at": "2025-11-13T08:00:00", "handled_at": None,
                           "state": "received", "satisfied": None, "reraised": False})

    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    with httpx.Client(base_url=url, timeout=60) as client:
        good = client.post("/api/v1/datasets/feedback/records", headers=headers,
                           content="\n".join(record(n) for n in range(3)) + "\n")
        assert good.status_code == 201, good.text
        assert good.json()["batches"][0]["rows"] == 3
        bad = client.post("/api/v1/datasets/feedback/records", headers=headers,
                          content=record(10) + "\n" + record(11, agency="ZZ") + "\n")
        assert bad.status_code == 422
        assert any(e.get("rule") for e in bad.json()["errors"])
        wrong_type = client.post("/api/v1/datasets/feedback/records",
                                 headers={**headers, "Content-Type": "text/plain"}, content="x")
        assert wrong_type.status_code == 415
        unknown = client.post("/api/v1/datasets/khong_co/records", headers=headers,
                              content=record(1))
        assert unknown.status_code == 404
        anonymous = client.post("/api/v1/datasets/feedback/records", content=record(1),
                                headers={"Content-Type": "application/x-ndjson"})
        assert anonymous.status_code == 401
    con = duckdb.connect(str(workspace.records_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        table = next(t for t in tables if "feedback" in t)
        ids = sorted(r[0] for r in con.execute(f'SELECT feedback_id FROM "{table}"').fetchall())
    finally:
        con.close()
    assert ids == ["PA-0", "PA-1", "PA-2"]


def test_ndjson_batches_posted_at_the_same_time_are_each_accepted(workspace_site) -> None:
    """Clients posting batches at once (each served by a thread of the server) each get
    their batch accepted, with its own id: they are applied one after the other."""
    import threading

    import httpx

    workspace, url, secret = workspace_site
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    clients, per_batch = 4, 200

    def body(client: int) -> str:
        return "".join(json.dumps({
            "feedback_id": f"PA-{client}-{n}", "agency_code": "01",
            "received_at": f"2025-{10 + client % 3:02d}-03T08:00:00",
            "deadline_at": "2025-12-13T08:00:00", "handled_at": None, "state": "received",
            "satisfied": None, "reraised": False}) + "\n" for n in range(per_batch))

    start = threading.Barrier(clients)
    answers: dict[int, httpx.Response] = {}

    def post(client: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            start.wait()
            answers[client] = http.post("/api/v1/datasets/feedback/records", headers=headers,
                                        content=body(client))

    threads = [threading.Thread(target=post, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {c: r.status_code for c, r in answers.items()} == dict.fromkeys(range(clients), 201), \
        {c: r.text[:300] for c, r in answers.items() if r.status_code != 201}
    ids = sorted(r.json()["batches"][0]["batch"] for r in answers.values())
    assert len(set(ids)) == clients
    assert all(r.json()["batches"][0]["inserted"] == per_batch for r in answers.values())
    con = duckdb.connect(str(workspace.records_path), read_only=True)
    try:
        table = next(t for (t,) in con.execute("SHOW TABLES").fetchall() if "feedback" in t)
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0] \
            == clients * per_batch
    finally:
        con.close()


def test_a_batch_that_finds_the_record_store_held_by_another_process_is_told_to_retry(
        workspace_site) -> None:
    """Another process (a running ``sodo compute``, a backup) holding the DuckDB record file
    is no fault of the batch: 503 with Retry-After, nothing loaded; sent again once the file
    is free, it is accepted."""
    import subprocess
    import sys

    import httpx

    workspace, url, secret = workspace_site
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    body = json.dumps({"feedback_id": "PA-BUSY", "agency_code": "01",
                       "received_at": "2025-11-03T08:00:00", "deadline_at": "2025-11-13T08:00:00",
                       "handled_at": None, "state": "received", "satisfied": None,
                       "reraised": False}) + "\n"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(120)", str(workspace.records_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with httpx.Client(base_url=url, timeout=60) as client:
            busy = client.post("/api/v1/datasets/feedback/records", headers=headers,
                               content=body)
            vi = client.post("/api/v1/datasets/feedback/records",
                             headers={**headers, "Accept-Language": "vi"}, content=body)
    finally:
        holder.kill()
        holder.wait()
    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"] == "5"
    assert busy.json()["title"] == "Service unavailable"
    assert busy.json()["detail"].startswith(f"{workspace.records_path}: the record store is in "
                                            "use by another process")
    assert vi.status_code == 503 and vi.json()["title"] == "Dịch vụ tạm thời chưa sẵn sàng"
    with httpx.Client(base_url=url, timeout=60) as client:
        again = client.post("/api/v1/datasets/feedback/records", headers=headers, content=body)
    assert again.status_code == 201, again.text
    assert again.json()["batches"][0]["inserted"] == 1
