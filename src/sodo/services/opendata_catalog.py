"""The catalogue of open data: DCAT-AP as JSON-LD (an RDF graph built with rdflib) and the
Frictionless data package of the same CSV files.

Every node of the graph has an IRI under the public address (no blank nodes), and the JSON-LD
is written in a canonical order (nodes by IRI, sets sorted, keys sorted), so the same open data
gives the same bytes in every process: the API and the static export agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS

from sodo.domain.programme import OpenData
from sodo.services.catalogue import Catalogue
from sodo.services.opendata import Dataset
from sodo.services.opendata_files import (
    API_PATH,
    COLUMNS,
    FORMATS,
    PAGE_PATH,
    File,
    _file,
    dataset_iri,
    download_url,
    moment,
    publisher,
)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
CATALOG_NAME = "catalog.jsonld"
DATAPACKAGE_NAME = "datapackage.json"
# Programme areas → EU data themes (a programme may add or override its own in open_data).
THEMES = {"chinh phu so": "GOVE", "ha tang so": "TECH", "kinh te so": "ECON",
          "xa hoi so": "SOCI", "nhan luc so": "EDUC",
          "khoa hoc, cong nghe va doi moi sang tao": "TECH"}
FILE_TYPES = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX", "sdmx.csv": "CSV"}
FORMAT_TITLES = {"csv": "CSV", "json": "JSON", "xlsx": "Excel (XLSX)",
                 "sdmx.csv": "SDMX-CSV 2.0"}
SDMX_CSV_SPEC = "https://github.com/sdmx-twg/sdmx-csv"
TABLE_SCHEMA_SPEC = "https://specs.frictionlessdata.io/table-schema/"
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD),
           "spdx": str(SPDX), "dcatap": str(DCATAP), "xsd": str(XSD), "rdfs": str(RDFS),
           "skos": str(SKOS)}


def theme(area: str, terms: OpenData) -> str:
    from sodo.domain.text import fold

    override = {fold(k): v for k, v in terms.themes.items()}
    return override.get(fold(area)) or THEMES.get(fold(area), "GOVE")


def _title(cat: Catalogue, terms: OpenData) -> tuple[str, str]:
    return (terms.title or f"Dữ liệu mở — {cat.programme.name}",
            terms.title_en or f"Open data — {cat.programme.name_en or cat.programme.name}")


def _description(cat: Catalogue, terms: OpenData) -> tuple[str, str]:
    vi = terms.description or (
        f"Các chỉ số của {cat.programme.name} công bố dưới dạng dữ liệu mở: số liệu đã phê "
        "duyệt hoặc đã công bố, kèm siêu dữ liệu, giấy phép và tệp đọc được bằng máy.")
    en = terms.description_en or (
        f"The indicators of {cat.programme.name_en or cat.programme.name} published as open "
        "data: approved or released values with metadata, licence and machine-readable files.")
    return vi, en


def _source_title(cat: Catalogue, document: str) -> str:
    for source in cat.programme.sources:
        if source.document == document and source.title:
            return f"{document} — {source.title}"
    return document


def catalogue_graph(cat: Catalogue, terms: OpenData, sets: Sequence[Dataset],
                    files: dict[str, dict[str, File]], base: str) -> Graph:
    """The DCAT-AP graph: the catalogue, one dataset per published indicator and its four
    distributions, with publisher, contact point, licence and checksums."""
    g = Graph()
    page = f"{base}{PAGE_PATH}"
    catalog = URIRef(download_url(base, CATALOG_NAME))
    agent = URIRef(terms.publisher_url or f"{page}#publisher")
    contact = URIRef(f"{page}#contact")
    lic = URIRef(terms.licence_url)
    rights = URIRef(f"{page}#conditions")
    vi, en = _title(cat, terms)
    dvi, den = _description(cat, terms)
    modified = _modified(cat, sets)

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(vi, lang="vi")))
    g.add((catalog, DCTERMS.title, Literal(en, lang="en")))
    g.add((catalog, DCTERMS.description, Literal(dvi, lang="vi")))
    g.add((catalog, DCTERMS.description, Literal(den, lang="en")))
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, DCTERMS.license, lic))
    g.add((catalog, FOAF.homepage, URIRef(page)))
    g.add((catalog, DCTERMS.modified, _when(modified)))
    g.add((catalog, DCTERMS.spatial, URIRef(f"{EU}country/VNM")))
    for language in ("VIE", "ENG"):
        g.add((catalog, DCTERMS.language, URIRef(f"{EU}language/{language}")))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme")))

    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(publisher(cat, terms), lang="vi")))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(terms.contact_name or publisher(cat, terms))))
    if terms.contact_email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{terms.contact_email}")))
    g.add((lic, RDF.type, DCTERMS.LicenseDocument))
    g.add((lic, DCTERMS.title, Literal(terms.licence_name)))
    g.add((lic, DCTERMS.identifier, Literal(terms.licence)))
    if terms.conditions or terms.conditions_en:
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        if terms.conditions:
            g.add((rights, RDFS.label, Literal(terms.conditions, lang="vi")))
        if terms.conditions_en:
            g.add((rights, RDFS.label, Literal(terms.conditions_en, lang="en")))

    for ds in sets:
        ind = ds.indicator
        here = dataset_iri(base, ind.code)
        node = URIRef(f"{here}#dataset")
        g.add((catalog, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.title, Literal(ind.name, lang="vi")))
        if ind.name_en:
            g.add((node, DCTERMS.title, Literal(ind.name_en, lang="en")))
        g.add((node, DCTERMS.description,
               Literal(ind.description or ind.method or ind.name, lang="vi")))
        g.add((node, DCTERMS.description, Literal(
            f"Values of the indicator '{ind.name_en or ind.code}' ({ind.unit or 'number'}) "
            f"by org unit and period, {ds.first_period} to {ds.last_period}.", lang="en")))
        g.add((node, DCTERMS.identifier, Literal(f"{cat.code}/{ind.code}")))
        g.add((node, DCAT.landingPage, URIRef(here)))
        g.add((node, DCTERMS.publisher, agent))
        g.add((node, DCAT.contactPoint, contact))
        g.add((node, DCTERMS.spatial, URIRef(f"{EU}country/VNM")))
        g.add((node, DCAT.theme, URIRef(f"{EU}data-theme/{theme(ind.area, terms)}")))
        g.add((node, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/{ds.frequency}")))
        g.add((node, DCTERMS.accessRights, URIRef(f"{EU}access-right/PUBLIC")))
        g.add((node, DCTERMS.language, URIRef(f"{EU}language/VIE")))
        g.add((node, DCTERMS.issued, _when(ds.issued)))
        g.add((node, DCTERMS.modified, _when(ds.modified)))
        for word in dict.fromkeys(w for w in (ind.area, ind.code, "dữ liệu mở",
                                               *ds.levels) if w):
            g.add((node, DCAT.keyword, Literal(word, lang="vi")))
        start, end = ds.temporal
        period = URIRef(f"{here}#temporal")
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
        method = URIRef((ind.source.url if ind.source and ind.source.url else "")
                        or f"{here}#method")
        g.add((node, DCTERMS.conformsTo, method))
        g.add((method, RDF.type, DCTERMS.Standard))
        g.add((method, DCTERMS.title, Literal(
            _source_title(cat, ind.source.document) if ind.source else
            f"Phương pháp đo chỉ số {ind.code}", lang="vi")))
        if ind.method:
            g.add((method, DCTERMS.description, Literal(ind.method, lang="vi")))
        for fmt in FORMATS:
            f = files[ind.code][fmt]
            dist = URIRef(f"{here}#{fmt.replace('.', '-')}")
            url = URIRef(download_url(base, f.name))
            checksum = URIRef(f"{here}#{fmt.replace('.', '-')}-sha256")
            g.add((node, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.title, Literal(f"{ind.code} — {FORMAT_TITLES[fmt]}")))
            g.add((dist, DCTERMS.description, Literal(
                f"Mọi giá trị đã công bố của chỉ số {ind.code}, định dạng {FORMAT_TITLES[fmt]}"
                ".", lang="vi")))
            g.add((dist, DCAT.accessURL, url))
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCAT.mediaType, URIRef(IANA + f.media_type.split(";")[0])))
            g.add((dist, DCTERMS.format, URIRef(f"{EU}file-type/{FILE_TYPES[fmt]}")))
            g.add((dist, DCTERMS.license, lic))
            if terms.conditions or terms.conditions_en:
                g.add((dist, DCTERMS.rights, rights))
            g.add((dist, DCATAP.availability, URIRef(f"{DCATAP}availability/stable")))
            g.add((dist, DCAT.byteSize, Literal(len(f.content),
                                                datatype=XSD.nonNegativeInteger)))
            g.add((dist, DCTERMS.modified, _when(f.modified)))
            g.add((dist, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
            if fmt == "sdmx.csv":
                g.add((dist, DCTERMS.conformsTo, URIRef(SDMX_CSV_SPEC)))
            elif fmt == "csv":
                g.add((dist, DCTERMS.conformsTo, URIRef(TABLE_SCHEMA_SPEC)))
    return g


def _when(at: datetime) -> Literal:
    return Literal(moment(at) or "1970-01-01T00:00:00Z", datatype=XSD.dateTime)


def _canonical(node: Any) -> Any:
    """JSON-LD in one order: keys sorted (by the encoder), every array sorted (JSON-LD arrays
    that are not @list are sets), the graph's nodes by IRI."""
    if isinstance(node, dict):
        return {k: _canonical(v) for k, v in node.items()}
    if isinstance(node, list):
        items = [_canonical(v) for v in node]
        return sorted(items, key=lambda v: (v.get("@id", "") if isinstance(v, dict) else "",
                                            json.dumps(v, sort_keys=True, ensure_ascii=False)))
    return node


