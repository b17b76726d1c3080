"""The files of open data, byte for byte: each published indicator as CSV, JSON, XLSX and
SDMX-CSV 2.0, the Frictionless data package, the DCAT-AP catalogue (JSON-LD, built with
rdflib) and the whole as one zip.

Every file is a pure function of its dataset, the programme's terms and the public address,
so the API, the static export and the checksums in the catalogue agree to the byte: rows in
the API's order (period, org unit, category), a fixed column order, numbers with a dot and
no thousands separator whatever the reader's language, UTF-8, ``\\n`` line ends, and the
XLSX and zip files stamped with the dataset's own modification time rather than the clock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.periods import Period, PeriodType
from sodo.domain.programme import Indicator, OpenData
from sodo.domain.text import fold
from sodo.domain.values import NEVER, Candidate
from sodo.services.catalogue import Catalogue
from sodo.services.opendata import Dataset

API_PATH = "/api/v1/opendata"
PAGE_PATH = "/du-lieu-mo"
FORMATS = ("csv", "json", "xlsx", "sdmx.csv")
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "sdmx.csv": "application/vnd.sdmx.data+csv;version=2.0.0",
               "jsonld": "application/ld+json", "zip": "application/zip"}
# The served Content-Type (text types say their charset).
CONTENT_TYPES = {**MEDIA_TYPES, "csv": "text/csv; charset=utf-8",
                 "sdmx.csv": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"}
COLUMNS = ("indicator", "orgunit", "orgunit_name", "orgunit_level", "period", "period_type",
           "category", "value", "numerator", "denominator", "unit", "provisional", "estimate",
           "derived", "origin", "source", "updated_at")
SDMX_DIMENSIONS = ("INDICATOR", "REF_AREA", "BREAKDOWN", "TIME_PERIOD")
SDMX_ATTRIBUTES = ("UNIT_MEASURE", "OBS_STATUS", "NUMERATOR", "DENOMINATOR", "DERIVED",
                   "ORIGIN", "SOURCE")
SDMX_COLUMNS = ("STRUCTURE", "STRUCTURE_ID", "ACTION", *SDMX_DIMENSIONS, "OBS_VALUE",
                *SDMX_ATTRIBUTES)
SDMX_TOTAL = "_T"  # SDMX's code for "total" (no breakdown)
ZIP_NAME = "sodo-open-data.zip"
EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


@dataclass(frozen=True)
class File:
    """One file of open data: its bytes and what an HTTP answer or a catalogue says of it."""

    name: str
    content: bytes
    media_type: str
    content_type: str
    modified: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


# -- cells ---------------------------------------------------------------------------------

def number(value: float | None) -> str:
    """A number as machine formats write it: a dot, no grouping, the shortest exact form."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def moment(at: datetime | None) -> str:
    if at is None or at == NEVER:
        return ""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def file_name(code: str, fmt: str) -> str:
    return f"{code}.{fmt}"


def _units() -> dict[str, tuple[str, str]]:
    return {u.code: (u.name, str(u.level)) for u in default_hierarchy()}


def row_cells(ind: Indicator, cand: Candidate, units: dict[str, tuple[str, str]]
              ) -> list[str]:
    """One value as the CSV's text cells (the order of :data:`COLUMNS`)."""
    name, level = units.get(cand.orgunit, ("", ""))
    return [cand.indicator, cand.orgunit, name, level, cand.period,
            str(Period.parse(cand.period).type), cand.category, number(cand.value),
            number(cand.numerator), number(cand.denominator), ind.unit,
            _flag(cand.provisional), _flag(cand.estimate), _flag(cand.derived), cand.origin,
            cand.source, moment(cand.recency)]


