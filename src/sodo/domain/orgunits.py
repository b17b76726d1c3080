"""Org units (đơn vị): an effective-dated hierarchy of the nation, ministries, provinces and communes.

A unit has ``valid_from`` / ``valid_to`` (inclusive, ``None`` = open) and ``successors``, so a
reorganisation (63 → 34 provinces on 01/7/2025, the ministries merged on 01/3/2025) adds and
closes units instead of rewriting history. Look-ups fold diacritics: "ha noi" finds Hà Nội.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache, cached_property
from importlib import resources
from typing import Any

from sodo.domain.periods import vietnam_today
from sodo.domain.text import fold, nfc

NATION_CODE = "VN"


class OrgUnitError(LookupError):
    """An org-unit code or name that does not resolve to exactly one unit."""


class OrgUnitLevel(StrEnum):
    NATION = "nation"
    MINISTRY = "ministry"
    PROVINCE = "province"
    COMMUNE = "commune"


LEVEL_LABELS = {
    OrgUnitLevel.NATION: ("Toàn quốc", "Nation"),
    OrgUnitLevel.MINISTRY: ("Bộ, cơ quan ngang bộ", "Ministry"),
    OrgUnitLevel.PROVINCE: ("Tỉnh, thành phố", "Province"),
    OrgUnitLevel.COMMUNE: ("Xã, phường, đặc khu", "Commune"),
}


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    level: OrgUnitLevel
    parent: str | None = None
    name_en: str = ""
    short_name: str = ""
    kind: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    successors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def label(self, lang: str = "vi") -> str:
        if lang == "en" and self.name_en:
            return self.name_en
        return self.display_name

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def search_keys(self) -> tuple[str, ...]:
        return tuple(
            fold(k) for k in (self.name, self.short_name, self.name_en, *self.aliases) if k
        )


@dataclass
class Hierarchy:
    """All org units, current and historic, with the tree between them."""

    units: dict[str, OrgUnit]
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._children = {}
        for unit in self.units.values():
            if unit.parent is not None:
                self._children.setdefault(unit.parent, []).append(unit.code)

    # -- basic access -----------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self.units

    def __iter__(self) -> Iterator[OrgUnit]:
        return iter(self.units.values())

    def __len__(self) -> int:
        return len(self.units)

    def get(self, code: str) -> OrgUnit:
        try:
            return self.units[code]
        except KeyError:
            raise OrgUnitError(f"unknown org-unit code '{code}'") from None

    def children(self, code: str, on: date | None = None) -> list[OrgUnit]:
        units = [self.units[c] for c in self._children.get(code, [])]
        return [u for u in units if on is None or u.active_on(on)]

    def ancestors(self, code: str) -> list[OrgUnit]:
        """Parents of ``code`` from the nearest up to the nation."""
        out: list[OrgUnit] = []
        unit = self.get(code)
        while unit.parent is not None:
            unit = self.get(unit.parent)
            out.append(unit)
        return out

    def descendants(self, code: str, on: date | None = None) -> list[OrgUnit]:
        out: list[OrgUnit] = []
        stack = [code]
        while stack:
            for child in self.children(stack.pop(), on):
                out.append(child)
                stack.append(child.code)
        return out

    def at_level(self, level: OrgUnitLevel | str, on: date | None = None) -> list[OrgUnit]:
        """Units of a level, sorted by code; ``on`` keeps only those in force that day."""
        level = OrgUnitLevel(level)
        units = [u for u in self.units.values() if u.level is level]
        if on is not None:
            units = [u for u in units if u.active_on(on)]
        return sorted(units, key=lambda u: u.code)

    def current(self, on: date | None = None) -> list[OrgUnit]:
        day = on or vietnam_today()
        return [u for u in self.units.values() if u.active_on(day)]

    def successors_on(self, code: str, day: date) -> list[OrgUnit]:
        """The units in force on ``day`` that carry on ``code`` (itself if still in force)."""
        unit = self.get(code)
        if unit.active_on(day):
            return [unit]
        out: list[OrgUnit] = []
        for succ in unit.successors:
            for found in self.successors_on(succ, day):
                if found not in out:
                    out.append(found)
        return out

    def predecessors(self, code: str) -> list[OrgUnit]:
        return [u for u in self.units.values() if code in u.successors and u.code != code]

    # -- flattened ancestor table -------------------------------------------------
    def ancestor_rows(self) -> list[tuple[str, str, int]]:
        """One row ``(unit, ancestor, depth)`` per unit and each of its ancestors, itself
        included at depth 0: any total at any level is then one join and one group-by."""
        rows: list[tuple[str, str, int]] = []
        for unit in self.units.values():
            rows.append((unit.code, unit.code, 0))
            for depth, anc in enumerate(self.ancestors(unit.code), start=1):
                rows.append((unit.code, anc.code, depth))
        return rows

    # -- plain rows (a cache of the shipped hierarchy keeps these) ---------------------
    def to_rows(self) -> list[list[Any]]:
        """Every unit as a JSON-ready list of its fields, in order (see :meth:`from_rows`)."""
        return [[u.code, u.name, str(u.level), u.parent, u.name_en, u.short_name, u.kind,
                 u.valid_from.isoformat() if u.valid_from else None,
                 u.valid_to.isoformat() if u.valid_to else None,
                 list(u.successors), list(u.aliases)] for u in self.units.values()]

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> Hierarchy:
        """The hierarchy :meth:`to_rows` gave, equal to the original."""
        units = {}
        for code, name, level, parent, name_en, short, kind, start, end, succ, aliases in rows:
            units[code] = OrgUnit(
                code=code, name=name, level=OrgUnitLevel(level), parent=parent,
                name_en=name_en, short_name=short, kind=kind,
                valid_from=date.fromisoformat(start) if start else None,
                valid_to=date.fromisoformat(end) if end else None,
                successors=tuple(succ), aliases=tuple(aliases))
        return cls(units)

    # -- search -------------------------------------------------------------------
    @cached_property
    def _index(self) -> _NameIndex:
        """Folded names built once (the hierarchy is fixed): exact look-ups are one dict
        access, and a search scans precomputed keys instead of folding 3,000 names."""
        return _NameIndex.build(self.units.values())

    def lookup(self, text: str, on: date | None = None) -> list[OrgUnit]:
        """Units that ``text`` names exactly — its code (any case), or one of its names
        folded (diacritics and case ignored, "Tỉnh"/"Thành phố"… prefixes optional) — best
        rank first; in force on ``on`` when given. Never scans: O(1) per item."""
        text = nfc(text.strip())
        if text in self.units:
            return [self.units[text]]
        if text.upper() in self.units:
            return [self.units[text.upper()]]
        q = fold(text)
        index = self._index
        for table in (index.exact, index.stripped):
            codes = table.get(q)
            if codes:
                found = [self.units[c] for c in codes
                         if on is None or self.units[c].active_on(on)]
                if found:
                    return found
        return []

    def search(self, query: str, on: date | None = None, limit: int = 20) -> list[OrgUnit]:
        """Units whose code or name matches ``query``, ignoring case and diacritics; exact
        matches first, then prefixes, then substrings. Units in force rank before history."""
        q = fold(query)
        if not q:
            return []
        index = self._index
        scored: list[tuple[int, int, str, OrgUnit]] = []
        for unit in self.units.values():
            if on is not None and not unit.active_on(on):
                continue
            keys, stripped, lasts = index.keys[unit.code]
            if unit.code.lower() == q:
                score = 0
            elif q in keys:
                score = 1
            elif q in lasts or q in stripped:
                score = 2
            elif any(k.startswith(q) for k in keys) or any(k.startswith(q) for k in stripped):
                score = 3
            elif any(q in k for k in keys):
                score = 4
            else:
                continue
            historic = 0 if unit.valid_to is None else 1
            level_rank = list(OrgUnitLevel).index(unit.level)
            scored.append((score, historic * 10 + level_rank, unit.code, unit))
        scored.sort(key=lambda t: t[:3])
        return [t[3] for t in scored[:limit]]

    def resolve(self, text: str, on: date | None = None, *, fuzzy: bool = True) -> OrgUnit:
        """The one unit that ``text`` (a code or a name) designates; an error if none or
        several equally good ones. ``fuzzy=False`` accepts only codes and exact names (the
        index), never a scan of every unit's names (prefixes, substrings)."""
        text = nfc(text.strip())
        if text in self.units:
            return self.units[text]
        if text.upper() in self.units:
            return self.units[text.upper()]
        found = self.lookup(text, on=on)
        if not found and fuzzy:
            found = self.search(text, on=on, limit=50)
        if not found:
            raise OrgUnitError(f"no org unit is called '{text}'" if fuzzy else
                               f"no org unit has the code or name '{text}'")
        best = [u for u in found if _match_rank(u, text) == _match_rank(found[0], text)]
        current = [u for u in best if u.valid_to is None]
        if len(current) == 1:
            return current[0]
        if len(best) == 1:
            return best[0]
        names = ", ".join(f"{u.code} {u.name}" for u in best[:5])
        raise OrgUnitError(f"'{text}' is ambiguous: {names}")


