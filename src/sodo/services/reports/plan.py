"""Next year's plan: the Excel template officials fill, its import (every cell checked, all or
nothing, errors in Vietnamese), the lint with the programme's rules plus the resource rule, and
the plan kept as a file of the workspace (``plans/KH-<unit>-<year>.yaml``: a programme and the
resources of each target and task).

The template is pre-filled from the assessment: for each indicator the unit has a national
target on, its latest value (the assessment's) as the baseline and the five-year target.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from sodo.domain.assessment.plan_quality import plan_quality_problems
from sodo.domain.orgunits import NATION_CODE, default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.permissions import Action, Actor, NotFound, allows, require
from sodo.domain.plans import (
    FUNDING_SOURCES,
    CellError,
    Resources,
    read_funding,
    read_number,
    resource_findings,
)
from sodo.domain.problems import InputError, Problem, Severity
from sodo.domain.programme import Baseline, Programme, Target, Task
from sodo.services import assessment, catalogue
from sodo.services.context import AppContext
from sodo.services.lint import target_findings, task_findings
from sodo.services.reports.evaluation import _targets_for
from sodo.stores.operational.plan_models import PlanTarget, PlanTask, PlanVersion

TARGET_SHEET, TASK_SHEET, META_SHEET = "Chỉ tiêu", "Nhiệm vụ", "_sodo"
TARGET_COLUMNS = ("STT", "Mã chỉ số", "Chỉ tiêu", "ĐVT", "Giá trị gốc", "Kỳ gốc",
                  "Mục tiêu 5 năm", "Hạn mục tiêu 5 năm", "Chỉ tiêu quốc gia đóng góp",
                  "Chỉ tiêu năm {year} (*)", "Phương pháp đo lường", "Kinh phí (triệu đồng)",
                  "Nguồn vốn", "Cơ quan chịu trách nhiệm")
TASK_COLUMNS = ("STT", "Rõ việc: nhiệm vụ (*)", "Rõ người: cơ quan chủ trì (mã) (*)",
                "Rõ trách nhiệm: người/chức danh", "Rõ thời gian: thời hạn",
                "Rõ kết quả: sản phẩm", "Rõ thẩm quyền: cấp phê duyệt",
                "Kinh phí (triệu đồng)", "Nguồn vốn", "Cơ quan chịu trách nhiệm (nguồn lực)")
TASK_ROWS = 30
# The rule each refused cell breaks (the problem's ``rule``).
RULE_NUMBER, RULE_REQUIRED, RULE_RANGE = "số", "bắt buộc", "khoảng giá trị"
RULE_CODE, RULE_UNIT, RULE_FUNDING, RULE_PERIOD = ("mã chỉ số", "mã đơn vị", "nguồn vốn",
                                                   "thời hạn")
FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass
class PlanImport:
    unit: str
    year: int
    programme: Programme
    resources: dict[str, Resources]
    contributes: dict[str, str]
    findings: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # target/task id → the sheet's row
    filename: str = ""
    sha256: str = ""
    # Once stored: the version's id, number, state, author and time.
    id: int | None = None
    version: int | None = None
    state: str = "draft"
    created_by: str = ""
    created_at: datetime | None = None
    issued_report_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The plan as the API gives it: the version, each target and task with its
        resources and the national target it contributes to, and the lint's findings."""
        prog = self.programme
        methods = {ind.code: ind.method for ind in prog.indicators}
        return {
            "id": self.id, "code": prog.code, "name": prog.name, "unit": self.unit,
            "year": self.year, "version": self.version, "state": self.state,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "issued_report_id": self.issued_report_id, "filename": self.filename,
            "sha256": self.sha256,
            "targets": [{"id": t.id, "indicator": t.indicator, "title": t.title,
                         "comparator": str(t.comparator), "value": t.value,
                         "deadline": t.deadline,
                         "baseline": t.baseline.model_dump() if t.baseline else None,
                         "method": t.note or methods.get(t.indicator, ""),
                         "contributes_to": self.contributes.get(t.id),
                         "resources": self.resources.get(t.id, Resources()).to_dict()}
                        for t in prog.targets],
            "tasks": [{"id": t.id, "title": t.title, "lead": list(t.lead),
                       "responsible": t.responsible, "deadline": t.deadline,
                       "deliverable": t.deliverable, "authority": t.authority,
                       "resources": self.resources.get(t.id, Resources()).to_dict()}
                      for t in prog.tasks],
            "findings": [p.to_dict() for p in self.findings],
        }


