"""A small programme and a real SQLite store file for the assessment service tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

import sodo.stores.operational.models  # noqa: F401  (registers task_update and the other tables)
from sodo.domain.programme import Programme
from sodo.stores.operational.tables import indicator_value, make_engine, metadata


@pytest.fixture
def programme() -> Programme:
    return make_programme()


def make_programme() -> Programme:
    return Programme.model_validate({
        "code": "TEST",
        "name": "Chương trình thử",
        "sources": [],
        "indicators": [
            {"code": "G5", "name": "Tỷ lệ dân số được phủ sóng 5G", "unit": "%",
             "value_type": "percent"},
            {"code": "DVC", "name": "Tỷ lệ hồ sơ trực tuyến toàn trình", "unit": "%",
             "value_type": "percent"},
            {"code": "TXN", "name": "Số giao dịch không dùng tiền mặt", "unit": "triệu",
             "value_type": "count", "aggregation_time": "sum"},
        ],
        "targets": [
            {"id": "G5-2026", "indicator": "G5", "value": 90, "deadline": "2026"},
            {"id": "DVC-2027", "indicator": "DVC", "value": 80, "deadline": "2027",
             "baseline": {"period": "2024", "value": 40}},
            {"id": "TXN-2026", "indicator": "TXN", "value": 300, "deadline": "2026"},
        ],
        "values": [
            # Two documents disagree on 5G coverage for 2025; the later one wins.
            {"indicator": "G5", "period": "2025", "value": 39.52,
             "source": {"document": "Slide BKHCN", "issued": "2025-09-15"}},
            {"indicator": "G5", "period": "2025", "value": 59,
             "source": {"document": "4/TB-VPCP", "issued": "2026-01-05"}},
            {"indicator": "G5", "period": "2024", "value": 20,
             "source": {"document": "4/TB-VPCP", "issued": "2026-01-05"}},
        ],
        "tasks": [
            {"id": "T1", "title": "Khung kinh tế dữ liệu", "lead": ["BCA"],
             "deadline": "trong tháng 01/2026"},
            {"id": "T2", "title": "Đề án chuyển đổi số doanh nghiệp nhỏ và vừa",
             "lead": ["BKHCN"], "deadline": "tháng 01/2026"},
            {"id": "T3", "title": "Bình dân học vụ số", "lead": ["BKHCN"],
             "deadline": "Thường xuyên"},
        ],
    })




@pytest.fixture(scope="session")
def pg_database(postgres_database) -> Iterator[str]:
    """A database of our own on the shared PostgreSQL server, dropped after the session."""
    with postgres_database("sodo_assess") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty operational store: a SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{(tmp_path / 'sodo.db').as_posix()}")
    else:
        engine = make_engine(request.getfixturevalue("pg_database"))
        metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def add_values(engine: Engine, rows: list[dict]) -> None:
    stamp = datetime(2026, 2, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(indicator_value), [
            {"category": "", "origin": "computed", "state": "approved", "source": "",
             "note": "", "updated_at": stamp, **row} for row in rows])
