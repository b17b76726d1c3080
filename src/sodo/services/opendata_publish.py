"""Publishing open data: the files as the API serves them (built once per data version and
release), the static export of them, and the check of the criteria of Art. 43 of Law
20/2023/QH15 that a machine can verify.

The API, ``sodo publish --out`` and ``sodo publish --check`` all take their files from
:func:`distribution`, so what is exported is byte for byte what is served.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sodo.domain.permissions import Action, Actor, NotFound, require
from sodo.domain.programme import OpenData
from sodo.services import catalogue
from sodo.services import opendata as od
from sodo.services import opendata_catalog as dcat
from sodo.services import opendata_files as files
from sodo.services.catalogue import Catalogue
from sodo.services.context import AppContext
from sodo.services.opendata import Dataset, OpenState
from sodo.services.opendata_files import File

DEFAULT_BASE = "http://localhost:8000"  # what `sodo serve` answers on when no address is set
PACKAGE_FILES = (dcat.CATALOG_NAME, dcat.DATAPACKAGE_NAME, files.ZIP_NAME)
OPEN_MEDIA_TYPES = {files.MEDIA_TYPES[f] for f in files.FORMATS}
log = logging.getLogger("sodo.opendata")


def base_url(ctx: AppContext) -> str:
    """The public address links in the catalogue start with (``server.public_url``)."""
    return ctx.settings.public_url or DEFAULT_BASE


def _version(ctx: AppContext) -> tuple[Any, ...]:
    with ctx.session() as session:
        return (od.release_version(session),)


def state(ctx: AppContext) -> OpenState:
    """The open-data terms and releases of the synced programme (or of its files)."""

    def build() -> OpenState:
        with ctx.session() as session:
            cat = catalogue.current_or_files(session, ctx.settings.programme_path())
            found = od.open_state(session, cat)
            assert found is not None
            return found

    return ctx.cached(("opendata.state", _version(ctx)), build)


def dataset(ctx: AppContext, code: str) -> Dataset | None:
    """One published indicator (cached per data version and release)."""
    found = state(ctx)

    def build() -> Dataset | None:
        with ctx.session() as session:
            return od.dataset(session, found, code)

    return ctx.cached(("opendata.dataset", _version(ctx), code), build)


def datasets(ctx: AppContext) -> list[Dataset]:
    """Every published indicator (one read of the values, cached like :func:`dataset`)."""
    found = state(ctx)
    version = _version(ctx)

    def build() -> list[Dataset]:
        with ctx.session() as session:
            every = od.datasets(session, found)
        for ds in every:  # each one is then at hand for its own files and page
            ctx.cached(("opendata.dataset", version, ds.code), lambda ds=ds: ds)
        return every

    return ctx.cached(("opendata.datasets", version), build)


def parse_name(name: str) -> tuple[str, str]:
    """``x.sdmx.csv`` → (``x``, ``sdmx.csv``); the package's own files → (name, "")."""
    if name in PACKAGE_FILES:
        return name, ""
    for fmt in sorted(files.FORMATS, key=len, reverse=True):
        if name.endswith("." + fmt) and len(name) > len(fmt) + 1:
            return name[: -len(fmt) - 1], fmt
    raise NotFound(f"no open-data file '{name}'")


