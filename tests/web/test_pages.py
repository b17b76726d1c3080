"""The server-rendered pages and their JSON twins, over a small workspace (see
workspace_builder.py), through the real app and HTTP."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class _Collector(HTMLParser):
    """Collects ids, labelled controls and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.labels_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.links: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "script" and "src" in a:
            self.scripts.append(a["src"])


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


PAGES = ["/", "/targets", "/targets/MT-DVC", "/explorer", "/units", "/units/01", "/units/BKHCN",
         "/tasks", "/tasks/NV-01"]


def test_every_page_renders_in_both_languages_with_labelled_fields(client: TestClient) -> None:
    for path in PAGES:
        for lang in ("vi", "en"):
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, lang)
            assert f'<html lang="{lang}">' in response.text
            page = parse(response.text)
            for control in page.controls:
                assert control.get("id") in page.labels_for, (path, control)
            # no third-party script: Plotly comes from our own route
            assert all(s.startswith("/") for s in page.scripts), page.scripts


def test_overview_lists_off_track_targets_first_and_overdue_tasks(client: TestClient) -> None:
    data = client.get("/", params={"format": "json"}).json()
    statuses = [s["status"] for s in data["targets_needing_attention"]]
    assert statuses == ["off_track", "needs_acceleration"]
    assert {c["status"]: c["count"] for c in data["target_counts"]} == {
        "off_track": 1, "needs_acceleration": 1, "achieved": 1}
    urgent = [(t["task_id"], t["status"]) for t in data["urgent_tasks"]]
    assert urgent == [("NV-01", "overdue"), ("NV-03", "due_soon")]
    assert data["urgent_tasks"][0]["lead_names"] == ["Văn phòng Chính phủ"]
    lagging = data["lagging_provinces"]
    assert [r["rank"] for r in lagging] == [34, 33, 32, 31, 30]
    assert data["index_period"] == "2026Q3"
    # the last quarter whose report is due (Q2: due 90 days after 30/06) and who owes it
    assert [(r["form"], r["period"], r["owed"], r["sent"]) for r in data["reporting"]] == [
        ("BC-CDS", "2026Q2", 2, 0)]
    assert [u["name"] for u in data["reporting"][0]["missing"]] == ["Hà Nội", "TP. Hồ Chí Minh"]
    assert data["last_run"]["backend"] == "duckdb"
    assert {(f["indicator"], f["origin"]) for f in data["freshness"]} == {
        ("svc766_total", "computed"), ("dvc_online", "computed"), ("dvc_online", "seed"),
        ("kinh_te_so", "seed"), ("cap_quang", "seed")}
    html = client.get("/").text
    assert "Chậm tiến độ" in html and 'href="/targets/MT-DVC"' in html
    assert "Quý III/2026" in html


def test_target_list_filters_by_status(client: TestClient) -> None:
    data = client.get("/targets", params={"status": "achieved", "format": "json"}).json()
    assert [r["target_id"] for r in data["targets"]] == ["MT-CQ"]
    assert 'href="/targets?status=off_track"' in client.get("/").text


def test_target_page_chart_components_and_text_alternative(client: TestClient) -> None:
    response = client.get("/targets/MT-DVC")
    html = response.text
    # the chart's specification is JSON data drawn by static/charts.js (no inline script)
    assert 'id="target-chart"' in html and 'data-chart="target-chart-spec"' in html
    assert '<script type="application/json" id="target-chart-spec">' in html
    assert '<script src="/static/charts.js" defer>' in html
    assert '<script src="/web/assets/plotly.min.js">' in html
    # observed values, baseline and target shown in Vietnamese number format
    assert "45 %" in html and "80 %" in html
    # legend names travel inside the figure's JSON
    assert json.dumps("Giá trị thực tế")[1:-1] in html
    assert json.dumps("Lộ trình cần đạt")[1:-1] in html
    assert "<details class=\"chart-table\">" in html
    data = client.get("/targets/MT-DVC", params={"format": "json"}).json()
    assert data["status"] == "off_track"
    assert [o["value"] for o in data["observed"]] == [45.0]
    assert data["baseline"] == {"period": "2024", "value": 40.0, "from": "target"}
    assert data["method"] == "linear"
    assert data["components"]["points"] == 2
    assert data["projection"][-1]["value"] == pytest.approx(data["projected"])
    english = client.get("/targets/MT-DVC", params={"lang": "en"}).text
    assert "Off track" in english and "45%" in english


def test_explorer_ranks_with_change_and_switches_indicator(client: TestClient) -> None:
    data = client.get("/explorer", params={"format": "json"}).json()
    assert data["indicator"] == "svc766_total"
    assert data["period"] == "2026Q3" and data["previous_period"] == "2026Q2"
    first = data["rows"][0]
    assert (first["code"], first["rank"], first["previous_rank"], first["rank_change"]) == (
        "01", 1, 3, 2)
    assert first["change"] == 90.0 - 84.5
    assert len(data["rows"]) == 34
    html = client.get("/explorer").text
    assert 'id="explorer-map"' in html and "provinces-34.geojson" in html
    assert "Thang Le Quoc" in html  # the boundaries' attribution
    other = client.get("/explorer", params={"indicator": "dvc_online", "format": "json"}).json()
    assert other["indicator"] == "dvc_online"
    assert other["rows"][0]["code"] != first["code"]
    assert other["rows"][0]["value"] == 30.0 + 33


