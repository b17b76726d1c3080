"""The files of open data over real HTTP: the DCAT-AP catalogue parses as RDF with every
mandatory property, each distribution answers anonymously with its declared media type,
size and checksum, the CSV equals ``/api/v1/values``, the SDMX-CSV parses with pysdmx, the
XLSX opens again, and no draft or unreleased value appears anywhere."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import httpx
import pytest
from openpyxl import load_workbook
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from sodo.services.opendata_files import COLUMNS, SDMX_COLUMNS

from .conftest import RELEASED

SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
API = "/api/v1/opendata"
PUBLISHED = {"svc766_total", "dvc_online", "ho_so_tiep_nhan", "kinh_te_so", "cap_quang"}


def get(url: str, **kwargs: object) -> httpx.Response:
    return httpx.get(url, timeout=120, **kwargs)  # type: ignore[arg-type]


def catalogue(served: str) -> Graph:
    answer = get(f"{served}{API}/catalog.jsonld")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/ld+json"
    graph = Graph()
    graph.parse(data=answer.text, format="json-ld")
    return graph


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_the_catalogue_is_dcat_ap_with_every_mandatory_property(served: str) -> None:
    g = catalogue(served)
    catalogs = list(g.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    cat = catalogs[0]
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset,
                 DCTERMS.license, FOAF.homepage):
        assert g.value(cat, prop) is not None, prop
    assert {t.language for t in g.objects(cat, DCTERMS.title)} == {"vi", "en"}
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert set(g.objects(cat, DCAT.dataset)) == datasets
    codes = {str(g.value(d, DCTERMS.identifier)).split("/")[-1] for d in datasets}
    assert codes == PUBLISHED  # the excluded and the never-released are not datasets
    for ds in datasets:
        # mandatory, then every recommended and optional property the issue asks for
        for prop in (DCTERMS.title, DCTERMS.description, DCAT.contactPoint, DCAT.distribution,
                     DCAT.keyword, DCTERMS.publisher, DCTERMS.spatial, DCTERMS.temporal,
                     DCAT.theme, DCTERMS.accrualPeriodicity, DCTERMS.identifier,
                     DCTERMS.issued, DCTERMS.modified, DCTERMS.conformsTo, DCAT.landingPage):
            assert g.value(ds, prop) is not None, (ds, prop)
        temporal = g.value(ds, DCTERMS.temporal)
        assert g.value(temporal, DCAT.startDate) <= g.value(temporal, DCAT.endDate)
        contact = g.value(ds, DCAT.contactPoint)
        assert str(g.value(contact, URIRef(VCARD + "hasEmail"))) == "mailto:du-lieu-mo@example.org"
        assert g.value(g.value(ds, DCTERMS.publisher), FOAF.name) is not None
        distributions = set(g.objects(ds, DCAT.distribution))
        assert len(distributions) == 4
        for dist in distributions:
            assert (dist, RDF.type, DCAT.Distribution) in g
            for prop in (DCAT.accessURL, DCAT.downloadURL, DCAT.mediaType, DCTERMS.format,
                         DCTERMS.license, DCAT.byteSize, URIRef(SPDX + "checksum")):
                assert g.value(dist, prop) is not None, (dist, prop)
            assert str(g.value(dist, DCTERMS.license)) == \
                "https://creativecommons.org/licenses/by/4.0/"
    svc = next(d for d in datasets if str(d).endswith("/svc766_total#dataset"))
    assert str(g.value(svc, DCTERMS.accrualPeriodicity)).endswith("/QUARTERLY")
    assert str(g.value(svc, DCAT.theme)).endswith("data-theme/GOVE")  # no area: default
    economy = next(d for d in datasets if str(d).endswith("/kinh_te_so#dataset"))
    assert str(g.value(economy, DCAT.theme)).endswith("data-theme/ECON")
    assert str(g.value(economy, DCTERMS.accrualPeriodicity)).endswith("/ANNUAL")


def test_every_distribution_answers_anonymously_as_declared(served: str) -> None:
    g = catalogue(served)
    checked = 0
    for dist in g.subjects(RDF.type, DCAT.Distribution):
        url = str(g.value(dist, DCAT.downloadURL))
        assert url.startswith(served)  # the public address is the served one here
        answer = get(url)  # no cookie, no token
        assert answer.status_code == 200, url
        media = str(g.value(dist, DCAT.mediaType)).split("/media-types/")[1]
        assert answer.headers["content-type"].split(";")[0] == media.split(";")[0]
        assert len(answer.content) == int(g.value(dist, DCAT.byteSize))
        checksum = g.value(dist, URIRef(SPDX + "checksum"))
        assert hashlib.sha256(answer.content).hexdigest() == \
            str(g.value(checksum, URIRef(SPDX + "checksumValue")))
        assert str(g.value(checksum, URIRef(SPDX + "algorithm"))).endswith("sha256")
        assert answer.headers["access-control-allow-origin"] == "*"
        checked += 1
    assert checked == 4 * len(PUBLISHED)


def test_the_csv_equals_the_values_api(served: str) -> None:
    shared = ("indicator", "orgunit", "period", "category", "value", "numerator",
              "denominator", "origin", "source", "provisional", "estimate")
    for code, pe in (("svc766_total", "2026Q2"), ("ho_so_tiep_nhan", "2026Q2"),
                     ("dvc_online", "2025"), ("kinh_te_so", "2025")):
        answer = get(f"{served}{API}/{code}.csv")
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        rows = csv_rows(answer.content)
        assert list(rows[0]) == list(COLUMNS)
        api = get(f"{served}/api/v1/values", params={
            "dx": code, "pe": pe, "ou": "VN;LEVEL-province;LEVEL-ministry;VN"}).json()["rows"]
        api += get(f"{served}/api/v1/values", params={"dx": code, "pe": pe, "ou": "VN"}
                   ).json()["rows"]
        expected = {(r["orgunit"], r["period"]): r for r in api}
        assert len(rows) == len(expected) > 0, code
        for row in rows:
            want = expected[(row["orgunit"], row["period"])]
            for key in shared:
                have, value = row[key], want[key]
                if key in ("value", "numerator", "denominator"):
                    assert (float(have) if have else None) == value, (code, key, row)
                elif isinstance(value, bool):
                    assert have == ("true" if value else "false")
                else:
                    assert have == (value or ""), (code, key)
    # dot decimals whatever the language asked for, and the unit's official name
    hanoi = next(r for r in csv_rows(get(f"{served}{API}/svc766_total.csv?lang=vi").content)
                 if r["orgunit"] == "01")
    assert hanoi["value"] == "84.5" and hanoi["orgunit_name"] == "Thành phố Hà Nội"
    assert hanoi["period_type"] == "quarter" and hanoi["orgunit_level"] == "province"


def test_drafts_unreleased_and_excluded_values_never_appear(served: str) -> None:
    bundle = get(f"{served}{API}/sodo-open-data.zip")
    assert bundle.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(bundle.content))
    names = set(archive.namelist())
    assert {"catalog.jsonld", "datapackage.json"} <= names
    assert {f"{c}.{f}" for c in PUBLISHED for f in ("csv", "json", "xlsx", "sdmx.csv")} <= names
    for name in names:
        if name.endswith(".csv"):
            text = archive.read(name).decode()
            assert "2026Q3" not in text and "2026-Q3" not in text, name  # unreleased, draft
            assert "ty_le_hai_long" not in text, name  # excluded from open data
    reported = csv_rows(archive.read("ho_so_tiep_nhan.csv"))
    assert [(r["orgunit"], r["period"], r["value"], r["origin"]) for r in reported] == [
        ("01", "2026Q2", "120", "reported")]
    assert [r["period"] for r in csv_rows(archive.read("dvc_online.csv"))] == ["2025"]
    for code in ("ty_le_hai_long", "svc766_g1"):  # excluded; computed but never released
        assert get(f"{served}{API}/{code}.csv").status_code == 404
    assert get(f"{served}{API}/svc766_total.txt").status_code == 404


def test_sdmx_csv_parses_with_pysdmx(served: str) -> None:
    from pysdmx.io import get_datasets

    answer = get(f"{served}{API}/svc766_total.sdmx.csv")
    assert answer.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    (dataset,) = get_datasets(answer.text)
    assert dataset.short_urn == "Dataflow=BKHCN:DF_WEB_TEST(1.0)"
    frame = dataset.data
    assert tuple(frame.columns) == SDMX_COLUMNS[3:]  # STRUCTURE… are the message's
    assert set(frame["TIME_PERIOD"]) == {"2026-Q2"}
    assert set(frame["BREAKDOWN"]) == {"_T"} and set(frame["OBS_STATUS"]) == {"A"}
    # pysdmx reads the file without its structure and lets pandas infer types: the
    # provinces' codes (01, 04…), all digits in this file, come back as numbers
    sent = [r["orgunit"] for r in csv_rows(get(f"{served}{API}/svc766_total.csv").content)]
    assert frame["REF_AREA"].tolist() == [str(int(c)) for c in sent] and len(frame) == 34
    hanoi = frame[frame["REF_AREA"] == "1"].iloc[0]
    assert float(hanoi["OBS_VALUE"]) == 84.5 and hanoi["INDICATOR"] == "svc766_total"
    assert "01,_T,2026-Q2,84.5" in answer.text  # the file itself keeps the official code
    assert get_datasets(get(f"{served}{API}/kinh_te_so.sdmx.csv").text)[0].data[
        "UNIT_MEASURE"].tolist() == ["PT"]


def test_xlsx_and_json_hold_the_same_values(served: str) -> None:
    rows = csv_rows(get(f"{served}{API}/svc766_total.csv").content)
    book = load_workbook(io.BytesIO(get(f"{served}{API}/svc766_total.xlsx").content))
    sheet = list(book["data"].iter_rows(values_only=True))
    assert list(sheet[0]) == list(COLUMNS)
    assert [(r[1], r[4], r[7]) for r in sheet[1:]] == [
        (r["orgunit"], r["period"], float(r["value"])) for r in rows]
    assert isinstance(sheet[1][7], float) and sheet[1][11] is False
    meta = dict(book["metadata"].iter_rows(values_only=True))
    assert meta["licence"] == "CC-BY-4.0" and meta["indicator"] == "svc766_total"
    body = get(f"{served}{API}/svc766_total.json").json()
    assert body["licence"]["id"] == "CC-BY-4.0" and body["count"] == len(rows)
    assert [d["value"] for d in body["data"]] == [float(r["value"]) for r in rows]


@pytest.mark.parametrize("name", ["svc766_total.csv", "catalog.jsonld"])
def test_validators_and_not_modified(served: str, name: str) -> None:
    first = get(f"{served}{API}/{name}")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public")
    again = get(f"{served}{API}/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert get(f"{served}{API}/{name}", headers={"If-Modified-Since": modified}
               ).status_code == 304
    assert get(f"{served}{API}/{name}", headers={"If-None-Match": '"other"'}
               ).status_code == 200
    head = httpx.head(f"{served}{API}/{name}")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(first.content)
    assert RELEASED  # the fixture released these before the server started
