"""Golden tests of the target assessment with hand-worked numbers.

Time is measured at period ends in years, so the end of year Y is Y + 1.0 (end of 2024 = 2025.0)
and yearly observations are exactly one year apart: the arithmetic below uses those whole numbers.
"""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.assessment.config import AssessmentConfig
from sodo.domain.assessment.targets import (
    TargetStatus,
    assess_target,
    linear_fit,
    year_fraction,
)
from sodo.domain.programme import Indicator, Target

approx = pytest.approx
PERCENT = Indicator(code="PCT", name="Tỷ lệ", value_type="percent")
DAYS_LOWER = Indicator(code="DAYS", name="Thời gian giải quyết", unit="ngày",
                       direction="lower", value_type="number")
RANK = Indicator(code="EGDI_RANK", name="Xếp hạng Chính phủ điện tử", unit="hạng",
                 value_type="rank")
CAGR = AssessmentConfig(projection_method="cagr")


def target(value: float, deadline: str, baseline: tuple[str, float] | None = None,
           **extra: object) -> Target:
    data: dict[str, object] = {"id": "T", "indicator": "PCT", "value": value,
                               "deadline": deadline, **extra}
    if baseline:
        data["baseline"] = {"period": baseline[0], "value": baseline[1]}
    return Target.model_validate(data)


def test_time_is_measured_at_period_ends_in_years() -> None:
    assert year_fraction(date(2025, 12, 31)) == 2026.0
    # 30/06/2025 is day 181 of 365.
    assert year_fraction(date(2025, 6, 30)) == approx(2025 + 181 / 365)
    # Leap year: 31/12/2024 is day 366 of 366.
    assert year_fraction(date(2024, 12, 31)) == 2025.0


def test_least_squares_line() -> None:
    # Points (0,1) (1,3) (2,2): mean t 1, mean x 2; sxy = (-1)(-1) + 0 + (1)(0) = 1; sxx = 2.
    slope, level = linear_fit([0, 1, 2], [1, 3, 2])
    assert (slope, level) == (0.5, 2.0)


def test_higher_is_better_needs_acceleration_by_linear_but_on_track_by_cagr() -> None:
    # Baseline 2024 = 40 (t0 = 2025), 2025 = 46, 2026 = 52 (t = 2027), X = 80 by 2030 (T = 2031).
    tgt = target(80, "2030", ("2024", 40))
    series = [("2025", 46), ("2026", 52)]
    result = assess_target(tgt, PERCENT, series, date(2027, 3, 1))
    c = result.components
    # progress made (52 − 40)/(80 − 40) = 0.3; time elapsed (2027 − 2025)/(2031 − 2025) = 1/3
    assert c["progress_made"] == approx(0.3)
    assert c["time_elapsed"] == approx(1 / 3)
    # Least squares over (2025,40) (2026,46) (2027,52): slope 6/year, level 46 at t = 2026;
    # x̂(2031) = 46 + 6·5 = 76; LR = (76 − 40)/(80 − 40) = 0.9 → 0.5 ≤ 0.9 < 0.95.
    assert c["slope_per_year"] == approx(6)
    assert result.projected == approx(76)
    assert c["linear_ratio"] == approx(0.9)
    assert result.status is TargetStatus.NEEDS_ACCELERATION
    assert result.method == "linear"
    assert result.baseline_from == "target"
    assert (result.latest, result.latest_period) == (52, "2026")
    # CAGR: actual (52/40)^(1/2) − 1 = 0.140175; required (80/40)^(1/6) − 1 = 0.122462;
    # CR = 0.140175 / 0.122462 = 1.14464 ≥ 0.95 → on track by the SDG method.
    assert c["cagr_actual"] == approx(0.140175, abs=1e-6)
    assert c["cagr_required"] == approx(0.122462, abs=1e-6)
    assert c["cagr_ratio"] == approx(1.14464, abs=1e-5)
    # Projected by CAGR: 40 · 1.3^(6/2) = 40 · 2.197 = 87.88
    assert c["projected_cagr"] == approx(87.88)
    by_cagr = assess_target(tgt, PERCENT, series, date(2027, 3, 1), CAGR)
    assert by_cagr.status is TargetStatus.ON_TRACK
    assert by_cagr.method == "cagr"
    assert by_cagr.projected == approx(87.88)
    assert "CR = " in by_cagr.formula and "1.14464" in by_cagr.formula


