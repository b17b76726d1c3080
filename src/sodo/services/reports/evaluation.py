"""The annual evaluation report's content, built from the services that own each fact.

Nothing here reads ``indicator_value`` or judges a target itself: the targets' status,
projection and series come from :mod:`sodo.services.assessment` (the same call ``sodo assess``
makes), the tasks' timeliness and the per-agency table from the same module over
:mod:`sodo.services.task_progress`, the 766 index and the rank from ``assessment.rank``, who
has not reported from :mod:`sodo.services.compliance`. The report adds only the comparisons of
:mod:`sodo.domain.reports` (the year's value, the year before, the plan, the percentages) and
words: shortcomings are stated as facts with their numbers, never as judgements of cause.

A unit without targets of its own (a province, a ministry: the shipped programme sets national
targets) is measured against the national targets applied to its own figures; the report says
so, and ``sodo assess`` (which assesses the national targets on the nation's figures) is then
not the reference for those rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sodo.domain.assessment.config import AssessmentConfig
from sodo.domain.assessment.targets import (
    TargetAssessment,
    TargetStatus,
    sense_of,
    sort_worst_first,
)
from sodo.domain.assessment.tasks import (
    TASK_STATUS_ORDER,
    TaskAssessment,
    TaskStatus,
    sort_tasks_worst_first,
)
from sodo.domain.orgunits import NATION_CODE, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.permissions import Action, Actor, require
from sodo.domain.problems import InputError
from sodo.domain.programme import Programme, Target
from sodo.domain.reports import (
    Issuer,
    change,
    document_year,
    issuer_for,
    percent_of,
    percent_of_plan,
    plan_value,
    year_value,
)
from sodo.services import assessment, compliance
from sodo.services.catalogue import Catalogue

OTHER_AREA = "Lĩnh vực khác"
DEFAULT_INDEX = "svc766_total"
DEMO_MARKER = ".demo-built.json"  # written by services.demo when it builds a workspace
KEY_TARGET_CHARTS = 4
#: The narrative sections the analyst writes (key, heading); empty ones are placeholders.
NARRATIVE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("causes", "Nguyên nhân của tồn tại, hạn chế"),
    ("lessons", "Bài học kinh nghiệm"),
    ("directions", "Phương hướng, nhiệm vụ năm tới"),
    ("proposals", "Kiến nghị, đề xuất"),
)
PLACEHOLDER = ("[Phần này do cán bộ phụ trách soạn thảo — chưa có nội dung. "
               "Số liệu không tự viết được phần này.]")


@dataclass
class TargetRow:
    """One target in the report: the assessment's verdict and the year's comparisons."""

    target_id: str
    title: str
    indicator: str
    indicator_name: str
    unit: str
    area: str
    orgunit: str
    decimals: int
    last_year: float | None
    last_year_period: str | None
    this_year: float | None
    this_year_period: str | None
    plan: float | None
    plan_basis: str
    five_year: float | None
    deadline: str | None
    comparator: str
    percent_of_plan: float | None
    percent_of_last_year: float | None
    change: float | None
    status: str
    status_label: str
    projected: float | None
    latest: float | None
    latest_period: str | None
    method: str
    data_source: str
    series: list[tuple[str, float]] = field(default_factory=list)
    assessment: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationReport:
    programme: str
    programme_name: str
    year: int
    unit: str
    unit_name: str
    level: str
    as_of: date
    issued_on: date
    number: int | None
    issuer: Issuer
    demo: bool
    national_targets_applied: bool
    targets: list[TargetRow]
    targets_without_data: int
    tasks: list[dict[str, Any]]
    task_counts: dict[str, int]
    by_lead: list[dict[str, Any]]
    index: dict[str, Any] | None
    ranking: list[dict[str, Any]]
    compliance: list[dict[str, Any]]
    shortcomings: list[str]
    narrative: dict[str, str] = field(default_factory=dict)
    narrative_headings: dict[str, str] = field(default_factory=dict)

    @property
    def areas(self) -> dict[str, list[TargetRow]]:
        out: dict[str, list[TargetRow]] = {}
        for row in self.targets:
            out.setdefault(row.area, []).append(row)
        return out

    @property
    def subject(self) -> str:
        return (f"Kết quả thực hiện chuyển đổi số năm {self.year} và phương hướng, nhiệm vụ "
                f"năm {self.year + 1}")

    @property
    def number_text(self) -> str:
        from sodo.domain.reports import document_number

        return document_number(self.number, self.issuer.code)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["issued_on"] = self.issued_on.isoformat()
        data["subject"] = self.subject
        data["number_text"] = self.number_text
        return data


def issuer_of(unit: str) -> Issuer:
    """Who issues the report of ``unit`` (its header, number code and signature)."""
    hierarchy = default_hierarchy()
    if unit not in hierarchy:
        raise InputError(f"no such org unit: '{unit}'")
    org = hierarchy.get(unit)
    return issuer_for(unit, org.name, org.short_name, str(org.level), org.kind)


def is_demo_workspace(root: Path | None) -> bool:
    """A workspace the demo built (its figures are synthetic and must say so)."""
    return root is not None and (root / DEMO_MARKER).exists()


ORIGIN_WORDS = {"computed": "Tính từ dữ liệu hồ sơ, giao dịch", "reported": "Đơn vị báo cáo",
                "document": "Văn bản"}


def data_source(description: str) -> str:
    """The assessment's series description ("year: reported: <source>, …") in words."""
    if not description:
        return ""
    labels = description.split(": ", 1)[-1]
    out = []
    for label in labels.split(", "):
        origin, _, source = label.partition(": ")
        if origin == "computed":
            out.append(ORIGIN_WORDS["computed"])
        elif source:
            out.append(source)
        else:
            out.append(ORIGIN_WORDS.get(origin, origin))
    return "; ".join(dict.fromkeys(out))