def _rows(ctx: AppContext, actor: Actor, year: int, unit: str) -> list[dict[str, Any]]:
    """One row per indicator the unit has a national target on (the latest-deadline one)."""
    with ctx.session() as session:
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
        programme = cat.programme
        targets, applied = _targets_for(programme, unit, year)
        scoped = programme.model_copy(update={"targets": targets}) if applied else programme
        assessed = {a.target_id: a for a in assessment.assess_targets(
            session, scoped, date(year - 1, 12, 31) if year > 1 else None,
            ctx.settings.assess, target_ids=[t.id for t in targets], orgunit=unit)}
    best: dict[str, Target] = {}
    for target in targets:
        current = best.get(target.indicator)
        if current is None or (target.deadline or "") > (current.deadline or ""):
            best[target.indicator] = target
    rows = []
    for indicator, target in best.items():
        ind = cat.indicator(indicator)
        a = assessed.get(target.id)
        rows.append({"indicator": indicator, "name": ind.name if ind else indicator,
                     "unit": ind.unit if ind else "", "method": ind.method if ind else "",
                     "baseline": a.latest if a else None,
                     "baseline_period": a.latest_period if a else None,
                     "goal": target.value, "deadline": target.deadline,
                     "national": target.id, "comparator": str(target.comparator)})
    return rows