def test_lower_is_better_on_track_and_off_track() -> None:
    # Days to settle a dossier: baseline 2024 = 20, X = 10 by 2028 (T = 2029).
    tgt = target(10, "2028", ("2024", 20), indicator="DAYS")
    # 2025 = 17, 2026 = 14: slope −3/year, level 17 at 2026; x̂(2029) = 17 − 9 = 8 ≤ 10.
    good = assess_target(tgt, DAYS_LOWER, [("2025", 17), ("2026", 14)], date(2027, 1, 15))
    assert good.components["direction"] == -1
    assert good.projected == approx(8)
    # LR = (8 − 20)/(10 − 20) = 1.2
    assert good.components["linear_ratio"] == approx(1.2)
    assert good.status is TargetStatus.ON_TRACK
    # CAGR: (14/20)^(1/2) − 1 = −0.163340; (10/20)^(1/4) − 1 = −0.159104; CR = 1.02663
    assert good.components["cagr_ratio"] == approx(1.02663, abs=1e-5)
    # progress made (14 − 20)/(10 − 20) = 0.6
    assert good.components["progress_made"] == approx(0.6)

    # 2025 = 19, 2026 = 18.5: mean x 19.1667; sxy = (−1)(0.8333) + (1)(−0.6667) = −1.5,
    # sxx = 2, slope −0.75; x̂(2029) = 19.1667 − 0.75·3 = 16.9167;
    # LR = (16.9167 − 20)/(10 − 20) = 0.30833 → off track (−0.1 ≤ LR < 0.5).
    slow = assess_target(tgt, DAYS_LOWER, [("2025", 19), ("2026", 18.5)], date(2027, 1, 15))
    assert slow.components["slope_per_year"] == approx(-0.75)
    assert slow.projected == approx(16.916667, abs=1e-6)
    assert slow.components["linear_ratio"] == approx(0.308333, abs=1e-6)
    assert slow.status is TargetStatus.OFF_TRACK

    # Reached: 9.5 ≤ 10 → achieved, whatever the trend.
    done = assess_target(tgt, DAYS_LOWER, [("2025", 15), ("2026", 9.5)], date(2027, 1, 15))
    assert done.status is TargetStatus.ACHIEVED


def test_deteriorating_trend() -> None:
    # 2024 = 50 (first observation, t0 = 2025), 2025 = 45, 2026 = 40: slope −5, level 45 at
    # 2026; x̂(2031) = 45 − 25 = 20; LR = (20 − 50)/(80 − 50) = −1 < −0.1 → deteriorating.
    result = assess_target(target(80, "2030"), PERCENT,
                           [("2024", 50), ("2025", 45), ("2026", 40)], date(2027, 2, 1))
    assert result.baseline_from == "first observation"
    assert result.baseline == 50
    assert result.components["linear_ratio"] == approx(-1)
    assert result.status is TargetStatus.DETERIORATING


def test_milestone_makes_the_required_path_piecewise() -> None:
    # Baseline 2024 = 50 (t0 = 2025); milestone 2026 = 70 (t = 2027); final 2030 = 90 (T = 2031).
    tgt = target(90, "2030", ("2024", 50), milestones=[{"period": "2026", "value": 70}])
    plain = target(90, "2030", ("2024", 50))
    series = [("2025", 57)]
    as_of = date(2026, 3, 1)
    # Points (2025,50) (2026,57): slope 7. The next checkpoint is the 2026 milestone:
    # x̂(2027) = 57 + 7 = 64; LR = (64 − 50)/(70 − 50) = 0.7 → needs acceleration.
    result = assess_target(tgt, PERCENT, series, as_of)
    c = result.components
    assert c["checkpoint_period"] == "2026"
    assert c["projected_linear_at_checkpoint"] == approx(64)
    assert c["linear_ratio"] == approx(0.7)
    assert result.status is TargetStatus.NEEDS_ACCELERATION
    # Required path at t = 2026: halfway from (2025,50) to (2027,70) = 60; gap 57 − 60 = −3.
    assert c["required_at_latest"] == approx(60)
    assert c["gap_to_required"] == approx(-3)
    # Without the milestone: x̂(2031) = 57 + 7·5 = 92 ≥ 90 → on track.
    assert assess_target(plain, PERCENT, series, as_of).status is TargetStatus.ON_TRACK

    # A year later the milestone is due and missed (65 < 70); the checkpoint moves to the final:
    # points (2025,50) (2026,57) (2027,65): mean x 57.3333, sxy = 7.3333 + 7.6667 = 15,
    # slope 7.5; x̂(2031) = 57.3333 + 7.5·5 = 94.8333 ≥ 90 → on track, with the miss recorded.
    later = assess_target(tgt, PERCENT, [("2025", 57), ("2026", 65)], date(2027, 2, 1))
    assert later.components["missed_milestones"] == ["2026"]
    assert later.components["milestones"][0]["observed"] == 65
    assert later.components["checkpoint_period"] == "2030"
    assert later.projected == approx(94.833333, abs=1e-6)
    assert later.status is TargetStatus.ON_TRACK


