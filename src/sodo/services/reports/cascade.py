"""The cascade of a national target: the plan targets of ministries and provinces that name
it (each unit's latest plan version the asker may see), and whether their sum or spread can
reach it — combined the way the indicator rolls up over the hierarchy (a sum adds them; a
ratio weighs each unit by the denominator of its latest value; units without a plan target
count at their latest value), against the national requirement for the plan's year (the
milestone, or the point on the path from the baseline to the target) and the target itself."""

from __future__ import annotations

from datetime import date
from typing import Any

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Action, Actor, NotFound, require
from sodo.domain.plans import UnitFigure, cascade_reach, meets
from sodo.domain.reports import plan_value
from sodo.services import assessment, catalogue, values
from sodo.services.context import AppContext
from sodo.services.reports.plan import contributions


def target_cascade(ctx: AppContext, actor: Actor, target_id: str) -> dict[str, Any]:
    """``{"target", "years": [{"year", "required", "required_basis", "reach", "rows"}]}``;
    ``years`` is empty when no plan names the target."""
    require(actor, Action.READ_PUBLIC)
    with ctx.session() as session:
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
        target = cat.target(target_id)
        if target is None:
            raise NotFound(f"no target '{target_id}'")
        found = contributions(ctx, actor, target_id)
        out: dict[str, Any] = {"target": target_id, "years": []}
        if not found:
            return out
        indicator = cat.indicator(target.indicator)
        aggregation = str(indicator.aggregation_hierarchy) if indicator else "none"
        hierarchy = default_hierarchy()
        # The baseline the assessment takes (the target's, else its first observation):
        # the national requirement of a year is the point on the path from there.
        assessed = assessment.assess_targets(session, cat.programme, ctx.today(),
                                             ctx.settings.assess, target_ids=[target_id])
        base = assessed[0] if assessed else None
        for year in sorted({c.year for c in found}):
            rows = [c for c in found if c.year == year]
            levels = {str(hierarchy.get(c.unit).level) for c in rows if c.unit in hierarchy}
            peers = [u.code for level in sorted(levels)
                     for u in hierarchy.at_level(level, on=date(year, 1, 1))]
            latest = values.latest_values(
                session, [(target.indicator, unit) for unit in peers],
                {target.indicator: indicator} if indicator else {}, ctx.today())
            planned = {c.unit: c for c in rows}
            figures = []
            for unit in peers:
                now = latest.get((target.indicator, unit))
                weight = now.denominator if now is not None else None
                if unit in planned:
                    figures.append(UnitFigure(unit, planned[unit].value, True, weight))
                elif now is not None and now.value is not None:
                    figures.append(UnitFigure(unit, now.value, False, weight))
            required, basis = plan_value(target, year, base.baseline if base else None,
                                         base.baseline_period if base else None)
            if required is None:
                required, basis = target.value, "target"
            reach = cascade_reach(figures, required, str(target.comparator), aggregation)
            out["years"].append({
                "year": year, "required": required, "required_basis": basis,
                "final": target.value, "deadline": target.deadline,
                "aggregation": aggregation, "reach": reach.to_dict(),
                "rows": [{**c.to_dict(),
                          "latest": (latest[(target.indicator, c.unit)].value
                                     if (target.indicator, c.unit) in latest else None),
                          "meets": meets(c.value, required, str(target.comparator))}
                         for c in rows]})
        return out

