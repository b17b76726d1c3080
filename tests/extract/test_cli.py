"""``sodo extract`` as a user runs it: a real process on .txt, .docx, text-layer .pdf and
standard input; JSON with the documented keys; YAML in the programme's own format that
``sodo programme check`` loads; bad input refused with one clear line, exit 1, nothing
written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sodo.services.programme import default_programme_path

HERE = Path(__file__).parent
NOTICE = HERE / "fixtures" / "4-TB-VPCP-2026.txt"
LETTER = HERE / "cases" / "2844-VPCP-KSTT-2021.txt"
SODO = Path(sys.executable).with_name("sodo")
KEYS = {"lead", "lead_names", "lead_text", "partners", "partner_names", "work", "deliverable",
        "authority", "deadline", "deadline_text", "recurring", "source", "source_passage",
        "span", "confidence", "unresolved"}


def sodo(*args: str, stdin: bytes | None = None, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}  # a wide terminal: the table does not wrap
    return subprocess.run([str(SODO), *args], input=stdin.decode() if stdin else None,
                          capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def test_json_has_every_key_and_the_spans_point_at_the_passages() -> None:
    done = sodo("extract", str(NOTICE), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 19 and set(rows[0]) >= KEYS
    from sodo.domain.extract.text import clean_text

    text = clean_text(NOTICE.read_text(encoding="utf-8"))
    for row in rows:
        start, end = row["span"]
        assert text[start:end].strip() == row["source_passage"]
        assert row["source"] == "4/TB-VPCP"
    assert rows[12]["lead"] == ["BKHCN"] and rows[12]["deadline"] == "2026-01-31"
    assert rows[12]["authority"] == "Thủ tướng Chính phủ"


def test_date_and_source_options_and_standard_input() -> None:
    text = ("Giao Bộ Thông tin và Truyền thông chủ trì xây dựng Chiến lược. Hoàn thành trong "
            "tháng 8 năm 2021.").encode()
    done = sodo("extract", "-", "--format", "json", "--date", "2021-04-29",
                "--source", "2844/VPCP-KSTT", stdin=text)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["lead"] == ["BTTTT"] and row["deadline"] == "2021-08-31"
    assert row["source"] == "2844/VPCP-KSTT" and row["issued"] == "2021-04-29"
    assert any("BKHCN" in note for note in row["notes"])


def test_table_is_for_people() -> None:
    done = sodo("extract", str(LETTER))
    assert done.returncode == 0, done.stderr
    assert "Bộ Thông tin và Truyền thông" in done.stdout and "31/08/2021" in done.stdout


def test_yaml_is_the_programme_format_and_loads_with_programme_check(tmp_path: Path) -> None:
    done = sodo("extract", str(NOTICE), "--format", "yaml")
    assert done.returncode == 0, done.stderr
    programme = tmp_path / "programme"
    shutil.copytree(default_programme_path(), programme,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    (programme / "tasks-extracted.yaml").write_text(done.stdout, encoding="utf-8")
    check = sodo("programme", "check", str(programme), "--format", "json")
    assert check.returncode == 0, check.stdout + check.stderr
    problems = json.loads(check.stdout)
    assert not [p for p in problems if p["severity"] == "error"]
    assert any(p["object"] == "task 4-TB-VPCP-13" for p in problems)  # linted as a task


def test_docx_and_text_layer_pdf(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    for line in NOTICE.read_text(encoding="utf-8").split("\n"):
        doc.add_paragraph(line.replace("**", ""))
    table = doc.add_table(rows=2, cols=4)
    for cell, value in zip(table.rows[0].cells, ["TT", "Nhiệm vụ", "Cơ quan chủ trì",
                                                 "Thời gian hoàn thành"], strict=True):
        cell.text = value
    for cell, value in zip(table.rows[1].cells, ["1", "Xây dựng cơ sở dữ liệu việc làm",
                                                 "Bộ Nội vụ", "Quý IV/2026"], strict=True):
        cell.text = value
    docx = tmp_path / "notice.docx"
    doc.save(str(docx))
    done = sodo("extract", str(docx), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 19 + 1 and rows[-1]["lead"] == ["BNV"]
    assert rows[-1]["deadline"] == "2026-12-31"

    pdf = tmp_path / "letter.pdf"
    _text_pdf(LETTER.read_text(encoding="utf-8"), pdf)
    done = sodo("extract", str(pdf), "--format", "json", "--date", "2021-04-29")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["lead"] == ["BTTTT"] and row["deadline"] == "2021-08-31"


def _text_pdf(text: str, path: Path) -> None:
    """A PDF with a real text layer (LibreOffice converts a .txt), as offices produce them."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is needed to make a text-layer PDF")
    source = path.with_suffix(".txt")
    source.write_text(text, encoding="utf-8")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(path.parent),
                    str(source)], check=True, capture_output=True, timeout=180)
    assert path.exists()


def _scanned_pdf(path: Path) -> None:
    """A PDF whose page is only an image (as a scanner makes it): no text layer."""
    width = height = 64
    pixels = bytes((255 if (x // 8 + y // 8) % 2 else 0) for y in range(height)
                   for x in range(width))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(pixels) + pixels
        + b"\nendstream",
    ]
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


BAD = [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b"   \n\n  ", "the file is empty"),
    ("scan.pdf", None, "the PDF has no text layer"),
    ("renamed.docx", bytes(range(256)) * 40, "not a Word document (.docx)"),
    ("english.txt", (b"The Ministry of Public Security shall lead the national data framework "
                     b"and report to the Prime Minister before 31 January 2026."),
     "does not read as Vietnamese"),
    ("latin1.txt", "Bộ Công an chủ trì".encode("utf-16-le")[2:] + b"\xff\xfe\x00", "binary"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_one_line_and_nothing_written(
        tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    path = tmp_path / name
    if data is None:
        _scanned_pdf(path)
    else:
        path.write_bytes(data)
    before = sorted(p.name for p in tmp_path.iterdir())
    done = sodo("extract", str(path), "--format", "yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert message in done.stderr and name in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_file_and_bad_date() -> None:
    done = sodo("extract", "/nonexistent/file.docx")
    assert done.returncode == 1 and "no such file" in done.stderr
    done = sodo("extract", str(LETTER), "--date", "29/04/2021")
    assert done.returncode == 1 and "is not a date" in done.stderr