def test_ranking_target_lower_rank_is_better() -> None:
    # UN e-government rank: 2022 = 86 (t0 = 2023), 2024 = 71 (t = 2025); "top 50" by 2030.
    tgt = target(50, "2030", ("2022", 86), indicator="EGDI_RANK")
    result = assess_target(tgt, RANK, [("2024", 71)], date(2025, 6, 1))
    c = result.components
    assert c["direction"] == -1  # the comparator is the default ≥; a rank still improves down
    # slope (71 − 86)/2 = −7.5 places/year; x̂(2031) = 71 − 7.5·6 = 26 ≤ 50 → on track.
    assert c["slope_per_year"] == approx(-7.5)
    assert result.projected == approx(26)
    # LR = (26 − 86)/(50 − 86) = 60/36 = 1.6667
    assert c["linear_ratio"] == approx(5 / 3)
    assert result.status is TargetStatus.ON_TRACK
    # CAGR: (71/86)^(1/2) − 1 = −0.091385; (50/86)^(1/8) − 1 = −0.065543; CR = 1.39428
    assert c["cagr_ratio"] == approx(1.39428, abs=1e-4)
    # Rank 45 is inside the top 50: achieved.
    assert assess_target(tgt, RANK, [("2024", 45)], date(2025, 6, 1)).status \
        is TargetStatus.ACHIEVED


def test_zero_baseline_cagr_not_applicable_falls_back_to_linear() -> None:
    # AI-personalised services: 2024 = 0 (t0 = 2025), 2025 = 10, 2026 = 20; 50 % by 2028.
    tgt = target(50, "2028", ("2024", 0))
    result = assess_target(tgt, PERCENT, [("2025", 10), ("2026", 20)], date(2027, 1, 5), CAGR)
    assert "zero or negative" in result.components["cagr_not_applicable"]
    assert "cagr_ratio" not in result.components
    assert result.method == "linear"
    assert any("CAGR ratio not applicable" in note for note in result.notes)
    # slope 10, level 10 at 2026; x̂(2029) = 10 + 30 = 40; LR = 40/50 = 0.8 → acceleration.
    assert result.projected == approx(40)
    assert result.status is TargetStatus.NEEDS_ACCELERATION


def test_single_point() -> None:
    # One observation and no baseline of the target's own: no trend.
    result = assess_target(target(60, "2030"), PERCENT, [("2025", 30)], date(2026, 1, 10))
    assert result.status is TargetStatus.INSUFFICIENT_DATA
    assert (result.latest, result.latest_period) == (30, "2025")
    assert result.components["points"] == 1
    assert result.projected is None
    # One point that already meets the target needs no trend.
    met = assess_target(target(60, "2030"), PERCENT, [("2025", 61)], date(2026, 1, 10))
    assert met.status is TargetStatus.ACHIEVED
    # No point at all.
    none = assess_target(target(60, "2030"), PERCENT, [], date(2026, 1, 10))
    assert none.status is TargetStatus.INSUFFICIENT_DATA and none.latest is None


