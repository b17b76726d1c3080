"""The assessment services against a real SQLite store file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from sodo.domain.assessment.targets import TargetStatus
from sodo.domain.assessment.tasks import TaskStatus
from sodo.domain.periods import PeriodError
from sodo.domain.problems import InputError
from sodo.domain.programme import Programme
from sodo.domain.ranking import competition_ranks
from sodo.services.assessment import accountability_rows, assess_targets, assess_tasks, rank
from sodo.services.task_progress import progress_by_task
from sodo.stores.operational.models import TaskUpdate
from sodo.stores.operational.tables import make_engine

from .conftest import add_values

AS_OF = date(2026, 3, 1)


def by_id(items: list, key: str = "target_id") -> dict:
    return {getattr(item, key): item for item in items}


def test_seed_values_alone_the_most_recent_document_wins(programme: Programme) -> None:
    # No store at all: the programme's own figures. For 2025 the notice (issued 05/01/2026)
    # says 59 and the slides (15/09/2025) say 39.52: 59 is used, 39.52 listed.
    result = by_id(assess_targets(None, programme, AS_OF))["G5-2026"]
    assert (result.latest, result.latest_period) == (59, "2025")
    disagreements = result.components["other_series"][0]["disagreements"]
    assert disagreements == [{"period": "2025", "value": 39.52, "source": "seed: Slide BKHCN",
                              "used": 59, "used_source": "seed: 4/TB-VPCP"}]
    # 2024 = 20 (t0 = 2025), 2025 = 59 (t = 2026): slope 39; x̂(2027) = 59 + 39 = 98 ≥ 90.
    assert result.projected == pytest.approx(98)
    assert result.status is TargetStatus.ON_TRACK


def test_stored_value_more_recent_than_the_document_wins(programme: Programme,
                                                         store: Engine) -> None:
    # A computed 2025 value stored on 01/02/2026 is newer than the notice of 05/01/2026.
    add_values(store, [{"indicator": "G5", "orgunit": "VN", "period": "2025",
                        "period_type": "year", "value": 60.0}])
    result = by_id(assess_targets(store, programme, AS_OF))["G5-2026"]
    assert result.latest == 60
    assert "computed" in result.series_source


def test_monthly_series_preferred_and_drafts_ignored(programme: Programme,
                                                     store: Engine) -> None:
    monthly = [{"indicator": "DVC", "orgunit": "VN", "period": f"2025-{m:02d}",
                "period_type": "month", "value": 40.0 + 2 * m} for m in range(1, 13)]
    add_values(store, [
        *monthly,
        {"indicator": "DVC", "orgunit": "VN", "period": "2025", "period_type": "year",
         "value": 52.0, "origin": "reported"},
        # Not approved, another category, another unit: none of them is the target's series.
        {"indicator": "DVC", "orgunit": "VN", "period": "2026-01", "period_type": "month",
         "value": 99.0, "origin": "reported", "state": "submitted"},
        {"indicator": "DVC", "orgunit": "VN", "period": "2026-01", "period_type": "month",
         "value": 98.0, "category": "khối bộ"},
        {"indicator": "DVC", "orgunit": "01", "period": "2026-01", "period_type": "month",
         "value": 97.0},
    ])
    result = by_id(assess_targets(store, programme, AS_OF))["DVC-2027"]
    # Monthly and yearly both end on 31/12/2025; the monthly series has more points.
    assert result.latest_period == "2025-12" and result.latest == 64
    assert result.components["points"] == 13  # the target's baseline + 12 months
    assert result.components["other_series"][0]["period_type"] == "year"
    assert result.baseline_from == "target"


def test_a_period_under_way_takes_no_part_in_the_choice(programme: Programme,
                                                        store: Engine) -> None:
    # On 1/3/2026 the months to February are over; the quarter 2026Q1 and the year 2026 are
    # not, though the engine already holds running values for them.
    add_values(store, [
        *({"indicator": "DVC", "orgunit": "VN", "period": f"{y}-{m:02d}",
           "period_type": "month", "value": 40.0 + i}
          for i, (y, m) in enumerate([(2025, m) for m in range(1, 13)] + [(2026, 1), (2026, 2)])),
        *({"indicator": "DVC", "orgunit": "VN", "period": q, "period_type": "quarter",
           "value": 50.0} for q in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1")),
        {"indicator": "DVC", "orgunit": "VN", "period": "2026", "period_type": "year",
         "value": 60.0},
    ])
    result = by_id(assess_targets(store, programme, AS_OF))["DVC-2027"]
    assert result.latest_period == "2026-02"
    assert "values_after_as_of_ignored" not in result.components


def test_a_sum_over_months_is_not_compared_with_a_yearly_target(programme: Programme,
                                                                 store: Engine) -> None:
    add_values(store, [
        {"indicator": "TXN", "orgunit": "VN", "period": "2024", "period_type": "year",
         "value": 100.0},
        {"indicator": "TXN", "orgunit": "VN", "period": "2025", "period_type": "year",
         "value": 180.0},
        *({"indicator": "TXN", "orgunit": "VN", "period": f"2025-{m:02d}",
           "period_type": "month", "value": 15.0} for m in range(1, 13)),
    ])
    result = by_id(assess_targets(store, programme, AS_OF))["TXN-2026"]
    # Years only: slope 80; x̂(2027) = 180 + 80 = 260; LR = (260 − 100)/(300 − 100) = 0.8.
    assert result.latest_period == "2025"
    assert result.components["linear_ratio"] == pytest.approx(0.8)
    assert result.status is TargetStatus.NEEDS_ACCELERATION


def test_a_target_on_an_undefined_indicator_does_not_stop_the_others(
        programme: Programme) -> None:
    broken = programme.model_copy(deep=True)
    broken.targets[0].indicator = "GONE"
    results = by_id(assess_targets(None, broken, AS_OF))
    assert results["G5-2026"].status is TargetStatus.INSUFFICIENT_DATA
    assert "not defined" in results["G5-2026"].notes[0]
    assert results["DVC-2027"].baseline == 40


def test_unknown_target_is_an_input_error(programme: Programme) -> None:
    with pytest.raises(InputError, match="no such target: NOPE"):
        assess_targets(None, programme, AS_OF, target_ids=["NOPE"])


def _update(task: str, status: str, at: datetime, percent: float = 0.0) -> dict:
    return {"programme": "TEST", "task": task, "orgunit": "BCA", "status": status,
            "percent": percent, "at": at}


def test_task_progress_from_the_store(programme: Programme, store: Engine) -> None:
    with store.begin() as conn:
        conn.execute(insert(TaskUpdate.__table__), [
            _update("T1", "in_progress", datetime(2026, 1, 10, 3, tzinfo=UTC), 50),
            # 20:00 UTC on 31/01 is 03:00 on 01/02 in Vietnam: one day late.
            _update("T1", "done", datetime(2026, 1, 31, 20, tzinfo=UTC), 100),
            _update("T1", "done", datetime(2026, 2, 5, 3, tzinfo=UTC), 100),
            _update("T2", "in_progress", datetime(2026, 1, 20, 3, tzinfo=UTC), 70),
            # Recorded after the as-of date: not known yet.
            _update("T2", "done", datetime(2026, 3, 5, 3, tzinfo=UTC), 100),
        ])
    with Session(store) as session:
        progress = progress_by_task(session, "TEST", AS_OF)
    assert progress["T1"].done_on == date(2026, 2, 1)
    assert progress["T2"].status == "in_progress"
    results = by_id(assess_tasks(store, programme, AS_OF), "task_id")
    assert results["T1"].status is TaskStatus.DONE_LATE
    assert results["T2"].status is TaskStatus.OVERDUE
    assert results["T3"].status is TaskStatus.RECURRING
    rows = {row["lead"]: row for row in accountability_rows(results.values())}
    assert rows["BCA"]["name"] == "Bộ Công an"
    assert (rows["BCA"]["led"], rows["BCA"]["done_late"]) == (1, 1)
    assert (rows["BKHCN"]["led"], rows["BKHCN"]["overdue"], rows["BKHCN"]["recurring"]) \
        == (2, 1, 1)
    # Later, T2's completion counts (done 05/03 after a January deadline: late).
    later = by_id(assess_tasks(store, programme, date(2026, 3, 10)), "task_id")
    assert later["T2"].status is TaskStatus.DONE_LATE


def test_no_task_table_means_no_progress(programme: Programme, tmp_path) -> None:
    # A store without the task table (an older database) is not an error.
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    results = assess_tasks(empty, programme, date(2026, 1, 17))  # 14 days left
    assert [r.status for r in results] == [TaskStatus.DUE_SOON, TaskStatus.DUE_SOON,
                                           TaskStatus.RECURRING]


def test_competition_ranking() -> None:
    values = {"a": 10, "b": 30, "c": 30, "d": 5}
    assert competition_ranks(values, 1) == {"b": 1, "c": 1, "a": 3, "d": 4}
    assert competition_ranks(values, -1) == {"d": 1, "a": 2, "b": 3, "c": 3}


def test_rank_provinces_with_change_since_the_previous_period(programme: Programme,
                                                              store: Engine) -> None:
    def row(code: str, period: str, value: float) -> dict:
        return {"indicator": "DVC", "orgunit": code, "period": period, "period_type": "year",
                "value": value}

    add_values(store, [
        row("01", "2025", 80), row("79", "2025", 90), row("48", "2025", 80),
        row("31", "2025", 70),
        row("01", "2024", 60), row("79", "2024", 50), row("48", "2024", 70),
        row("31", "2024", 40),
        row("BCA", "2025", 100),  # a ministry: not ranked among provinces
    ])
    rows = rank(store, programme, "DVC", "2025", "province")
    ranked = [(r.rank, r.orgunit, r.previous_rank, r.change) for r in rows if r.rank]
    # 2025: 90, 80, 80, 70 → 1, 2, 2, 4. 2024: 70 (48), 60 (01), 50 (79), 40 (31) → 1..4.
    assert ranked == [(1, "79", 3, 2), (2, "01", 2, 0), (2, "48", 1, -1), (4, "31", 4, 0)]
    assert len(rows) == 34  # every current province, the unranked last
    assert rows[-1].rank is None and rows[-1].value is None
    ministries = rank(store, programme, "DVC", "2025", "ministry")
    assert ministries[0].orgunit == "BCA" and ministries[0].rank == 1
    assert ministries[0].name == "Bộ Công an"


def test_rank_on_a_stored_index_outside_the_programme(programme: Programme,
                                                      store: Engine) -> None:
    # The 766 index total is computed from its own configuration, not a programme indicator.
    add_values(store, [{"indicator": "svc766", "orgunit": code, "period": "2025Q4",
                        "period_type": "quarter", "value": value}
                       for code, value in (("01", 71.5), ("79", 80.25), ("48", 90.0))])
    rows = rank(store, programme, "svc766", "2025Q4", "province")
    assert [(r.rank, r.orgunit, r.previous_rank) for r in rows[:3]] == \
        [(1, "48", None), (2, "79", None), (3, "01", None)]


def test_rank_input_errors(programme: Programme) -> None:
    with pytest.raises(InputError, match="level must be province or ministry"):
        rank(None, programme, "DVC", "2025", "commune")
    with pytest.raises(InputError, match="no such indicator"):
        rank(None, programme, "NOPE", "2025", "province")
    with pytest.raises(PeriodError, match="no previous period"):
        rank(None, programme, "DVC", "0001", "province")
