"""Issue 11 item 10: the default programme speaks English on the English pages — target and
task titles, the tasks' work, deliverables and leads, the indicators' methods and the sources'
titles come from its ``_en`` fields, and the API serves them. What stays Vietnamese is marked
``lang="vi"`` (the sources' own words) or is a proper name or a document number."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sodo.services.programme import default_programme_path, load_programme
from sodo.services.workspace import init_workspace

from .conftest import make_app

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
VIETNAMESE = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                        re.IGNORECASE)
# the brand, the "6 rõ" principle's name, and a movement the English text names in Vietnamese
ALLOWED = {"số", "đo", "rõ", "Bình", "dân", "học", "vụ"}


class _Text(HTMLParser):
    """The page's text, leaving out scripts and anything marked ``lang="vi"``."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        skip = (tag in ("script", "style") or dict(attrs).get("lang") == "vi"
                or bool(self.stack and self.stack[-1][1]))
        self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]):
            self.out.append(data)


def vietnamese_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    words = re.findall(r"[\w/\-]+", " ".join(parser.out))
    # document numbers (2629/QĐ-TTg, 757/QĐ-BKHCN) are names, not words
    return {w for w in words if VIETNAMESE.search(w) and "/" not in w} - ALLOWED


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("english") / "ws"
    init_workspace(root)
    with TestClient(make_app(root)) as test_client:
        yield test_client


def test_every_target_task_and_method_of_the_default_programme_has_its_english() -> None:
    programme = load_programme(default_programme_path()).programme
    assert all(t.title_en for t in programme.targets)
    for task in programme.tasks:
        for name in ("title", "work", "deliverable", "lead_note"):
            assert not getattr(task, name) or getattr(task, f"{name}_en"), (task.id, name)
    assert all(i.method_en for i in programme.indicators if i.method)
    assert all(s.title_en for s in programme.sources if s.title)
    for item in (*programme.indicators, *programme.tasks):
        for name in ("method_en", "work_en", "deliverable_en"):
            assert not VIETNAMESE.search(re.sub(r"\S*/\S*|Bình dân học vụ số", "",
                                                getattr(item, name, ""))), (item, name)


def test_english_pages_show_no_vietnamese_titles_or_methods(client: TestClient) -> None:
    client.cookies.set("sodo_lang", "en")
    targets = client.get("/targets?format=json").json()["targets"]
    board = client.get("/tasks?format=json").json()
    tasks = [tk for group in board["by_status"] for tk in group["tasks"]]
    assert len(targets) >= 50 and len(tasks) >= 20
    pages = ["/targets", "/tasks", *(f"/targets/{t['target_id']}" for t in targets),
             *(f"/tasks/{tk['task_id']}" for tk in tasks)]
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        if words := vietnamese_words(response.text):
            found[url] = sorted(words)
    assert found == {}, found
    page = client.get("/targets/QD2629-2027-DVCTT-TOAN-TRINH?format=json").json()
    assert page["measurement_method"].startswith("Eligible administrative procedures offered")
    task = client.get("/tasks/TB4-IV-2-i").text
    assert "The Ministry of Science and Technology and the ministries and sectors" in task
    assert "urgently; soon" in task  # the notice's adverbs, in English
    # the check catches Vietnamese put into an English page
    assert vietnamese_words("<p>Tỷ lệ hồ sơ <q lang='vi'>đoạn trích</q></p>") == {"Tỷ", "lệ",
                                                                                  "hồ", "sơ"}
    # the Vietnamese pages are unchanged
    client.cookies.set("sodo_lang", "vi")
    assert "Giao Bộ Khoa học và Công nghệ" in client.get("/tasks/TB4-IV-2-i").text


def test_the_open_data_page_and_the_api_give_the_english_method_and_source(
        client: TestClient) -> None:
    client.cookies.set("sodo_lang", "en")
    page = client.get("/du-lieu-mo/coverage_5g_population").text
    assert "Population living in areas covered by 5G" in page
    assert "Digital infrastructure" in page
    client.cookies.set("sodo_lang", "vi")
    assert "Số dân sống trong vùng phủ sóng 5G" in client.get(
        "/du-lieu-mo/coverage_5g_population").text
    indicator = client.get("/api/v1/indicators/coverage_5g_population").json()
    assert indicator["method_en"].startswith("Population living in areas covered by 5G")
    component = client.get("/api/v1/indicators/svc766_2_1").json()
    assert component["method_en"].startswith("Indicator 2.1 of the Decision 766 index")
    assert "supplement" in component["method_en"]
    task = client.get("/api/v1/assessment/tasks?lang=en").json()["tasks"]
    by_id = {tk["task_id"]: tk for tk in task}
    assert by_id["TB4-IV-1-i"]["lead_label"] == "Ministries, sectors and localities"
    assert by_id["TB4-IV-2-ii"]["title"].startswith("Finalise the 2026–2030")
    targets = client.get("/api/v1/assessment/targets?lang=en").json()["targets"]
    assert not [t["title"] for t in targets if VIETNAMESE.search(t["title"])]


def test_a_programme_without_english_falls_back_to_the_vietnamese(tmp_path: Path) -> None:
    from sodo.http.views import source_label, source_title
    from sodo.services.catalogue import Catalogue

    programme = load_programme(default_programme_path()).programme
    cat = Catalogue(programme=programme, forms=[], index=None, version="x")
    assert source_label(cat, "2629/QĐ-TTg", "en") == "2629/QĐ-TTg"  # a number stays
    assert source_label(cat, "Slide Bộ KHCN về kết quả chuyển đổi số quốc gia", "en") == \
        "Ministry of Science and Technology slides on national digital-transformation results"
    assert source_label(cat, "Slide Bộ KHCN về kết quả chuyển đổi số quốc gia", "vi") == \
        "Slide Bộ KHCN về kết quả chuyển đổi số quốc gia"
    assert source_title(cat, "2629/QĐ-TTg", "en") == \
        "Approving the Digital Government Development Programme"
    assert source_title(cat, "71/NQ-CP", "vi").startswith("Sửa đổi, bổ sung")
    assert source_title(cat, "unknown", "en") == ""