def _csv(rows: Iterable[Iterable[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


# -- one dataset in four formats --------------------------------------------------------------

def csv_file(ds: Dataset) -> File:
    units = _units()
    content = _csv([COLUMNS, *(row_cells(ds.indicator, c, units) for c in ds.rows)])
    return _file(file_name(ds.code, "csv"), content, "csv", ds.modified)


def json_file(ds: Dataset, terms: OpenData, base: str) -> File:
    units = _units()
    numeric = {"value", "numerator", "denominator"}
    flags = {"provisional", "estimate", "derived"}
    data = []
    for cand in ds.rows:
        cells = dict(zip(COLUMNS, row_cells(ds.indicator, cand, units), strict=True))
        for key in numeric:
            cells[key] = getattr(cand, key)
        for key in flags:
            cells[key] = bool(getattr(cand, key))
        data.append(cells)
    body = {"dataset": dataset_iri(base, ds.code), "indicator": indicator_meta(ds.indicator),
            "licence": licence(terms), "issued": moment(ds.issued),
            "modified": moment(ds.modified), "columns": list(COLUMNS), "count": len(data),
            "data": data}
    content = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return _file(file_name(ds.code, "json"), content, "json", ds.modified)


def xlsx_file(ds: Dataset, terms: OpenData, base: str) -> File:
    """A workbook: the values (typed cells) and the metadata, stamped with the dataset's time."""
    from openpyxl import Workbook

    units = _units()
    book = Workbook(write_only=True)
    stamp = ds.modified.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    book.properties.creator = terms.publisher or "sodo"
    book.properties.created = book.properties.modified = stamp
    sheet = book.create_sheet("data")
    sheet.append(list(COLUMNS))
    for cand in ds.rows:
        cells: list[Any] = row_cells(ds.indicator, cand, units)
        cells[7:10] = [cand.value, cand.numerator, cand.denominator]
        cells[11:14] = [bool(cand.provisional), bool(cand.estimate), bool(cand.derived)]
        sheet.append(cells)
    meta = book.create_sheet("metadata")
    for key, value in metadata_pairs(ds, terms, base):
        meta.append([key, value])
    buf = io.BytesIO()
    book.save(buf)
    # openpyxl stamps the save time as the workbook's modification: use the dataset's.
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def core(xml: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                      rb"\g<1>" + when + rb"\g<2>", xml)

    return _file(file_name(ds.code, "xlsx"),
                 _stamped_zip(buf.getvalue(), {"docProps/core.xml": core}), "xlsx",
                 ds.modified)


def sdmx_time(period_id: str) -> str:
    """A period id in SDMX's time format: 2025, 2025-S1, 2025-Q4, 2025-11, 2025-11-26, and a
    plan stage as a time range (2025-01-01/P3Y)."""
    period = Period.parse(period_id)
    year = period.start.year
    if period.type is PeriodType.QUARTER:
        return f"{year}-Q{(period.start.month - 1) // 3 + 1}"
    if period.type is PeriodType.HALF:
        return f"{year}-S{1 if period.start.month == 1 else 2}"
    if period.type is PeriodType.STAGE:
        return f"{period.start.isoformat()}/P{period.end.year - year + 1}Y"
    return period.id


def sdmx_code(text: str) -> str:
    """A free text (a unit, a category) as an SDMX code: letters, digits and underscores."""
    if text == "%":
        return "PT"
    code = re.sub(r"[^A-Za-z0-9]+", "_", fold(text)).strip("_").upper()
    return code or "_Z"


def structure_id(cat: Catalogue, terms: OpenData) -> str:
    """The dataflow every SDMX-CSV file declares, ``AGENCY:ID(VERSION)``."""
    agency = terms.sdmx_agency or re.sub(r"[^A-Za-z0-9_\-]", "_",
                                         cat.programme.owner or "SODO")
    if not agency[:1].isalpha():
        agency = "SODO_" + agency
    flow = terms.sdmx_dataflow or "DF_" + re.sub(r"[^A-Za-z0-9_]", "_", cat.code)
    return f"{agency}:{flow}(1.0)"


def sdmx_file(ds: Dataset, cat: Catalogue, terms: OpenData) -> File:
    flow = structure_id(cat, terms)
    unit = sdmx_code(ds.indicator.unit) if ds.indicator.unit else "_Z"
    rows: list[Iterable[str]] = [SDMX_COLUMNS]
    for c in ds.rows:
        status = ("M" if c.value is None else "P" if c.provisional
                  else "E" if c.estimate else "A")
        rows.append(["dataflow", flow, "I", c.indicator, c.orgunit,
                     sdmx_code(c.category) if c.category else SDMX_TOTAL, sdmx_time(c.period),
                     number(c.value), unit, status, number(c.numerator),
                     number(c.denominator), _flag(c.derived), c.origin, c.source])
    return _file(file_name(ds.code, "sdmx.csv"), _csv(rows), "sdmx.csv", ds.modified)


def dataset_files(ds: Dataset, cat: Catalogue, terms: OpenData, base: str) -> dict[str, File]:
    return {"csv": csv_file(ds), "json": json_file(ds, terms, base),
            "xlsx": xlsx_file(ds, terms, base), "sdmx.csv": sdmx_file(ds, cat, terms)}


def render(fmt: str, ds: Dataset, cat: Catalogue, terms: OpenData, base: str) -> File:
    if fmt == "csv":
        return csv_file(ds)
    if fmt == "json":
        return json_file(ds, terms, base)
    if fmt == "xlsx":
        return xlsx_file(ds, terms, base)
    if fmt == "sdmx.csv":
        return sdmx_file(ds, cat, terms)
    raise ValueError(f"unknown format '{fmt}'")


# -- metadata shared by the formats -----------------------------------------------------------

def dataset_iri(base: str, code: str) -> str:
    return f"{base}{PAGE_PATH}/{code}"


def download_url(base: str, name: str) -> str:
    return f"{base}{API_PATH}/{name}"


def publisher(cat: Catalogue, terms: OpenData) -> str:
    """The publishing body: as declared, else the programme owner's name."""
    if terms.publisher:
        return terms.publisher
    owner = cat.programme.owner
    hierarchy = default_hierarchy()
    return hierarchy.get(owner).name if owner in hierarchy else (owner or cat.programme.name)


def licence(terms: OpenData) -> dict[str, str]:
    return {"id": terms.licence, "name": terms.licence_name, "url": terms.licence_url,
            "conditions": terms.conditions, "conditions_en": terms.conditions_en}


def indicator_meta(ind: Indicator) -> dict[str, Any]:
    return {"code": ind.code, "name": ind.name, "name_en": ind.name_en, "unit": ind.unit,
            "value_type": ind.value_type, "direction": str(ind.direction),
            "obtained": str(ind.obtained), "aggregation_time": str(ind.aggregation_time),
            "aggregation_hierarchy": str(ind.aggregation_hierarchy), "method": ind.method,
            "area": ind.area, "description": ind.description,
            "source": ind.source.document if ind.source else ""}


def metadata_pairs(ds: Dataset, terms: OpenData, base: str) -> list[tuple[str, str]]:
    ind = ds.indicator
    start, end = ds.temporal
    return [("indicator", ind.code), ("name", ind.name), ("name_en", ind.name_en),
            ("unit", ind.unit), ("method", ind.method), ("area", ind.area),
            ("description", ind.description),
            ("source", ind.source.document if ind.source else ""),
            ("levels", ", ".join(ds.levels)), ("period_types", ", ".join(ds.period_types)),
            ("temporal_start", start.isoformat()), ("temporal_end", end.isoformat()),
            ("issued", moment(ds.issued)), ("modified", moment(ds.modified)),
            ("rows", str(len(ds.rows))), ("licence", terms.licence),
            ("licence_url", terms.licence_url), ("conditions", terms.conditions),
            ("contact", terms.contact_email),
            ("landing_page", dataset_iri(base, ind.code))]


def _file(name: str, content: bytes, fmt: str, modified: datetime) -> File:
    return File(name, content, MEDIA_TYPES[fmt], CONTENT_TYPES[fmt], modified)


def _stamped_zip(content: bytes, rewrite: dict[str, Callable[[bytes], bytes]] | None = None,
                 stamp: tuple[int, ...] = EPOCH_ZIP) -> bytes:
    """The same archive with every entry's time fixed (and the entries named in ``rewrite``
    rewritten), so equal content gives equal bytes."""
    rewrite = rewrite or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename in rewrite:
                data = rewrite[info.filename](data)
            dst.writestr(entry, data)
    return out.getvalue()


def zip_file(files: Iterable[File], modified: datetime) -> File:
    """Every file of the open data in one archive (entries in name order)."""
    out = io.BytesIO()
    stamp = modified.astimezone(UTC).timetuple()[:6] if modified.year >= 1980 else EPOCH_ZIP
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in sorted(files, key=lambda f: f.name):
            entry = zipfile.ZipInfo(f.name, date_time=stamp)  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, f.content)
    return _file(ZIP_NAME, out.getvalue(), "zip", modified)
