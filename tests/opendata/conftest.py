"""Fixtures of the open-data tests: the web tests' workspace with open data declared, a
report approved and another left a draft, and one quarter of computed values released."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from server import free_port, serve
from workspace_builder import PROGRAMME, TODAY, build_workspace

from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import opendata, reporting
from sodo.services.settings import Settings

OPEN_DATA = """\
  owner: BKHCN
  open_data:
    exclude: [ty_le_hai_long]
    contact_name: Văn phòng Chương trình thử nghiệm
    contact_email: du-lieu-mo@example.org
    conditions: Ghi rõ nguồn khi sử dụng.
    conditions_en: Cite the source.
"""
RELEASED = ["svc766_total", "dvc_online"]  # computed values released for 2026Q2 only
ADMIN = Actor.system("test-admin")


@dataclass
class Site:
    """A workspace, its app, and the address its catalogue's links start with."""

    root: Path
    app: FastAPI
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def make_site(root: Path, database_url: str | None = None, release: bool = True) -> Site:
    build_workspace(root, database_url)
    text = (PROGRAMME.replace("  name_en: Web test programme\n",
                              "  name_en: Web test programme\n" + OPEN_DATA)
            .replace("    name_en: Share of fully-online dossiers\n",
                     "    name_en: Share of fully-online dossiers\n    area: Chính phủ số\n")
            .replace("    name_en: Digital economy share of GDP\n",
                     "    name_en: Digital economy share of GDP\n    area: Kinh tế số\n"))
    (root / "programme" / "programme.yaml").write_text(text, encoding="utf-8")
    port = free_port()
    settings = replace(Settings.open(root), today=TODAY, public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings)  # its first start syncs the programme
    ctx = app.state.ctx
    with ctx.session() as session:
        due = reporting.save_draft(session, ADMIN, "BC-CDS", "01", "2026Q2", [
            ValueInput("ho_so_tiep_nhan", 120), ValueInput("ty_le_hai_long", 81)], today=TODAY)
        reporting.submit(session, ADMIN, due.id, today=TODAY)
        reporting.approve(session, Actor.system("test-approver"), due.id)
        reporting.save_draft(session, ADMIN, "BC-CDS", "01", "2026Q3",
                             [ValueInput("ho_so_tiep_nhan", 130)], today=TODAY)
        if release:
            opendata.release(session, ADMIN, ["2026Q2"], RELEASED, "reviewed", TODAY)
        session.commit()
    return Site(root, app, port)


@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         postgres_database) -> Iterator[Site]:
    root = tmp_path_factory.mktemp(f"opendata-{request.param}") / "ws"
    if request.param == "sqlite":
        made = make_site(root)
        yield made
        made.app.state.ctx.close()
        return
    with postgres_database("sodo_opendata") as url:
        made = make_site(root, url)
        yield made
        made.app.state.ctx.close()


@pytest.fixture(scope="session")
def served(site: Site) -> Iterator[str]:
    """The site over real HTTP, on the port its catalogue's links name."""
    with serve(site.app, site.port) as url:
        yield url