@dataclass(frozen=True)
class _NameIndex:
    """Folded names of every unit: per unit (keys, keys without their kind prefix, last
    words) and, for exact look-ups, folded name → codes."""

    keys: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]
    exact: dict[str, tuple[str, ...]]
    stripped: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, units: Iterable[OrgUnit]) -> _NameIndex:
        keys: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        exact: dict[str, list[str]] = {}
        stripped: dict[str, list[str]] = {}
        ordered = sorted(units, key=lambda u: (u.valid_to is not None,
                                               list(OrgUnitLevel).index(u.level), u.code))
        for unit in ordered:
            folded = unit.search_keys()
            bare = tuple(_strip_kind(k) for k in folded)
            lasts = tuple(k.split(" ", 1)[-1] for k in folded)
            keys[unit.code] = (folded, bare, lasts)
            for key in dict.fromkeys(folded):
                exact.setdefault(key, []).append(unit.code)
            for key in dict.fromkeys(bare):
                if unit.code not in stripped.get(key, ()):
                    stripped.setdefault(key, []).append(unit.code)
        return cls(keys, {k: tuple(v) for k, v in exact.items()},
                   {k: tuple(v) for k, v in stripped.items()})


_KIND_PREFIXES = ("thanh pho ", "tinh ", "phuong ", "xa ", "dac khu ")


