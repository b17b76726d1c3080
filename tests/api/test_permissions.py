"""Who may do what, over real HTTP: reporters stay in their own unit, approvals are someone
else's, the audit log is for admins, tokens stop at once when revoked or expired, the public
sees approved values only, and form posts without a CSRF token are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from sodo.stores.operational.models import ApiToken, AuditEntry, Submission, utcnow
from sodo.stores.operational.tables import indicator_value

FORM = "BC-CDS-QUY"


def _draft(site, user: str, unit: str, period: str, submit: bool = False) -> dict:
    with site.client(user) as client:
        response = client.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": unit, "period": period, "submit": submit,
            "values": [{"indicator": "dvc_online", "value": 61.5},
                       {"indicator": "vb_dien_tu", "value": 88}]})
    assert response.status_code == 201, response.text
    return response.json()


def _state(site, submission_id: int) -> str:
    with site.session() as session:
        return session.get(Submission, submission_id).state


def test_reporter_cannot_read_another_provinces_drafts(site) -> None:
    hcm = _draft(site, "hcm_reporter", "79", "2025Q1")
    with site.client("hn_reporter") as hn:
        one = hn.get(f"/api/v1/submissions/{hcm['id']}")
        listed = hn.get("/api/v1/submissions", params={"period": "2025Q1"}).json()
        history = hn.get(f"/api/v1/submissions/{hcm['id']}/history")
    assert one.status_code == 404
    assert one.headers["content-type"].startswith("application/problem+json")
    assert hcm["id"] not in [s["id"] for s in listed["items"]]
    assert history.status_code == 404
    with site.client("hcm_reporter") as own:
        assert own.get(f"/api/v1/submissions/{hcm['id']}").status_code == 200
    with site.client("hn_viewer") as viewer:  # a viewer of Hà Nội does not see HCM drafts either
        assert viewer.get(f"/api/v1/submissions/{hcm['id']}").status_code == 404
    with site.client() as anonymous:
        assert anonymous.get(f"/api/v1/submissions/{hcm['id']}").status_code == 404


def test_reporter_cannot_report_submit_or_approve_for_another_province(site) -> None:
    hcm = _draft(site, "hcm_reporter", "79", "2025Q2")
    with site.client("hn_reporter") as hn:
        write = hn.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": "79", "period": "2025Q2",
            "values": [{"indicator": "dvc_online", "value": 1}]})
        submit = hn.post(f"/api/v1/submissions/{hcm['id']}/submit")
    assert write.status_code == 403
    assert "79" in write.json()["detail"]
    assert submit.status_code in (403, 404)
    assert _state(site, hcm["id"]) == "draft"
    with site.client("hcm_reporter") as hcm_client:
        assert hcm_client.post(f"/api/v1/submissions/{hcm['id']}/submit").status_code == 200
    with site.client("hn_reporter") as hn:
        approve = hn.post(f"/api/v1/submissions/{hcm['id']}/approve")
    with site.client("hn_approver") as approver:  # an approver of Hà Nội, not of HCM
        approve_other = approver.post(f"/api/v1/submissions/{hcm['id']}/approve")
    assert approve.status_code in (403, 404)
    assert approve_other.status_code in (403, 404)
    assert _state(site, hcm["id"]) == "submitted"


def test_reporter_cannot_approve_its_own_units_submission(site) -> None:
    own = _draft(site, "hn_reporter", "01", "2025Q3", submit=True)
    with site.client("hn_reporter") as hn:
        response = hn.post(f"/api/v1/submissions/{own['id']}/approve")
    with site.client("hn_reporter2") as colleague:
        colleague_response = colleague.post(f"/api/v1/submissions/{own['id']}/approve")
    assert response.status_code == 403
    assert colleague_response.status_code == 403
    assert response.json()["status"] == 403 and response.json()["detail"]
    assert _state(site, own["id"]) == "submitted"
    with site.client("hn_approver") as approver:
        assert approver.post(f"/api/v1/submissions/{own['id']}/approve").status_code == 200
    assert _state(site, own["id"]) == "approved"


def test_reporter_cannot_see_the_audit_log(site) -> None:
    site.browser("hn_reporter").close()  # an entry of theirs (the sign-in), whatever ran before
    with site.client("hn_reporter") as hn:
        assert hn.get("/api/v1/audit").status_code == 403
        assert hn.get("/api/v1/users").status_code == 403
    with site.client() as anonymous:
        response = anonymous.get("/api/v1/audit")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    with site.client("admin") as admin:
        page = admin.get("/api/v1/audit", params={"user": "hn_reporter", "limit": 5}).json()
    assert page["items"] and all(e["actor"] == "hn_reporter" for e in page["items"])


def test_revoked_or_expired_token_stops_working_at_once(site) -> None:
    browser = site.browser("hn_viewer")
    created = browser.post("/api/v1/auth/tokens", json={"name": "script", "scopes": ["read"]},
                           headers={"X-CSRF-Token": browser.csrf})
    assert created.status_code == 201, created.text
    secret, token_id = created.json()["token"], created.json()["id"]
    with site.session() as session:
        stored = session.get(ApiToken, token_id)
        assert stored.token_hash != secret and secret not in stored.token_hash
    headers = {"Authorization": f"Bearer {secret}"}
    assert browser.get("/api/v1/auth/me", headers=headers).json()["via"] == "token"
    listed = browser.get("/api/v1/auth/tokens").json()
    assert all("token" not in t for t in listed)  # the secret is never shown again
    revoked = browser.delete(f"/api/v1/auth/tokens/{token_id}",
                             headers={"X-CSRF-Token": browser.csrf})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    after = browser.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]

    created = browser.post("/api/v1/auth/tokens", json={"scopes": ["read"]},
                           headers={"X-CSRF-Token": browser.csrf}).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert browser.get("/api/v1/auth/me", headers=headers).status_code == 200
    with site.session() as session:
        session.get(ApiToken, created["id"]).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert browser.get("/api/v1/auth/me", headers=headers).status_code == 401
    browser.close()


def test_read_scope_token_cannot_write(site) -> None:
    browser = site.browser("hn_reporter")
    created = browser.post("/api/v1/auth/tokens", json={"scopes": ["read"]},
                           headers={"X-CSRF-Token": browser.csrf}).json()
    with site.client() as client:
        response = client.post("/api/v1/submissions", headers={
            "Authorization": f"Bearer {created['token']}"}, json={
            "form": FORM, "orgunit": "01", "period": "2024Q4",
            "values": [{"indicator": "dvc_online", "value": 3}]})
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]
    browser.close()


def test_anonymous_public_sees_only_approved_values(site) -> None:
    rows = [("approved", 70.0, "computed"), ("submitted", 71.0, "reported")]
    with site.session() as session:
        for state, value, origin in rows:
            session.execute(indicator_value.insert().values(
                indicator="vb_dien_tu", orgunit="48", period="2024-06", period_type="month",
                category="", value=value, origin=origin, state=state, updated_at=utcnow()))
        session.commit()
    query = {"dx": "vb_dien_tu", "pe": "2024-06", "ou": "VN;LEVEL-province"}
    with site.client() as anonymous:
        public = anonymous.get("/api/v1/values", params=query).json()
    with site.client("admin") as admin:
        full = admin.get("/api/v1/values", params=query).json()
    assert [(r["orgunit"], r["value"], r["state"]) for r in public["rows"]] == [
        ("48", 70.0, "approved")]
    # Only approved values stand, for everyone: an unapproved figure lives in its submission.
    assert [(r["orgunit"], r["value"], r["state"]) for r in full["rows"]] == [
        ("48", 70.0, "approved")]


def test_form_posts_without_csrf_token_are_refused(site) -> None:
    browser = site.browser("hn_reporter")
    body = {"form": FORM, "orgunit": "01", "period": "2024Q3",
            "values": [{"indicator": "dvc_online", "value": 10}]}
    refused = browser.post("/api/v1/submissions", json=body)
    forged = browser.post("/api/v1/submissions", json=body,
                          headers={"X-CSRF-Token": "forged.token.value"})
    upload = browser.post("/api/v1/tasks/NV-HN-1/updates/upload",
                          data={"status": "in_progress", "percent": "10"},
                          files={"evidence": ("a.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert forged.status_code == 403
    assert upload.status_code == 403
    with site.session() as session:
        assert session.scalar(select(Submission).where(Submission.period == "2024Q3",
                                                       Submission.orgunit == "01")) is None
    accepted = browser.post("/api/v1/tasks/NV-HN-1/updates/upload",
                            data={"status": "in_progress", "percent": "10",
                                  "csrf_token": browser.csrf},
                            files={"evidence": ("a.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert accepted.status_code == 201, accepted.text
    assert browser.post("/api/v1/submissions", json=body,
                        headers={"X-CSRF-Token": browser.csrf}).status_code == 201
    browser.close()


def test_session_cookie_flags_and_logout(site) -> None:
    with site.client() as client:
        response = client.post("/api/v1/auth/login",
                               json={"username": "hn_viewer", "password": "mật-khẩu-đủ-dài-123"})
    cookie = next(h for h in response.headers.get_list("set-cookie")
                  if h.startswith("sodo_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain HTTP here; HTTPS is covered in test_api_asgi


def test_login_is_rate_limited(site) -> None:
    with site.client() as client:
        codes = [client.post("/api/v1/auth/login", json={"username": "vn_approver",
                                                         "password": "wrong password"}
                             ).status_code for _ in range(6)]
        right = client.post("/api/v1/auth/login", json={"username": "vn_approver",
                                                        "password": "mật-khẩu-đủ-dài-123"})
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


def test_every_write_is_audited_with_before_and_after(site) -> None:
    sub = _draft(site, "hn_reporter", "01", "2024Q2")
    with site.client("hn_reporter") as hn:
        hn.post("/api/v1/submissions", json={
            "form": FORM, "orgunit": "01", "period": "2024Q2",
            "values": [{"indicator": "dvc_online", "value": 62.5},
                       {"indicator": "vb_dien_tu", "value": 88}]})
    with site.session() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.object_id == f"{FORM}/01/2024Q2/v1").order_by(AuditEntry.id)).all()
        assert session.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0
    assert [e.action for e in entries] == ["submission.save", "submission.save"]
    assert entries[0].actor == "hn_reporter" and entries[0].source == "127.0.0.1"
    assert entries[1].before["values"][0]["value"] == 61.5
    assert entries[1].after["values"][0]["value"] == 62.5
    assert sub["version"] == 1
