"""The reports page on a served demo app: the analyst writes a section in the browser form, a
new version keeps the old one in the history, and the Word report downloaded from the page's
link carries the latest text (the other sections as placeholders)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import httpx
from docx import Document
from server import serve

from sodo.services.demo import DEMO_PASSWORD
from sodo.services.settings import Settings


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field"
    return match.group(1)


def test_analyst_writes_a_section_and_the_report_merges_it(demo_workspace: Path):
    from sodo.http.app import create_app

    app = create_app(Settings.open(demo_workspace))
    with serve(app) as base, httpx.Client(base_url=base, timeout=120) as browser:
        public = browser.get("/reports", params={"year": 2025})
        assert public.status_code == 200 and "Báo cáo đánh giá năm" in public.text
        assert "narrative-causes" not in public.text  # the public does not write
        page = browser.get("/login", params={"next": "/reports"})
        done = browser.post("/login", data={"username": "hanoi", "password": DEMO_PASSWORD,
                                            "next": "/reports", "csrf_token": _csrf(page.text)},
                            follow_redirects=False)
        assert done.status_code == 303
        mine = browser.get("/reports", params={"year": 2025, "unit": "01"})
        assert 'id="narrative-lessons"' in mine.text
        for text in ("Bản đầu.", "Cần bố trí nguồn lực ổn định cho chuyển đổi số."):
            saved = browser.post("/reports/narrative", data={
                "csrf_token": _csrf(mine.text), "unit": "01", "year": "2025",
                "section": "lessons", "text": text}, follow_redirects=False)
            assert saved.status_code == 303, saved.text
        again = browser.get("/reports", params={"year": 2025, "unit": "01"})
        assert "Cần bố trí nguồn lực ổn định" in again.text and "Bản đầu." in again.text
        link = re.search(r'id="download-docx" href="([^"]+)"|href="([^"]+)" id="download-docx"',
                         again.text)
        url = (link.group(1) or link.group(2)).replace("&amp;", "&")
        got = browser.get(url)
        assert got.status_code == 200
        doc = Document(BytesIO(got.content))
        texts = [p.text for p in doc.paragraphs]
        assert "Cần bố trí nguồn lực ổn định cho chuyển đổi số." in texts
        assert "Bản đầu." not in texts
        assert sum("chưa có nội dung" in t for t in texts) == 3
        refused = browser.post("/reports/narrative", data={
            "csrf_token": _csrf(again.text), "unit": "VN", "year": "2025",
            "section": "lessons", "text": "x"}, follow_redirects=False)
        assert refused.status_code == 403  # a Hà Nội reporter does not write the nation's
