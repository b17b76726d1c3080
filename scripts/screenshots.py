"""Screenshots of the web control room's main pages at desktop (1366×768) and phone (390×844)
widths, saved under docs/screenshots/ for the README.

    .venv/bin/python scripts/screenshots.py                      # builds a small demo first
    .venv/bin/python scripts/screenshots.py --workspace demo-workspace   # after `make demo`

Uses Playwright's Python API driving Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from sodo.http.app import create_app
from sodo.services.demo import DEMO_PASSWORD, build_demo
from sodo.services.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@contextmanager
def serve(workspace: Path, port: int = 0) -> Iterator[str]:
    """The workspace served on ``port`` (0: a free one)."""
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings.open(workspace)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def settle(page: Page) -> None:
    """Wait until the charts have drawn."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(base_url: str, out: Path, password: str) -> list[Path]:
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          base_url=base_url, locale="vi-VN",
                                          device_scale_factor=1)
            page = context.new_page()
            page.goto("/targets?format=json")
            targets = page.evaluate("() => JSON.parse(document.body.innerText).targets")
            worst = next((t["target_id"] for t in targets
                          if t["status"] in ("off_track", "deteriorating", "needs_acceleration")),
                         targets[0]["target_id"] if targets else None)
            page.goto("/tasks?format=json")
            board = page.evaluate("() => JSON.parse(document.body.innerText).by_status")
            task = board[0]["tasks"][0]["task_id"] if board else None
            shots = [("overview", "/"), ("explorer", "/explorer"), ("province", "/units/01"),
                     ("tasks", "/tasks"), ("public", "/public"),
                     ("opendata", "/du-lieu-mo"),
                     ("opendata-indicator", "/du-lieu-mo/dossier_satisfaction_rate")]
            if worst:
                shots.insert(1, ("target", f"/targets/{worst}"))
            if task:
                shots.append(("task", f"/tasks/{task}"))
            for name, url in shots:
                page.goto(url)
                settle(page)
                path = out / f"{name}-{size}.png"
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            page.goto("/explorer?lang=en")
            settle(page)
            path = out / f"explorer-en-{size}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            log_in(page, "hanoi", password)
            page.goto("/reporting")
            settle(page)
            link = page.locator("#open-forms a").first
            if link.count():
                link.click()
                settle(page)
                field = page.locator("#report-form input[name^=v_]").first
                if field.count():
                    field.fill("không rõ")
                    page.click("#report-form button[value=save]")
                    settle(page)
                path = out / f"reporting-{size}.png"
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a built demo workspace (make demo)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--rows", type=int, default=50_000,
                        help="dossiers of the demo built when no workspace is given")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--port", type=int, default=0,
                        help="port to serve the workspace on while shooting (default: a free one)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sodo-shots-") as tmp:
        workspace = args.workspace
        if workspace is None:
            workspace = Path(tmp) / "demo"
            build_demo(workspace, rows=args.rows, step=print)
        with serve(workspace, args.port) as url:
            for path in shoot(url, args.out, args.password):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