def _strip_kind(folded: str) -> str:
    for prefix in _KIND_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def _match_rank(unit: OrgUnit, text: str) -> int:
    q = fold(text)
    keys = unit.search_keys()
    if q in keys:
        return 1
    if any(_strip_kind(k) == q for k in keys):
        return 2
    return 3


# ---------------------------------------------------------------------------------
# The shipped hierarchy
# ---------------------------------------------------------------------------------


def _yaml_data(name: str) -> dict:
    """A shipped data file. libyaml's C parser when present (the same result for these plain
    files, tested, and a few hundred times faster than pure-Python ruamel, which every command
    that names a unit would otherwise pay at start)."""
    text = resources.files("sodo.data").joinpath(name).read_text(encoding="utf-8")
    try:
        import yaml

        return yaml.load(text, Loader=yaml.CSafeLoader)
    except (ImportError, AttributeError):  # no PyYAML, or PyYAML without libyaml
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(text)


def _province_kind(division_type: object) -> str:
    value = getattr(division_type, "value", str(division_type))
    return "thành phố" if "thành phố" in value else "tỉnh"


def _short_province_name(official: str) -> str:
    """The name pages and tables use: the official name of Decision 19/2025/QĐ-TTg ("Thanh
    Hóa", "Khánh Hòa", never the map file's "Hoá"/"Hoà") without "Thành phố", except "TP. Hồ Chí
    Minh", the form official texts use."""
    if official == "Thành phố Hồ Chí Minh":
        return "TP. Hồ Chí Minh"
    return official.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def _shipped_units(communes: bool = True) -> Iterable[OrgUnit]:
    from vietnam_provinces import Province, Ward

    geo = json.loads(
        resources.files("sodo.data").joinpath("vn-provinces-34.geojson").read_text("utf-8")
    )
    geo_names = {f["id"]: f["properties"] for f in geo["features"]}

    merger = _yaml_data("provinces-63.yaml")
    reorganised = merger["reorganised_on"]
    day_before = date.fromordinal(reorganised.toordinal() - 1)
    unchanged = set(merger["unchanged"])

    yield OrgUnit(NATION_CODE, "Việt Nam", OrgUnitLevel.NATION, name_en="Viet Nam",
                  short_name="Toàn quốc", kind="quốc gia", aliases=("Cả nước", "Toàn quốc"))

    for province in Province.iter_all():
        code = f"{int(province.code):02d}"
        props = geo_names.get(code, {})
        yield OrgUnit(
            code=code,
            name=nfc(province.name),
            short_name=_short_province_name(nfc(province.name)),
            name_en=props.get("nameEn", ""),
            level=OrgUnitLevel.PROVINCE,
            parent=NATION_CODE,
            kind=_province_kind(province.division_type),
            valid_from=None if code in unchanged else reorganised,
        )
    for ward in Ward.iter_all() if communes else ():
        name = nfc(ward.name)
        yield OrgUnit(
            code=f"{int(ward.code):05d}",
            name=name,
            short_name=name,
            name_en=fold(name).title(),
            level=OrgUnitLevel.COMMUNE,
            parent=f"{int(ward.province_code):02d}",
            kind=getattr(ward.division_type, "value", ""),
            valid_from=reorganised,
        )
    for old in merger["merged"]:
        yield OrgUnit(
            code=f"P63-{old['old']}",
            name=nfc(old["name"]),
            short_name=nfc(old["name"]),
            name_en=fold(old["name"]).title(),
            level=OrgUnitLevel.PROVINCE,
            parent=NATION_CODE,
            kind="tỉnh (trước 01/7/2025)",
            valid_to=day_before,
            successors=(old["into"],),
        )

    ministries = _yaml_data("ministries.yaml")
    restructured = ministries["restructured_on"]
    for m in ministries["current"]:
        yield OrgUnit(
            code=m["code"], name=nfc(m["name"]), short_name=nfc(m["name"]),
            name_en=m["name_en"], level=OrgUnitLevel.MINISTRY, parent=NATION_CODE,
            kind=m.get("kind", "bộ"), aliases=tuple(nfc(a) for a in m.get("aliases", [])),
        )
    for m in ministries["predecessors"]:
        yield OrgUnit(
            code=m["code"], name=nfc(m["name"]), short_name=nfc(m["name"]),
            name_en=m["name_en"], level=OrgUnitLevel.MINISTRY, parent=NATION_CODE,
            kind="bộ (trước 01/3/2025)",
            valid_to=date.fromordinal(restructured.toordinal() - 1),
            successors=tuple(m["successors"]),
            aliases=tuple(nfc(a) for a in m.get("aliases", [])),
        )