def catalog_file(cat: Catalogue, terms: OpenData, sets: Sequence[Dataset],
                 files: dict[str, dict[str, File]], base: str) -> File:
    graph = catalogue_graph(cat, terms, sets, files, base)
    text = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
    doc = _canonical(json.loads(text))
    content = (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    return _file(CATALOG_NAME, content, "jsonld", _modified(cat, sets))


def _modified(cat: Catalogue, sets: Sequence[Dataset]) -> datetime:
    # no dataset published yet: a fixed date, so the empty catalogue's bytes are stable too
    return max((d.modified for d in sets), default=datetime(1970, 1, 1, tzinfo=UTC))


# -- the Frictionless data package ---------------------------------------------------------

def table_schema() -> dict[str, Any]:
    boolean = {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
    described = {
        "indicator": ({"type": "string", "constraints": {"required": True}}, "Indicator code"),
        "orgunit": ({"type": "string", "constraints": {"required": True}},
                    "Org-unit code (Decision 19/2025/QĐ-TTg for provinces and communes)"),
        "orgunit_name": ({"type": "string"}, "Official name of the org unit"),
        "orgunit_level": ({"type": "string", "constraints": {"enum": [
            "nation", "ministry", "province", "commune", "department"]}}, "Level"),
        "period": ({"type": "string", "constraints": {"required": True}},
                   "Period id: 2025, 2025S1, 2025Q4, 2025-11, 2025-11-26, 2025..2027"),
        "period_type": ({"type": "string", "constraints": {"enum": [
            "day", "month", "quarter", "half", "year", "stage"]}}, "Period type"),
        "category": ({"type": "string"}, "Disaggregation; empty for the total"),
        "value": ({"type": "number"}, "Value; empty when not applicable (empty denominator)"),
        "numerator": ({"type": "number"}, "Numerator of a ratio"),
        "denominator": ({"type": "number"}, "Denominator of a ratio"),
        "unit": ({"type": "string"}, "Unit of measure as shown"),
        "provisional": (boolean, "Computed before all the period's data arrived"),
        "estimate": (boolean, "An estimate, as its source says"),
        "derived": (boolean, "Derived by arithmetic from other figures"),
        "origin": ({"type": "string", "constraints": {"enum": ["computed", "reported",
                                                               "seed"]}},
                   "computed from records, reported by an agency, or quoted from a document"),
        "source": ({"type": "string"}, "Source: document, report or compute run"),
        "updated_at": ({"type": "datetime"}, "When the value was established (UTC)"),
    }
    fields = [{"name": name, **spec, "description": text}
              for name, (spec, text) in ((n, described[n]) for n in COLUMNS)]
    return {"fields": fields, "missingValues": [""]}


def datapackage_file(cat: Catalogue, terms: OpenData, sets: Sequence[Dataset],
                     files: dict[str, dict[str, File]], base: str) -> File:
    vi, en = _title(cat, terms)
    dvi, _ = _description(cat, terms)
    resources = []
    for ds in sets:
        f = files[ds.code]["csv"]
        resources.append({
            "name": ds.code.lower(), "path": f.name, "profile": "tabular-data-resource",
            "title": ds.indicator.name, "description": ds.indicator.method or ds.indicator.name,
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(f.content), "hash": f"sha256:{f.sha256}",
            "dialect": {"delimiter": ",", "header": True},
            "schema": table_schema(),
            "sources": [{"title": ds.indicator.source.document}] if ds.indicator.source
            else [],
        })
    package = {
        "profile": "tabular-data-package",
        "name": cat.code.lower().replace("_", "-"), "title": vi, "description": dvi,
        "homepage": f"{base}{PAGE_PATH}", "id": download_url(base, DATAPACKAGE_NAME),
        "created": moment(_modified(cat, sets)),
        "keywords": sorted({d.indicator.area for d in sets if d.indicator.area}),
        "licenses": [{"name": terms.licence, "path": terms.licence_url,
                      "title": terms.licence_name}],
        "contributors": [{"title": publisher(cat, terms), "role": "publisher",
                          **({"email": terms.contact_email} if terms.contact_email else {})}],
        "sources": [{"title": en, "path": f"{base}{API_PATH}/{CATALOG_NAME}"}],
        "resources": resources,
    }
    content = (json.dumps(package, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return _file(DATAPACKAGE_NAME, content, "json", _modified(cat, sets))
