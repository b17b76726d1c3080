from datetime import date

import pytest

from sodo.domain.periods import (
    Period,
    PeriodError,
    PeriodType,
    parse_deadline,
    parse_vietnamese_period,
)

# (text as officials write it, period id, Vietnamese label, English label, deadline)
VIETNAMESE_FORMS = [
    ("tháng 12/2025", "2025-12", "Tháng 12/2025", "December 2025", date(2025, 12, 31)),
    ("trong tháng 01/2026", "2026-01", "Tháng 1/2026", "January 2026", date(2026, 1, 31)),
    ("Hoàn thành trong tháng 01/2026", "2026-01", "Tháng 1/2026", "January 2026",
     date(2026, 1, 31)),
    ("Quý I/2026", "2026Q1", "Quý I/2026", "Q1 2026", date(2026, 3, 31)),
    ("trong Quý I/2026", "2026Q1", "Quý I/2026", "Q1 2026", date(2026, 3, 31)),
    ("quý 2/2025", "2025Q2", "Quý II/2025", "Q2 2025", date(2025, 6, 30)),
    ("Quý IV năm 2025", "2025Q4", "Quý IV/2025", "Q4 2025", date(2025, 12, 31)),
    ("6/2025", "2025-06", "Tháng 6/2025", "June 2025", date(2025, 6, 30)),
    ("Tháng 5/2025", "2025-05", "Tháng 5/2025", "May 2025", date(2025, 5, 31)),
    ("tháng 2/2024", "2024-02", "Tháng 2/2024", "February 2024", date(2024, 2, 29)),
    ("năm 2025", "2025", "Năm 2025", "2025", date(2025, 12, 31)),
    ("trước ngày 20 tháng 10 năm 2024", "2024-10-20", "20/10/2024", "20 October 2024",
     date(2024, 10, 20)),
    ("01/12/2025", "2025-12-01", "01/12/2025", "1 December 2025", date(2025, 12, 1)),
    ("giai đoạn 2026-2030", "2026..2030", "Giai đoạn 2026–2030", "2026–2030",
     date(2030, 12, 31)),
    ("Giai đoạn 2025 – 2027", "2025..2027", "Giai đoạn 2025–2027", "2025–2027",
     date(2027, 12, 31)),
    ("6 tháng đầu năm 2025", "2025S1", "6 tháng đầu năm 2025", "H1 2025", date(2025, 6, 30)),
    ("6 tháng cuối năm 2025", "2025S2", "6 tháng cuối năm 2025", "H2 2025",
     date(2025, 12, 31)),
]


@pytest.mark.parametrize(("text", "period_id", "vi", "en", "due"), VIETNAMESE_FORMS)
def test_vietnamese_forms_parse_render_and_give_the_last_day(text, period_id, vi, en, due):
    period = parse_vietnamese_period(text)
    assert period.id == period_id
    assert period.label("vi") == vi
    assert period.label("en") == en
    deadline = parse_deadline(text)
    assert deadline.due == due
    assert not deadline.recurring
    # The rendered Vietnamese label reads back as the same period.
    assert parse_vietnamese_period(vi) == period


def test_decomposed_unicode_input_parses_like_nfc():
    import unicodedata

    assert parse_vietnamese_period(unicodedata.normalize("NFD", "Quý I/2026")).id == "2026Q1"


@pytest.mark.parametrize("text", ["Thường xuyên", "thường xuyên", "Hằng năm"])
def test_recurring(text):
    deadline = parse_deadline(text)
    assert deadline.recurring and deadline.due is None
    assert deadline.label("vi") == "Thường xuyên"
    with pytest.raises(PeriodError):
        parse_vietnamese_period(text)


def test_no_deadline():
    for text in (None, "", "   "):
        deadline = parse_deadline(text)
        assert deadline.due is None and not deadline.recurring and not deadline.is_set


@pytest.mark.parametrize("text", ["tháng 13/2025", "Quý V/2025", "32/01/2025", "sớm",
                                  "khẩn trương", "2025Q5", "2025-13", "2027..2025"])
def test_unparseable_periods_raise_a_plain_error(text):
    with pytest.raises(PeriodError) as info:
        parse_deadline(text)
    assert text in str(info.value)


@pytest.mark.parametrize(
    ("period_id", "ptype", "start", "end"),
    [
        ("2025", PeriodType.YEAR, date(2025, 1, 1), date(2025, 12, 31)),
        ("2025S1", PeriodType.HALF, date(2025, 1, 1), date(2025, 6, 30)),
        ("2025S2", PeriodType.HALF, date(2025, 7, 1), date(2025, 12, 31)),
        ("2025Q4", PeriodType.QUARTER, date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-11", PeriodType.MONTH, date(2025, 11, 1), date(2025, 11, 30)),
        ("2025-11-26", PeriodType.DAY, date(2025, 11, 26), date(2025, 11, 26)),
        ("2025..2027", PeriodType.STAGE, date(2025, 1, 1), date(2027, 12, 31)),
    ],
)
def test_period_ids_round_trip(period_id, ptype, start, end):
    period = Period.parse(period_id)
    assert (period.type, period.start, period.end, period.id) == (ptype, start, end, period_id)


def test_containment_and_subperiods():
    q4 = Period.parse("2025Q4")
    assert [m.id for m in q4.months()] == ["2025-10", "2025-11", "2025-12"]
    assert [q.id for q in Period.parse("2025").subperiods("quarter")] == [
        "2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert [h.id for h in Period.parse("2025..2027").subperiods("year")] == [
        "2025", "2026", "2027"]
    assert q4.contains(Period.parse("2025-11-26"))
    assert not q4.contains(Period.parse("2025-09"))
    assert Period.parse("2025").contains(q4)
    assert q4.contains(date(2025, 12, 31)) and not q4.contains(date(2026, 1, 1))
    with pytest.raises(PeriodError):
        Period.parse("2025-11").subperiods("quarter")


@pytest.mark.parametrize(
    ("period_id", "nxt", "prev", "last_year"),
    [
        ("2025-12", "2026-01", "2025-11", "2024-12"),
        ("2025-01", "2025-02", "2024-12", "2024-01"),
        ("2025Q1", "2025Q2", "2024Q4", "2024Q1"),
        ("2025S2", "2026S1", "2025S1", "2024S2"),
        ("2025", "2026", "2024", "2024"),
        ("2025-12-31", "2026-01-01", "2025-12-30", "2024-12-31"),
        ("2024-02-29", "2024-03-01", "2024-02-28", "2023-02-28"),
        ("2025..2027", "2028..2030", "2022..2024", "2022..2024"),
    ],
)
def test_navigation(period_id, nxt, prev, last_year):
    period = Period.parse(period_id)
    assert period.next().id == nxt
    assert period.previous().id == prev
    assert period.same_period_last_year().id == last_year


def test_containing_and_ordering():
    d = date(2025, 11, 26)
    assert [Period.containing(d, t).id for t in ("day", "month", "quarter", "half", "year")] == [
        "2025-11-26", "2025-11", "2025Q4", "2025S2", "2025"]
    ids = ["2025-02", "2024-12", "2025-01"]
    assert [p.id for p in sorted(Period.parse(i) for i in ids)] == ["2024-12", "2025-01", "2025-02"]
