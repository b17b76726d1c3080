"""The public open-data pages: the catalogue searches without diacritics and filters by theme
and level; an indicator's page holds its chart, map, tables, metadata, the progress of its
targets and a download for every format — anonymous, in Vietnamese and English."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Site


def page(site: Site, path: str, **params: str) -> dict:
    with TestClient(site.app) as client:
        answer = client.get(path, params={**params, "format": "json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def codes(data: dict) -> list[str]:
    return [d["code"] for d in data["datasets"]]


def test_the_catalogue_lists_what_is_published_and_filters_it(site: Site) -> None:
    everything = page(site, "/du-lieu-mo")
    assert sorted(codes(everything)) == ["cap_quang", "dvc_online", "ho_so_tiep_nhan",
                                         "kinh_te_so", "svc766_total"]
    assert everything["licence"]["id"] == "CC-BY-4.0"
    assert everything["files"]["catalogue"] == "/api/v1/opendata/catalog.jsonld"
    assert codes(page(site, "/du-lieu-mo", q="ho so tiep")) == ["ho_so_tiep_nhan"]
    assert codes(page(site, "/du-lieu-mo", q="HỒ SƠ TIẾP")) == ["ho_so_tiep_nhan"]
    assert codes(page(site, "/du-lieu-mo", level="province")) == ["ho_so_tiep_nhan",
                                                                   "svc766_total"]
    assert sorted(codes(page(site, "/du-lieu-mo", level="nation"))) == [
        "cap_quang", "dvc_online", "kinh_te_so"]
    themes = {a["key"]: a["label"] for a in everything["areas"]}
    assert themes == {"chinh-phu-so": "Chính phủ số", "kinh-te-so": "Kinh tế số"}
    assert codes(page(site, "/du-lieu-mo", theme="kinh-te-so")) == ["kinh_te_so"]
    assert codes(page(site, "/du-lieu-mo", theme="kinh-te-so", level="province")) == []
    assert page(site, "/du-lieu-mo", q="zzz")["datasets"] == []


def test_an_indicator_page_has_everything_open_sdg_shows(site: Site) -> None:
    data = page(site, "/du-lieu-mo/dvc_online")
    assert data["title"] == "Tỷ lệ hồ sơ trực tuyến toàn trình"
    assert [d["format"] for d in data["downloads"]] == ["csv", "json", "xlsx", "sdmx.csv"]
    assert data["downloads"][0]["url"] == "/api/v1/opendata/dvc_online.csv"
    assert data["method"] == "Số hồ sơ trực tuyến toàn trình / tổng số hồ sơ"
    assert data["contact"] == {"name": "Văn phòng Chương trình thử nghiệm",
                               "email": "du-lieu-mo@example.org"}
    assert data["licence"]["conditions"] == "Ghi rõ nguồn khi sử dụng."
    assert data["series"] == [{"period": "2025", "label": "Năm 2025", "value": 45.0}]
    (target,) = data["targets"]
    assert target["target_id"] == "MT-DVC" and target["status_label"]
    assert target["latest_published"] is True  # its latest value (2025) is open data
    # the province values of 2026Q3 are not released: the latest published period is 2025
    assert data["latest_period"] == "2025" and data["latest_total"] == 1
    with TestClient(site.app) as client:
        html = client.get("/du-lieu-mo/svc766_total").text
        english = client.get("/du-lieu-mo/svc766_total", params={"lang": "en"}).text
        missing = client.get("/du-lieu-mo/ty_le_hai_long")
    assert 'id="od-map"' in html and 'id="od-chart"' not in html  # provinces, no VN series
    assert "Bản đồ 34 tỉnh, thành phố · Quý II/2026" in html
    assert "Map of the 34 provinces" in english and "Download" in english
    assert missing.status_code == 404
    assert "không được công bố dưới dạng dữ liệu mở" in missing.text


def test_the_public_page_links_the_catalogue(site: Site) -> None:
    with TestClient(site.app) as client:
        html = client.get("/public").text
    assert 'href="/du-lieu-mo" id="open-data-catalogue"' in html
