"""The overview: targets by status and those needing attention, urgent tasks, the provinces
that lag on the 766 index, how fresh the figures are, and who has not reported."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.assessment.targets import STATUS_ORDER
from sodo.domain.assessment.tasks import TASK_STATUS_ORDER
from sodo.domain.orgunits import default_hierarchy
from sodo.http.downloads import Column, Table
from sodo.http.views import indicator_name, indicator_unit, period_label
from sodo.stores.operational import values as values_repo
from sodo.web.context import actor_of, app_context, language, page, programme, render
from sodo.web.format import format_date, format_datetime
from sodo.web.i18n import register, t
from sodo.web.summaries import (
    _cached,
    cached_view,
    index_code,
    index_ranking,
    reporting_rows,
    target_columns,
    target_rows,
    task_rows,
)

router = APIRouter(include_in_schema=False)
ATTENTION = ("not_achieved", "deteriorating", "off_track", "needs_acceleration")
STATUSES = tuple(str(s) for s in STATUS_ORDER)
register({
    "overview.datasets": ("Tính toán theo bộ dữ liệu", "Computation by dataset"),
    "overview.dataset": ("Bộ dữ liệu", "Dataset"),
    "overview.last_computed": ("Tính lần cuối", "Last computed"),
    "overview.newest_batch": ("Lô mới nhất nhận lúc", "Newest batch received"),
    "overview.intake_warnings": ("Cảnh báo khi nạp lô mới nhất",
                                 "Warnings at intake of the newest batch"),
    "overview.ds_state.computed": ("Đã cập nhật", "Up to date"),
    "overview.ds_state.waiting": ("{n} lô đang chờ tính", "{n} batches waiting to be computed"),
    "overview.ds_state.failed": ("Lần tính tự động gần nhất bị lỗi",
                                 "The last automatic computation failed"),
    "overview.ds_state.never": ("Chưa tính", "Never computed"),
})
TASK_STATUSES = tuple(str(s) for s in TASK_STATUS_ORDER)


@router.get("/")
@page
def overview(request: Request) -> Response:
    lang = language(request)
    data = cached_view(request, ("overview", lang), lambda: overview_model(request, lang))
    return render(request, "overview.html", data,
                  tables=lambda: overview_tables(data, lang), download_name="tong-quan",
                  shared=True)


# how many rows of each list the overview shows (the template cuts them the same way)
ATTENTION_SHOWN, TASKS_SHOWN = 8, 12


def overview_tables(data: dict[str, Any], lang: str) -> list[Table]:
    """The overview's small tables, as shown: the targets needing attention, the urgent
    tasks, the lagging provinces and when each dataset was last computed."""
    return [
        Table("attention", t("overview.off_track", lang), target_columns(lang, full=False),
              data["targets_needing_attention"][:ATTENTION_SHOWN]),
        Table("tasks", t("overview.tasks", lang), [
            Column("task_id", t("common.code", lang)),
            Column("title", t("nav.tasks", lang)),
            Column("status_label", t("common.status", lang)),
            Column("lead_label", t("common.lead", lang)),
            Column("due_shown", t("common.deadline", lang)),
        ], [{**tk, "due_shown": format_date(tk["due"], lang)}
            for tk in data["urgent_tasks"][:TASKS_SHOWN]]),
        lagging_table(data, lang),
        Table("datasets", t("overview.datasets", lang), [
            Column("name", t("overview.dataset", lang)),
            Column("last_shown", t("overview.last_computed", lang)),
            Column("batch_shown", t("overview.newest_batch", lang)),
            Column("warnings", t("overview.intake_warnings", lang), number=True, decimals=0),
            Column("state_label", t("common.status", lang)),
        ], [{**d, "last_shown": format_datetime(d["last_computed"], lang),
             "batch_shown": format_datetime(d["newest_batch"], lang)}
            for d in data["datasets"]]),
    ]


def lagging_table(data: dict[str, Any], lang: str) -> Table:
    """The lagging provinces as the overview shows them, the provisional mark in the notes."""
    notes = [t("common.provisional_note", lang)] if data.get("index_provisional") else []
    return Table("lagging", f"{t('overview.lagging', lang)} — {data['index_period_label']}", [
        Column("code", t("common.code", lang)),
        Column("name", t("common.province", lang)),
        Column("value", t("unit.index_total", lang), data["index_unit"], data["index_decimals"],
               number=True),
        Column("rank", t("common.rank", lang), number=True, decimals=0),
    ], data["lagging_provinces"], notes)


def overview_model(request: Request, lang: str) -> dict[str, Any]:
    """What the overview shows (its JSON twin too); depends only on the data version, the
    language and what the visitor may see, so :func:`cached_view` keeps it."""
    summaries = target_rows(request, lang)
    counts = {s: 0 for s in STATUSES}
    for s in summaries:
        counts[s["status"]] += 1
    attention = sorted((s for s in summaries if s["status"] in ATTENTION),
                       key=lambda s: STATUSES.index(s["status"]))
    tasks = task_rows(request, lang)
    urgent = sorted((tk for tk in tasks if tk["status"] in ("overdue", "due_soon")),
                    key=lambda tk: (TASK_STATUSES.index(tk["status"]),
                                    tk["due"] or date.max.isoformat()))
    lagging = index_ranking(request, "province", None, lang)
    cat = programme(request)
    freshness = [{**row, "indicator_name": indicator_name(cat, row["indicator"], lang),
                  "latest_period_label": period_label(row["latest_period"], lang)}
                 for row in freshness_rows(request)
                 if cat.indicator(row["indicator"]) is not None
                 and not cat.is_index_component(row["indicator"])]
    result = {
        "title": t("overview.title", lang),
        "target_counts": [{"status": s, "label": t(f"status.{s}", lang), "count": n}
                          for s, n in counts.items() if n],
        "targets_needing_attention": attention,
        "attention_statuses": [str(a) for a in ATTENTION],
        "urgent_tasks": urgent,
        "task_counts": {s: sum(1 for tk in tasks if tk["status"] == s) for s in TASK_STATUSES},
        "lagging_provinces": lagging["rows"][-5:][::-1] if lagging["rows"] else [],
        "index_period": lagging["period"],
        "index_period_label": period_label(lagging["period"], lang),
        # a quarter or year computed from only some of its months ranks provinces too: say so
        "index_provisional": bool(lagging.get("provisional")),
        "index_unit": indicator_unit(cat, index_code(request), lang),
        "index_decimals": index_decimals(cat, index_code(request)),
        "last_run": _cached(request, "last_run", lambda: values_repo.last_run(
            app_context(request).engine)),
        "freshness": freshness,
        "freshness_groups": freshness_groups(freshness),
        "reporting": reporting_rows(request, lang),
        "today": app_context(request).today().isoformat(),
        "quality_worst": worst_quality(request, lang),
        "datasets": dataset_rows(request, lang),
    }
    return result


def index_decimals(cat: Any, code: str) -> int:
    ind = cat.indicator(code)
    return ind.decimals if ind is not None and ind.decimals is not None else 2


def dataset_rows(request: Request, lang: str) -> list[dict[str, Any]]:
    """When each declared dataset was last computed and what of it waits. Kept per data
    version (a finished computation changes it) and per state of the workspace's pending mark
    (an accepted batch touches it), so a page view costs one ``stat``."""
    from sodo.services import recompute
    from sodo.services.datasets import load_datasets
    from sodo.services.quality import intake as quality_intake

    ctx = app_context(request)
    declared = _cached(request, "datasets", lambda: {
        code: (ds.name, ds.name_en) for code, ds in
        load_datasets(ctx.settings.programme_path()).items()})
    def states() -> list[dict[str, Any]]:
        with ctx.session() as session:
            warned = quality_intake.newest_counts(session)
        return [{**r, "warnings": (warned.get(r["dataset"]) or {}).get("count")}
                for r in recompute.dataset_states(ctx, sorted(declared))]

    rows = [dict(r) for r in _cached(request, ("dataset-states", recompute.pending_mark(ctx)),
                                     states)]
    for row in rows:
        vi, en = declared[row["dataset"]]
        row["name"] = vi if lang == "vi" else (en or vi)
        row["state_label"] = t(f"overview.ds_state.{row['state']}", lang).replace(
            "{n}", str(row["waiting"]))
    return rows


def freshness_rows(request: Request) -> list[dict[str, Any]]:
    """Per indicator and origin: the newest period, when it was last written, how many values
    (the newest period of each type is its greatest id; types compare by where they end)."""
    def build() -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for row in values_repo.freshness(app_context(request).engine):
            key = (row["indicator"], row["origin"])
            held = merged.get(key)
            if held is None:
                merged[key] = dict(row)
                continue
            held["rows"] += row["rows"]
            if row["updated_at"] and (held["updated_at"] is None
                                      or row["updated_at"] > held["updated_at"]):
                held["updated_at"] = row["updated_at"]
            if _reach(row["latest_period"]) > _reach(held["latest_period"]):
                held["latest_period"] = row["latest_period"]
        return [merged[k] for k in sorted(merged)]

    return _cached(request, "freshness", build)


def _reach(period_id: str) -> tuple[Any, ...]:
    """How far a period's data reaches: the later start wins, then the finer period (October
    2026 before Q4 2026: it is what the data reached)."""
    from sodo.domain.periods import Period

    period = Period.parse(period_id)
    return (period.start.toordinal(), -period.end.toordinal())


def freshness_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Freshness by origin, for the page: one line for the indicators computed from records
    (they share one computation), one per other origin with its newest period and update."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(row["origin"], {"origin": row["origin"], "rows": []})
        group["rows"].append(row)
    out = []
    for group in groups.values():
        newest = max(group["rows"],
                     key=lambda r: (r["latest_period"] or "", str(r["updated_at"] or "")))
        out.append({**group, "count": len(group["rows"]), "latest_period_label":
                    newest["latest_period_label"], "updated_at": newest["updated_at"],
                    "oldest_period_label": min(group["rows"], key=lambda r: r["latest_period"]
                                               or "")["latest_period_label"]})
    return out


def worst_quality(request: Request, lang: str, count: int = 5) -> list[dict[str, Any]]:
    """The agencies (provinces, ministries) with the lowest overall data-quality score on
    dossiers in the latest scored period (from the stored scorecard)."""
    from sodo.services import quality
    from sodo.web.pages.quality import band

    with app_context(request).session() as session:
        periods = quality.stored_periods(session)
        if not periods:
            return []
        rows = quality.scorecard(session, actor_of(request), dataset="dossiers",
                                 period=periods[0], principle="overall")
    scored = sorted((r for r in rows if r["unit"] != "VN" and r["score"] is not None),
                    key=lambda r: (r["score"], r["unit"]))[:count]
    hierarchy = default_hierarchy()
    return [{"code": r["unit"], "name": hierarchy.get(r["unit"]).label(lang)
             if r["unit"] in hierarchy else r["unit"], "score": r["score"],
             "band": band(r["score"]), "period": r["period"],
             "period_label": period_label(r["period"], lang)} for r in scored]