def test_regression_after_achievement() -> None:
    # ≥ 95 by 2030: 2023 = 90, 2024 = 96 (achieved), 2025 = 93 (lost).
    result = assess_target(target(95, "2030"), PERCENT,
                           [("2023", 90), ("2024", 96), ("2025", 93)], date(2026, 1, 10))
    assert result.status is TargetStatus.DETERIORATING
    assert result.components["was_achieved_in"] == "2024"
    # The trend alone: points at t = 2024, 2025, 2026; mean t 2025, mean x 93;
    # sxy = (−1)(−3) + 0 + (1)(0) = 3, sxx = 2, slope 1.5; x̂(2031) = 93 + 1.5·6 = 102 ≥ 95
    # → on track; the regression overrides it and is kept alongside. A share stops at 100.
    assert result.components["status_by_trend"] == "on_track"
    assert result.projected == 100
    assert result.components["projected_linear_line"] == approx(102)


def test_one_good_month_is_not_an_achievement_lost() -> None:
    # A year-end target of 95: 2025 months at 90 with one month at 96 (mean 90.5) — not met
    # in 2025, so no regression; the trend judges.
    months = [(f"2025-{m:02d}", 96.0 if m == 4 else 90.0) for m in range(1, 13)]
    noisy = assess_target(target(95, "2027"), PERCENT, [*months, ("2026-01", 91.0)],
                          date(2026, 2, 10))
    assert "was_achieved_in" not in noisy.components
    assert "status_by_trend" not in noisy.components  # the status is the trend's own
    assert not any("regressed" in note for note in noisy.notes)
    # Every month of 2025 at 96 (mean 96 ≥ 95), then 93 in early 2026: achieved in 2025, lost.
    steady = [(f"2025-{m:02d}", 96.0) for m in range(1, 13)]
    lost = assess_target(target(95, "2027"), PERCENT,
                         [*steady, ("2026-01", 93.0), ("2026-02", 93.0)], date(2026, 3, 10))
    assert lost.status is TargetStatus.DETERIORATING
    assert lost.components["was_achieved_in"] == "2025"
    assert "average of 12 values 96" in lost.notes[-1]
    # One bad month after a good year is a dip: 2025 at 96, 2026-01 at 97, 2026-02 at 94.
    # 2026 so far averages 95.5 ≥ 95: no regression (the latest month alone misses).
    dip = assess_target(target(95, "2027"), PERCENT,
                        [*steady, ("2026-01", 97.0), ("2026-02", 94.0)], date(2026, 3, 10))
    assert "was_achieved_in" not in dip.components
    assert dip.status is not TargetStatus.ACHIEVED


def test_near_100_percent_tolerance() -> None:
    # 100 % by 2027; the default tolerance for a percent target ≥ 99 is 0.5 pp.
    tgt = target(100, "2027")
    hit = assess_target(tgt, PERCENT, [("2024", 98), ("2025", 99.6)], date(2026, 2, 1))
    assert hit.components["tolerance"] == 0.5
    assert hit.status is TargetStatus.ACHIEVED  # d·(x − X) = −0.4 ≥ −0.5
    miss = assess_target(tgt, PERCENT, [("2024", 98), ("2025", 99.4)], date(2026, 2, 1))
    # −0.6 < −0.5: not yet. slope 1.4; x̂(2028) = 99.4 + 2·1.4 = 102.2 ≥ 99.5 → on track;
    # the projection of a share is shown as 100, the line's 102.2 kept beside it.
    assert miss.status is TargetStatus.ON_TRACK
    assert miss.projected == 100
    assert miss.components["projected_linear_line"] == approx(102.2)
    # A 95 % target has no default tolerance: 94.8 is not achieved.
    low = assess_target(target(95, "2027"), PERCENT, [("2024", 90), ("2025", 94.8)],
                        date(2026, 2, 1))
    assert low.components["tolerance"] == 0 and low.status is not TargetStatus.ACHIEVED
    # The target's own tolerance wins over the default.
    own = assess_target(target(100, "2027", tolerance=1.0), PERCENT,
                        [("2024", 98), ("2025", 99.1)], date(2026, 2, 1))
    assert own.status is TargetStatus.ACHIEVED
    # A configured tolerance too.
    strict = AssessmentConfig(full_percent_tolerance=0.1)
    assert assess_target(tgt, PERCENT, [("2024", 98), ("2025", 99.6)], date(2026, 2, 1),
                         strict).status is not TargetStatus.ACHIEVED


