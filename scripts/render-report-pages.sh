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
i=1
for f in "$TMP"/page-*.png; do cp "$f" "$OUT/evaluation-page-$i.png"; i=$((i + 1)); done
echo "$pages pages; wrote $(ls "$OUT"/evaluation-*.png | tr '\n' ' ')"