def _area(catalogue: Catalogue, indicator: str) -> str:
    ind = catalogue.indicator(indicator)
    return (ind.area if ind and ind.area else OTHER_AREA)


def _targets_for(programme: Programme, unit: str, year: int) -> tuple[list[Target], bool]:
    """The unit's targets still open in ``year`` (deadline in the year or later); for a unit
    without its own, the national ones applied to its figures (and True)."""
    def open_in(target: Target) -> bool:
        return not target.deadline or Period.parse(target.deadline).end.year >= year

    own = [t for t in programme.targets if t.orgunit == unit and open_in(t)]
    if own or unit == NATION_CODE:
        return own, False
    applied = [t.model_copy(update={"orgunit": unit, "baseline": None})
               for t in programme.targets if t.orgunit == NATION_CODE and open_in(t)]
    return applied, True


def _row(catalogue: Catalogue, target: Target, a: TargetAssessment, series: list[Any],
         year: int) -> TargetRow:
    ind = catalogue.indicator(target.indicator)
    sense = sense_of(target, ind)[0] if ind else 1
    now, before = year_value(series, year), year_value(series, year - 1)
    plan, basis = plan_value(target, year, a.baseline, a.baseline_period)
    this_value = now.value if now else None
    last_value = before.value if before else None
    source = data_source(a.series_source)
    return TargetRow(
        target_id=target.id, title=target.title or (ind.name if ind else target.indicator),
        indicator=target.indicator, indicator_name=ind.name if ind else target.indicator,
        unit=ind.unit if ind else "", area=_area(catalogue, target.indicator),
        orgunit=target.orgunit, decimals=ind.decimals if ind else 2,
        last_year=last_value, last_year_period=before.period if before else None,
        this_year=this_value, this_year_period=now.period if now else None,
        plan=plan, plan_basis=basis, five_year=target.value, deadline=target.deadline,
        comparator=str(target.comparator),
        percent_of_plan=percent_of_plan(this_value, plan, sense),
        percent_of_last_year=percent_of(this_value, last_value),
        change=change(this_value, last_value), status=str(a.status),
        status_label=a.status.label("vi"), projected=a.to_dict()["projected"],
        latest=a.latest, latest_period=a.latest_period, method=a.method, data_source=source,
        series=[(obs.period, obs.value) for obs in series if obs.value is not None],
        assessment=a.to_dict("vi"))