#: An equal copy of the shipped hierarchy that a service read from its cache (see
#: :func:`prime_default_hierarchy`), taken by :func:`default_hierarchy` instead of building it.
_PRIMED: list[Hierarchy] = []


@cache
def default_hierarchy() -> Hierarchy:
    """The hierarchy sodo ships: the nation, 34 provinces, 3,321 communes, the 17 ministries
    and ministry-level agencies, and the units they replaced in 2025."""
    if _PRIMED:
        return _PRIMED[0]
    return Hierarchy({u.code: u for u in _shipped_units()})


def prime_default_hierarchy(hierarchy: Hierarchy) -> Hierarchy:
    """Make ``hierarchy`` — the shipped one, as :meth:`Hierarchy.to_rows` kept it — what
    :func:`default_hierarchy` returns in this process, unless it was built already; returns
    the one that stands. Building it costs a fifth of a second a small command need not pay."""
    if not default_hierarchy.cache_info().currsize:
        _PRIMED[:] = [hierarchy]
    return default_hierarchy()


def agency_hierarchy() -> Hierarchy:
    """The shipped hierarchy without its 3,321 communes: the nation, the provinces (34 and the
    63 before 01/7/2025), the ministries and their predecessors — every unit a directive
    assigns work to. The same units as :func:`default_hierarchy` at those levels, built in a
    tenth of the time (the communes are most of the start-up of ``sodo extract``). The whole
    hierarchy when a process has built it already."""
    if default_hierarchy.cache_info().currsize:
        return default_hierarchy()
    return _agency_hierarchy()


@cache
def _agency_hierarchy() -> Hierarchy:
    return Hierarchy({u.code: u for u in _shipped_units(communes=False)})
