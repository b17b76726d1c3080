"""Open data for anonymous visitors: approved figures only — what anyone may read and reuse.
Every row can be reached: the table is filtered (indicator, unit), paged, and downloaded whole
(the filtered rows, every page) as CSV or Excel."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.values import REPORTED
from sodo.http.downloads import Column, Table
from sodo.http.views import indicator_name, period_label, unit_label
from sodo.services import values as value_service
from sodo.stores.operational import values as values_repo
from sodo.web.context import app_context, language, page, programme, render
from sodo.web.i18n import t, unit_text

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/public")
@page
def public_values(request: Request, indicator: str | None = None, orgunit: str | None = None,
                  page_no: int = 1) -> Response:
    """Values agencies reported and had approved (newest first), then the latest national
    figure of every indicator (by the one latest rule); filtered, paged, downloadable."""
    lang = language(request)
    page_no = _int(request.query_params.get("page"), page_no)
    size = min(max(_int(request.query_params.get("per_page"), PAGE_SIZE), 1), 500)
    cat, ctx = programme(request), app_context(request)
    with ctx.session() as session:
        reported = sorted(values_repo.candidates(session, origin=REPORTED),
                          key=lambda c: (c.recency, c.indicator, c.orgunit), reverse=True)
        codes = sorted({c.indicator for c in values_repo.candidates(session, orgunits=["VN"])
                        if not cat.is_index_component(c.indicator)})
        indicators = {c: ind for c in codes if (ind := cat.indicator(c)) is not None}
        national = value_service.latest_values(session, [(c, "VN") for c in codes],
                                               indicators, ctx.today())
    every = []
    for cand in [*reported, *(national[k] for k in sorted(national))]:
        ind = cat.indicator(cand.indicator)
        every.append({
            "indicator": cand.indicator,
            "indicator_name": indicator_name(cat, cand.indicator, lang),
            "orgunit": cand.orgunit, "orgunit_name": unit_label(cand.orgunit, lang),
            "period": cand.period, "period_label": period_label(cand.period, lang),
            "value": cand.value, "unit": unit_text(ind.unit, lang) if ind else "",
            "decimals": ind.decimals if ind else 2,
            "origin": cand.origin, "origin_label": t(f"origin.{cand.origin}", lang),
            "source": cand.source, "provisional": cand.provisional,
            "provisional_label": t("common.provisional", lang) if cand.provisional else "",
            "updated_at": cand.recency,
        })
    indicator_choices = sorted({(r["indicator"], r["indicator_name"]) for r in every},
                               key=lambda x: x[1])
    unit_choices = sorted({(r["orgunit"], r["orgunit_name"]) for r in every},
                          key=lambda x: x[1])
    rows = [r for r in every if (not indicator or r["indicator"] == indicator)
            and (not orgunit or r["orgunit"] == orgunit)]
    pages = max(1, -(-len(rows) // size))
    page_no = min(max(page_no, 1), pages)
    start = (page_no - 1) * size
    shown = rows[start:start + size]

    def link(number: int) -> str:
        query = {k: v for k, v in (("indicator", indicator), ("orgunit", orgunit)) if v}
        if size != PAGE_SIZE:
            query["per_page"] = str(size)
        return "/public?" + urlencode({**query, "page": number})

    data: dict[str, Any] = {
        "title": t("public.title", lang), "rows": shown, "total": len(rows),
        "first": start + 1 if shown else 0, "last": start + len(shown),
        "page": page_no, "pages": pages,
        "previous_url": link(page_no - 1) if page_no > 1 else None,
        "next_url": link(page_no + 1) if page_no < pages else None,
        "indicator": indicator, "orgunit": orgunit,
        "indicators": [{"code": c, "name": n} for c, n in indicator_choices],
        "orgunits": [{"code": c, "name": n} for c, n in unit_choices],
    }
    return render(request, "public.html", data,
                  tables=lambda: [public_table(rows, lang)],
                  download_name="so-lieu-cong-khai")


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def public_table(rows: list[dict[str, Any]], lang: str) -> Table:
    """Every filtered row (not only the page shown), as the table shows it."""
    return Table("values", t("public.title", lang), [
        Column("indicator_name", t("common.indicator", lang)),
        Column("orgunit_name", t("common.orgunit", lang)),
        Column("period_label", t("common.period", lang)),
        Column("value", t("common.value", lang), number=True),
        Column("unit", t("common.unit", lang)),
        Column("provisional_label", t("common.provisional_column", lang)),
        Column("origin_label", t("common.origin", lang)),
        Column("source", t("common.source", lang)),
    ], rows)
