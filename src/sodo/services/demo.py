"""The demo workspace: the default programme plus realistic synthetic records, computed.

``build_demo`` is what ``sodo demo`` (and so ``make demo``) runs: a fresh workspace, synthetic
dossiers and feedback for the 34 provinces and the ministries (with labelled data-quality
defects in a few agencies, ``sodo.services.demo_defects``), ingested and computed, the
programme imported into the operational store, the data-quality scorecard, and one account
per role.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace

if TYPE_CHECKING:
    from sodo.domain.permissions import Actor
    from sodo.services.context import AppContext

DEMO_PASSWORD = "sodo-demo-2026"
# (username, role, org unit, display name)
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("admin", "admin", "VN", "Văn phòng Chương trình (quản trị)"),
    ("hanoi", "reporter", "01", "Sở KH&CN Hà Nội (báo cáo)"),
    ("hcm", "reporter", "79", "Sở KH&CN TP. Hồ Chí Minh (báo cáo)"),
    ("bkhcn", "reporter", "BKHCN", "Bộ Khoa học và Công nghệ (báo cáo)"),
    ("duyet", "approver", "VN", "Bộ KH&CN — phê duyệt số liệu"),
    ("lanhdao", "viewer", "VN", "Lãnh đạo Ban Chỉ đạo (xem)"),
]
FIRST_MONTH = "2024-01"
LAST_MONTH = "2026-10"
MARKER = ".demo-built.json"


@dataclass
class DemoSummary:
    workspace: str
    dossiers: int
    feedback: int
    values: int
    seconds: dict[str, float] = field(default_factory=dict)
    reused: bool = False


Step = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def mark_synthetic(root: Path) -> None:
    """Say in the workspace's ``sodo.toml`` that its data are synthetic (pages and exports
    then label them so)."""
    from sodo.services.settings import CONFIG_NAME

    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    if "synthetic_data" not in text:
        config.write_text(text.replace("[workspace]\n", "[workspace]\nsynthetic_data = true\n",
                                       1), encoding="utf-8")


def demo_is_built(path: Path, rows: int) -> DemoSummary | None:
    marker = path / MARKER
    if not marker.exists():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if data.get("dossiers") != rows:
        return None
    return DemoSummary(**{**data, "reused": True})


# generate, store, ingest, compute, follow-up, quality: the messages ``step`` receives
BUILD_STEPS = 6


def build_demo(path: str | Path, rows: int = 1_000_000, seed: int = 2026,
               step: Step = _quiet, rebuild: bool = False) -> DemoSummary:
    """Build (or reuse, when already built with the same size) the demo workspace at ``path``."""
    from sodo.domain.permissions import Actor
    from sodo.domain.problems import InputError
    from sodo.services import follow_up, records
    from sodo.services.context import AppContext
    from sodo.services.generate import generate_file

    root = Path(path).resolve()
    if not rebuild and (done := demo_is_built(root, rows)) is not None:
        step(f"Reusing the demo workspace at {root} ({done.dossiers:,} dossiers)")
        return done
    if rows < 1000:
        raise InputError(f"a demo needs at least 1,000 dossiers (asked for {rows})")
    timings: dict[str, float] = {}
    if root.exists():
        shutil.rmtree(root)
    ws = init_workspace(root)
    mark_synthetic(root)
    # Messages sodo sends are written to mail/ (one .eml each) for a newcomer to read; point
    # SODO_SMTP_URL at a real server (or a catcher) to send them (README: Follow-up).
    with (root / "sodo.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[mail]\nsender = "sodo demo <sodo@demo.sodo.local>"\nfolder = "mail"\n')
    from sodo.services.settings import Settings

    ws = Settings.load(root)
    inputs = root / "inputs"

    def timed(name: str, message: str, func: Callable[[], object]) -> object:
        step(message)
        began = time.perf_counter()
        result = func()
        timings[name] = round(time.perf_counter() - began, 2)
        return result

    feedback_rows = max(rows // 20, 100)
    timed("generate", f"Generating {rows:,} dossiers and {feedback_rows:,} feedback records "
                      f"({FIRST_MONTH} … {LAST_MONTH})",
          lambda: (generate_file("dossiers", rows, FIRST_MONTH, LAST_MONTH, seed,
                                 inputs / "dossiers.parquet"),
                   generate_file("feedback", feedback_rows, FIRST_MONTH, LAST_MONTH, seed + 1,
                                 inputs / "feedback.parquet")))

    from sodo.services.demo_defects import inject, write_labels

    write_labels(inject(inputs / "dossiers.parquet", LAST_MONTH, seed), inputs / "defects.json")
    timed("store", "Creating the operational store, importing the programme and the accounts",
          lambda: prepare_store(ws))
    demo = Actor.system("demo")
    with AppContext(ws) as ctx:
        timed("ingest", "Validating and ingesting the records",
              lambda: (records.ingest(ctx, demo, "dossiers", [inputs / "dossiers.parquet"],
                                      channel="demo"),
                       records.ingest(ctx, demo, "feedback", [inputs / "feedback.parquet"],
                                      channel="demo")))
        run = timed("compute", "Computing every indicator and the 766 index",
                    lambda: records.compute_values(ctx, demo))
        release_demo_values(ctx, demo)
        seed_demo_progress(ctx)
        timed("follow_up", "Sending the reminders and notices due today (to mail/)",
              lambda: follow_up.run(ctx, demo, ctx.today()))
        timed("quality", "Scoring data quality on the eight principles",
              lambda: score_demo_quality(ctx, demo))
    summary = DemoSummary(str(root), rows, feedback_rows,
                          getattr(run, "value_count", 0), timings)
    (root / MARKER).write_text(json.dumps(asdict(summary), ensure_ascii=False), encoding="utf-8")
    return summary


# Progress a lead agency reports, as the demo's "bkhcn" account would (synthetic, like the
# rest): the board then shows progress, not only deadlines.
DEMO_PROGRESS = [
    ("TB4-IV-4-i-a", "done", 100.0, "Đã trình Thủ tướng Chính phủ dự thảo Đề án (minh họa).",
     "https://demo.sodo.local/minh-chung/de-an-dnnvv.pdf"),
    ("TB4-IV-4-i-b", "in_progress", 80.0, "Đã xây dựng dự thảo Kế hoạch, đang lấy ý kiến "
     "các bộ, ngành (minh họa).", ""),
]


def seed_demo_progress(ctx: AppContext) -> None:
    """The demo lead agency's progress updates on two of its tasks (skipped when the
    programme has not those tasks)."""
    from sodo.domain.permissions import Actor
    from sodo.services import accounts, task_progress

    with ctx.session() as session:
        reporter = Actor.from_user(accounts.get_user(session, "bkhcn"), source="demo")
        for task_id, status, percent, note, link in DEMO_PROGRESS:
            try:
                task_progress.report_progress(session, reporter, task_id, status, percent,
                                              note, link, today=ctx.today())
            except LookupError:  # not in this programme
                continue
        session.commit()


def score_demo_quality(ctx: AppContext, actor: Actor) -> None:
    """The data-quality scorecard of the last two ended quarters (so pages show a trend)."""
    from sodo.services import quality

    last = quality.default_period(ctx.today())
    for period in (last.previous(), last):
        quality.compute(ctx, actor, period=period.id)


def release_demo_values(ctx: AppContext, actor: Actor) -> None:
    """Release the computed values of the demo's whole years and quarters as open data, as
    the programme office would once it has reviewed them; the last month stays unreleased."""
    from sodo.domain.periods import Period
    from sodo.services import opendata

    first, last = Period.parse(FIRST_MONTH), Period.parse(LAST_MONTH)
    today = ctx.today()
    periods = [str(y) for y in range(first.start.year, last.start.year)]
    periods += [q.id for q in Period.year(last.start.year).subperiods("quarter")
                if q.end < last.start and q.end < today]
    with ctx.session() as session:
        opendata.release(session, actor, periods, note="demo: reviewed periods", today=today)
        session.commit()


def prepare_store(ws: Settings) -> None:
    """Add the demo accounts and the labelled synthetic history (the workspace's store holds
    the programme since it was created)."""
    from sqlalchemy.orm import Session

    from sodo.domain.permissions import Actor
    from sodo.services.accounts import create_user
    from sodo.services.programme import load_programme
    from sodo.stores.operational.migrate import upgrade
    from sodo.stores.operational.tables import make_engine

    upgrade(ws.database_url)
    engine = make_engine(ws.database_url)
    try:
        with Session(engine) as session:
            for username, role, orgunit, name in DEMO_USERS:
                create_user(session, Actor.system("demo"), username, DEMO_PASSWORD, role,
                            orgunit=orgunit, display_name=name,
                            email=f"{username}@demo.sodo.local")
            session.commit()
        seed_reported_history(engine, load_programme(ws.programme_path()).programme)
    finally:
        engine.dispose()


DEMO_SOURCE = "Dữ liệu minh họa (demo) — không phải số liệu chính thức"
DEMO_YEARS = range(2021, 2026)
# Share of the pace its first target requires that each synthetic series keeps: some
# indicators ahead, some on pace, some lagging, one or two going backwards.
DEMO_PACES = (1.35, 1.0, 0.8, 0.55, 0.3, -0.15)


def seed_reported_history(engine: object, programme: object, seed: int = 2026) -> int:
    """Yearly national values 2021–2025 for the reported indicators that targets use and no
    document gives, so the demo's assessment has a history to judge. Every one is labelled as
    synthetic in its source; real deployments get these from agencies' reports."""
    import zlib

    import numpy as np

    from sodo.domain.programme import Obtained, Programme
    from sodo.stores.operational import values as values_repo

    prog: Programme = programme  # type: ignore[assignment]
    with_values = {v.indicator for v in prog.values}
    first_target: dict[str, object] = {}
    for target in sorted(prog.targets, key=lambda t: t.deadline or ""):
        if target.value is None:  # a qualitative target: no history to make up for it
            continue
        first_target.setdefault(target.indicator, target)
    rows = []
    for code, target in sorted(first_target.items()):
        indicator = prog.indicator(code)
        if indicator.obtained is not Obtained.REPORTED or code in with_values:
            continue
        goal = float(target.value)  # type: ignore[attr-defined]
        deadline_year = int(str(target.deadline)[:4])  # type: ignore[attr-defined]
        rng = np.random.default_rng(zlib.crc32(f"{seed}:{code}".encode()))
        pace = DEMO_PACES[zlib.crc32(code.encode()) % len(DEMO_PACES)]
        if indicator.value_type == "rank":
            start = goal + rng.uniform(8, 30) if goal > 10 else goal + rng.integers(2, 4)
        else:
            start = goal * rng.uniform(0.35, 0.7)
        step_per_year = (goal - start) / max(deadline_year - DEMO_YEARS[0], 1) * pace
        for year in DEMO_YEARS:
            value = start + step_per_year * (year - DEMO_YEARS[0])
            value += rng.normal(0, abs(step_per_year) * 0.15 + 0.2)
            if indicator.value_type == "rank":
                value = max(1.0, round(value))
            else:
                value = round(min(max(value, 0.0), 100.0), 2)
            rows.append({"indicator": code, "orgunit": "VN", "period": str(year),
                         "period_type": "year", "category": "", "value": float(value),
                         "origin": "reported", "state": "approved", "source": DEMO_SOURCE,
                         "note": "synthetic demo value"})
    if rows:
        values_repo.add_values(engine, rows)  # type: ignore[arg-type]
    return len(rows)