_LOCKS: dict[Any, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_WARMING: dict[int, Any] = {}  # id(ctx) → the version a warm-up thread builds


def _once(key: Any) -> threading.Lock:
    """One lock per file and version: two requests for a file being built wait for one
    build instead of doing it twice."""
    with _LOCKS_GUARD:
        if len(_LOCKS) > 4096:
            _LOCKS.clear()
        return _LOCKS.setdefault(key, threading.Lock())


def distribution(ctx: AppContext, actor: Actor, name: str, *, prebuild: bool = False
                 ) -> File:
    """One file of the open data by its name (``catalog.jsonld``, ``datapackage.json``,
    ``sodo-open-data.zip``, ``<indicator>.csv|json|xlsx|sdmx.csv``). Anyone may read it.
    ``prebuild``: then build the other files in the background (:func:`warm`)."""
    require(actor, Action.READ_PUBLIC)
    code, fmt = parse_name(name)
    data_version, releases_version = ctx.version(), _version(ctx)
    key = ("opendata.file", releases_version, name)
    with _once(key):
        found = ctx.cached(key, lambda: _build(ctx, code, fmt), data_version)
    if prebuild:
        warm(ctx, (data_version, releases_version))
    return found


def prebuild_enabled(ctx: AppContext) -> bool:
    return bool(ctx.settings.section("opendata").get("prebuild", True))


def warm(ctx: AppContext, version: Any = None) -> bool:
    """Build every file in a background thread, once per data version and release, so the
    catalogue and the zip (which need them all) are ready when asked for. Returns whether a
    thread was started. ``[opendata] prebuild = false`` in ``sodo.toml`` turns it off."""
    if not prebuild_enabled(ctx):
        return False
    version = version or (ctx.version(), _version(ctx))
    with _LOCKS_GUARD:
        if _WARMING.get(id(ctx)) == version:
            return False
        _WARMING[id(ctx)] = version

    def run() -> None:
        anonymous = Actor.anonymous("prebuild")
        try:
            for name in [*every_name(ctx)[3:], *PACKAGE_FILES]:
                distribution(ctx, anonymous, name)
        except Exception:  # the store went away (shutdown); the next request builds instead
            log.debug("open-data prebuild stopped", exc_info=True)

    threading.Thread(target=run, name="opendata-prebuild", daemon=True).start()
    return True


def _build(ctx: AppContext, code: str, fmt: str) -> File:
    found = state(ctx)
    base = base_url(ctx)
    if fmt:
        ds = dataset(ctx, code)
        if ds is None:
            raise NotFound(f"indicator '{code}' is not published as open data")
        return files.render(fmt, ds, found.catalogue, found.terms, base)
    sets = datasets(ctx)
    anonymous = Actor.anonymous("opendata")
    # The data package lists the CSV files only; the catalogue and the zip need every file.
    formats = ("csv",) if code == dcat.DATAPACKAGE_NAME else files.FORMATS
    every = {d.code: {f: distribution(ctx, anonymous, files.file_name(d.code, f))
                      for f in formats} for d in sets}
    if code == dcat.CATALOG_NAME:
        return dcat.catalog_file(found.catalogue, found.terms, sets, every, base)
    if code == dcat.DATAPACKAGE_NAME:
        return dcat.datapackage_file(found.catalogue, found.terms, sets, every, base)
    parts = [distribution(ctx, anonymous, n) for n in PACKAGE_FILES[:2]]
    parts += [f for by_format in every.values() for f in by_format.values()]
    return files.zip_file(parts, max((p.modified for p in parts), default=parts[0].modified))


def every_name(ctx: AppContext) -> list[str]:
    """The names of every file the open data consists of (the package's, then per dataset)."""
    return [*PACKAGE_FILES, *(files.file_name(d.code, f) for d in datasets(ctx)
                              for f in files.FORMATS)]


# -- static export ---------------------------------------------------------------------------

def export(ctx: AppContext, actor: Actor, out: Path) -> list[Path]:
    """Write every file under ``out`` at the path the API serves it from
    (``api/v1/opendata/<name>``), so the folder can be hosted as it is. Returns the paths."""
    require(actor, Action.READ_PUBLIC)
    folder = out / files.API_PATH.strip("/")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in every_name(ctx):
        path = folder / name
        path.write_bytes(distribution(ctx, actor, name).content)
        written.append(path)
    return written


# -- the conformity check ----------------------------------------------------------------------

@dataclass
class Criterion:
    """One criterion of Art. 43 as checked: what was verified and what failed."""

    key: str
    ok: bool = True
    checked: str = ""
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.ok = False
        self.failures.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.key, "ok": self.ok, "checked": self.checked,
                "failures": self.failures, "notes": self.notes}


Fetch = Callable[[str], tuple[int, str, bytes]]  # URL → (status, content type, body)


