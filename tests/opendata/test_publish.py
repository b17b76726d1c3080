"""``sodo publish``: the static export is byte for byte what the API serves, its data package
passes ``frictionless validate``, and ``--check`` verifies the criteria of Art. 43 — passing
on a good export, naming what fails on a stale or damaged one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import Site

BIN = Path(sys.executable).parent
API = "api/v1/opendata"


def sodo(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SODO_TODAY": "2026-11-27", "SODO_PUBLIC_URL": site.base,
           "COLUMNS": "200"}
    env.pop("SODO_WORKSPACE", None)
    return subprocess.run([str(BIN / "sodo"), *args, "--workspace", str(site.root)],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def export(site: Site, served: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    done = sodo(site, "publish", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout
    return out


def test_the_export_is_byte_for_byte_what_the_api_serves(export: Path, served: str) -> None:
    files = sorted((export / API).iterdir())
    names = {f.name for f in files}
    assert {"catalog.jsonld", "datapackage.json", "sodo-open-data.zip",
            "svc766_total.csv", "svc766_total.xlsx", "svc766_total.sdmx.csv",
            "svc766_total.json"} <= names
    for path in files:
        answer = httpx.get(f"{served}/{API}/{path.name}", timeout=120)
        assert answer.status_code == 200, path.name
        assert answer.content == path.read_bytes(), path.name
    assert len(files) == 3 + 4 * 5


def test_the_exported_pages_are_the_live_pages(export: Path, served: str) -> None:
    page = export / "du-lieu-mo" / "svc766_total" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert 'href="../../api/v1/opendata/svc766_total.csv"' in html
    assert 'src="../../web/assets/plotly.min.js"' in html
    assert (export / "web" / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert (export / "web" / "geo" / "provinces-34.geojson").is_file()
    # the map finds its boundaries and base map beside the pages (in the chart's JSON spec,
    # drawn by static/charts.js: no inline script)
    assert '"../../web/geo/provinces-34.geojson"' in html
    assert '"topojsonURL":"../../web/geo/topojson/"' in html
    assert 'src="../../static/charts.js"' in html
    assert (export / "static" / "charts.js").is_file()
    assert (export / "du-lieu-mo" / "svc766_total" / "index.en.html").is_file()
    live = httpx.get(f"{served}/du-lieu-mo/svc766_total", params={"format": "json"}).json()
    static = json.loads((page.parent / "index.json").read_text(encoding="utf-8"))

    def unlinked(data: dict) -> dict:  # links are relative in the export
        return {k: v for k, v in data.items() if k not in ("downloads", "links")}

    assert unlinked(static) == unlinked(live)
    catalogue = (export / "du-lieu-mo" / "index.html").read_text(encoding="utf-8")
    assert 'href="../du-lieu-mo/svc766_total/index.html"' in catalogue
    assert "data-static" in catalogue  # the static filter runs in the browser


def test_frictionless_validates_the_data_package(export: Path, tmp_path: Path) -> None:
    tool = str(BIN / "frictionless")
    package = export / API / "datapackage.json"
    done = subprocess.run([tool, "validate", "--json", str(package)], capture_output=True,
                          text=True, timeout=600, cwd=package.parent)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["valid"], done.stdout[:3000]
    assert len(report["tasks"]) == 5
    # the validator really reads the files: a changed value breaks the declared hash
    damaged = tmp_path / "damaged"
    shutil.copytree(export / API, damaged)
    csv_file = damaged / "svc766_total.csv"
    csv_file.write_text(csv_file.read_text(encoding="utf-8").replace("84.5", "84.6"),
                        encoding="utf-8")
    bad = subprocess.run([tool, "validate", "--json", str(damaged / "datapackage.json")],
                         capture_output=True, text=True, timeout=600, cwd=damaged)
    assert bad.returncode != 0 and "hash" in bad.stdout


def test_the_check_passes_on_the_served_data_and_a_fresh_export(site: Site, served: str,
                                                                  export: Path) -> None:
    for args in ((), ("--out", str(export)), ("--url", served)):
        done = sodo(site, "publish", "--check", *args, "--format", "json")
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        results = {r["criterion"]: r for r in json.loads(done.stdout)}
        assert set(results) == {"complete", "latest", "machine_readable_open_format",
                                "no_login", "licence", "declared"}
        assert all(r["ok"] for r in results.values())
    assert "published values of 5 datasets" in results["complete"]["checked"]
    assert "over HTTP" in results["no_login"]["checked"]


def test_the_check_names_what_fails(site: Site, export: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(export, broken)
    folder = broken / API
    (folder / "kinh_te_so.xlsx").unlink()
    lines = (folder / "svc766_total.csv").read_text(encoding="utf-8").splitlines()
    (folder / "svc766_total.csv").write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    done = sodo(site, "publish", "--check", "--out", str(broken))
    assert done.returncode == 1
    assert "✗ complete" in done.stdout
    assert "svc766_total.csv: 3 of 34 published values missing" in done.stdout
    assert "kinh_te_so.xlsx: missing" in done.stdout
    assert "✗ no_login" in done.stdout  # a file a visitor cannot get
    assert "error:" in done.stderr and "Traceback" not in done.stderr


def test_publish_without_a_task_says_what_to_do(site: Site) -> None:
    done = sodo(site, "publish")
    assert done.returncode == 1
    assert "--out DIR" in done.stderr and "Traceback" not in done.stderr
