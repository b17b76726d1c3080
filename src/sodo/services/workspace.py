"""Creating a workspace: its folder, ``sodo.toml``, a copy of the default programme, and the
operational store with that programme synced into it (what pages, the API and commands read)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError
from sodo.services import catalogue
from sodo.services.context import AppContext
from sodo.services.programme import default_programme_path
from sodo.services.settings import CONFIG_NAME, DEFAULT_CONFIG, Settings


def init_workspace(path: str | Path, force: bool = False, actor: Actor | None = None) -> Settings:
    """Create a workspace at ``path`` with ``sodo.toml``, a copy of the default programme and
    its store, the programme synced."""
    root = Path(path).resolve()
    if (root / CONFIG_NAME).exists() and not force:
        raise InputError(f"{root}: already a sodo workspace ({CONFIG_NAME} exists); "
                         "use --force to start it again")
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(DEFAULT_CONFIG, encoding="utf-8")
    target = root / "programme"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(default_programme_path(), target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py"))
    settings = Settings.load(root)
    with AppContext(settings, migrate=True) as ctx, ctx.session() as session:
        catalogue.sync(session, actor or Actor.cli(), settings.programme_path())
        session.commit()
    return settings