def check(ctx: AppContext, actor: Actor, folder: Path | None = None,
          fetch: Fetch | None = None) -> list[Criterion]:
    """Check the criteria of Art. 43 a machine can verify, on the files as served (default),
    on a static export in ``folder``, or over HTTP with ``fetch`` (anonymously, as anyone
    on the Internet would)."""
    require(actor, Action.READ_PUBLIC)
    found = state(ctx)
    base = base_url(ctx)
    anonymous = Actor.anonymous("check")
    sets = datasets(ctx)
    live = {n: distribution(ctx, anonymous, n) for n in every_name(ctx)}

    def read(name: str) -> tuple[bytes | None, str]:
        if fetch is not None:
            status, ctype, body = fetch(files.download_url(base, name))
            return (body if status == 200 else None), (ctype if status == 200
                                                       else f"HTTP {status}")
        if folder is not None:
            path = folder / files.API_PATH.strip("/") / name
            return (path.read_bytes() if path.is_file() else None), "file"
        return live[name].content, live[name].content_type

    got = {n: read(n) for n in live}
    return [_complete(found, sets, got), _latest(sets, got, live),
            _machine_readable(sets, got, live, fetch is not None),
            _no_login(ctx, got, fetch is not None), _licence(found.terms, got),
            _declared(found.catalogue, found.terms, sets, ctx)]


def _rows(content: bytes | None) -> list[dict[str, str]] | None:
    if content is None:
        return None
    try:
        return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        return None


def _complete(found: OpenState, sets: list[Dataset], got: dict[str, tuple[bytes | None, str]]
              ) -> Criterion:
    result = Criterion("complete")
    total = 0
    units = files._units()
    for ds in sets:
        name = files.file_name(ds.code, "csv")
        rows = _rows(got[name][0])
        if rows is None:
            result.fail(f"{name}: missing or unreadable")
            continue
        have = {tuple(r.get(c, "") for c in files.COLUMNS) for r in rows}
        want = [tuple(files.row_cells(ds.indicator, c, units)) for c in ds.rows]
        missing = [w for w in want if w not in have]
        extra = len(have) - (len(want) - len(missing))
        total += len(want)
        if missing:
            first = missing[0]
            result.fail(f"{name}: {len(missing)} of {len(want)} published values missing or "
                        f"different (first: {first[1]} {first[4]} {first[6] or ''})".rstrip())
        if extra > 0:
            result.fail(f"{name}: {extra} rows that are not published values")
        if ds.withheld:
            result.notes.append(f"{ds.code}: {ds.withheld} computed values await a release")
    result.checked = f"{total} published values of {len(sets)} datasets"
    return result


def _catalogue_graph(got: dict[str, tuple[bytes | None, str]]) -> Any:
    from rdflib import Graph

    content = got[dcat.CATALOG_NAME][0]
    if content is None:
        return None
    graph = Graph()
    try:
        graph.parse(data=content.decode("utf-8"), format="json-ld")
    except Exception:  # any parse failure means the catalogue is not machine-readable
        return None
    return graph


def _latest(sets: list[Dataset], got: dict[str, tuple[bytes | None, str]],
            live: dict[str, File]) -> Criterion:
    from datetime import datetime

    from rdflib.namespace import DCAT, DCTERMS

    result = Criterion("latest")
    graph = _catalogue_graph(got)
    if graph is None:
        result.fail(f"{dcat.CATALOG_NAME}: missing or not JSON-LD")
        return result
    modified: dict[str, datetime] = {}
    for node in graph.subjects(predicate=DCAT.landingPage):
        page = str(graph.value(node, DCAT.landingPage))
        value = graph.value(node, DCTERMS.modified)
        if value is not None:
            modified[page.rsplit("/", 1)[-1]] = value.toPython()
    for ds in sets:
        stated = modified.get(ds.code)
        if stated is None:
            result.fail(f"{ds.code}: the catalogue gives no modification date")
        elif ds.last_release is not None and stated < ds.last_release.replace(microsecond=0):
            result.fail(f"{ds.code}: the catalogue says modified {stated:%d/%m/%Y %H:%M}, "
                        f"before the last release ({ds.last_release:%d/%m/%Y %H:%M})")
    for name, file in live.items():
        content = got[name][0]
        if content is not None and content != file.content:
            result.fail(f"{name}: differs from the current version (sha256 "
                        f"{file.sha256[:12]}…)")
    result.checked = f"{len(sets)} datasets against their last release; {len(live)} files"
    return result


