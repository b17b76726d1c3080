"""Benchmark: ``GET /api/v1/values`` for one indicator × 34 provinces × 12 months, served by one
uvicorn worker to 50 concurrent clients on loopback, on SQLite and on PostgreSQL.

Goal (issue 4): p95 < 100 ms at ≥ 300 requests/s. Printed next to a baseline measured in the
same run with the same harness: ``GET /api/v1/health`` (the framework's floor — routing, one
worker, loopback HTTP), so the ratio says what the values query itself costs.

Two measurements per endpoint: *saturated* (every client sends its next request as soon as the
last one is answered: the worker's maximum throughput; latency is then mostly queueing, about
clients ÷ throughput) and *paced* (each client pauses so that together they offer about
300 requests/s: the latency the goal is about).

The server runs in its own process (``uvicorn --workers 1``); the load generator is ``wrk``
(one thread, 50 connections) when installed, else httpx's async client with 50 connections. The store holds the 34 × 12 values asked for plus
background rows (other indicators, every commune) so the query is not against a toy table.
On a shared 2-core machine the client competes with the server for CPU: read the numbers as a
floor.

Run: ``.venv/bin/python -m benchmarks.bench_api [--seconds 8] [--clients 50] [--backends sqlite,postgresql]``
(``SODO_BENCH_PORT=N``: serve on that port instead of a free one).

Issue 17 (several workers on PostgreSQL): ``--backends postgresql --workers 1,2,4 --overview``
serves the API and the pages with ``uvicorn --workers N`` for each N and loads the overview
page (``/``) as well; ``--src /path/to/main/src`` serves that tree first as the baseline, on
asyncio and h11 (``--baseline-loop``/``--baseline-http``) as its lock installed, and the tree
measured on uvicorn's own choice (uvloop and httptools when installed; ``--loop``/``--http``).
Both the values and the overview goals are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text

from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.tables import indicator_value, make_engine

PG_ADMIN_URL = os.environ.get("SODO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
INDICATOR = "dossier_full_online_share"
BACKGROUND_INDICATORS = ("dossier_online_share", "dossier_digitized_rate")
VALUES_PATH = ("/api/v1/values?dx=" + INDICATOR + "&pe=" + ";".join(MONTHS)
               + "&ou=VN;LEVEL-province")
HEALTH_PATH = "/api/v1/health"
GOAL_RPS = 300.0
GOAL_P95_MS = 100.0


def app_factory():  # type: ignore[no-untyped-def]
    """The app the benchmark serves (``uvicorn --factory``); database from SODO_BENCH_DB."""
    from sodo.http.app import create_app

    return create_app(database_url=os.environ["SODO_BENCH_DB"],
                      include_web=os.environ.get("SODO_BENCH_WEB") == "1")


def fill(url: str) -> int:
    """Migrate and load the values: the 34 × 12 asked for, plus background rows."""
    upgrade(url)
    hierarchy = default_hierarchy()
    provinces = [u.code for u in hierarchy.at_level(OrgUnitLevel.PROVINCE)
                 if u.valid_to is None]
    communes = [u.code for u in hierarchy.at_level(OrgUnitLevel.COMMUNE)]
    rows = []
    for index, unit in enumerate(provinces):
        for k, month in enumerate(MONTHS):
            rows.append(dict(indicator=INDICATOR, orgunit=unit, period=month,
                             period_type="month", category="", value=40.0 + index + k / 10,
                             numerator=400.0 + index, denominator=1000.0, origin="computed",
                             state="approved", source="bench", note=""))
    for code in BACKGROUND_INDICATORS:
        for index, unit in enumerate(provinces + communes):
            for month in MONTHS:
                rows.append(dict(indicator=code, orgunit=unit, period=month,
                                 period_type="month", category="", value=float(index % 97),
                                 numerator=None, denominator=None, origin="computed",
                                 state="approved", source="bench", note=""))
    engine = make_engine(url)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(indicator_value), rows[start:start + 5000])
    engine.dispose()
    return len(rows)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    server_cpu_ms: float = float("nan")  # the server's CPU (all workers) per answered request
    db_cpu_ms: float = float("nan")  # PostgreSQL's backends' CPU for the bench database

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


SERVED: dict[str, object] = {}  # the serving process's pid, workers, log, database's name


def answered_by(log: Path, request_ids: set[str]) -> set[int]:
    """The worker processes that answered these requests (their JSON request log lines)."""
    found = set()
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and any(rid in line for rid in request_ids):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("request_id") in request_ids:
                    found.add(entry["pid"])
    return found


def warm_every_worker(base: str, path: str, timeout: float = 120.0) -> None:
    """Warm every worker's caches for ``path`` before it is measured: requests on fresh
    connections, several at a time (a worker busy building its page does not accept them
    all), until each worker process has answered one (read from the request log), so no
    worker builds its caches cold under the measured load."""
    workers, log = SERVED.get("workers", 1), SERVED.get("log")
    if not isinstance(log, Path) or workers == 1:
        httpx.get(base + path, timeout=60)
        return
    ids: set[str] = set()
    deadline = time.monotonic() + timeout

    def one() -> None:
        rid = uuid.uuid4().hex
        ids.add(rid)
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(base + path, headers={"X-Request-ID": rid}, timeout=60)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline:
            list(pool.map(lambda _: one(), range(8)))
            if len(answered_by(log, ids)) >= workers:  # type: ignore[operator]
                return
    print(f"  (warm-up: only {len(answered_by(log, ids))} of {workers} workers answered "
          f"{path})", file=sys.stderr)


def _ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return 0
    return sum(int(x) for x in stat[stat.rindex(b")") + 2:].split()[11:15])


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and its descendants so far (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        total += _ticks(pid)
    return total / os.sysconf("SC_CLK_TCK")


def db_backends(database: str) -> dict[int, int]:
    """CPU ticks of the PostgreSQL backends connected to ``database`` (on this machine)."""
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            pids = [r[0] for r in conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database})]
    finally:
        admin.dispose()
    return {pid: _ticks(pid) for pid in pids}


def measured(run: Callable[[], Result]) -> Result:
    """``run()`` with the server's and the database's CPU per request (backends that ended
    during the run are not counted: a floor)."""
    pid, database = SERVED.get("pid"), SERVED.get("database")
    server = tree_cpu(pid) if isinstance(pid, int) else None
    before = db_backends(database) if isinstance(database, str) else None
    result = run()
    answered = max(result.requests, 1)
    if server is not None:
        result.server_cpu_ms = (tree_cpu(pid) - server) * 1000 / answered  # type: ignore[arg-type]
    if before is not None:
        after = db_backends(database)  # type: ignore[arg-type]
        ticks = sum(t - before.get(p, 0) for p, t in after.items())
        result.db_cpu_ms = ticks / os.sysconf("SC_CLK_TCK") * 1000 / answered
    return result


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SODO %d %d %f %f %f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def load_wrk(base: str, path: str, clients: int, seconds: float,
             rate: float | None = None) -> Result:
    """wrk (C, one thread) as the load generator: it leaves the CPU to the server. With
    ``rate``, each connection pauses between requests so that the clients together offer
    about ``rate`` requests/s (latency at a given load, not at saturation)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
        if rate:
            script.write(f"delay = function() return {1000 * clients / rate:.1f} end\n")
    try:
        warm_every_worker(base, path)
        out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout",
                              "30s", "-s", script.name, base + path], capture_output=True,
                             text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("SODO "))
    requests, errors, duration, p50, p95 = line.split()[1:]
    return Result(int(requests), int(errors), float(duration), float(p50), float(p95))


