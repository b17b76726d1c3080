"""Next year's plan: the Excel template officials fill, its import (every cell checked, all or
nothing, errors in Vietnamese), the lint with the programme's rules plus the resource rule, and
the plan kept as a file of the workspace (``plans/KH-<unit>-<year>.yaml``: a programme and the
resources of each target and task).

The template is pre-filled from the assessment: for each indicator the unit has a national
target on, its latest value (the assessment's) as the baseline and the five-year target.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sodo.domain.assessment.plan_quality import plan_quality_problems
from sodo.domain.orgunits import NATION_CODE, default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.permissions import Action, Actor, require
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
FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass
class PlanImport:
    unit: str
    year: int
    programme: Programme
    resources: dict[str, Resources]
    contributes: dict[str, str]
    findings: list[Problem] = field(default_factory=list)
    path: Path | None = None


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


def plan_template(ctx: AppContext, actor: Actor, *, year: int, unit: str) -> bytes:
    """The Excel workbook officials fill: targets pre-filled, tasks as the "6 rõ" columns."""
    require(actor, Action.READ_PUBLIC)
    if unit not in default_hierarchy():
        raise InputError(f"no such org unit: '{unit}'")
    rows = _rows(ctx, actor, year, unit)
    wb = Workbook()
    ws = wb.active
    ws.title = TARGET_SHEET
    headers = [h.format(year=year) for h in TARGET_COLUMNS]
    ws.append(headers)
    for i, row in enumerate(rows, start=1):
        ws.append([i, row["indicator"], row["name"], row["unit"], row["baseline"],
                   row["baseline_period"], row["goal"], row["deadline"], row["national"], None,
                   row["method"], None, None, None])
    _format(ws, len(headers), editable=range(10, 15), widths=(5, 26, 50, 10, 12, 10, 12, 10,
                                                               28, 14, 40, 14, 26, 28))
    funding = DataValidation(type="list", formula1='"' + ",".join(FUNDING_SOURCES) + '"',
                             allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(funding)
    funding.add(f"M2:M{max(len(rows) + 1, 2)}")
    tasks = wb.create_sheet(TASK_SHEET)
    tasks.append(list(TASK_COLUMNS))
    for i in range(1, TASK_ROWS + 1):
        tasks.append([i])
    _format(tasks, len(TASK_COLUMNS), editable=range(2, 11),
            widths=(5, 50, 22, 24, 16, 36, 24, 14, 26, 28))
    task_funding = DataValidation(type="list", formula1='"' + ",".join(FUNDING_SOURCES) + '"',
                                  allow_blank=True, showErrorMessage=False)
    tasks.add_data_validation(task_funding)
    task_funding.add(f"I2:I{TASK_ROWS + 1}")
    meta = wb.create_sheet(META_SHEET)
    meta.append(["kind", "plan"])
    meta.append(["unit", unit])
    meta.append(["year", year])
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


def read_plan(ctx: AppContext, actor: Actor, data: bytes) -> PlanImport:
    """Check every cell of a filled template; refuse the whole file on any error."""
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputError(f"không đọc được tệp Excel: {exc}") from None
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

    def bad(sheet: str, row: int, col: int, message: str) -> None:
        cell = f"{get_column_letter(col)}{row}"
        problems.append(Problem(f"trang “{sheet}”, ô {cell}: {message}", rule="ô dữ liệu",
                                object=cell))

    def number(sheet: str, row: int, col: int, value: Any) -> float | None:
        try:
            return read_number(value)
        except CellError as exc:
            bad(sheet, row, col, str(exc))
            return None

    def funding(sheet: str, row: int, col: int, value: Any) -> list[str]:
        try:
            return read_funding(value)
        except CellError as exc:
            bad(sheet, row, col, str(exc))
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
            bad(TARGET_SHEET, r, 2, f"mã chỉ số “{code}” không có trong Chương trình")
            continue
        goal = number(TARGET_SHEET, r, 10, goal_cell)
        if goal is None and goal_cell in (None, ""):
            bad(TARGET_SHEET, r, 10, f"thiếu chỉ tiêu năm {year} (đã điền nguồn lực hoặc "
                                     "phương pháp cho dòng này)")
        elif goal is not None and ind.value_type == "percent" and not 0 <= goal <= 100:
            bad(TARGET_SHEET, r, 10, f"tỷ lệ {goal:g}% phải trong khoảng 0–100")
        budget = number(TARGET_SHEET, r, 12, values[11])
        if budget is not None and budget < 0:
            bad(TARGET_SHEET, r, 12, "kinh phí không được âm")
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
                bad(TARGET_SHEET, r, 6, f"kỳ gốc “{values[5]}” không đọc được")
        national = cat.target(str(values[8])) if values[8] else None
        comparator = national.comparator if national is not None else ">="
        if ind.method != (values[10] or "") and values[10]:
            ind = ind.model_copy(update={"method": str(values[10]).strip()})
        shown = ind.unit if ind.unit in ("", "%") else f" {ind.unit}"
        targets.append(Target(id=target_id, indicator=ind.code, orgunit=unit,
                              title=f"{ind.name}: {goal:g}{shown} năm {year}",
                              baseline=base, value=goal, deadline=str(year),
                              comparator=comparator, note=str(values[10] or "")))
        resources[target_id] = Resources(budget, funds, str(values[13] or "").strip())
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
            bad(TASK_SHEET, r, 2, "thiếu tên nhiệm vụ (rõ việc)")
        leads = [c.strip() for c in lead.replace(";", ",").split(",") if c.strip()]
        for code in leads:
            if code not in hierarchy:
                bad(TASK_SHEET, r, 3, f"cơ quan chủ trì “{code}” không phải mã đơn vị")
        budget = number(TASK_SHEET, r, 8, values[7])
        if budget is not None and budget < 0:
            bad(TASK_SHEET, r, 8, "kinh phí không được âm")
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
            bad(TASK_SHEET, r, 5, f"thời hạn “{deadline}” không đọc được ({exc})")
            continue
        tasks.append(task)
        resources[task.id] = Resources(budget, funds, str(values[9] or "").strip())
    if problems:
        raise InputError(f"kế hoạch không được nhập: {len(problems)} ô có lỗi", problems)
    if not targets:
        raise InputError(f"kế hoạch không được nhập: chưa điền chỉ tiêu năm {year} nào")
    used = {t.indicator for t in targets}
    indicators = [ind for ind in cat.programme.indicators if ind.code in used]
    methods = {t.indicator: t.note for t in targets if t.note}
    indicators = [ind.model_copy(update={"method": methods[ind.code]}) if ind.code in methods
                  else ind for ind in indicators]
    unit_name = default_hierarchy().get(unit).name if unit != NATION_CODE else "Toàn quốc"
    programme = Programme(code=f"KH-{unit}-{year}", name=f"Kế hoạch chuyển đổi số năm {year} "
                          f"của {unit_name}", period=str(year), owner=unit,
                          indicators=indicators, targets=targets, tasks=tasks)
    plan = PlanImport(unit, year, programme, resources, contributes)
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


def plans_dir(ctx: AppContext) -> Path:
    root = ctx.settings.root
    if root is None:
        raise InputError("a plan is kept in a workspace: name one with --workspace")
    return root / "plans"


def save_plan(ctx: AppContext, actor: Actor, plan: PlanImport) -> Path:
    """Write the plan as ``plans/KH-<unit>-<year>.yaml`` (replacing an earlier import)."""
    from ruamel.yaml import YAML

    from sodo.services import audit

    require(actor, Action.REPORT, plan.unit)
    folder = plans_dir(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan.programme.code}.yaml"
    data = {"programme": plan.programme.model_dump(mode="json", exclude_defaults=True),
            "resources": {k: v.to_dict() for k, v in plan.resources.items()},
            "contributes_to": dict(plan.contributes)}
    yaml = YAML()
    yaml.allow_unicode = True
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    with ctx.session() as session:
        audit.record(session, actor, "plan.import", "plan", plan.programme.code,
                     after={"targets": len(plan.programme.targets),
                            "tasks": len(plan.programme.tasks), "file": path.name})
        session.commit()
    plan.path = path
    return path


def load_plan(ctx: AppContext, unit: str, year: int) -> PlanImport:
    from ruamel.yaml import YAML

    path = plans_dir(ctx) / f"KH-{unit}-{year}.yaml"
    if not path.exists():
        raise InputError(f"no plan of {unit} for {year} yet: import one with sodo plan import")
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    resources = {k: Resources(v.get("budget"), list(v.get("funding") or []),
                              v.get("responsible") or "")
                 for k, v in (data.get("resources") or {}).items()}
    return PlanImport(unit, year, Programme.model_validate(data["programme"]), resources,
                      dict(data.get("contributes_to") or {}), path=path)
