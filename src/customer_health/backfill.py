"""Score history for a range of dates: `customer-health backfill --from D1 --to D2`.

The daily history (marts.health_score_daily, and health_band_transitions, a view over it)
normally holds the score_history_days days of the first build plus one day per run. A
backfill scores every date of [D1, D2] on the working warehouse, in chunks:

1. prepare (one dbt build): everything the score models read that does not depend on the
   score dates (seeds, configuration, staging, usage aggregates), at scoring date D2, with
   the seeds unchanged since the last green build skipped as `run` does;
2. the dates of [D1, D2] already complete for the current configuration (every stored row
   of the date carries the current config_version) are skipped: an interrupted backfill
   started again does only what is missing;
3. the other dates, in runs of consecutive dates cut into chunks of at most chunk_days,
   each one dbt build of the score models (int_score_dates_listed up to
   health_score_daily) with HEALTH_AS_OF_DATE = the chunk's last date and
   HEALTH_SCORE_HISTORY_START = its first (macros/scoring/score_history.sql): the model
   scores exactly those dates and the incremental merge (delete+insert per score_date)
   replaces them and keeps every other stored date. A chunk is one transaction per
   date's rows: a killed backfill leaves each date complete or absent.

A day's score is computed from data known on that day only, so a backfilled date equals
the same date computed by a full build. The current marts (health_score, alerts...) are
not touched; the intermediate score tables hold the last chunk until the next run.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import duckdb

from customer_health import project, runner

HISTORY_RELATION = "marts.health_score_daily"
CONFIG_RELATION = "intermediate.int_health_config_validated"
# the score models: from the dates a run scores up to the daily mart
SCORE_MODELS = "int_score_dates_listed+,+health_score_daily"
DEFAULT_CHUNK_DAYS = 31
START_ENV = "HEALTH_SCORE_HISTORY_START"


class BackfillResult(NamedTuple):
    """What a backfill did."""

    dates: int  # dates in the range
    skipped: int  # already complete for the current configuration
    chunks: list[tuple[dt.date, dt.date]]  # the chunks built, in order
    seconds: float


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from start to end, both included."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def plan_chunks(dates: list[dt.date], chunk_days: int) -> list[tuple[dt.date, dt.date]]:
    """Cut dates into (first, last) chunks of consecutive dates, at most chunk_days each."""
    chunks: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(dates)):
        if chunks:
            first, last = chunks[-1]
            if day == last + dt.timedelta(days=1) and (day - first).days < chunk_days:
                chunks[-1] = (first, day)
                continue
        chunks.append((day, day))
    return chunks


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, table = relation.split(".")
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?", [schema, table]).fetchone()[0])


def current_config_version(db_path: Path) -> str | None:
    """The config_version of the last build of the configuration (None before any)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if not _relation_exists(con, CONFIG_RELATION):
            return None
        row = con.execute(f"select max(config_version) from {CONFIG_RELATION}").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def complete_dates(
    db_path: Path, config_version: str | None, start: dt.date, end: dt.date
) -> set[dt.date]:
    """The dates of [start, end] whose stored rows all carry config_version."""
    if config_version is None:
        return set()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if not _relation_exists(con, HISTORY_RELATION):
            return set()
        rows = con.execute(
            f"select score_date from {HISTORY_RELATION} where score_date between ? and ? "
            "group by score_date having bool_and(config_version = ?)",
            [start, end, config_version],
        ).fetchall()
    finally:
        con.close()
    return {row[0] for row in rows}


def prepare_args(root: Path, db_path: Path) -> list[str]:
    """The dbt build of what the score models read and that no score date changes (with the
    tests on those models only, and without the seeds unchanged since the last green run)."""
    skip = project.seed_plan(project.target_dir(root), db_path, False, root).unchanged
    return ["build", "--select", "+health_score_daily", "--exclude", "int_score_dates_listed+",
            *skip, "--exclude-resource-type", "unit_test", *project.NO_OP_RESOURCE_TYPES,
            "--indirect-selection", "cautious"]


def chunk_args() -> list[str]:
    """The dbt build of one chunk: the score models and the tests on them only.

    `--indirect-selection cautious`: a test that also reads a model left out (the current
    marts, e.g. assert_daily_matches_current, checked at the scoring date) is left out.
    """
    return ["build", "--select", SCORE_MODELS,
            "--exclude-resource-type", "unit_test", *project.NO_OP_RESOURCE_TYPES,
            "--indirect-selection", "cautious"]


def backfill(
    root: Path,
    db_path: Path,
    start: dt.date,
    end: dt.date,
    chunk_days: int = DEFAULT_CHUNK_DAYS,
    *,
    prepare: bool = True,
    pass_fds: tuple[int, ...] = (),
    progress: bool = True,
    say: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Score every date of [start, end] not yet complete; raise runner.DbtFailure on failure.

    prepare=False skips the preparing build (the caller has just built everything at a
    later scoring date, as `run --backfill-days` does). A tqdm bar on stderr counts the
    dates (progress=False: none); say receives one line per finished chunk.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    if prepare:
        runner.run(prepare_args(root, db_path), root, db_path, as_of=end, capture=True,
                   pass_fds=pass_fds)
    config_version = current_config_version(db_path)
    dates = date_range(start, end)
    done = complete_dates(db_path, config_version, start, end)
    pending = [day for day in dates if day not in done]
    chunks = plan_chunks(pending, chunk_days)
    tell = say or (lambda line: tqdm.write(line, file=sys.stderr))
    tell(f"backfill {start}..{end}: {len(dates)} dates, {len(done)} already complete for "
         f"config {config_version}, {len(pending)} to score in {len(chunks)} chunks")
    bar = tqdm(total=len(dates), initial=len(done), unit="date", desc="backfill",
               file=sys.stderr, disable=not progress, dynamic_ncols=True)
    try:
        for first, last in chunks:
            chunk_started = time.perf_counter()
            runner.run(chunk_args(), root, db_path, as_of=last, env={START_ENV: first.isoformat()},
                       capture=True, pass_fds=pass_fds)
            bar.update((last - first).days + 1)
            tell(f"backfill: {first}..{last} done ({(last - first).days + 1} dates, "
                 f"{time.perf_counter() - chunk_started:.1f} s)")
    finally:
        bar.close()
    return BackfillResult(len(dates), len(done), chunks, time.perf_counter() - started)