async def load_httpx(base: str, path: str, clients: int, seconds: float,
                     rate: float | None = None) -> Result:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    warm_every_worker(base, path)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def warm() -> None:
            with contextlib.suppress(httpx.HTTPError):
                await client.get(path)

        # open the connections and warm the server's caches (all at once: a slow page
        # must not take clients × its time)
        await asyncio.gather(*(warm() for _ in range(clients)))
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                began = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError:  # no answer within the timeout: an error, not a crash
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    errors += 1
                if rate:
                    await asyncio.sleep(clients / rate)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [float("nan")]
    return Result(len(latencies), errors, elapsed, ordered[len(ordered) // 2] * 1000,
                  ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000)


CLIENT = "auto"  # wrk when installed, else httpx (--client)


def client_tool() -> str:
    if CLIENT == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    if CLIENT == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--client wrk: wrk is not installed (apt-get install wrk)")
    return CLIENT


def load(base: str, path: str, clients: int, seconds: float,
         rate: float | None = None) -> Result:
    if client_tool() == "wrk":
        return measured(lambda: load_wrk(base, path, clients, seconds, rate))
    return measured(lambda: asyncio.run(load_httpx(base, path, clients, seconds, rate)))


#: uvicorn's event loop and HTTP parser, for the measured tree and for the ``--src`` baseline
#: ("auto": uvloop and httptools when installed, as ``sodo serve`` runs; main's lock before
#: issue 17 installed neither, so its baseline runs on asyncio and h11)
STACK = {"loop": "auto", "http": "auto", "baseline_loop": "asyncio", "baseline_http": "h11"}


def serve(url: str, workers: int = 1, web: bool = False,
          src: str = "") -> tuple[subprocess.Popen, str]:
    port = int(os.environ.get("SODO_BENCH_PORT") or free_port())
    env = {**os.environ, "SODO_BENCH_DB": url, "SODO_BENCH_WEB": "1" if web else "0"}
    if src:  # another checkout's sodo (a baseline), ahead of the installed one
        env["PYTHONPATH"] = src
    # Served as ``sodo serve`` serves: its JSON request log (one line per request, here to a
    # file), no uvicorn access log, no proxy headers, no server header.
    from sodo.http.operations import LOG_CONFIG

    config = Path(tempfile.gettempdir()) / f"sodo-bench-log-{port}.json"
    config.write_text(json.dumps(LOG_CONFIG))
    log_path = Path(tempfile.gettempdir()) / f"sodo-bench-{port}.log"
    SERVED["log"], SERVED["workers"] = log_path, workers
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "benchmarks.bench_api:app_factory", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level",
         "warning", "--log-config", str(config), "--no-access-log", "--no-proxy-headers",
         "--no-server-header",
         "--loop", STACK["baseline_loop" if src else "loop"],
         "--http", STACK["baseline_http" if src else "http"]], env=env, cwd=Path(__file__).resolve().parent.parent,
        stderr=log)
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + HEALTH_PATH, timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not start")


