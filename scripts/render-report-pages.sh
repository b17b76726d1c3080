#!/usr/bin/env bash
# Render the first pages of the demo's evaluation report (and its appendix) as PNG images
# under docs/reports/, as the README shows them. Needs LibreOffice (soffice) and pdftoppm.
#   bash scripts/render-report-pages.sh [demo-workspace] [as-of]
set -euo pipefail
cd "$(dirname "$0")/.."
WS="${1:-demo-workspace}"
AS_OF="${2:-2026-01-15}"
OUT=docs/reports
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
[ -f "$WS/sodo.toml" ] || .venv/bin/sodo demo --workspace "$WS" --rows 20000 --no-serve
.venv/bin/sodo report evaluation --year 2025 --as-of "$AS_OF" --number 5 --date 2026-01-20 \
  --signer "Nguyễn Văn A" --workspace "$WS" --out "$TMP/evaluation.docx"
soffice "-env:UserInstallation=file://$TMP/profile" --headless --convert-to pdf \
  --outdir "$TMP" "$TMP/evaluation.docx" >/dev/null
pages=$(pdfinfo "$TMP/evaluation.pdf" | awk '/^Pages:/ {print $2}')
pdftoppm -r 70 -png -f 1 -l 2 "$TMP/evaluation.pdf" "$TMP/page"
# The first page of appendix I: the first landscape page.
for p in $(seq 1 "$pages"); do
  w=$(pdfinfo -f "$p" -l "$p" "$TMP/evaluation.pdf" | awk '/size:/ {print int($4); exit}')
  if [ "$w" -gt 700 ]; then pdftoppm -r 70 -png -f "$p" -l "$p" -singlefile \
    "$TMP/evaluation.pdf" "$OUT/evaluation-appendix-1"; break; fi
done
# The page with the trend chart (Hình 1).
for p in $(seq 1 "$pages"); do
  if pdftotext -f "$p" -l "$p" "$TMP/evaluation.pdf" - | grep -q "Hình 1\."; then
    pdftoppm -r 70 -png -f "$p" -l "$p" -singlefile "$TMP/evaluation.pdf" \
      "$OUT/evaluation-chart"; break; fi
done
# The page with the 34-province map (Hình 3).
for p in $(seq 1 "$pages"); do
  if pdftotext -f "$p" -l "$p" "$TMP/evaluation.pdf" - | grep -q "Hình 3\."; then
    pdftoppm -r 70 -png -f "$p" -l "$p" -singlefile "$TMP/evaluation.pdf" \
      "$OUT/evaluation-map"; break; fi
done
i=1
for f in "$TMP"/page-*.png; do cp "$f" "$OUT/evaluation-page-$i.png"; i=$((i + 1)); done
# The demo plan of Hà Nội for 2026: the template, filled as an official would, imported (a new
# version in the store), exported.
.venv/bin/sodo plan template --year 2026 --unit 01 --workspace "$WS" --out "$TMP/plan.xlsx" >/dev/null
.venv/bin/python - "$TMP/plan.xlsx" <<'PY'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
ws = wb["Chỉ tiêu"]
for row, (goal, budget, funds, who) in enumerate([
        (80, 1500, "Ngân sách địa phương", "Sở Khoa học và Công nghệ"),
        (85, 800, "Ngân sách địa phương; Xã hội hóa", "Văn phòng UBND thành phố"),
        (96, 300, "Ngân sách địa phương", "Sở Khoa học và Công nghệ")], start=2):
    ws[f"J{row}"], ws[f"L{row}"], ws[f"M{row}"], ws[f"N{row}"] = goal, budget, funds, who
tasks = wb["Nhiệm vụ"]
for row, values in enumerate([
        ("Triển khai nền tảng số dùng chung của thành phố", "01", "Giám đốc Sở KH&CN",
         "30/6/2026", "Nền tảng vận hành", "Chủ tịch UBND thành phố", 2000,
         "Ngân sách địa phương", "Sở Khoa học và Công nghệ"),
        ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "01",
         "Chánh Văn phòng UBND", "31/12/2026", "100% hồ sơ được số hóa",
         "Chủ tịch UBND thành phố", 1200, "Ngân sách địa phương", "Văn phòng UBND")], start=2):
    for col, value in zip("BCDEFGHIJ", values):
        tasks[f"{col}{row}"] = value
wb.save(sys.argv[1])
PY
.venv/bin/sodo plan import "$TMP/plan.xlsx" --workspace "$WS" >/dev/null
.venv/bin/sodo plan export --year 2026 --unit 01 --number 3 --date 2026-01-05 \
  --signer "Trần Văn B" --workspace "$WS" --out "$TMP/plan.docx"
soffice "-env:UserInstallation=file://$TMP/profile" --headless --convert-to pdf \
  --outdir "$TMP" "$TMP/plan.docx" >/dev/null
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$TMP/plan.pdf" "$OUT/plan-page-1"
echo "$pages pages; wrote $(ls "$OUT"/evaluation-*.png | tr '\n' ' ')"