def test_deadline_passed_judged_at_the_deadline() -> None:
    tgt = target(80, "2025")
    missed = assess_target(tgt, PERCENT, [("2024", 70), ("2025", 78)], date(2026, 3, 1))
    assert missed.status is TargetStatus.NOT_ACHIEVED
    assert missed.method == "value at deadline"
    assert missed.components["value_at_deadline"] == 78
    met = assess_target(tgt, PERCENT, [("2024", 70), ("2025", 80)], date(2026, 3, 1))
    assert met.status is TargetStatus.ACHIEVED and met.method == "value at deadline"
    # A later value does not change a past deadline's verdict.
    later = assess_target(tgt, PERCENT, [("2024", 70), ("2025", 78), ("2026", 85)],
                          date(2027, 3, 1))
    assert later.status is TargetStatus.NOT_ACHIEVED
    # Deadline passed, the deadline's value not reported yet: judged by the trend, said so.
    pending = assess_target(tgt, PERCENT, [("2023", 60), ("2024", 70)], date(2026, 1, 10))
    assert pending.status is TargetStatus.ON_TRACK  # slope 10: x̂(2026.0) = 80
    assert any("not reported yet" in note for note in pending.notes)


def test_projection_stays_in_the_indicator_range() -> None:
    # A rank falling 30 places a year: 40 (2024), 10 (2025) → the line reaches −50 in 2027;
    # shown as rank 1, the line kept.
    result = assess_target(target(5, "2027", indicator="EGDI_RANK"), RANK,
                           [("2024", 40), ("2025", 10)], date(2026, 2, 1))
    assert result.projected == 1
    assert result.components["projected_linear_line"] == approx(-50)


def test_values_after_the_as_of_date_are_ignored() -> None:
    # The 2026 value is not known on 1/6/2026 (its period has not ended).
    result = assess_target(target(80, "2030"), PERCENT,
                           [("2024", 50), ("2025", 55), ("2026", 90)], date(2026, 6, 1))
    assert result.latest_period == "2025"
    assert result.components["values_after_as_of_ignored"] == 1
    assert result.status is not TargetStatus.ACHIEVED


def test_monthly_series_in_fractional_years() -> None:
    # Monthly values rising 1 point a month from Jan 2025 (t = 2025 + 31/365): slope ≈ 12/year.
    series = [(f"2025-{m:02d}", 40.0 + m) for m in range(1, 13)]
    result = assess_target(target(70, "2026"), PERCENT, series, date(2026, 1, 1))
    # Month ends are not equally spaced (28–31 days), so the slope is close to, not exactly, 12.
    assert result.components["slope_per_year"] == approx(12, rel=0.02)
    # x̂(end 2026) ≈ 52 + 12 = 64; LR ≈ (64 − 41)/(70 − 41) = 0.79 → needs acceleration.
    assert result.projected == approx(64, abs=0.3)
    assert result.status is TargetStatus.NEEDS_ACCELERATION


def test_equality_target_and_missing_fields() -> None:
    eq = target(50, "2030", comparator="=", tolerance=1)
    assert assess_target(eq, PERCENT, [("2025", 50.8)], date(2026, 1, 1)).status \
        is TargetStatus.ACHIEVED
    no_value = Target(id="T", indicator="PCT", deadline="2030")
    result = assess_target(no_value, PERCENT, [("2025", 1), ("2026", 2)], date(2027, 1, 1))
    assert result.status is TargetStatus.INSUFFICIENT_DATA
    assert "no value" in result.formula


def test_to_dict_has_the_published_fields() -> None:
    result = assess_target(target(80, "2030", ("2024", 40)), PERCENT,
                           [("2025", 46), ("2026", 52)], date(2027, 3, 1))
    data = result.to_dict()
    for key in ("target_id", "indicator", "orgunit", "deadline", "baseline", "latest",
                "latest_period", "projected", "status", "method", "components"):
        assert key in data
    assert data["status_label"] == "Cần đẩy nhanh"
    assert "formula" in data["components"]
