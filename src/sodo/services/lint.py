"""Programme lint: every task against "6 rõ", every target against
"Rõ ràng – Định lượng – Khả thi – Đột phá".

Rules are named by the principle they check, so a reader can find them in the guidance:

=====================  ==========================================================================
rule                   fires when
=====================  ==========================================================================
rõ người               no lead agency (error); a collective lead, several leads, or a lead that no
                       longer exists (warning)
rõ việc                the task has no title or description of the work (error)
rõ thời gian           no deadline and no word on why (error); no deadline but the source gives
                       none (warning); the deadline had passed when the directive was issued (warning)
rõ trách nhiệm         no responsible person or post (warning)
rõ thẩm quyền          no approving authority (warning)
rõ kết quả             no deliverable (warning)
nguồn                  no source document (warning)
định lượng             a target without a numeric value (error) or a percentage above 100 (error)
rõ ràng                no deadline (error); indicator without a unit or measurement method (warning);
                       comparator against the indicator's direction (warning)
đường cơ sở            no baseline (warning); baseline at or after the deadline (error)
mốc                    milestones out of order or outside baseline..deadline (warning)
khả thi / đột phá      required pace beyond any pace observed / below the current trend
                       (warnings; from the assessment service's history of the indicator)
=====================  ==========================================================================
"""

from __future__ import annotations

from datetime import date

from sodo.domain.orgunits import NATION_CODE, Hierarchy, default_hierarchy
from sodo.domain.periods import Period, vietnam_today
from sodo.domain.problems import Problem, Severity
from sodo.domain.programme import Comparator, Direction, Programme, Target, Task
from sodo.services.programme import LoadedProgramme

ERROR, WARNING = Severity.ERROR, Severity.WARNING

def lint_programme(loaded: LoadedProgramme, hierarchy: Hierarchy | None = None,
                   today: date | None = None, store: object = None) -> list[Problem]:
    """All lint findings for a loaded programme, errors first, each with its position.

    ``store`` (an engine or session of the operational store) adds the store's observed
    values to the programme's own when judging whether targets are feasible and
    breakthrough."""
    from sodo.domain.assessment.plan_quality import plan_quality_problems
    from sodo.services.assessment import plan_history

    hierarchy = hierarchy or default_hierarchy()
    today = today or vietnam_today()
    problems: list[Problem] = []
    prog = loaded.programme
    for task in prog.tasks:
        problems += [_locate(loaded, "tasks", task.id, f"task {task.id}", p)
                     for p in task_findings(task, hierarchy)]
    for target in prog.targets:
        problems += [_locate(loaded, "targets", target.id, f"target {target.id}", p)
                     for p in target_findings(target, prog, today)]
    history = plan_history(store, prog)  # type: ignore[arg-type]
    problems += plan_quality_problems(prog, history, loaded=loaded)
    return sorted(problems, key=lambda p: (p.severity != ERROR, p.file, p.line or 0))


def _locate(loaded: LoadedProgramme, section: str, key: str, obj: str, finding: tuple) -> Problem:
    severity, rule, message = finding
    file, line, col = loaded.where(section, key)
    return Problem(message, file, line, col, rule=rule, severity=severity, object=obj)


Finding = tuple[Severity, str, str]


