"""Open data for anonymous visitors: approved figures only — what anyone may read and reuse."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.values import REPORTED
from sodo.http.views import indicator_name, period_label, unit_label
from sodo.services import values as value_service
from sodo.stores.operational import values as values_repo
from sodo.web.context import app_context, language, page, programme, render
from sodo.web.i18n import t, unit_text

router = APIRouter(include_in_schema=False)
REPORTED_SHOWN = 200


@router.get("/public")
@page
def public_values(request: Request) -> Response:
    """Values agencies reported and had approved (newest first), then the latest national
    figure of every indicator (by the one latest rule)."""
    lang = language(request)
    cat, ctx = programme(request), app_context(request)
    with ctx.session() as session:
        reported = sorted(values_repo.candidates(session, origin=REPORTED),
                          key=lambda c: (c.recency, c.indicator, c.orgunit), reverse=True)
        codes = sorted({c.indicator for c in values_repo.candidates(session, orgunits=["VN"])
                        if not cat.is_index_component(c.indicator)})
        indicators = {c: ind for c in codes if (ind := cat.indicator(c)) is not None}
        national = value_service.latest_values(session, [(c, "VN") for c in codes],
                                               indicators, ctx.today())
    rows = []
    for cand in [*reported[:REPORTED_SHOWN], *(national[k] for k in sorted(national))]:
        ind = cat.indicator(cand.indicator)
        rows.append({
            "indicator": cand.indicator,
            "indicator_name": indicator_name(cat, cand.indicator, lang),
            "orgunit": cand.orgunit, "orgunit_name": unit_label(cand.orgunit, lang),
            "period": cand.period, "period_label": period_label(cand.period, lang),
            "value": cand.value, "unit": unit_text(ind.unit, lang) if ind else "",
            "origin": cand.origin, "source": cand.source, "provisional": cand.provisional,
            "updated_at": cand.recency,
        })
    return render(request, "public.html", {"title": t("public.title", lang), "rows": rows})
