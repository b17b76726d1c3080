"""Golden tests of the 766 rules and the roll-up, on hand-made records whose right answers are
worked out by hand in the comments. The whole suite runs on DuckDB, PostgreSQL and PySpark: the
records are loaded into each backend and computed once per backend (module fixture)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from engine_helpers import Records, value_of

from sodo.services.engine.compute import ALL_LEVELS, evaluate
from sodo.services.engine.definitions import load_engine_config
from sodo.services.programme import default_programme_path

from .conftest import BACKENDS, Loader

# Provinces and communes (after the 2025 merger) used below.
P1, P1_C1, P1_C2 = "01", "00070", "00073"
P2, P2_C1 = "04", "01273"
P3, P3_C1 = "08", "02269"
ALL_TRUE = dict(synced_on_time=True, eligible_full_online=True, fee_required=True,
                paid_online=True, result_is_document=True, e_result=True, digitized=True,
                reused_data=True, from_data_store=True, population_db=True)


def golden_records() -> Records:
    r = Records()
    # A. Supplement time excluded (BCA, March 2025). Due 10 March.
    r.dossier("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-12 09:00",
              supplement_count=1, supplement_days=3)  # 12 Mar − 3 d = 9 Mar: on time
    r.dossier("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-12 09:00",
              supplement_count=1, supplement_days=1)  # 11 Mar: late
    r.dossier("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-08 09:00")  # on time
    r.dossier("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-11 09:00")  # late
    # B. More than one supplement request is late even when finished early (BCT).
    r.dossier("BCT", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-05 09:00",
              supplement_count=2)  # late
    r.dossier("BCT", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-05 09:00",
              supplement_count=1, supplement_days=0.5)  # on time
    # C. Unfinished dossiers judged at the end of the period (BGDDT).
    r.dossier("BGDDT", "2025-01-20 08:00", "2025-02-10 17:00", "2025-02-20 09:00")
    #   January: still open on 1 Feb, due 10 Feb -> on time; Q1: finished late -> late.
    r.dossier("BGDDT", "2025-02-05 08:00", "2025-02-25 17:00", None)
    #   February: open on 1 Mar, due 25 Feb -> late; Q1 late.
    r.dossier("BGDDT", "2025-03-25 08:00", "2025-04-15 17:00", None)
    #   March and Q1: open on 1 Apr, due 15 Apr -> on time; year 2025: open on 1 Jan 2026 -> late.
    # D/E. Threshold scoring and N/A (BKHCN, March): 1 of 4 received online (3.3 threshold 50
    # -> 25 % -> 6 × 25 / 50 = 3.00); 1 of 4 synced (1.4 linear -> 25 % -> 1.50); no dossier
    # carries a fee (3.6 N/A) and none is eligible for full online (3.2 N/A).
    r.dossier("BKHCN", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-04 09:00",
              channel="online_partial", synced_on_time=True)
    for _ in range(3):
        r.dossier("BKHCN", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-04 09:00")
    # BNG: 3 of 4 online (75 % ≥ 50 %: full 6 points). No feedback handled, one received:
    # 5.3 N/A -> its 6 points go 3 to 5.2 and 3 to 5.4 (max 9 each).
    for channel in ("online_full", "online_partial", "online_full", "offline"):
        r.dossier("BNG", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-04 09:00",
                  channel=channel)
    r.feedback_item("BNG", "2025-03-03 08:00", "2025-03-20 17:00", None)  # open past deadline
    # F. No feedback at all (BNV): 5.2 and 5.3 N/A -> 5.4 alone receives 5.3's 6 points.
    r.dossier("BNV", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-04 09:00",
              rating="satisfied")
    # BYT: feedback handled, no redistribution: 5.2 max 6.
    r.dossier("BYT", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-04 09:00")
    r.feedback_item("BYT", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-10 10:00",
                    satisfied=True)
    r.feedback_item("BYT", "2025-03-03 08:00", "2025-03-20 17:00", "2025-03-25 10:00",
                    satisfied=True)  # handled late: 5.2 and 5.3 both count it out
    # G. Ranking ties (provinces, May 2025): P1 and P2 identical and perfect, P3 worse.
    for commune in (P1_C1, P2_C1):
        r.dossier(commune, "2025-05-05 08:00", "2025-05-20 17:00", "2025-05-06 09:00",
                  channel="online_full", rating="satisfied", **ALL_TRUE)
    r.dossier(P3_C1, "2025-05-05 08:00", "2025-05-20 17:00", "2025-05-06 09:00",
              channel="offline")
    # H. Ratio of sums (province P1, Q3 2025). July: C1 1/1 online_full, C2 1/3 -> P1 2/4 = 50 %
    # (the mean of the communes' ratios would be 66.67). August: C1 0/1 -> Q3 = 2/5 = 40 %
    # (the mean of the monthly ratios would be 25).
    r.dossier(P1_C1, "2025-07-02 08:00", "2025-07-20 17:00", "2025-07-03 09:00",
              channel="online_full")
    for channel in ("online_full", "offline", "offline"):
        r.dossier(P1_C2, "2025-07-02 08:00", "2025-07-20 17:00", "2025-07-03 09:00",
                  channel=channel)
    r.dossier(P1_C1, "2025-08-02 08:00", "2025-08-20 17:00", "2025-08-03 09:00")
    return r


@pytest.fixture(scope="module", params=BACKENDS)
def golden(request: pytest.FixtureRequest, loaders: Callable[[str], Loader]) -> pd.DataFrame:
    config = load_engine_config(default_programme_path())
    tables = loaders(request.param)(golden_records().tables())
    return evaluate(tables, config, levels=ALL_LEVELS)


def test_supplement_time_is_excluded(golden: pd.DataFrame) -> None:
    assert value_of(golden, "svc766_2_1", "BCA", "2025-03", "numerator") == 2
    assert value_of(golden, "svc766_2_1", "BCA", "2025-03", "denominator") == 4
    assert value_of(golden, "svc766_2_1", "BCA", "2025-03") == 50.0
    assert value_of(golden, "svc766_2_1_score", "BCA", "2025-03") == 10.0


def test_more_than_one_supplement_request_is_late(golden: pd.DataFrame) -> None:
    assert value_of(golden, "svc766_2_1", "BCT", "2025-03", "numerator") == 1
    assert value_of(golden, "svc766_2_1", "BCT", "2025-03") == 50.0


def test_unfinished_dossiers_are_judged_at_the_end_of_each_period(golden: pd.DataFrame) -> None:
    months = [value_of(golden, "svc766_2_1", "BGDDT", m) for m in ("2025-01", "2025-02",
                                                                  "2025-03")]
    assert months == [100.0, 0.0, 100.0]
    # the quarter is judged at its own end: not the sum of its months (2 of 3)
    assert value_of(golden, "svc766_2_1", "BGDDT", "2025Q1", "numerator") == 1
    assert value_of(golden, "svc766_2_1", "BGDDT", "2025Q1") == 33.33
    assert value_of(golden, "svc766_2_1", "BGDDT", "2025S1", "numerator") == 0  # 1 Jul: overdue
    assert value_of(golden, "svc766_2_1", "BGDDT", "2025", "numerator") == 0
    assert value_of(golden, "svc766_2_1", "BGDDT", "2025", "denominator") == 3


def test_threshold_scoring(golden: pd.DataFrame) -> None:
    assert value_of(golden, "svc766_3_3", "BKHCN", "2025-03") == 25.0
    assert value_of(golden, "svc766_3_3_score", "BKHCN", "2025-03") == 3.0  # threshold 50 %
    assert value_of(golden, "svc766_1_4_score", "BKHCN", "2025-03") == 1.5  # linear
    assert value_of(golden, "svc766_3_3", "BNG", "2025-03") == 75.0
    assert value_of(golden, "svc766_3_3_score", "BNG", "2025-03") == 6.0  # above threshold


def test_empty_denominator_is_not_applicable(golden: pd.DataFrame) -> None:
    assert value_of(golden, "svc766_3_6", "BKHCN", "2025-03") is None
    assert value_of(golden, "svc766_3_6", "BKHCN", "2025-03", "denominator") == 0
    assert value_of(golden, "svc766_3_6_score", "BKHCN", "2025-03") is None
    assert value_of(golden, "svc766_3_2_score", "BKHCN", "2025-03") is None
    # G3 keeps only 3.3: 3 points earned of 6 computable, not of 18
    assert value_of(golden, "svc766_g3", "BKHCN", "2025-03") == 3.0
    assert value_of(golden, "svc766_g3", "BKHCN", "2025-03", "denominator") == 6.0
    # N/A indicators leave the total's computable maximum: 80 − 6 (3.2) − 6 (3.6) − 6 (4.1: no
    # document results) − 12 (5.2, 5.3: no feedback) + 6 (5.4 receives 5.3's 6) = 56
    assert value_of(golden, "svc766_4_1", "BKHCN", "2025-03") is None
    assert value_of(golden, "svc766_total", "BKHCN", "2025-03", "denominator") == 56.0


def test_feedback_points_are_redistributed(golden: pd.DataFrame) -> None:
    # BNG: feedback received but none handled -> 5.3 N/A, 5.2 and 5.4 max 9 each
    assert value_of(golden, "svc766_5_3", "BNG", "2025-03") is None
    assert value_of(golden, "svc766_5_2_score", "BNG", "2025-03", "denominator") == 9.0
    assert value_of(golden, "svc766_5_2_score", "BNG", "2025-03") == 0.0  # open past deadline
    assert value_of(golden, "svc766_5_4_score", "BNG", "2025-03", "denominator") == 9.0
    assert value_of(golden, "svc766_5_4_score", "BNG", "2025-03") == 9.0  # 100 % ≥ 90 %
    # BNV: no feedback at all -> 5.2 N/A too; 5.4 takes all 6 -> 12
    assert value_of(golden, "svc766_5_2", "BNV", "2025-03") is None
    assert value_of(golden, "svc766_5_4_score", "BNV", "2025-03", "denominator") == 12.0
    assert value_of(golden, "svc766_g5", "BNV", "2025-03") == 12.0
    # BYT: feedback handled -> no redistribution; one of two on time -> 50 % of 6 = 3
    assert value_of(golden, "svc766_5_2_score", "BYT", "2025-03", "denominator") == 6.0
    assert value_of(golden, "svc766_5_2_score", "BYT", "2025-03") == 3.0
    assert value_of(golden, "svc766_5_3", "BYT", "2025-03") == 50.0


def test_competition_ranking_with_ties(golden: pd.DataFrame) -> None:
    totals = [value_of(golden, "svc766_total", p, "2025-05") for p in (P1, P2, P3)]
    assert totals[0] == totals[1] == 100.0
    assert totals[2] < 100.0
    ranks = [value_of(golden, "svc766_rank", p, "2025-05") for p in (P1, P2, P3)]
    assert ranks == [1.0, 1.0, 3.0]
    assert value_of(golden, "svc766_rank", P3, "2025-05", "denominator") == 3  # of 3 ranked
    # ministries are ranked among themselves, per period type configured (not half-years)
    ministry_ranks = golden[(golden["indicator"] == "svc766_rank")
                            & (golden["period"] == "2025-03")
                            & golden["orgunit"].isin(["BCA", "BCT", "BKHCN", "BNG"])]
    assert len(ministry_ranks) == 4
    assert golden[(golden["indicator"] == "svc766_rank")
                  & (golden["period_type"] == "half")].empty
    assert golden[(golden["indicator"] == "svc766_rank") & (golden["orgunit"] == "VN")].empty


def test_ratios_roll_up_as_ratio_of_sums(golden: pd.DataFrame) -> None:
    code = "dossier_full_online_share"
    assert value_of(golden, code, P1_C1, "2025-07") == 100.0
    assert value_of(golden, code, P1_C2, "2025-07") == 33.33
    assert value_of(golden, code, P1, "2025-07") == 50.0
    assert value_of(golden, code, P1, "2025-08") == 0.0
    assert value_of(golden, code, P1, "2025Q3") == 40.0
    assert value_of(golden, code, P1, "2025Q3", "numerator") == 2
    assert value_of(golden, code, P1, "2025Q3", "denominator") == 5
    assert value_of(golden, code, "VN", "2025Q3") == 40.0  # nothing else in Q3
    # the nation sums every unit of every level exactly once
    n_dossiers = len(golden_records().dossiers)
    assert value_of(golden, "dossier_count", "VN", "2025") == n_dossiers
