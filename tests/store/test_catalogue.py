"""Importing a programme into the store, and re-importing a changed one, records what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from sodo.domain.permissions import Actor, Forbidden, Role
from sodo.services import catalogue
from sodo.services.programme import load_programme
from sodo.stores.operational.models import AuditEntry, OrgUnitRow, ProgrammeChange, ProgrammeItem

FIXTURES = Path(__file__).parent / "fixtures"


def _items(session) -> dict[tuple[str, str], ProgrammeItem]:
    return {(i.kind, i.key): i for i in session.scalars(select(ProgrammeItem))}


def test_first_import_adds_every_item(session, loaded) -> None:
    result = catalogue.sync(session, Actor.system(), loaded=loaded)
    session.commit()
    assert sorted(result.added) == [
        ("form", "BC-CDS-QUY"), ("indicator", "dvc_online"), ("indicator", "so_diem_wifi"),
        ("indicator", "vb_dien_tu"), ("target", "T-DVC"), ("task", "NV-BCA-1"),
        ("task", "NV-HN-1")]
    items = _items(session)
    assert items[("indicator", "dvc_online")].data["name"] == "Tỷ lệ hồ sơ trực tuyến toàn trình"
    assert items[("task", "NV-HN-1")].orgunit == "01"
    assert session.get(OrgUnitRow, "01").name
    again = catalogue.sync(session, Actor.system(), loaded=loaded)
    assert again.unchanged and again.import_id is None


def test_reimport_records_changes_and_removals(session, loaded, tmp_path: Path) -> None:
    catalogue.sync(session, Actor.system(), loaded=loaded)
    session.commit()
    folder = tmp_path / "prog"
    shutil.copytree(FIXTURES / "programme", folder)
    yaml_file = folder / "programme.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    text = text.replace("name: Số điểm wifi công cộng", "name: Số điểm truy cập wifi công cộng")
    text = text.replace("""  - id: NV-BCA-1
    title: Khung kinh tế dữ liệu
    lead: [BCA]
    deadline: trong tháng 01/2026
""", "")
    yaml_file.write_text(text, encoding="utf-8")
    result = catalogue.sync(session, Actor.system(), loaded=load_programme(folder))
    session.commit()
    assert result.changed == [("indicator", "so_diem_wifi", ["name"])]
    assert result.removed == [("task", "NV-BCA-1")]
    assert result.added == []
    changes = session.scalars(select(ProgrammeChange).where(
        ProgrammeChange.import_id == result.import_id)).all()
    by_key = {c.key: c for c in changes}
    assert by_key["so_diem_wifi"].before["name"] == "Số điểm wifi công cộng"
    assert by_key["so_diem_wifi"].after["name"] == "Số điểm truy cập wifi công cộng"
    assert by_key["NV-BCA-1"].change == "removed"
    assert _items(session)[("task", "NV-BCA-1")].active is False
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "programme.sync")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.after["changed"] == 1 and entry.after["removed"] == 1
    assert [i.id for i in catalogue.programme_imports(session, "TEST-CDS")] == [
        result.import_id - 1, result.import_id]


def test_only_admins_import(session, loaded) -> None:
    reporter = Actor("hn", Role.REPORTER, "01")
    with pytest.raises(Forbidden):
        catalogue.sync(session, reporter, loaded=loaded)
