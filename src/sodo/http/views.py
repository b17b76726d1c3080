"""View-models: the shapes of the concepts sodo shows — a target's assessment, a task, a ranking
row — built once and returned alike by the API and by the pages' JSON twins (``?format=json``),
which the HTML templates render. Labels are in the asker's language; codes stay as they are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sodo.domain.assessment.targets import TargetAssessment
from sodo.domain.assessment.tasks import TaskAssessment
from sodo.domain.orgunits import default_hierarchy
from sodo.domain.periods import Period, PeriodError
from sodo.domain.ranking import RankRow
from sodo.web.i18n import register, t, unit_text

if TYPE_CHECKING:
    from sodo.services.catalogue import Catalogue

register({
    "targets.provisional_left_out": ("{periods}: số liệu tạm tính (chưa đủ kỳ), chưa đưa vào "
                                     "đánh giá.", "{periods}: provisional (the period's data "
                                     "is incomplete), not yet used in the assessment."),
    "targets.provisional_explained": ("Kỳ tạm tính: kỳ mới hơn giá trị mới nhất, chưa đủ số "
                                      "liệu các tháng nên chưa đưa vào đánh giá.",
                                      "Provisional: a newer period whose months are not all "
                                      "in yet, so not used in the assessment."),
})
COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}


def unit_label(code: str, lang: str) -> str:
    hierarchy = default_hierarchy()
    return hierarchy.get(code).label(lang) if code in hierarchy else code


def period_label(period_id: str | None, lang: str) -> str:
    if not period_id:
        return "–"
    try:
        return Period.parse(period_id).label(lang)
    except PeriodError:
        return period_id


def indicator_name(catalogue: Catalogue, code: str, lang: str) -> str:
    ind = catalogue.indicator(code)
    if ind is None:
        return code
    return ind.name_en if lang == "en" and ind.name_en else ind.name


def indicator_unit(catalogue: Catalogue, code: str, lang: str) -> str:
    ind = catalogue.indicator(code)
    return unit_text(ind.unit, lang) if ind else ""


def in_language(item: Any, field: str, lang: str) -> str:
    """``item.<field>_en`` on an English page when the programme gives it, else the
    Vietnamese ``item.<field>`` (the programme's optional English fields)."""
    if item is None:
        return ""
    english = getattr(item, f"{field}_en", "") if lang == "en" else ""
    return english or getattr(item, field, "") or ""


def source_label(catalogue: Catalogue, document: str, lang: str) -> str:
    """A source document as a reader names it: its number, or on an English page the English
    name the programme gives a source known by a Vietnamese title (slides, a news report)."""
    entry = catalogue.source(document) if document and lang == "en" else None
    return (entry.document_en if entry is not None else "") or document


def source_title(catalogue: Catalogue, document: str, lang: str) -> str:
    """The title of a source document in the reader's language (fallback: the Vietnamese)."""
    return in_language(catalogue.source(document) if document else None, "title", lang)


def target_view(catalogue: Catalogue, a: TargetAssessment, lang: str) -> dict[str, Any]:
    """One assessed target: every field of the assessment, with the names and labels a
    reader needs."""
    target = catalogue.target(a.target_id)
    title = in_language(target, "title", lang) or indicator_name(catalogue, a.indicator, lang)
    comparator = str(target.comparator) if target else ">="
    provisional = provisional_periods(a)
    return {
        **a.to_dict(lang),
        "title": title,
        "indicator_name": indicator_name(catalogue, a.indicator, lang),
        "unit": indicator_unit(catalogue, a.indicator, lang),
        "orgunit_name": unit_label(a.orgunit, lang),
        "comparator": COMPARATOR_SIGNS.get(comparator, comparator),
        "deadline_label": period_label(a.deadline, lang),
        "latest_period_label": period_label(a.latest_period, lang),
        "source": target.source.document if target and target.source else "",
        # newer periods computed from only part of their data: left out of the assessment,
        # said beside the latest value ("Quý IV/2026 tạm tính, chưa đưa vào đánh giá")
        "provisional_periods": provisional,
        "provisional_periods_label": ", ".join(period_label(p, lang) for p in provisional),
        "provisional_label": t("targets.provisional_left_out", lang, periods=", ".join(
            period_label(p, lang) for p in provisional)) if provisional else "",
        "source_label": source_label(
            catalogue, target.source.document if target and target.source else "", lang),
    }


def provisional_periods(a: TargetAssessment) -> list[str]:
    """The provisional periods the target's series left out (``domain.values.choose_series``),
    newer than its latest value."""
    found: list[str] = []
    for other in a.components.get("other_series") or []:
        if isinstance(other, dict):
            found.extend(other.get("provisional_periods") or [])
    latest = Period.parse(a.latest_period).end if a.latest_period else None
    return sorted({p for p in found if latest is None or Period.parse(p).end > latest},
                  key=lambda p: Period.parse(p).end)


def task_view(catalogue: Catalogue, a: TaskAssessment, lang: str) -> dict[str, Any]:
    """One task's timeliness with its lead agencies named and its deadline in words."""
    task = catalogue.task(a.task_id)
    due = task.due if task else None
    leads = task.lead if task else a.lead
    lead_note = in_language(task, "lead_note", lang)
    # a lead of "the nation" is no agency: say what the notice says ("Các bộ, ngành, địa
    # phương"), or that it names no lead, never "Toàn quốc"
    collective = not leads or list(leads) == ["VN"]
    names = [] if collective else [unit_label(c, lang) for c in leads]
    return {
        **a.to_dict(lang),
        **({"title": in_language(task, "title", lang)} if task is not None else {}),
        "lead_names": names,
        "lead_note": lead_note,
        "lead_label": ", ".join(names) if names
        else (lead_note or t("tasks.no_lead_named", lang)),
        "deadline_label": due.label(lang) if due is not None and due.is_set
        else t("task.no_deadline", lang),
        "source": task.source.document if task and task.source else "",
        "source_label": source_label(
            catalogue, task.source.document if task and task.source else "", lang),
        "group": task.group if task else "",
    }


def rank_view(row: RankRow, lang: str) -> dict[str, Any]:
    """One ranked unit: its rank and value now and in the previous period."""
    return {
        "code": row.orgunit, "name": unit_label(row.orgunit, lang), "value": row.value,
        "previous": row.previous_value,
        # rounded: a difference of two stored floats carries binary noise (2.3999999…)
        "change": round(row.value - row.previous_value, 9)
        if row.value is not None and row.previous_value is not None else None,
        "rank": row.rank, "previous_rank": row.previous_rank, "rank_change": row.change,
    }
