"""Read stored indicator values, DHIS2-style: data (``dx``) × periods (``pe``) × org units (``ou``).

This is what the API, the web pages and ``sodo values`` call. ``ou`` accepts unit codes (or
names the hierarchy resolves), ``LEVEL-nation|ministry|province|commune`` and
``CHILDREN-<code>`` (the unit's direct children); the query runs on the indexed
``indicator_value`` table and never touches raw records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from sodo.model.orgunits import Hierarchy, OrgUnitError, OrgUnitLevel, default_hierarchy
from sodo.model.periods import Period
from sodo.model.problems import InputError
from sodo.store.db import make_engine
from sodo.store.values import read_values

LEVELS = tuple(level.value for level in OrgUnitLevel)


@dataclass(frozen=True)
class ValueRow:
    indicator: str
    orgunit: str
    orgunit_name: str
    period: str
    period_type: str
    value: float | None
    numerator: float | None
    denominator: float | None
    origin: str
    state: str
    run_id: int | None
    source: str
    updated_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def expand_orgunits(specs: Sequence[str], hierarchy: Hierarchy | None = None) -> list[str]:
    """Org-unit codes for ``ou`` items: codes or names, ``LEVEL-<level>``, ``CHILDREN-<code>``."""
    hierarchy = hierarchy or default_hierarchy()
    codes: list[str] = []
    for spec in specs:
        text = spec.strip()
        upper = text.upper()
        if upper.startswith("LEVEL-"):
            level = text[6:].lower()
            if level not in LEVELS:
                raise InputError(f"unknown level '{text[6:]}' in '{text}' "
                                 f"(one of: {', '.join(LEVELS)})")
            codes += [u.code for u in hierarchy.at_level(OrgUnitLevel(level))]
        elif upper.startswith("CHILDREN-"):
            parent = _resolve(hierarchy, text[9:])
            codes += [u.code for u in hierarchy.children(parent)]
        else:
            codes.append(_resolve(hierarchy, text))
    return list(dict.fromkeys(codes))


def _resolve(hierarchy: Hierarchy, text: str) -> str:
    if text in hierarchy:
        return text
    try:
        return hierarchy.resolve(text).code
    except OrgUnitError as exc:
        raise InputError(f"unknown org unit '{text}': {exc}") from None


def query_values(engine_or_url: Engine | str, indicators: Sequence[str] | None = None,
                 periods: Sequence[str] | None = None, orgunits: Sequence[str] | None = None,
                 origin: str | None = None,
                 hierarchy: Hierarchy | None = None) -> list[ValueRow]:
    """Stored values for indicators × periods × org units (each ``None`` = no restriction)."""
    hierarchy = hierarchy or default_hierarchy()
    period_ids = None
    if periods:
        period_ids = [Period.parse(p).id for p in periods]
    codes = expand_orgunits(orgunits, hierarchy) if orgunits else None
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        rows = read_values(engine, indicators, period_ids, codes, origin)
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    names = {}
    out = []
    for row in rows:
        code = row["orgunit"]
        if code not in names:
            names[code] = hierarchy.get(code).name if code in hierarchy else ""
        out.append(ValueRow(
            indicator=row["indicator"], orgunit=code, orgunit_name=names[code],
            period=row["period"], period_type=row["period_type"], value=row["value"],
            numerator=row["numerator"], denominator=row["denominator"], origin=row["origin"],
            state=row["state"], run_id=row["run_id"], source=row["source"],
            updated_at=row["updated_at"]))
    return out
