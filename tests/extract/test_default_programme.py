"""The extraction of notice 4/TB-VPCP reproduces the tasks the shipped default programme typed
from it: the same tasks, in order, with the same lead, partners and deadline.

TB4-IV-6-ii ("Đẩy mạnh triển khai phong trào “Bình dân học vụ số” …") once had ``deadline:
Thường xuyên`` in the programme, while the notice gives it no time at all: both now say what
the notice says, no deadline. "Giao Bộ X và các bộ, ngành" makes the ministries co-assignees
(leads by name), not partners.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sodo.domain.text import fold
from sodo.services.extract import extract_text
from sodo.services.programme import default_programme_path, load_programme

NOTICE = Path(__file__).parent / "fixtures" / "4-TB-VPCP-2026.txt"
INTERPRETED: set[str] = set()  # no deadline the programme gives beyond the notice's words


@pytest.fixture(scope="module")
def pairs():
    if not NOTICE.exists():
        pytest.skip("the seed notice 4/TB-VPCP is not on this machine")
    shipped = [t for t in load_programme(default_programme_path()).programme.tasks
               if t.source and t.source.document == "4/TB-VPCP"]
    proposals = extract_text(NOTICE.read_text(encoding="utf-8")).proposals
    return shipped, proposals


def test_the_same_tasks_in_the_same_order(pairs) -> None:
    shipped, proposals = pairs
    assert len(proposals) == len(shipped) == 19
    for task, proposal in zip(shipped, proposals, strict=True):
        # the shipped passage is the notice's words; the proposal's span holds its start
        assert fold(proposal.source_passage)[:40] == fold(task.source.passage)[:40], task.id
        assert proposal.source == "4/TB-VPCP" and proposal.issued == task.source.issued


def test_lead_partners_and_deadline_match(pairs) -> None:
    shipped, proposals = pairs
    for task, proposal in zip(shipped, proposals, strict=True):
        assert proposal.lead == task.lead, task.id
        assert proposal.partners == task.partners, task.id
        assert proposal.partners_other == task.partners_other, task.id
        due = task.due
        if task.id in INTERPRETED:
            continue
        assert (proposal.deadline, proposal.recurring) == (due.due, due.recurring), task.id


def test_a_task_without_time_in_the_notice_has_none_in_the_programme_either(
        pairs) -> None:
    shipped, proposals = pairs
    by_id = dict(zip((t.id for t in shipped), proposals, strict=True))
    task = next(t for t in shipped if t.id == "TB4-IV-6-ii")
    assert not task.due.is_set and task.deadline_note == "không nêu thời hạn"
    proposal = by_id["TB4-IV-6-ii"]
    assert proposal.deadline is None and not proposal.recurring
    assert "Bình dân học vụ số" in proposal.source_passage


def test_authority_and_adverbs_as_the_notice_words_them(pairs) -> None:
    shipped, proposals = pairs
    by_id = dict(zip((t.id for t in shipped), proposals, strict=True))
    for task_id in ("TB4-IV-2-ii", "TB4-IV-3-iii", "TB4-IV-4-i-a"):
        assert by_id[task_id].authority == "Thủ tướng Chính phủ"
    assert by_id["TB4-IV-2-i"].deadline_text == "khẩn trương; sớm"
    assert by_id["TB4-IV-2-i"].lead_other == ["các bộ, ngành"]
    assert by_id["TB4-IV-3-ii"].deadline_text == "nhanh chóng"
    assert by_id["TB4-IV-2-iii"].deadline_text == "Hoàn thành trong tháng 01/2026"
    assert by_id["TB4-IV-3-iii"].deliverable.startswith("Báo cáo tổng thể về các ngành, nghề")
