"""Task timeliness at an as-of date, around the deadline day (which itself is on time)."""

from __future__ import annotations

from datetime import date

from sodo.domain.assessment.config import AssessmentConfig
from sodo.domain.assessment.tasks import (
    TaskProgress,
    TaskStatus,
    accountability,
    assess_task,
    sort_tasks_worst_first,
)
from sodo.domain.programme import Task

JAN = Task(id="T-JAN", title="Khung kinh tế dữ liệu quốc gia", lead=["BCA"],
           deadline="trong tháng 01/2026")  # due 31/01/2026
Q1 = Task(id="T-Q1", title="Báo cáo ngành nghề chịu tác động của AI", lead=["BGDDT"],
          deadline="Quý I/2026")  # due 31/03/2026
ALWAYS = Task(id="T-ALWAYS", title="Bình dân học vụ số", lead=["BKHCN"], deadline="Thường xuyên")
OPEN = Task(id="T-OPEN", title="Gia nhập DEPA", lead=["BCT"], deadline_note="sớm")

DONE = "done"


def status(task: Task, as_of: date, progress: TaskProgress | None = None,
           config: AssessmentConfig | None = None) -> TaskStatus:
    return assess_task(task, progress, as_of, config or AssessmentConfig()).status


def test_done_on_the_deadline_day_is_on_time() -> None:
    done = TaskProgress(status=DONE, done_on=date(2026, 1, 31))
    assert status(JAN, date(2026, 2, 10), done) is TaskStatus.DONE_ON_TIME


def test_done_the_day_after_is_late() -> None:
    done = TaskProgress(status=DONE, done_on=date(2026, 2, 1))
    result = assess_task(JAN, done, date(2026, 2, 10))
    assert result.status is TaskStatus.DONE_LATE
    assert "1 day(s) late" in result.notes


def test_not_done_on_the_deadline_day_is_due_soon_not_overdue() -> None:
    result = assess_task(JAN, TaskProgress(percent=80), date(2026, 1, 31))
    assert result.status is TaskStatus.DUE_SOON
    assert result.days_to_due == 0


def test_not_done_the_day_after_is_overdue() -> None:
    result = assess_task(JAN, TaskProgress(percent=80), date(2026, 2, 1))
    assert result.status is TaskStatus.OVERDUE
    assert result.days_to_due == -1
    # No progress recorded at all is overdue just the same.
    assert status(JAN, date(2026, 2, 1)) is TaskStatus.OVERDUE


def test_due_soon_window() -> None:
    # 31/03 − 17/03 = 14 days: inside the default window; 16/03 is 15 days away: in progress.
    assert status(Q1, date(2026, 3, 17)) is TaskStatus.DUE_SOON
    assert status(Q1, date(2026, 3, 16)) is TaskStatus.IN_PROGRESS
    # The window is configuration.
    assert status(Q1, date(2026, 3, 1), config=AssessmentConfig(due_soon_days=30)) \
        is TaskStatus.DUE_SOON


def test_recurring_and_no_deadline() -> None:
    assert status(ALWAYS, date(2026, 6, 1)) is TaskStatus.RECURRING
    result = assess_task(OPEN, None, date(2026, 6, 1))
    assert result.status is TaskStatus.NO_DEADLINE
    assert result.notes == ["sớm"]
    # Done without a deadline is done on time (there is nothing to miss).
    assert status(OPEN, date(2026, 6, 1), TaskProgress(status=DONE, done_on=date(2026, 5, 1))) \
        is TaskStatus.DONE_ON_TIME


def test_completion_after_the_as_of_date_does_not_count_yet() -> None:
    done_later = TaskProgress(status=DONE, done_on=date(2026, 2, 5))
    result = assess_task(JAN, done_later, date(2026, 2, 1))
    assert result.status is TaskStatus.OVERDUE
    assert "after the as-of date" in result.notes[0]


def test_hundred_percent_counts_as_done() -> None:
    progress = TaskProgress(status="in_progress", percent=100, updated_on=date(2026, 1, 20))
    assert status(JAN, date(2026, 2, 1), progress) is TaskStatus.DONE_ON_TIME


def test_accountability_per_lead_agency() -> None:
    both = Task(id="T-BOTH", title="Hướng dẫn luật", lead=["BCA", "BKHCN"],
                deadline="tháng 12/2025")
    as_of = date(2026, 2, 1)
    items = [
        assess_task(JAN, None, as_of),  # BCA overdue
        assess_task(both, TaskProgress(status=DONE, done_on=date(2025, 12, 20)), as_of),
        assess_task(ALWAYS, None, as_of),  # BKHCN recurring
        assess_task(Q1, None, as_of),  # BGDDT in progress
    ]
    table = accountability(items)
    assert table["BCA"] == {"led": 2, "done_on_time": 1, "done_late": 0, "overdue": 1,
                            "in_progress": 0, "due_soon": 0, "recurring": 0, "no_deadline": 0,
                            "blocked": 0, "extended": 0}
    assert table["BKHCN"]["led"] == 2 and table["BKHCN"]["recurring"] == 1
    assert table["BGDDT"]["in_progress"] == 1
    # Agencies with overdue tasks come first.
    assert next(iter(table)) == "BCA"


def test_worst_first() -> None:
    as_of = date(2026, 2, 10)
    items = [assess_task(t, None, as_of) for t in (ALWAYS, OPEN, Q1, JAN)]
    # JAN overdue (−10 days), Q1 in progress (49 days), OPEN no deadline, ALWAYS recurring.
    assert [a.task_id for a in sort_tasks_worst_first(items)] == \
        ["T-JAN", "T-Q1", "T-OPEN", "T-ALWAYS"]


def test_blocked_and_extended_tasks_are_counted_and_judged_against_both_deadlines() -> None:
    as_of = date(2026, 2, 20)
    blocked = TaskProgress(status="blocked", note="Chưa có kinh phí", unblock_by="Bộ Tài chính")
    held = assess_task(JAN, blocked, as_of)
    assert held.blocked and held.obstacle == "Chưa có kinh phí"
    assert held.unblock_by == "Bộ Tài chính" and held.status is TaskStatus.OVERDUE
    # extended to 28/02: not overdue while the extension runs
    extended = assess_task(JAN, None, as_of, extension=date(2026, 2, 28))
    assert extended.status is TaskStatus.DUE_SOON and extended.due == date(2026, 1, 31)
    # done on 25/02: late against the original, on time against the extension
    done = assess_task(JAN, TaskProgress(status=DONE, done_on=date(2026, 2, 25)),
                       date(2026, 3, 1), extension=date(2026, 2, 28))
    assert done.status is TaskStatus.DONE_LATE and done.extension_verdict == "on_time"
    table = accountability([held, extended, done])
    assert table["BCA"]["blocked"] == 1 and table["BCA"]["extended"] == 2
