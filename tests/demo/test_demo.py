"""The demo workspace as `make demo` builds it, at a small size."""

from collections import Counter

from sqlalchemy import func, select

from sodo.services.assessment import assess_targets
from sodo.services.demo import DEMO_SOURCE, DEMO_USERS, build_demo, demo_is_built
from sodo.services.programme import load_programme
from sodo.services.settings import Settings
from sodo.stores.operational.tables import indicator_value, make_engine


def test_demo_builds_a_computed_workspace_with_accounts_and_a_mixed_picture(tmp_path):
    path = tmp_path / "demo"
    steps: list[str] = []
    summary = build_demo(path, rows=5000, seed=7, step=steps.append)
    assert len(steps) == 6 and not summary.reused
    assert summary.dossiers == 5000 and summary.values > 0

    ws = Settings.open(path)
    engine = make_engine(ws.database_url)
    with engine.connect() as conn:
        computed = conn.scalar(select(func.count()).select_from(indicator_value)
                               .where(indicator_value.c.origin == "computed"))
        synthetic = conn.execute(select(indicator_value.c.indicator, indicator_value.c.source)
                                 .where(indicator_value.c.origin == "reported")).all()
        users = conn.exec_driver_sql("select username, role, orgunit from app_user").all()
    assert computed > 1000
    # Reported history is clearly labelled as synthetic, never passed off as official.
    assert synthetic and {s for _, s in synthetic} == {DEMO_SOURCE}
    assert {(u, r, o) for u, r, o in users} >= {(u, r, o) for u, r, o, _ in DEMO_USERS}

    programme = load_programme(ws.programme_path()).programme
    statuses = Counter(a.status for a in assess_targets(engine, programme))
    assert len(statuses) >= 3, statuses
    assert sum(statuses.values()) == len(programme.targets)

    # The reminders and notices due were written to mail/ for a newcomer to read.
    from email import message_from_bytes, policy

    sent = sorted((path / "mail").glob("*.eml"))
    assert sent
    msg = message_from_bytes(sent[0].read_bytes(), policy=policy.default)
    assert msg["To"].endswith("@demo.sodo.local") and msg["Subject"].startswith("[sodo]")
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None

    # the demo lead agency has reported progress: the task board shows it (issue 11, item 12)
    from sodo.services.assessment import assess_tasks

    progress = {a.task_id: a.percent for a in assess_tasks(engine, programme)}
    assert progress["TB4-IV-4-i-b"] == 80 and progress["TB4-IV-4-i-a"] == 100, progress

    # Built once, reused after: `make demo` a second time starts at once.
    # the workspace says its data are synthetic, so every page and export labels them
    assert Settings.open(path).synthetic_data
    again = build_demo(path, rows=5000, seed=7)
    assert again.reused and demo_is_built(path, 5000) is not None
    assert demo_is_built(path, 6000) is None