def task_findings(task: Task, hierarchy: Hierarchy) -> list[Finding]:
    """The "6 rõ" check of one task."""
    out: list[Finding] = []
    # rõ người
    if not task.lead:
        out.append((ERROR, "rõ người", "no lead agency (chủ trì)"))
    elif task.lead == [NATION_CODE]:
        who = task.lead_note or "all ministries, sectors and provinces"
        out.append((WARNING, "rõ người",
                    f"the lead is collective ({who}): no single agency is accountable"))
    elif len(task.lead) > 1:
        out.append((WARNING, "rõ người",
                    f"{len(task.lead)} lead agencies ({', '.join(task.lead)}): "
                    "shared lead dilutes accountability"))
    for code in task.lead:
        if code in hierarchy and hierarchy.get(code).valid_to is not None:
            unit = hierarchy.get(code)
            now = [u.code for u in hierarchy.successors_on(code, vietnam_today())]
            out.append((WARNING, "rõ người",
                        f"lead '{code}' ({unit.name}) ceased on {unit.valid_to:%d/%m/%Y}; "
                        f"its work passed to {', '.join(now) or 'no unit'}"))
    # rõ việc
    if not (task.title or task.work):
        out.append((ERROR, "rõ việc", "the work is not described"))
    # rõ thời gian
    due = task.due
    if not due.is_set:
        if task.deadline_note:
            out.append((WARNING, "rõ thời gian",
                        f"no deadline; the source gives none ({task.deadline_note})"))
        else:
            out.append((ERROR, "rõ thời gian",
                        "no deadline: give one, mark it 'Thường xuyên', or say in "
                        "deadline_note why there is none"))
    elif due.due and task.source and task.source.issued and due.due < task.source.issued:
        out.append((WARNING, "rõ thời gian",
                    f"the deadline {due.due:%d/%m/%Y} had passed when {task.source.document} "
                    f"was issued ({task.source.issued:%d/%m/%Y})"))
    # rõ trách nhiệm, rõ thẩm quyền, rõ kết quả
    if not task.responsible:
        out.append((WARNING, "rõ trách nhiệm", "no responsible person or post named"))
    if not task.authority:
        out.append((WARNING, "rõ thẩm quyền", "no approving authority named"))
    if not task.deliverable:
        out.append((WARNING, "rõ kết quả", "no deliverable (sản phẩm) named"))
    if task.source is None:
        out.append((WARNING, "nguồn", "no source document"))
    return out


def target_findings(target: Target, programme: Programme, today: date) -> list[Finding]:
    """The "Rõ ràng – Định lượng" check of one target (feasibility and breakthrough need
    history: :mod:`sodo.domain.assessment.plan_quality`)."""
    out: list[Finding] = []
    try:
        indicator = programme.indicator(target.indicator)
    except KeyError:
        indicator = None
    if target.value is None and target.qualitative:
        out.append((WARNING, "định lượng", "qualitative target: the source gives no number, "
                                          "so it is listed but not assessed"))
    elif target.value is None:
        out.append((ERROR, "định lượng", "no numeric target value (mark it qualitative: true "
                                        "if the source gives none)"))
    elif indicator is not None and indicator.value_type == "percent" and target.value > 100:
        out.append((ERROR, "định lượng", f"a percentage target of {target.value} exceeds 100"))
    if not target.deadline:
        out.append((ERROR, "rõ ràng", "no deadline"))
    if indicator is not None:
        if not indicator.unit:
            out.append((WARNING, "rõ ràng", f"indicator '{indicator.code}' has no unit"))
        if not indicator.method:
            out.append((WARNING, "rõ ràng",
                        f"indicator '{indicator.code}' has no measurement method"))
        wrong = (
            (indicator.direction is Direction.HIGHER and target.comparator in
             (Comparator.LE, Comparator.LT))
            or (indicator.direction is Direction.LOWER and target.comparator in
                (Comparator.GE, Comparator.GT))
        )
        if wrong:
            out.append((WARNING, "rõ ràng",
                        f"comparator '{target.comparator}' runs against the indicator's "
                        f"direction ({indicator.direction}-is-better)"))
    if target.baseline is None:
        out.append((WARNING, "đường cơ sở", "no baseline: progress cannot be measured from "
                                            "a starting point"))
    elif target.deadline and Period.parse(target.baseline.period).end >= Period.parse(
            target.deadline).end:
        out.append((ERROR, "đường cơ sở",
                    f"baseline {target.baseline.period} is not before the deadline "
                    f"{target.deadline}"))
    if target.milestones and target.deadline:
        ends = [Period.parse(m.period).end for m in target.milestones]
        lower = Period.parse(target.baseline.period).end if target.baseline else date.min
        upper = Period.parse(target.deadline).end
        if ends != sorted(ends) or any(not lower < e <= upper for e in ends):
            out.append((WARNING, "mốc", "milestones are out of order or fall outside the "
                                       "baseline–deadline span"))
    if target.source is None:
        out.append((WARNING, "nguồn", "no source document"))
    return out


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)
