"""Content-Disposition for any file name (RFC 6266 / 5987): the ASCII fallback and the real
name, read back the way a client decodes it."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from sodo.http.downloads import ascii_filename, content_disposition


def decoded(header: str) -> str:
    """The file name a client takes from the header (``filename*`` wins, RFC 6266 §4.3)."""
    star = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    if star:
        return unquote(star.group(1), encoding="utf-8", errors="strict")
    plain = re.search(r'filename="([^"]*)"', header)
    assert plain
    return plain.group(1)


@pytest.mark.parametrize("name", ["Tờ trình 123-TTr-BKHCN.pdf", "Báo cáo Quý III/2026.xlsx"
                                  .replace("/", "-"), "Đắk Lắk; \"quoted\".csv", "plain.csv"])
def test_any_name_round_trips_and_the_header_is_latin1(name: str) -> None:
    header = content_disposition(name)
    header.encode("latin-1")  # what a 500 used to come from
    assert header.startswith("attachment; filename=\"")
    assert decoded(header) == name


def test_fallback_is_plain_ascii_and_paths_are_cut() -> None:
    assert ascii_filename("Tờ trình 123-TTr-BKHCN.pdf") == "To trinh 123-TTr-BKHCN.pdf"
    assert ascii_filename("Đắk Lắk.csv") == "Dak Lak.csv"
    assert decoded(content_disposition("../../etc/Tờ.pdf")) == "Tờ.pdf"
    assert content_disposition("a.csv", "inline") == 'inline; filename="a.csv"'
    with pytest.raises(ValueError):
        content_disposition("a.csv", "form-data")


def test_page_json_times_carry_their_zone(client) -> None:
    data = client.get("/public", params={"format": "json"}).json()
    stamps = [r["updated_at"] for r in data["rows"] if r["updated_at"]]
    assert stamps and all(s.endswith("+00:00") for s in stamps), stamps[:3]


def test_csv_has_no_float_noise_and_says_the_unit(client) -> None:
    body = client.get("/explorer", params={"format": "csv"}).content.decode("utf-8-sig")
    header, first = body.splitlines()[:2]
    assert header.startswith("Hạng,Đơn vị,Giá trị (điểm)")
    assert all(len(cell.split(".")[1]) <= 2 for cell in first.split(",") if "." in cell)


def test_the_overviews_attention_link_lists_exactly_those_targets(client) -> None:
    overview = client.get("/", params={"format": "json"}).json()
    statuses = ",".join(overview["attention_statuses"])
    listed = client.get("/targets", params={"status": statuses, "format": "json"}).json()
    assert sorted(r["target_id"] for r in listed["targets"]) == sorted(
        r["target_id"] for r in overview["targets_needing_attention"])
    assert len(listed["targets"]) < len(client.get("/targets", params={
        "format": "json"}).json()["targets"])


def test_the_overviews_small_tables_download_as_shown(client) -> None:
    """Issue 11, downloads everywhere: the overview's tables (targets needing attention,
    urgent tasks, lagging provinces, datasets) offer CSV and Excel of the rows on screen."""
    import csv
    import io

    from openpyxl import load_workbook

    page = client.get("/").text
    overview = client.get("/", params={"format": "json"}).json()
    for table in ("attention", "tasks", "lagging"):
        assert f"table={table}" in page, table  # the link beside the table
    shown = {
        "attention": [r["target_id"] for r in overview["targets_needing_attention"][:8]],
        "tasks": [r["task_id"] for r in overview["urgent_tasks"][:12]],
        "lagging": [r["code"] for r in overview["lagging_provinces"]],
    }
    assert shown["attention"] and shown["lagging"]
    for table, codes in shown.items():
        response = client.get("/", params={"format": "csv", "table": table})
        assert response.status_code == 200, response.text
        assert "text/csv" in response.headers["content-type"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "Mã", rows[0]
        assert [r[0] for r in rows[1:] if r and r[0] in codes] == codes, (table, rows)
    lagging = list(csv.reader(io.StringIO(client.get(
        "/", params={"format": "csv", "table": "lagging"}).content.decode("utf-8-sig"))))
    first = overview["lagging_provinces"][0]
    assert lagging[1][1] == first["name"] and lagging[1][3] == str(first["rank"])
    book = load_workbook(io.BytesIO(client.get("/", params={"format": "xlsx"}).content))
    assert len(book.sheetnames) >= 4
    sheet = book[book.sheetnames[2]]  # the lagging provinces
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert first["name"] in cells