def test_explorer_bad_input_gives_a_message_in_the_users_language(client: TestClient) -> None:
    response = client.get("/explorer", params={"period": "2026Q9"})
    assert response.status_code == 400
    assert "Kỳ «2026Q9» không hợp lệ." in response.text
    assert "Traceback" not in response.text
    response = client.get("/explorer", params={"indicator": "khong_co", "lang": "en"})
    assert response.status_code == 404
    assert "There is no indicator 'khong_co'." in unescape(response.text)
    assert client.get("/explorer", params={"level": "commune"}).status_code == 400


def test_province_page_scorecard_rank_and_tasks(client: TestClient) -> None:
    data = client.get("/units/01", params={"format": "json"}).json()
    total = data["scorecard"]["rows"][0]
    assert (total["value"], total["rank"], total["of"], total["rank_change"]) == (90.0, 1, 34, 2)
    groups = {r["code"]: r["value"] for r in data["scorecard"]["rows"][1:]}
    assert groups["svc766_g5"] == 15.0
    assert [t["task_id"] for t in data["tasks"]] == ["NV-03"]
    key = {k["indicator"]: k for k in data["key_indicators"]}
    assert key["dvc_online"]["value"] == 30.0
    # An anonymous visitor learns only that nothing is published yet, never a draft's state.
    assert [(r["form"], r["period"], r["state"], r["current_period"], r["current_state"])
            for r in data["reporting"]] == [("BC-CDS", "2026Q2", "unpublished", "2026Q3",
                                             "unpublished")]
    assert client.get("/units/BKHCN", params={"format": "json"}).json()["reporting"] == []
    html = client.get("/units/01").text
    assert 'id="index-rank">1<' in html and "Công khai, minh bạch" in html
    # One number of decimals per indicator: the unit's value and the national one alike.
    table = html.split('id="key-indicators"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num">30,00 %</td>' in table  # dvc_online has 2 decimals, not "30 %"
    for row in re.findall(r"<tr><td>.*?</tr>", table, re.S):
        shown = re.findall(r'<td class="num">([0-9.,]+) %</td>', row)
        assert len({len(v.partition(",")[2]) for v in shown}) <= 1, row
    assert client.get("/units/XX").status_code == 404


def test_task_board_groups_filters_and_highlights_overdue(client: TestClient) -> None:
    data = client.get("/tasks", params={"format": "json"}).json()
    groups = {g["status"]: [t["task_id"] for t in g["tasks"]] for g in data["by_status"]}
    assert groups == {"overdue": ["NV-01"], "due_soon": ["NV-03"], "in_progress": ["NV-04"],
                      "recurring": ["NV-02"]}
    assert data["by_lead"][0]["code"] == "VPCP" and data["by_lead"][0]["overdue"] == 1
    filtered = client.get("/tasks", params={"source": "4/TB-VPCP", "format": "json"}).json()
    assert filtered["count"] == 2
    by_lead = client.get("/tasks", params={"lead": "79", "format": "json"}).json()
    assert [t["task_id"] for g in by_lead["by_status"] for t in g["tasks"]] == ["NV-04"]
    html = client.get("/tasks").text
    assert re.search(r'class="task overdue" data-task="NV-01"', html)


def test_task_page_shows_the_six_clears(client: TestClient) -> None:
    data = client.get("/tasks/NV-01", params={"format": "json"}).json()
    six = {r["key"]: r["value"] for r in data["six"]}
    assert six["ro_nguoi"] == "Văn phòng Chính phủ"
    assert six["ro_tham_quyen"] == "Thủ tướng Chính phủ"
    assert six["ro_ket_qua"] == "Cơ sở dữ liệu được vận hành"
    assert "31/03/2026" in six["ro_thoi_gian"]
    assert data["history"] == []
    html = client.get("/tasks/NV-02").text
    assert "(chưa rõ)" in html  # missing "rõ" are shown, not hidden
    assert client.get("/tasks/NV-99").status_code == 404


def test_language_switch_sets_a_cookie_and_stays_local(client: TestClient) -> None:
    response = client.get("/lang/en", params={"next": "/tasks"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tasks"
    assert "Task board" in client.get("/tasks").text
    response = client.get("/lang/vi", params={"next": "https://evil.example/"},
                          follow_redirects=False)
    assert response.headers["location"] == "/"
    assert "Bảng nhiệm vụ" in client.get("/tasks").text


def test_assets_come_from_installed_packages(client: TestClient) -> None:
    js = client.get("/web/assets/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "plotly.js" in js.text[:500]
    geo = client.get("/web/geo/provinces-34.geojson").json()
    assert len(geo["features"]) == 34
    assert client.get("/static/sodo.css").status_code == 200


def test_unknown_pages_and_bad_parameters_get_a_page_the_api_keeps_problems(
        client: TestClient) -> None:
    page = client.get("/khong-co-trang-nay")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang này." in page.text
    english = client.get("/no-such-page", params={"lang": "en"})
    assert "This page does not exist." in english.text
    bad = client.post("/submissions/not-a-number/approve")
    assert bad.status_code in (400, 403) and "Traceback" not in bad.text
    api = client.get("/api/v1/no-such-resource")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
