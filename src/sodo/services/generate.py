"""Synthetic records (dossiers, feedback) for demos, tests and benchmarks.

Vectorised with numpy and written through DuckDB from a stream of Arrow batches, so a million
rows take seconds and tens of millions are generated chunk by chunk in bounded memory. The
output is reproducible: the same arguments and seed give the same file.

What makes the data realistic enough to exercise the indicators:

- agencies: the 17 current ministries and the 34 provinces; a province's dossiers are settled
  by its communes (70 %) or by the province itself (30 %);
- a procedure catalogue generated deterministically (independent of the seed): procedure code,
  level, processing days, eligible for full online service, fee, result is a document;
- stable per-agency propensities derived from the agency code, so provinces differ from each
  other in the same way whatever the seed;
- seasons: a dip around Tết (January, February) and a rise towards the end of the year;
- calibration to the seeds' figures (November 2025): the fully-online share of all dossiers
  received is about 73.35 % at ministries and 21.17 % at provinces, 51.7 % nationally (the
  ministries settle about 58.5 % of dossiers), and each has risen about 12.4 points a year;
- lateness, supplements (0, 1, 2+ requests and the days spent waiting on the applicant),
  ratings and feedback flags; dossiers still open at the end of the range are in progress.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sodo.domain.orgunits import Hierarchy, default_hierarchy
from sodo.domain.periods import Period, PeriodError
from sodo.domain.problems import InputError

CHUNK_ROWS = 1_000_000
OUTPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".ndjson": "json", ".jsonl": "json"}

#: Calibration anchors (November 2025) and yearly rise of the fully-online share.
ANCHOR_MONTH = (2025, 11)
FULL_ONLINE_SHARE = {"ministry": 0.7335, "province": 0.2117}
FULL_ONLINE_RISE_PER_MONTH = 0.1242 / 12
MINISTRY_SHARE_OF_DOSSIERS = 0.585
PROVINCE_SELF_SHARE = 0.30  # of a province's dossiers, settled by the province, not a commune

#: Month-of-year volume factors: Tết dip in January/February, a rise towards year end.
SEASON = np.array([0.82, 0.68, 1.0, 0.98, 1.0, 0.98, 0.97, 0.99, 1.02, 1.05, 1.1, 1.22])
VOLUME_GROWTH_PER_MONTH = 0.01

PROCEDURE_LEVELS = {"ministry": 160, "province": 140, "commune": 80}
ELIGIBLE_FULL_ONLINE = {"ministry": 0.93, "province": 0.6, "commune": 0.5}
PROGRESS = Callable[[int, int], None]


@dataclass(frozen=True)
class Procedure:
    code: str
    level: str
    days: int
    eligible_full_online: bool
    fee_required: bool
    result_is_document: bool


@cache
def procedure_catalogue() -> tuple[Procedure, ...]:
    """The deterministic procedure catalogue (the same for every seed)."""
    rng = np.random.default_rng(766)
    out: list[Procedure] = []
    number = 1
    for level, count in PROCEDURE_LEVELS.items():
        for _ in range(count):
            out.append(Procedure(
                code=f"{1 + (number % 3)}.{number * 37 % 1_000_000:06d}",
                level=level,
                days=int(rng.choice([1, 3, 5, 7, 10, 15, 20, 30])),
                eligible_full_online=bool(rng.random() < ELIGIBLE_FULL_ONLINE[level]),
                fee_required=bool(rng.random() < 0.45),
                result_is_document=bool(rng.random() < 0.7),
            ))
            number += 1
    return tuple(out)


def _stable_factor(code: str, spread: float, salt: str) -> float:
    """A propensity factor derived from the agency code alone (stable across seeds)."""
    rng = np.random.default_rng(zlib.crc32(f"{salt}:{code}".encode()))
    return float(np.exp(rng.normal(0.0, spread)))


@dataclass
class _Agencies:
    ministries: list[str]
    ministry_weight: np.ndarray
    ministry_factor: np.ndarray
    provinces: list[str]
    province_weight: np.ndarray
    province_factor: np.ndarray
    commune_codes: np.ndarray  # all communes, grouped by province in province order
    commune_offset: np.ndarray  # per province: first index into commune_codes
    commune_count: np.ndarray


def _agencies(hierarchy: Hierarchy) -> _Agencies:
    day = date(2025, 11, 1)
    ministries = [u.code for u in hierarchy.at_level("ministry", on=day)]
    provinces = [u.code for u in hierarchy.at_level("province", on=day)]
    communes: list[str] = []
    offsets, counts = [], []
    for code in provinces:
        children = sorted(c.code for c in hierarchy.children(code, on=day)
                          if c.level == "commune")
        offsets.append(len(communes))
        counts.append(len(children))
        communes.extend(children)

    def weights(codes: list[str], salt: str, spread: float) -> np.ndarray:
        w = np.array([_stable_factor(c, spread, salt) for c in codes])
        return w / w.sum()

    def factors(codes: list[str], weight: np.ndarray, spread: float) -> np.ndarray:
        f = np.array([_stable_factor(c, spread, "online") for c in codes])
        return f / float((f * weight).sum())  # volume-weighted mean 1 keeps the calibration

    mw = weights(ministries, "volume", 0.8)
    pw = weights(provinces, "volume", 0.6)
    return _Agencies(ministries, mw, factors(ministries, mw, 0.08), provinces, pw,
                     factors(provinces, pw, 0.35), np.array(communes, dtype=object),
                     np.array(offsets), np.array(counts))


def _months(start: str, end: str) -> list[Period]:
    try:
        first, last = Period.parse(start), Period.parse(end)
    except PeriodError as exc:
        raise InputError(f"bad month: {exc}") from None
    if first.type != "month" or last.type != "month":
        raise InputError(f"--from and --to must be months like 2024-01 (got {start}, {end})")
    if last.start < first.start:
        raise InputError(f"--to {end} is before --from {start}")
    months = [first]
    while months[-1].id != last.id:
        months.append(months[-1].next())
    return months


def _month_index_offset(period: Period) -> int:
    return (period.start.year - ANCHOR_MONTH[0]) * 12 + period.start.month - ANCHOR_MONTH[1]


def _ids(prefix: str, start: int, count: int) -> pa.Array:
    import pyarrow.compute as pc

    numbers = pa.array(np.arange(start, start + count, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, 10, "0"), "")


def _timestamps(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[us]"), type=pa.timestamp("us"))


def _received(rng: np.random.Generator, months: list[Period], month_idx: np.ndarray
              ) -> np.ndarray:
    starts = np.array([np.datetime64(m.start, "s") for m in months])
    lengths = np.array([(m.end - m.start).days + 1 for m in months])
    day = np.floor(rng.random(month_idx.size) * lengths[month_idx]).astype("int64")
    seconds = (7 * 3600 + 1800 + rng.random(month_idx.size) * 9.5 * 3600).astype("int64")
    return starts[month_idx] + day * 86400 + seconds


def _dossier_batches(rows: int, months: list[Period], seed: int, hierarchy: Hierarchy,
                     progress: PROGRESS | None) -> Iterator[pa.RecordBatch]:
    agencies = _agencies(hierarchy)
    catalogue = procedure_catalogue()
    by_level = {lvl: [p for p in catalogue if p.level == lvl] for lvl in PROCEDURE_LEVELS}
    # Popularity follows a Zipf-like law within each level.
    popularity = {lvl: (1 / np.arange(1, len(ps) + 1) ** 0.9) for lvl, ps in by_level.items()}
    popularity = {lvl: w / w.sum() for lvl, w in popularity.items()}
    eligible_rate = {lvl: float((popularity[lvl] * np.array(
        [p.eligible_full_online for p in by_level[lvl]])).sum()) for lvl in by_level}
    offsets = np.array([_month_index_offset(m) for m in months])
    volume = SEASON[[m.start.month - 1 for m in months]] * (
        1 + VOLUME_GROWTH_PER_MONTH) ** offsets
    month_p = volume / volume.sum()
    end_of_data = np.datetime64(months[-1].end, "s") + 86400
    done = 0
    for chunk, start in enumerate(range(0, rows, CHUNK_ROWS)):
        n = min(CHUNK_ROWS, rows - start)
        rng = np.random.default_rng([seed, chunk])
        month_idx = rng.choice(len(months), size=n, p=month_p)
        received = _received(rng, months, month_idx)
        is_ministry = rng.random(n) < MINISTRY_SHARE_OF_DOSSIERS
        # Agencies: ministry, province itself, or one of its communes.
        ministry_idx = rng.choice(len(agencies.ministries), size=n, p=agencies.ministry_weight)
        province_idx = rng.choice(len(agencies.provinces), size=n, p=agencies.province_weight)
        at_province = rng.random(n) < PROVINCE_SELF_SHARE
        commune_idx = agencies.commune_offset[province_idx] + np.floor(
            rng.random(n) * agencies.commune_count[province_idx]).astype("int64")
        agency = np.where(is_ministry, np.array(agencies.ministries, dtype=object)[ministry_idx],
                          np.where(at_province,
                                   np.array(agencies.provinces, dtype=object)[province_idx],
                                   agencies.commune_codes[commune_idx]))
        level_code = np.where(is_ministry, 0, np.where(at_province, 1, 2))
        factor = np.where(is_ministry, agencies.ministry_factor[ministry_idx],
                          agencies.province_factor[province_idx])
        # Procedures of the agency's level.
        proc_code = np.empty(n, dtype=object)
        days = np.empty(n, dtype="int64")
        eligible = np.empty(n, dtype=bool)
        fee = np.empty(n, dtype=bool)
        document = np.empty(n, dtype=bool)
        elig_rate = np.empty(n)
        for code, lvl in enumerate(("ministry", "province", "commune")):
            mask = level_code == code
            k = int(mask.sum())
            procs = by_level[lvl]
            pick = rng.choice(len(procs), size=k, p=popularity[lvl])
            proc_code[mask] = np.array([p.code for p in procs], dtype=object)[pick]
            days[mask] = np.array([p.days for p in procs])[pick]
            eligible[mask] = np.array([p.eligible_full_online for p in procs])[pick]
            fee[mask] = np.array([p.fee_required for p in procs])[pick]
            document[mask] = np.array([p.result_is_document for p in procs])[pick]
            elig_rate[mask] = eligible_rate[lvl]
        # Channel: the fully-online share rises linearly to the anchor month (and beyond).
        base = np.where(is_ministry, FULL_ONLINE_SHARE["ministry"],
                        FULL_ONLINE_SHARE["province"])
        share = np.clip(base + FULL_ONLINE_RISE_PER_MONTH * offsets[month_idx], 0.01, 0.97)
        p_full = np.clip(share * factor / elig_rate, 0.0, 0.995)
        u = rng.random(n)
        full = eligible & (u < p_full)
        u2 = rng.random(n)
        trend = np.clip(1 + 0.02 * offsets[month_idx], 0.5, 1.3)
        partial = ~full & (u2 < 0.30 * trend)
        postal = ~full & ~partial & (u2 > 0.96)
        channel = np.where(full, "online_full", np.where(
            partial, "online_partial", np.where(postal, "postal", "offline"))).astype(object)
        online = full | partial
        # Supplements, processing and lateness.
        u3 = rng.random(n)
        supplements = np.where(u3 < 0.86, 0, np.where(u3 < 0.965, 1, 2 + (u3 > 0.99)))
        supplement_days = np.where(supplements > 0,
                                   np.round(rng.exponential(3.0, n) * supplements, 1), 0.0)
        lateness = np.where(is_ministry, 0.05, 0.09) / np.sqrt(factor)
        late = rng.random(n) < lateness
        used = np.where(late, days * (1.05 + rng.exponential(0.4, n)),
                        days * rng.uniform(0.2, 1.0, n))
        due = received + days * 86400
        finished = received + ((used + supplement_days) * 86400).astype("int64")
        open_at_end = finished >= end_of_data
        u4 = rng.random(n)
        status = np.where(u4 < 0.92, "finished", np.where(u4 < 0.95, "returned", np.where(
            u4 < 0.97, "refused", np.where(u4 < 0.985, "stopped", "withdrawn")))).astype(object)
        status = np.where(open_at_end, np.where(supplements > 0, "supplement_requested",
                                                np.where(u4 < 0.2, "received", "in_progress")),
                          status).astype(object)
        closed = ~open_at_end
        # Digital-government flags, rising with time and with the agency's propensity.
        lift = np.clip(factor, 0.5, 1.6) * trend
        paid_online = fee & online & (rng.random(n) < np.clip(0.55 * lift, 0, 0.98))
        digitized = rng.random(n) < np.clip(np.where(is_ministry, 0.7, 0.55) * lift, 0, 0.98)
        e_result = closed & document & digitized & (rng.random(n) < 0.85)
        reused = digitized & (rng.random(n) < np.clip(0.45 * lift, 0, 0.98))
        from_store = digitized & (rng.random(n) < 0.35)
        population = rng.random(n) < np.where(online, 0.75, 0.3)
        synced = rng.random(n) < 0.94
        u5 = rng.random(n)
        rating = np.where(closed & (u5 < 0.27), "satisfied",
                          np.where(closed & (u5 > 0.975), "unsatisfied", None)).astype(object)
        has_feedback = rng.random(n) < 0.008
        finished_ts = _timestamps(finished)
        batch = pa.RecordBatch.from_pydict({
            "dossier_id": _ids(f"HS{seed}-", start, n),
            "procedure_code": pa.array(proc_code, pa.string()),
            "agency_code": pa.array(agency, pa.string()),
            "received_at": _timestamps(received),
            "due_at": _timestamps(due),
            "finished_at": pa.array(finished_ts.to_numpy(zero_copy_only=False),
                                    type=pa.timestamp("us"), mask=open_at_end),
            "status": pa.array(status, pa.string()),
            "channel": pa.array(channel, pa.string()),
            "eligible_full_online": pa.array(eligible),
            "fee_required": pa.array(fee),
            "paid_online": pa.array(paid_online),
            "supplement_count": pa.array(supplements.astype("int64")),
            "supplement_days": pa.array(supplement_days.astype("float64")),
            "result_is_document": pa.array(document),
            "e_result": pa.array(e_result),
            "digitized": pa.array(digitized),
            "reused_data": pa.array(reused),
            "from_data_store": pa.array(from_store),
            "population_db": pa.array(population),
            "synced_on_time": pa.array(synced),
            "rating": pa.array(rating, pa.string()),
            "has_feedback": pa.array(has_feedback),
        })
        done += n
        if progress is not None:
            progress(done, rows)
        yield batch


FEEDBACK_DEADLINE_DAYS = {"rejected": 2, "supplement_requested": 5, "handled": 15,
                          "published": 2}


def _feedback_batches(rows: int, months: list[Period], seed: int, hierarchy: Hierarchy,
                      progress: PROGRESS | None) -> Iterator[pa.RecordBatch]:
    agencies = _agencies(hierarchy)
    offsets = np.array([_month_index_offset(m) for m in months])
    volume = SEASON[[m.start.month - 1 for m in months]]
    month_p = volume / volume.sum()
    end_of_data = np.datetime64(months[-1].end, "s") + 86400
    done = 0
    for chunk, start in enumerate(range(0, rows, CHUNK_ROWS)):
        n = min(CHUNK_ROWS, rows - start)
        rng = np.random.default_rng([seed, 10_000 + chunk])
        month_idx = rng.choice(len(months), size=n, p=month_p)
        received = _received(rng, months, month_idx)
        is_ministry = rng.random(n) < 0.35
        ministry_idx = rng.choice(len(agencies.ministries), size=n, p=agencies.ministry_weight)
        province_idx = rng.choice(len(agencies.provinces), size=n, p=agencies.province_weight)
        at_province = rng.random(n) < 0.5
        commune_idx = agencies.commune_offset[province_idx] + np.floor(
            rng.random(n) * agencies.commune_count[province_idx]).astype("int64")
        agency = np.where(is_ministry, np.array(agencies.ministries, dtype=object)[ministry_idx],
                          np.where(at_province,
                                   np.array(agencies.provinces, dtype=object)[province_idx],
                                   agencies.commune_codes[commune_idx]))
        factor = np.where(is_ministry, agencies.ministry_factor[ministry_idx],
                          agencies.province_factor[province_idx])
        u = rng.random(n)
        outcome = np.where(u < 0.08, "rejected", np.where(
            u < 0.15, "supplement_requested", np.where(u < 0.9, "handled", "published")))
        deadline_days = np.select(
            [outcome == k for k in FEEDBACK_DEADLINE_DAYS],
            list(FEEDBACK_DEADLINE_DAYS.values()), 15)
        deadline = received + deadline_days * 86400
        late = rng.random(n) < np.clip(0.12 / np.sqrt(factor) - 0.01 * offsets[month_idx] / 12,
                                       0.02, 0.5)
        used = np.where(late, deadline_days * (1.1 + rng.exponential(0.5, n)),
                        deadline_days * rng.uniform(0.1, 1.0, n))
        handled = received + (used * 86400).astype("int64")
        open_at_end = handled >= end_of_data
        state = np.where(open_at_end, np.where(u < 0.3, "received", "in_progress"),
                         outcome).astype(object)
        u2 = rng.random(n)
        satisfied = np.where(~open_at_end & (u2 < 0.78), True,
                             np.where(~open_at_end & (u2 < 0.9), False, None))
        handled_ts = _timestamps(handled)
        batch = pa.RecordBatch.from_pydict({
            "feedback_id": _ids(f"PA{seed}-", start, n),
            "agency_code": pa.array(agency, pa.string()),
            "received_at": _timestamps(received),
            "deadline_at": _timestamps(deadline),
            "handled_at": pa.array(handled_ts.to_numpy(zero_copy_only=False),
                                   type=pa.timestamp("us"), mask=open_at_end),
            "state": pa.array(state, pa.string()),
            "satisfied": pa.array(satisfied, pa.bool_()),
            "reraised": pa.array(rng.random(n) < 0.05),
        })
        done += n
        if progress is not None:
            progress(done, rows)
        yield batch


GENERATORS = {"dossiers": _dossier_batches, "feedback": _feedback_batches}


def generate_batches(dataset: str, rows: int, start: str, end: str, seed: int = 0,
                     hierarchy: Hierarchy | None = None,
                     progress: PROGRESS | None = None) -> pa.RecordBatchReader:
    """A stream of Arrow record batches of synthetic ``dataset`` records."""
    if dataset not in GENERATORS:
        raise InputError(f"cannot generate dataset '{dataset}' (one of: "
                         f"{', '.join(GENERATORS)})")
    if rows < 1:
        raise InputError(f"--rows must be at least 1 (got {rows})")
    months = _months(start, end)
    units = hierarchy or default_hierarchy()
    batches = GENERATORS[dataset](rows, months, seed, units, progress)
    first = next(batches)
    return pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def generate_table(dataset: str, rows: int, start: str, end: str, seed: int = 0) -> pa.Table:
    """Synthetic records as one Arrow table (for tests and small samples)."""
    return generate_batches(dataset, rows, start, end, seed).read_all()


def generate_file(dataset: str, rows: int, start: str, end: str, seed: int, out: str | Path,
                  progress: PROGRESS | None = None) -> Path:
    """Write synthetic records to ``out`` (.parquet, .csv or .ndjson by extension)."""
    path = Path(out)
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unsupported output type '{path.suffix or '(none)'}' "
                         f"(one of: {', '.join(OUTPUT_FORMATS)})")
    reader = generate_batches(dataset, rows, start, end, seed, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.register("_sodo_generated", reader)
        options = {"parquet": "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000",
                   "csv": "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'",
                   "json": "FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'"}[fmt]
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")  # ours is on stderr
        escaped = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM _sodo_generated) TO '{escaped}' ({options})")
    finally:
        con.close()
    return path