def plan_template(ctx: AppContext, actor: Actor, *, year: int, unit: str,
                  blank: bool = False) -> bytes:
    """The Excel workbook officials fill: targets pre-filled, tasks as the "6 rõ" columns.
    Where the unit has a plan of ``year`` the actor may see (and not ``blank``), its latest
    version is filled in, so the draft is downloaded, edited and uploaded again."""
    require(actor, Action.READ_PUBLIC)
    if unit not in default_hierarchy():
        raise InputError(f"no such org unit: '{unit}'")
    rows = _rows(ctx, actor, year, unit)
    plan = None if blank else find_plan(ctx, actor, unit, year)
    filled: dict[str, list[Any]] = {}
    extra: list[dict[str, Any]] = []
    if plan is not None:
        known = {row["indicator"] for row in rows}
        for target in plan.programme.targets:
            res = plan.resources.get(target.id, Resources())
            filled[target.indicator] = [
                plan.contributes.get(target.id), target.value, target.note or None,
                res.budget, "; ".join(res.funding) or None, res.responsible or None]
            if target.indicator not in known:
                known.add(target.indicator)
                ind = next((i for i in plan.programme.indicators
                            if i.code == target.indicator), None)
                extra.append({"indicator": target.indicator,
                              "name": ind.name if ind else target.indicator,
                              "unit": ind.unit if ind else "", "method": "",
                              "baseline": target.baseline.value if target.baseline else None,
                              "baseline_period": (target.baseline.period if target.baseline
                                                  else None),
                              "goal": None, "deadline": None, "national": None})
    wb = Workbook()
    ws = wb.active
    ws.title = TARGET_SHEET
    headers = [h.format(year=year) for h in TARGET_COLUMNS]
    ws.append(headers)
    for i, row in enumerate([*rows, *extra], start=1):
        values = [i, row["indicator"], row["name"], row["unit"], row["baseline"],
                  row["baseline_period"], row["goal"], row["deadline"], row["national"], None,
                  row["method"], None, None, None]
        mine = filled.get(row["indicator"])
        if mine is not None:
            national, goal, method, budget, funds, who = mine
            values[8] = national
            values[9], values[11], values[12], values[13] = goal, budget, funds, who
            if method:
                values[10] = method
        ws.append(values)
    _format(ws, len(headers), editable=range(9, 15), widths=(5, 26, 50, 10, 12, 10, 12, 10,
                                                              28, 14, 40, 14, 26, 28))
    funding = DataValidation(type="list", formula1='"' + ",".join(FUNDING_SOURCES) + '"',
                             allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(funding)
    funding.add(f"M2:M{max(len(rows) + len(extra) + 1, 2)}")
    tasks = wb.create_sheet(TASK_SHEET)
    tasks.append(list(TASK_COLUMNS))
    planned = list(plan.programme.tasks) if plan is not None else []
    for i in range(1, max(TASK_ROWS, len(planned) + 10) + 1):
        if i <= len(planned):
            task = planned[i - 1]
            res = plan.resources.get(task.id, Resources()) if plan is not None else Resources()
            tasks.append([i, task.title, ", ".join(task.lead), task.responsible or None,
                          task.deadline, task.deliverable or None, task.authority or None,
                          res.budget, "; ".join(res.funding) or None, res.responsible or None])
        else:
            tasks.append([i])
    _format(tasks, len(TASK_COLUMNS), editable=range(2, 11),
            widths=(5, 50, 22, 24, 16, 36, 24, 14, 26, 28))
    task_funding = DataValidation(type="list", formula1='"' + ",".join(FUNDING_SOURCES) + '"',
                                  allow_blank=True, showErrorMessage=False)
    tasks.add_data_validation(task_funding)
    task_funding.add(f"I2:I{tasks.max_row}")
    meta = wb.create_sheet(META_SHEET)
    meta.append(["kind", "plan"])
    meta.append(["unit", unit])
    meta.append(["year", year])
    if plan is not None:
        meta.append(["from_version", plan.version])
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _format(ws: Any, columns: int, *, editable: range, widths: tuple[int, ...]) -> None:
    for col in range(1, columns + 1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(name="Times New Roman", bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in row:
            cell.font = Font(name="Times New Roman")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.column in editable:
                cell.fill = FILL
                cell.protection = Protection(locked=False)
    ws.freeze_panes = "C2"
    ws.protection.sheet = True  # only the yellow cells are for the officials
    ws.row_dimensions[1].height = 48


def _meta(wb: Any) -> tuple[str, int]:
    if META_SHEET not in wb.sheetnames or TARGET_SHEET not in wb.sheetnames:
        raise InputError("tệp không phải mẫu kế hoạch của sodo (thiếu trang “Chỉ tiêu” hoặc "
                         "thông tin mẫu); tải mẫu bằng: sodo plan template")
    values = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True) if r and r[0]}
    if values.get("kind") != "plan":
        raise InputError("tệp không phải mẫu kế hoạch của sodo")
    return str(values["unit"]), int(values["year"])


def read_plan(ctx: AppContext, actor: Actor, data: bytes,
              filename: str = "plan.xlsx") -> PlanImport:
    """Check every cell of a filled template; refuse the whole file on any error. Someone
    who may report for no unit is refused before the workbook is opened; the unit the file
    is for is checked as soon as it is read."""
    from sodo.services.excel_forms import inspect_zip

    require(actor, Action.REPORT, actor.orgunit)
    inspect_zip(data, filename)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputError(f"{filename}: không đọc được tệp Excel ({exc})",
                         [Problem("không đọc được tệp Excel", filename, rule="tệp")]) from None
    unit, year = _meta(wb)
    require(actor, Action.REPORT, unit)
    hierarchy = default_hierarchy()
    with ctx.session() as session:
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
    problems: list[Problem] = []
    targets: list[Target] = []
    tasks: list[Task] = []
    resources: dict[str, Resources] = {}
    contributes: dict[str, str] = {}
    rows: dict[str, int] = {}

    def bad(sheet: str, row: int, col: int, message: str, rule: str = "ô dữ liệu") -> None:
        letter = get_column_letter(col)
        problems.append(Problem(f"trang “{sheet}”, ô {letter}{row}: {message}", filename,
                                line=row, column=letter, rule=rule,
                                object=f"{sheet}!{letter}{row}"))

    def number(sheet: str, row: int, col: int, value: Any) -> float | None:
        try:
            return read_number(value)
        except CellError as exc:
            bad(sheet, row, col, str(exc), RULE_NUMBER)
            return None

    def funding(sheet: str, row: int, col: int, value: Any) -> list[str]:
        try:
            return read_funding(value)
        except CellError as exc:
            bad(sheet, row, col, str(exc), RULE_FUNDING)
            return []

    for r, values in enumerate(wb[TARGET_SHEET].iter_rows(min_row=2, values_only=True),
                               start=2):
        values = (*values, *([None] * 14))[:14]
        code, goal_cell = values[1], values[9]
        if not code:
            continue
        ind = cat.indicator(str(code))
        method_edited = values[10] not in (None, "") and (
            ind is None or str(values[10]).strip() != ind.method.strip())
        filled = [v for i, v in enumerate(values) if i in (9, 11, 12, 13)
                  and v not in (None, "")]
        if not filled and not method_edited:
            continue  # a row left empty: not in the plan
        if ind is None:
            bad(TARGET_SHEET, r, 2, f"mã chỉ số “{code}” không có trong Chương trình",
                RULE_CODE)
            continue
        goal = number(TARGET_SHEET, r, 10, goal_cell)
        if goal is None and goal_cell in (None, ""):
            bad(TARGET_SHEET, r, 10, f"thiếu chỉ tiêu năm {year} (đã điền nguồn lực hoặc "
                                     "phương pháp cho dòng này)", RULE_REQUIRED)
        elif goal is not None and ind.value_type == "percent" and not 0 <= goal <= 100:
            bad(TARGET_SHEET, r, 10, f"tỷ lệ {goal:g}% phải trong khoảng 0–100", RULE_RANGE)
        budget = number(TARGET_SHEET, r, 12, values[11])
        if budget is not None and budget < 0:
            bad(TARGET_SHEET, r, 12, "kinh phí không được âm", RULE_RANGE)
        funds = funding(TARGET_SHEET, r, 13, values[12])
        baseline = number(TARGET_SHEET, r, 5, values[4])
        if goal is None:
            continue
        target_id = f"KH{year}-{unit}-{len(targets) + 1:02d}"
        base = None
        if baseline is not None and values[5]:
            try:
                base = Baseline(period=Period.parse(str(values[5])).id, value=baseline)
            except ValueError:
                bad(TARGET_SHEET, r, 6, f"kỳ gốc “{values[5]}” không đọc được", RULE_PERIOD)
        national = cat.target(str(values[8]).strip()) if values[8] else None
        if values[8] and national is None:
            bad(TARGET_SHEET, r, 9, f"chỉ tiêu quốc gia “{values[8]}” không có trong Chương "
                                    "trình", RULE_CODE)
            continue
        comparator = national.comparator if national is not None else ">="
        if ind.method != (values[10] or "") and values[10]:
            ind = ind.model_copy(update={"method": str(values[10]).strip()})
        shown = ind.unit if ind.unit in ("", "%") else f" {ind.unit}"
        targets.append(Target(id=target_id, indicator=ind.code, orgunit=unit,
                              title=f"{ind.name}: {goal:g}{shown} năm {year}",
                              baseline=base, value=goal, deadline=str(year),
                              comparator=comparator, note=str(values[10] or "")))
        resources[target_id] = Resources(budget, funds, str(values[13] or "").strip())
        rows[target_id] = r
        if national is not None:
            contributes[target_id] = national.id
    task_sheet = wb[TASK_SHEET] if TASK_SHEET in wb.sheetnames else None
    for r, values in enumerate(task_sheet.iter_rows(min_row=2, values_only=True)
                               if task_sheet is not None else [], start=2):
        values = (*values, *([None] * 10))[:10]
        if not any(v not in (None, "") for v in values[1:]):
            continue
        title, lead = str(values[1] or "").strip(), str(values[2] or "").strip()
        if not title:
            bad(TASK_SHEET, r, 2, "thiếu tên nhiệm vụ (rõ việc)", RULE_REQUIRED)
        leads = [c.strip() for c in lead.replace(";", ",").split(",") if c.strip()]
        for code in leads:
            if code not in hierarchy:
                bad(TASK_SHEET, r, 3, f"cơ quan chủ trì “{code}” không phải mã đơn vị",
                    RULE_UNIT)
        budget = number(TASK_SHEET, r, 8, values[7])
        if budget is not None and budget < 0:
            bad(TASK_SHEET, r, 8, "kinh phí không được âm", RULE_RANGE)
        funds = funding(TASK_SHEET, r, 9, values[8])
        deadline = values[4]
        if isinstance(deadline, date):
            deadline = deadline.strftime("%d/%m/%Y")
        try:
            task = Task(id=f"KH{year}-{unit}-NV{len(tasks) + 1:02d}", title=title or "—",
                        lead=[c for c in leads if c in hierarchy],
                        responsible=str(values[3] or ""),
                        deadline=str(deadline) if deadline else None,
                        deliverable=str(values[5] or ""), authority=str(values[6] or ""))
            _ = task.due
        except ValueError as exc:
            bad(TASK_SHEET, r, 5, f"thời hạn “{deadline}” không đọc được ({exc})",
                RULE_PERIOD)
            continue
        tasks.append(task)
        resources[task.id] = Resources(budget, funds, str(values[9] or "").strip())
        rows[task.id] = r
    if problems:
        raise InputError(f"{filename}: kế hoạch không được nhập: {len(problems)} ô có lỗi "
                         "(không có gì thay đổi)", problems)
    if not targets:
        raise InputError(f"{filename}: kế hoạch không được nhập: chưa điền chỉ tiêu năm "
                         f"{year} nào", [Problem(f"chưa điền chỉ tiêu năm {year} nào (cột J)",
                                                filename, column="J", rule=RULE_REQUIRED,
                                                object=f"{TARGET_SHEET}!J2")])
    used = {t.indicator for t in targets}
    indicators = [ind for ind in cat.programme.indicators if ind.code in used]
    methods = {t.indicator: t.note for t in targets if t.note}
    indicators = [ind.model_copy(update={"method": methods[ind.code]}) if ind.code in methods
                  else ind for ind in indicators]
    unit_name = default_hierarchy().get(unit).name if unit != NATION_CODE else "Toàn quốc"
    programme = Programme(code=f"KH-{unit}-{year}", name=f"Kế hoạch chuyển đổi số năm {year} "
                          f"của {unit_name}", period=str(year), owner=unit,
                          indicators=indicators, targets=targets, tasks=tasks)
    plan = PlanImport(unit, year, programme, resources, contributes, rows=rows,
                      filename=filename, sha256=hashlib.sha256(data).hexdigest())
    plan.findings = lint_plan(ctx, plan)
    return plan


def lint_plan(ctx: AppContext, plan: PlanImport) -> list[Problem]:
    """The programme's rules (6 rõ; rõ ràng, định lượng, khả thi, đột phá against the
    indicator's observed history of the unit) and the resource rule."""
    hierarchy = default_hierarchy()
    prog = plan.programme
    today = ctx.today()
    found: list[Problem] = []
    for target in prog.targets:
        found += [Problem(m, rule=rule, severity=sev, object=target.id)
                  for sev, rule, m in target_findings(target, prog, today)
                  if rule not in ("nguồn",)]
        found += resource_findings("target", target.id, plan.resources.get(target.id))
    for task in prog.tasks:
        found += [Problem(m, rule=rule, severity=sev, object=task.id)
                  for sev, rule, m in task_findings(task, hierarchy) if rule != "nguồn"]
        found += resource_findings("task", task.id, plan.resources.get(task.id))
    with ctx.session() as session:
        history = assessment.plan_history(session, prog, today)
    found += plan_quality_problems(prog, history)
    return sorted(found, key=lambda p: (p.severity != Severity.ERROR, p.object or ""))




# -- the plan in the store: versions, targets and tasks as rows --------------------------------

def save_plan(ctx: AppContext, actor: Actor, plan: PlanImport, *,
              channel: str = "excel") -> PlanImport:
    """Keep ``plan`` as the next version of the unit's plan of the year (a draft), with its
    audit entry in the same transaction; earlier versions stay as they were."""
    from sodo.services import audit

    require(actor, Action.REPORT, plan.unit)
    prog = plan.programme
    methods = {ind.code: ind.method for ind in prog.indicators}
    with ctx.session() as session:
        top = session.scalar(select(func.max(PlanVersion.version)).where(
            PlanVersion.orgunit == plan.unit, PlanVersion.year == plan.year))
        row = PlanVersion(orgunit=plan.unit, year=plan.year, version=(top or 0) + 1,
                          code=prog.code, name=prog.name, state="draft", channel=channel,
                          filename=plan.filename, sha256=plan.sha256,
                          findings=[p.to_dict() for p in plan.findings],
                          created_by=actor.username)
        for i, t in enumerate(prog.targets, start=1):
            res = plan.resources.get(t.id, Resources())
            row.targets.append(PlanTarget(
                position=i, target_id=t.id, indicator=t.indicator, orgunit=t.orgunit,
                title=t.title, comparator=str(t.comparator), value=float(t.value),
                deadline=t.deadline or str(plan.year),
                baseline_period=t.baseline.period if t.baseline else None,
                baseline_value=t.baseline.value if t.baseline else None,
                method=t.note or methods.get(t.indicator, ""), budget=res.budget,
                funding=list(res.funding), responsible=res.responsible,
                contributes_to=plan.contributes.get(t.id), source_row=plan.rows.get(t.id)))
        for i, task in enumerate(prog.tasks, start=1):
            res = plan.resources.get(task.id, Resources())
            row.tasks.append(PlanTask(
                position=i, task_id=task.id, title=task.title, lead=list(task.lead),
                responsible=task.responsible, deadline=task.deadline,
                deliverable=task.deliverable, authority=task.authority, budget=res.budget,
                funding=list(res.funding), resources_responsible=res.responsible,
                source_row=plan.rows.get(task.id)))
        session.add(row)
        session.flush()
        audit.record(session, actor, "plan.import", "plan_version", str(row.id),
                     after={"code": prog.code, "version": row.version,
                            "targets": len(prog.targets), "tasks": len(prog.tasks),
                            "file": plan.filename, "sha256": plan.sha256, "channel": channel})
        session.commit()
        return _from_row(ctx, session, row)


def import_plan(ctx: AppContext, actor: Actor, data: bytes, filename: str = "plan.xlsx", *,
                channel: str = "excel") -> PlanImport:
    """Read a filled workbook (every cell checked, nothing stored on any error), lint it and
    keep it as the unit's next draft version — the one call behind the CLI, the pages and
    the API."""
    return save_plan(ctx, actor, read_plan(ctx, actor, data, filename), channel=channel)


def _may_see(actor: Actor, unit: str) -> bool:
    return allows(actor, Action.READ_DRAFT, unit)


def _from_row(ctx: AppContext, session: Session, row: PlanVersion) -> PlanImport:
    """The stored version as a plan: a programme (its indicators from the catalogue, each
    with the plan's measurement method) and the resources of every target and task."""
    cat_indicators = {ind.code: ind for ind in _catalogue_indicators(ctx, session)}
    targets: list[Target] = []
    tasks: list[Task] = []
    resources: dict[str, Resources] = {}
    contributes: dict[str, str] = {}
    rows: dict[str, int] = {}
    methods: dict[str, str] = {}
    for t in row.targets:
        targets.append(Target(
            id=t.target_id, indicator=t.indicator, orgunit=t.orgunit, title=t.title,
            baseline=(Baseline(period=t.baseline_period, value=t.baseline_value)
                      if t.baseline_period and t.baseline_value is not None else None),
            value=t.value, deadline=t.deadline, comparator=t.comparator, note=t.method))
        resources[t.target_id] = Resources(t.budget, list(t.funding or []), t.responsible)
        if t.contributes_to:
            contributes[t.target_id] = t.contributes_to
        if t.source_row:
            rows[t.target_id] = t.source_row
        if t.method:
            methods[t.indicator] = t.method
    for k in row.tasks:
        tasks.append(Task(id=k.task_id, title=k.title, lead=list(k.lead or []),
                          responsible=k.responsible, deadline=k.deadline,
                          deliverable=k.deliverable, authority=k.authority))
        resources[k.task_id] = Resources(k.budget, list(k.funding or []),
                                         k.resources_responsible)
        if k.source_row:
            rows[k.task_id] = k.source_row
    used = dict.fromkeys(t.indicator for t in targets)
    indicators = []
    for code in used:
        ind = cat_indicators.get(code)
        if ind is None:
            continue
        indicators.append(ind.model_copy(update={"method": methods[code]})
                          if code in methods else ind)
    programme = Programme(code=row.code, name=row.name, period=str(row.year), owner=row.orgunit,
                          indicators=indicators, targets=targets, tasks=tasks)
    findings = [Problem(f["message"], f.get("file", ""), f.get("line"), f.get("column"),
                        f.get("rule", ""), Severity(f.get("severity", "error")),
                        f.get("object", "")) for f in (row.findings or [])]
    return PlanImport(row.orgunit, row.year, programme, resources, contributes, findings,
                      rows=rows, filename=row.filename, sha256=row.sha256, id=row.id,
                      version=row.version, state=row.state, created_by=row.created_by,
                      created_at=row.created_at, issued_report_id=row.issued_report_id)


def _catalogue_indicators(ctx: AppContext, session: Session) -> list[Any]:
    return list(catalogue.current_or_files(session, ctx.settings.programme_path())
                .programme.indicators)


def _visible(query: Any, actor: Actor, unit: str) -> Any:
    """Drafts only for those who may read the unit's drafts; issued versions for all."""
    if _may_see(actor, unit):
        return query
    return query.where(PlanVersion.state == "issued")


def load_plan(ctx: AppContext, actor: Actor, unit: str, year: int,
              version: int | None = None) -> PlanImport:
    """The unit's plan of ``year``: the latest version the actor may see (or ``version``)."""
    require(actor, Action.READ_PUBLIC)
    if not has_plan_tables(ctx):
        raise InputError("the store holds no plans yet: run 'sodo plan import' (it "
                         "migrates the store)")
    with ctx.session() as session:
        query = _visible(select(PlanVersion).where(PlanVersion.orgunit == unit,
                                                   PlanVersion.year == year), actor, unit)
        if version is not None:
            query = query.where(PlanVersion.version == version)
        row = session.scalars(query.order_by(PlanVersion.version.desc()).limit(1)).first()
        if row is None:
            which = f" version {version}" if version is not None else ""
            raise NotFound(f"no plan{which} of {unit} for {year}: import one with "
                           f"'sodo plan import' or on the page /plans")
        return _from_row(ctx, session, row)


def find_plan(ctx: AppContext, actor: Actor, unit: str, year: int) -> PlanImport | None:
    """:func:`load_plan`, or None when there is none the actor may see."""
    try:
        return load_plan(ctx, actor, unit, year)
    except (NotFound, InputError):
        return None


def list_plans(ctx: AppContext, actor: Actor, *, unit: str | None = None,
               year: int | None = None) -> list[dict[str, Any]]:
    """Every version the actor may see, newest first: unit, year, version, state, author,
    counts, the file imported and its hash."""
    require(actor, Action.READ_PUBLIC)
    if not has_plan_tables(ctx):
        return []
    with ctx.session() as session:
        query = select(PlanVersion).order_by(PlanVersion.year.desc(), PlanVersion.orgunit,
                                             PlanVersion.version.desc())
        if unit:
            query = query.where(PlanVersion.orgunit == unit)
        if year:
            query = query.where(PlanVersion.year == year)
        out = []
        for row in session.scalars(query):
            if row.state != "issued" and not _may_see(actor, row.orgunit):
                continue
            out.append({"id": row.id, "code": row.code, "unit": row.orgunit, "year": row.year,
                        "version": row.version, "state": row.state,
                        "targets": len(row.targets), "tasks": len(row.tasks),
                        "created_by": row.created_by,
                        "created_at": row.created_at.isoformat(), "filename": row.filename,
                        "sha256": row.sha256, "issued_report_id": row.issued_report_id})
        return out


def has_plan_tables(ctx: AppContext) -> bool:
    with ctx.session() as session:
        return inspect(session.connection()).has_table(PlanVersion.__tablename__)


@dataclass
class Contribution:
    """One plan target that names a national target (the latest version of its unit's plan
    that the asker may see)."""

    unit: str
    unit_name: str
    year: int
    version: int
    state: str
    target_id: str
    title: str
    value: float
    comparator: str
    baseline: float | None
    baseline_period: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def contributions(ctx: AppContext, actor: Actor, national_target: str) -> list[Contribution]:
    """The plan targets contributing to ``national_target``: from each unit's latest visible
    plan version of each year, one row per plan target."""
    require(actor, Action.READ_PUBLIC)
    if not has_plan_tables(ctx):
        return []
    hierarchy = default_hierarchy()
    with ctx.session() as session:
        found = session.execute(
            select(PlanTarget, PlanVersion).join(PlanVersion)
            .where(PlanTarget.contributes_to == national_target)
            .order_by(PlanVersion.year, PlanVersion.orgunit, PlanVersion.version.desc(),
                      PlanTarget.position)).all()
        latest: dict[tuple[str, int], int] = {}
        out: list[Contribution] = []
        for target, version in found:
            if version.state != "issued" and not _may_see(actor, version.orgunit):
                continue
            key = (version.orgunit, version.year)
            if latest.setdefault(key, version.version) != version.version:
                continue  # an older version of a plan already counted
            org = hierarchy.get(version.orgunit) if version.orgunit in hierarchy else None
            out.append(Contribution(
                version.orgunit, org.short_name or org.name if org else version.orgunit,
                version.year, version.version, version.state, target.target_id, target.title,
                target.value, target.comparator, target.baseline_value,
                target.baseline_period))
        return out
