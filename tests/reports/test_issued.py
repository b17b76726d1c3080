"""Issued reports and narrative sections on a real store (SQLite file and PostgreSQL): numbers
restart at 01 each year per unit, the file downloads unchanged, the latest narrative is merged
and its history kept."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from sodo.domain.permissions import Actor, Forbidden, Role
from sodo.domain.problems import InputError
from sodo.services.context import AppContext
from sodo.services.reports import issued, narrative
from sodo.services.settings import Settings


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(request: pytest.FixtureRequest, tmp_path: Path, postgres_database) -> Iterator[AppContext]:
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path / 'sodo.db').as_posix()}"
        with AppContext(Settings.for_database(url), migrate=True) as context:
            yield context
    else:
        with postgres_database("sodo_i12") as url, \
                AppContext(Settings.for_database(url), migrate=True) as context:
            yield context


def _issue(ctx: AppContext, **kw) -> tuple:
    return issued.issue_evaluation(ctx, Actor.cli(), year=2025, as_of=date(2026, 1, 15), **kw)


def _text(content: bytes) -> str:
    doc = Document(BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_numbers_restart_each_year_per_unit_and_files_download_unchanged(ctx):
    first, _ = _issue(ctx, issued_on=date(2026, 1, 20))
    second, made = _issue(ctx, issued_on=date(2026, 2, 3))
    assert (first.number_text, second.number_text) == ("01/BC-BKHCN", "02/BC-BKHCN")
    assert "Số: 02/BC-BKHCN" in _text(made.content)
    next_year, _ = _issue(ctx, issued_on=date(2027, 1, 5))
    province, _ = issued.issue_evaluation(ctx, Actor.cli(), year=2025, unit="01",
                                          issued_on=date(2026, 1, 20))
    assert next_year.number == 1 and province.number_text == "01/BC-UBND"
    with pytest.raises(InputError, match="02/BC-BKHCN năm 2026 đã được dùng"):
        _issue(ctx, issued_on=date(2026, 3, 1), number=2)
    with ctx.session() as session:
        listed = issued.list_issued(session, Actor.cli(), unit="VN")
        record, content, media_type = issued.issued_file(session, Actor.cli(), second.id)
    assert [r.number for r in listed] == [1, 2, 1]  # newest first
    assert content == made.content and hashlib.sha256(content).hexdigest() == record.sha256
    assert record.issued_by == Actor.cli().username and media_type.endswith("document")


def test_only_those_who_report_for_the_unit_issue_its_report(ctx):
    hanoi = Actor("hanoi", Role.REPORTER, "01")
    with pytest.raises(Forbidden):
        issued.issue_evaluation(ctx, hanoi, year=2025, unit="VN")
    record, _ = issued.issue_evaluation(ctx, hanoi, year=2025, unit="01")
    assert record.orgunit == "01" and record.issued_by == "hanoi"


def test_narrative_is_merged_latest_first_with_history_and_placeholders(ctx):
    with ctx.session() as session:
        narrative.save_narrative(session, Actor.cli(), "VN", 2025, "causes", "Bản nháp đầu.")
        narrative.save_narrative(session, Actor.cli(), "VN", 2025, "causes",
                                 "Nguồn lực đầu tư còn hạn chế.")
        narrative.save_narrative(session, Actor.cli(), "VN", 2024, "lessons", "Năm khác.")
        session.commit()
        history = narrative.narrative_history(session, Actor.cli(), "VN", 2025)
        with pytest.raises(InputError, match="no such narrative section"):
            narrative.save_narrative(session, Actor.cli(), "VN", 2025, "invented", "x")
    assert [h["text"] for h in history] == ["Bản nháp đầu.", "Nguồn lực đầu tư còn hạn chế."]
    _, made = _issue(ctx, issued_on=date(2026, 1, 20))
    text = _text(made.content)
    assert "Nguồn lực đầu tư còn hạn chế." in text and "Bản nháp đầu." not in text
    assert "Năm khác." not in text
    assert text.count("chưa có nội dung") == 3  # lessons, directions, proposals