def run_backend(name: str, url: str, clients: int, seconds: float,
                workers_list: tuple[int, ...] = (1,), overview: bool = False,
                src: str = "") -> None:
    rows = fill(url)
    for workers in workers_list:
        if src:
            run_workers(f"{name} [src={src}]", url, rows, clients, seconds, workers, overview,
                        src)
        run_workers(name, url, rows, clients, seconds, workers, overview)


def stop(proc: subprocess.Popen) -> None:
    """Stop the server, killing it if it is still busy with queued requests."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


def run_workers(name: str, url: str, rows: int, clients: int, seconds: float, workers: int,
                overview: bool, src: str = "") -> None:
    proc, base = serve(url, workers, web=overview, src=src)
    SERVED["pid"] = proc.pid
    if url.startswith("postgresql"):
        SERVED["database"] = url.rsplit("/", 1)[1]
    page: tuple[Result, Result] | None = None
    try:
        check = httpx.get(base + VALUES_PATH, timeout=30).json()
        assert check["count"] == 34 * 12, check["count"]
        health = load(base, HEALTH_PATH, clients, seconds)
        values = load(base, VALUES_PATH, clients, seconds)
        health_paced = load(base, HEALTH_PATH, clients, seconds, GOAL_RPS)
        values_paced = load(base, VALUES_PATH, clients, seconds, GOAL_RPS)
        if overview:
            assert httpx.get(base + "/", timeout=60).status_code == 200
            page = (load(base, "/", clients, seconds), load(base, "/", clients, seconds,
                                                             GOAL_RPS))
    finally:
        stop(proc)
    tool = client_tool()
    load1, load5, _ = os.getloadavg()
    stack = "/".join(STACK[k] for k in (("baseline_loop", "baseline_http") if src
                                         else ("loop", "http")))
    print(f"\n{name}, {workers} worker(s), uvicorn {stack}: {rows:,} rows in indicator_value; "
          f"{clients} clients ({tool}), {seconds:g} s each; load average {load1:.2f} "
          f"{load5:.2f}")
    print(f"  {'endpoint':<26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
          f"{'srv cpu ms/req':>14} {'db cpu ms/req':>13}")
    for label, result in (("health, saturated", health), ("values, saturated", values),
                          (f"health, paced {GOAL_RPS:g}/s", health_paced),
                          (f"values, paced {GOAL_RPS:g}/s", values_paced)):
        print(f"  {label:<26} {result.rps:8.0f} {result.p50_ms:8.1f} {result.p95_ms:8.1f} "
              f"{result.errors:7d} {result.server_cpu_ms:14.2f} {result.db_cpu_ms:13.2f}")
    if page is not None:
        for label, result in (("overview page, saturated", page[0]),
                              (f"overview, paced {GOAL_RPS:g}/s", page[1])):
            print(f"  {label:<26} {result.rps:8.0f} {result.p50_ms:8.1f} "
                  f"{result.p95_ms:8.1f} {result.errors:7d} {result.server_cpu_ms:14.2f} "
                  f"{result.db_cpu_ms:13.2f}")
        print(f"  overview/health: saturated throughput ×{page[0].rps / health.rps:.2f}")
    if page is not None:
        page_met = page[1].p95_ms < GOAL_P95_MS and page[0].rps >= GOAL_RPS
        print(f"  overview: saturated {page[0].rps:.0f} req/s, paced p95 {page[1].p95_ms:.1f} "
              f"ms. Goal (p95 < {GOAL_P95_MS:g} ms at ≥ {GOAL_RPS:g} req/s): "
              f"{'met' if page_met else 'not met'}")
    met = values_paced.p95_ms < GOAL_P95_MS and values.rps >= GOAL_RPS
    print(f"  values/health: saturated throughput ×{values.rps / health.rps:.2f}; paced p95 "
          f"×{values_paced.p95_ms / health_paced.p95_ms:.2f}. Goal (p95 < {GOAL_P95_MS:g} ms "
          f"at ≥ {GOAL_RPS:g} req/s): {'met' if met else 'not met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1",
                        help="comma-separated worker counts, e.g. 1,2,4 (issue 17)")
    parser.add_argument("--overview", action="store_true",
                        help="also load the overview page (the web app is served too)")
    parser.add_argument("--src", default="",
                        help="first serve this src folder (a baseline checkout) the same way")
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto",
                        help="load generator: wrk (C, leaves the CPU to the server) or httpx")
    parser.add_argument("--loop", default="auto", help="uvicorn --loop of the measured tree")
    parser.add_argument("--http", default="auto", help="uvicorn --http of the measured tree")
    parser.add_argument("--baseline-loop", default="asyncio",
                        help="uvicorn --loop of the --src baseline")
    parser.add_argument("--baseline-http", default="h11",
                        help="uvicorn --http of the --src baseline")
    args = parser.parse_args()
    STACK.update(loop=args.loop, http=args.http, baseline_loop=args.baseline_loop,
                 baseline_http=args.baseline_http)
    global CLIENT
    CLIENT = args.client
    workers = tuple(int(w) for w in args.workers.split(","))
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="sodo-bench-") as tmp:
                run_backend("SQLite", f"sqlite:///{tmp}/sodo.db", args.clients, args.seconds,
                            workers, args.overview, args.src)
        elif backend == "postgresql":
            name = f"sodo_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run_backend("PostgreSQL", PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
                            args.clients, args.seconds, workers, args.overview, args.src)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            raise SystemExit(f"unknown backend '{backend}'")


if __name__ == "__main__":
    main()