def _index(session: Session, catalogue: Catalogue, unit: str, level: str,
           year: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The 766 index of the year for the unit with its rank among its peers (for a province
    or a ministry), and the ranking of the provinces (the nation's chart)."""
    code = catalogue.index.total_code if catalogue.index is not None else DEFAULT_INDEX
    rank_level = level if level in ("province", "ministry") else "province"
    try:
        rows = assessment.rank(session, catalogue.programme, code, str(year), rank_level)
    except InputError:
        return None, []
    ranking = [r.to_dict() for r in rows]
    ranked = [r for r in rows if r.rank is not None]
    if not ranked:
        return None, ranking
    info: dict[str, Any] = {"indicator": code, "period": str(year), "level": rank_level,
                            "ranked": len(ranked),
                            "maximum": catalogue.index_maximum(code) if catalogue.index else None}
    mine = next((r for r in rows if r.orgunit == unit), None)
    if mine is not None:
        info.update(mine.to_dict())
    else:
        values = [r.value for r in ranked if r.value is not None]
        info.update(average=sum(values) / len(values) if values else None,
                    best=ranked[0].to_dict(), worst=ranked[-1].to_dict())
    return info, ranking


def _shortcomings(report: EvaluationReport) -> list[str]:
    """Facts with their numbers: targets off track or going backwards, tasks overdue or done
    late, units that have not sent a due report, a rank lost."""
    from sodo.domain.reports import number_vi

    out: list[str] = []
    total = len(report.targets)
    bad = [r for r in report.targets if r.status in (
        TargetStatus.OFF_TRACK, TargetStatus.DETERIORATING, TargetStatus.NOT_ACHIEVED)]
    if bad:
        out.append(f"{len(bad)}/{total} chỉ tiêu chậm tiến độ, đi xuống hoặc không đạt:")
        for r in bad:
            unit = f" {r.unit}" if r.unit and r.unit != "%" else r.unit or ""
            out.append(
                f"+ {r.title}: thực hiện {number_vi(r.latest, r.decimals)}{unit} "
                f"({_period_text(r.latest_period)}), mục tiêu {number_vi(r.five_year, r.decimals)}"
                f"{unit} năm {r.deadline}"
                + (f", dự báo {number_vi(r.projected, r.decimals)}{unit} năm {r.deadline}"
                   if r.projected is not None else "") + f" — {r.status_label.lower()};")
    falling = [r for r in report.targets if r.change is not None and r.status not in (
        TargetStatus.DETERIORATING,) and _worse(r)]
    if falling:
        out.append(f"{len(falling)} chỉ tiêu có kết quả năm {report.year} kém hơn năm "
                   f"{report.year - 1}: " + "; ".join(
                       f"{r.title} ({number_vi(r.last_year, r.decimals)} → "
                       f"{number_vi(r.this_year, r.decimals)})" for r in falling))
    missing = sum(1 for r in report.targets
                  if r.status == TargetStatus.INSUFFICIENT_DATA) + report.targets_without_data
    if missing:
        out.append(f"{missing} chỉ tiêu chưa đủ số liệu để đánh giá xu hướng (chưa có số liệu "
                   f"hoặc mới có một kỳ số liệu).")
    overdue = [t for t in report.tasks if t["status"] == TaskStatus.OVERDUE]
    if overdue:
        out.append(f"{len(overdue)}/{len(report.tasks)} nhiệm vụ quá hạn chưa hoàn thành: "
                   + "; ".join(f"{t['title']} ({t['lead_names']}, hạn {t['deadline']}, quá "
                               f"{-t['days_to_due']} ngày)" for t in overdue) + ".")
    late = report.task_counts.get(str(TaskStatus.DONE_LATE), 0)
    if late:
        out.append(f"{late} nhiệm vụ hoàn thành nhưng quá hạn.")
    for form in report.compliance:
        if form["missing"]:
            out.append(f"Báo cáo “{form['name']}” kỳ {form['period']}: {len(form['missing'])}/"
                       f"{form['owed']} đơn vị chưa gửi (hạn {form['due']}).")
    idx = report.index
    if idx and idx.get("change") is not None and idx["change"] < 0:
        out.append(f"Chỉ số phục vụ người dân, doanh nghiệp (766) năm {report.year} xếp hạng "
                   f"{idx['rank']}/{idx['ranked']}, giảm {-idx['change']} bậc so với năm "
                   f"{report.year - 1} (hạng {idx['previous_rank']}).")
    return out


def _worse(row: TargetRow) -> bool:
    if row.change is None or row.change == 0:
        return False
    lower_better = row.comparator in ("<=", "<") or row.unit.lower() == "hạng"
    return row.change > 0 if lower_better else row.change < 0


def _period_text(period_id: str | None) -> str:
    if not period_id:
        return ""
    try:
        return Period.parse(period_id).label("vi").lower()
    except ValueError:
        return period_id


def build_evaluation(session: Session, actor: Actor, catalogue: Catalogue, *, year: int,
                     unit: str = NATION_CODE, as_of: date | None = None,
                     issued_on: date | None = None, number: int | None = None,
                     config: AssessmentConfig | None = None, demo: bool = False,
                     narrative: dict[str, str] | None = None) -> EvaluationReport:
    """The content of the evaluation report of ``unit`` for ``year`` at ``as_of``."""
    require(actor, Action.READ_PUBLIC)
    hierarchy = default_hierarchy()
    if unit not in hierarchy:
        raise InputError(f"no such org unit: '{unit}'")
    year = document_year(year, year)
    as_of = as_of or date(year, 12, 31)
    issued_on = issued_on or as_of
    org = hierarchy.get(unit)
    level = str(org.level)
    if org.level not in (OrgUnitLevel.NATION, OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        raise InputError(f"an evaluation report is for the nation, a province or a ministry; "
                         f"'{unit}' is a {level}")
    programme = catalogue.programme
    targets, applied = _targets_for(programme, unit, year)
    scoped = programme.model_copy(update={"targets": targets}) if applied else programme
    ids = [t.id for t in targets]
    assessed = {a.target_id: a for a in assessment.assess_targets(
        session, scoped, as_of, config, target_ids=ids, orgunit=unit)} if ids else {}
    all_series = assessment.series_by_target(session, scoped, as_of, ids) if ids else {}
    rows: list[TargetRow] = []
    without_data = 0
    for target in targets:
        a = assessed.get(target.id)
        if a is None:
            continue
        series = all_series.get(target.id, [])
        if applied and a.latest is None:
            without_data += 1  # a national target the unit has no figure for: left out
            continue
        rows.append(_row(catalogue, target, a, series, year))
    order = {area: i for i, area in enumerate(dict.fromkeys(
        ind.area for ind in programme.indicators if ind.area))}
    rows.sort(key=lambda r: (order.get(r.area, len(order)), r.area))

    task_results = sort_tasks_worst_first(assessment.assess_tasks(
        session, programme, as_of, config, lead=None if unit == NATION_CODE else unit))
    tasks = [_task_row(catalogue, item, hierarchy) for item in task_results]
    counts = {str(s): sum(1 for t in task_results if t.status is s) for s in TASK_STATUS_ORDER}
    by_lead = assessment.accountability_rows(task_results, hierarchy)
    index, ranking = _index(session, catalogue, unit, level, year)
    forms = compliance.reporting_status(session, actor, as_of,
                                        orgunit=None if unit == NATION_CODE else unit,
                                        forms=catalogue.forms)
    report = EvaluationReport(
        programme=catalogue.code, programme_name=programme.name, year=year, unit=unit,
        unit_name=org.name if unit != NATION_CODE else "Toàn quốc", level=level, as_of=as_of,
        issued_on=issued_on, number=number,
        issuer=issuer_for(unit, org.name, org.short_name, level, org.kind), demo=demo,
        national_targets_applied=applied, targets=rows, targets_without_data=without_data,
        tasks=tasks, task_counts=counts, by_lead=by_lead, index=index, ranking=ranking,
        compliance=[{"form": f.form, "name": f.name, "period": f.period,
                     "due": f.due.isoformat(), "owed": f.owed, "sent": f.sent,
                     "missing": list(f.missing)} for f in forms],
        shortcomings=[],
        narrative={key: (narrative or {}).get(key, "") for key, _ in NARRATIVE_SECTIONS},
        narrative_headings=dict(NARRATIVE_SECTIONS))
    report.shortcomings = _shortcomings(report)
    return report


def _task_row(catalogue: Catalogue, item: TaskAssessment, hierarchy: Any) -> dict[str, Any]:
    task = catalogue.task(item.task_id)
    leads = task.lead if task and task.lead else item.lead
    names = [hierarchy.get(c).name if c in hierarchy else c for c in leads]
    if task is not None and not task.lead and task.lead_note:
        names = [task.lead_note]
    result = []
    if item.done_on:
        result.append(f"Hoàn thành ngày {item.done_on.strftime('%d/%m/%Y')}")
    if item.percent is not None:
        result.append(f"{item.percent:g}%")
    return {**item.to_dict("vi"), "lead_names": ", ".join(names),
            "deliverable": task.deliverable if task else "",
            "deadline": (task.due.label("vi") if task and task.due.is_set else
                         (task.deadline or task.deadline_note if task else "")) or "—",
            "result": "; ".join(result) or ("Chưa cập nhật tiến độ" if item.percent is None
                                            else item.status.label("vi")),
            "assigned_by": task.source.document if task and task.source else ""}


def worst_targets(report: EvaluationReport, limit: int = KEY_TARGET_CHARTS) -> list[TargetRow]:
    """The key targets charted: worst first among those with at least two points."""
    with_trend = [r for r in report.targets if len(r.series) >= 2 and r.five_year is not None]
    order = {a.target_id: i for i, a in enumerate(sort_worst_first(
        [_as_assessment(r) for r in with_trend]))}
    # Targets still running come first: their trend and projection say where they are going.
    return sorted(with_trend, key=lambda r: (
        bool(r.deadline) and Period.parse(r.deadline).end.year <= report.year,
        order[r.target_id]))[:limit]


def _as_assessment(row: TargetRow) -> TargetAssessment:
    return TargetAssessment(
        target_id=row.target_id, indicator=row.indicator, orgunit=row.orgunit,
        deadline=row.deadline, target_value=row.five_year, baseline=None, baseline_period=None,
        baseline_from="", latest=row.latest, latest_period=row.latest_period,
        projected=row.projected, status=TargetStatus(row.status), method=row.method)


__all__ = ["NARRATIVE_SECTIONS", "PLACEHOLDER", "TASK_STATUS_ORDER", "EvaluationReport",
           "TargetRow", "build_evaluation", "is_demo_workspace", "worst_targets"]
