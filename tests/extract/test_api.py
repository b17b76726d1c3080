"""The extraction API over real HTTP (uvicorn on loopback), on SQLite and on PostgreSQL:
proposals from JSON and from an uploaded file; accepting is a separate call that writes the
workspace programme's ``tasks-extracted.yaml``, syncs it into the store (the task API lists
the tasks with their source passage) and is audited; only admins may do either; a bad
proposal writes nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).parents[1] / "support"))

from server import serve
from workspace_builder import TODAY, build_workspace

from sodo.http.app import create_app
from sodo.services.settings import Settings

HERE = Path(__file__).parent
LETTER = (HERE / "cases" / "5866-VPCP-KGVX-2014.txt").read_text(encoding="utf-8")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Path,
           postgres_database) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "ws"
    if request.param == "sqlite":
        build_workspace(root)
        with serve(create_app(replace(Settings.open(root), today=TODAY))) as url:
            yield url, root
        return
    with postgres_database("sodo_extract_api") as db_url:
        build_workspace(root, db_url)
        with serve(create_app(replace(Settings.open(root), today=TODAY))) as url:
            yield url, root


def _headers(root: Path, username: str, *scopes: str) -> dict[str, str]:
    """A bearer token for ``username`` with ``scopes`` (what the API takes)."""
    from datetime import timedelta

    from sodo.domain.permissions import Actor
    from sodo.services import accounts
    from sodo.services.context import AppContext

    with AppContext(Settings.open(root)) as ctx, ctx.session() as session:
        _, secret = accounts.create_token(session, Actor.system(), username, "test", scopes,
                                          timedelta(days=1))
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_propose_accept_and_the_tasks_are_in_the_programme(served) -> None:
    url, root = served
    admin = _headers(root, "admin", "read", "write", "admin")
    with httpx.Client(base_url=url, headers=admin, timeout=60) as client:
        done = client.post("/api/v1/extract", json={"text": LETTER, "source": "5866/VPCP-KGVX"})
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["count"] == 2 and body["document"]["issued"] == "2014-08-04"
        first, second = body["proposals"]
        assert first["lead"] == ["BTTTT"] and first["deadline"] == "2014-09-30"
        assert first["authority"] == "Chính phủ" and second["lead"] == ["VN"]
        assert body["text"][first["span"][0]:first["span"][1]].startswith("1. Giao Bộ")

        # a multipart upload of the same letter as .txt
        done = client.post("/api/v1/extract", files={"file": ("cv.txt", LETTER.encode())},
                           data={"source": "5866/VPCP-KGVX"})
        assert done.status_code == 200 and done.json()["count"] == 2

        # accepting is a separate call: the first proposal, edited, the second rejected
        first["partners"] = ["BNV"]
        first["n"] = 1
        done = client.post("/api/v1/extract/accept", json={"tasks": [first], "rejected": 1})
        assert done.status_code == 201, done.text
        assert done.json()["task_ids"] == ["5866-VPCP-KGVX-01"]

        task = client.get("/api/v1/tasks/5866-VPCP-KGVX-01")
        assert task.status_code == 200, task.text
        data = task.json()
        assert data["lead"] == ["BTTTT"] and data["partners"] == ["BNV"]
        assert data["source"]["document"] == "5866/VPCP-KGVX"
        assert data["source"]["passage"].startswith("1. Giao Bộ Thông tin và Truyền thông")
        assert data["deadline"] == "trong tháng 9 năm 2014"

        audit = client.get("/api/v1/audit", params={"limit": 20}).json()
        actions = [e["action"] for e in audit["items"]]
        assert "extract.accept" in actions and "extract.propose" in actions
        accepted = next(e for e in audit["items"] if e["action"] == "extract.accept")
        assert accepted["after"]["tasks"] == ["5866-VPCP-KGVX-01"]
        assert accepted["after"]["rejected"] == 1
    written = YAML(typ="safe").load((root / "programme" / "tasks-extracted.yaml").read_text())
    assert [t["id"] for t in written["tasks"]] == ["5866-VPCP-KGVX-01"]


def test_a_bad_proposal_writes_nothing(served) -> None:
    url, root = served
    admin = _headers(root, "admin", "read", "write", "admin")
    bad = {"work": "Xây dựng Đề án.", "lead": ["NOPE"], "deadline_text": "một ngày nào đó",
           "source": "1/TB-VPCP"}
    with httpx.Client(base_url=url, headers=admin, timeout=60) as client:
        done = client.post("/api/v1/extract/accept", json={"tasks": [bad]})
        assert done.status_code == 422
        problems = done.json()["errors"]
        assert {p["column"] for p in problems} == {"lead", "deadline"}
        assert client.get("/api/v1/tasks", params={"q": "1-TB-VPCP"}).json()["total"] == 0
    assert not (root / "programme" / "tasks-extracted.yaml").exists()


def test_bad_input_and_rights(served) -> None:
    url, root = served
    admin = _headers(root, "admin", "read", "write", "admin")
    reporter = _headers(root, "hanoi.reporter", "read", "write")
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.post("/api/v1/extract", json={"text": LETTER}).status_code == 401
        done = client.post("/api/v1/extract", json={"text": LETTER}, headers=reporter)
        assert done.status_code == 403
        done = client.post("/api/v1/extract/accept", json={"tasks": [{"work": "x"}]},
                           headers=reporter)
        assert done.status_code == 403
        done = client.post("/api/v1/extract", json={"text": "The ministry shall report to "
                                                             "the Prime Minister by January."},
                           headers=admin)
        assert done.status_code == 422 and "Vietnamese" in done.json()["detail"]
        done = client.post("/api/v1/extract", files={"file": ("cv.docx", b"not a zip file" * 9)},
                           headers=admin)
        assert done.status_code == 422 and "not a Word document" in done.json()["detail"]
        done = client.post("/api/v1/extract", files={"file": ("empty.txt", b"")}, headers=admin)
        assert done.status_code == 422 and "empty" in done.json()["detail"]
        done = client.post("/api/v1/extract", content=b"x", headers={
            **admin, "content-type": "text/plain"})
        assert done.status_code == 415