def _machine_readable(sets: list[Dataset], got: dict[str, tuple[bytes | None, str]],
                      live: dict[str, File], over_http: bool) -> Criterion:
    result = Criterion("machine_readable_open_format")
    for ds in sets:
        for fmt in files.FORMATS:
            name = files.file_name(ds.code, fmt)
            content, ctype = got[name]
            if content is None:
                result.fail(f"{name}: missing ({ctype})")
                continue
            if over_http and ctype.split(";")[0].strip() != live[name].media_type.split(";")[0]:
                result.fail(f"{name}: served as '{ctype}', not {live[name].media_type}")
            if fmt in ("csv", "sdmx.csv"):
                rows = _rows(content)
                head = list(rows[0]) if rows else []
                expected = files.COLUMNS if fmt == "csv" else files.SDMX_COLUMNS
                if rows is None or (rows and tuple(head) != expected):
                    result.fail(f"{name}: not UTF-8 CSV with the declared columns")
            elif fmt == "json":
                try:
                    json.loads(content)
                except ValueError:
                    result.fail(f"{name}: not JSON")
            elif not content.startswith(b"PK"):
                result.fail(f"{name}: not an XLSX (zip) file")
    result.checked = (f"{len(sets) * len(files.FORMATS)} files in open formats "
                      f"({', '.join(sorted(OPEN_MEDIA_TYPES))})")
    return result


def _no_login(ctx: AppContext, got: dict[str, tuple[bytes | None, str]],
              over_http: bool) -> Criterion:
    result = Criterion("no_login")
    refused = [n for n, (content, _) in got.items() if content is None]
    for name in refused[:20]:
        result.fail(f"{name}: not served to an anonymous visitor")
    result.checked = (f"{len(got)} files fetched anonymously"
                      + (" over HTTP" if over_http else " (as the anonymous public)"))
    return result


def _licence(terms: OpenData, got: dict[str, tuple[bytes | None, str]]) -> Criterion:
    from rdflib.namespace import DCAT, DCTERMS, RDF

    result = Criterion("licence")
    if not terms.licence or not terms.licence_url:
        result.fail("the programme declares no licence (open_data.licence, licence_url)")
    graph = _catalogue_graph(got)
    if graph is not None:
        for kind in (DCAT.Catalog, DCAT.Distribution):
            for node in graph.subjects(RDF.type, kind):
                if graph.value(node, DCTERMS.license) is None:
                    result.fail(f"{node}: no dct:license")
        count = len(set(graph.subjects(RDF.type, DCAT.Distribution)))
        result.checked = f"{terms.licence} on the catalogue and its {count} distributions"
    package = got[dcat.DATAPACKAGE_NAME][0]
    if package is None or not json.loads(package).get("licenses"):
        result.fail(f"{dcat.DATAPACKAGE_NAME}: no licenses")
    if not terms.conditions:
        result.notes.append("no conditions of use stated (open_data.conditions)")
    return result


def _declared(cat: Catalogue, terms: OpenData, sets: list[Dataset], ctx: AppContext
              ) -> Criterion:
    result = Criterion("declared")
    known = {i.code for i in cat.programme.indicators}
    for code in [*(terms.indicators or []), *terms.exclude]:
        if code not in known:
            result.fail(f"open_data names '{code}', which is not an indicator of the "
                        "programme")
    published = {d.code for d in sets}
    waiting = [c for c in od.declared_open(cat) if c not in published]
    if waiting:
        result.notes.append(f"{len(waiting)} open indicators have no published value yet "
                            f"({', '.join(waiting[:8])}{' …' if len(waiting) > 8 else ''})")
    result.checked = f"{len(published)} of {len(od.declared_open(cat))} open indicators published"
    return result
