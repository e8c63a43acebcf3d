"""Score history for a range of dates: `customer-health backfill --from D1 --to D2`.

The daily history (marts.health_score_daily, and health_band_transitions, a view over it)
normally holds the score_history_days days of the first build plus one day per run. A
backfill scores every date of [D1, D2] on the working warehouse, in chunks:

1. the dates of [D1, D2] already complete for the configuration (every stored row of the
   date carries its config_version) are skipped: an interrupted backfill started again
   does only what is missing;
2. the other dates, in runs of consecutive dates cut into chunks of at most chunk_days,
   latest first, each one dbt build of the score models (int_score_dates_listed up to
   health_score_daily) with HEALTH_AS_OF_DATE = the chunk's last date and
   HEALTH_SCORE_HISTORY_START = its first (macros/scoring/score_history.sql): the model
   scores exactly those dates and the incremental merge (delete+insert per score_date)
   replaces them and keeps every other stored date. A chunk is one transaction per
   date's rows: a killed backfill leaves each date complete or absent;
3. the first chunk also builds everything the score models read that no score date
   changes (seeds, configuration, staging, usage aggregates; the seeds unchanged since
   the last green build skipped as `run` does), at its last date, which no later chunk
   goes past. If that build changed the configuration version, step 1 is planned again
   (a changed seed or var makes every date due); with nothing due, one build of those
   models checks the configuration first.

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

from customer_health.pipeline import relations, seeds, settings
from customer_health.pipeline.dbt import Dbt, build_args

HISTORY_RELATION = "marts.health_score_daily"
CONFIG_RELATION = "intermediate.int_health_config_validated"
# the score models: from the dates a run scores up to the daily mart, and the backtest's
# store of criterion scores on its evaluation grid (health_criteria_diagnostics reads it),
# which would otherwise never hold a backfilled date; the criterion history
# (health_score_criteria_daily, health_score_evidence_daily: the chunk's last date) beside it
HISTORY_MODELS = [
    "health_score_daily", "health_score_criteria_daily", "health_score_evidence_daily",
]
SCORE_MODELS = [
    *(f"int_score_dates_listed+,+{model}" for model in HISTORY_MODELS),
    "int_backtest_criterion_scores_stored",
]
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
    return relations.has_table(con, schema, table)


def current_config_version(db_path: Path) -> str | None:
    """The config_version of the last build of the configuration (None before any)."""
    con = relations.connect(db_path)
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
    con = relations.connect(db_path)
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


def _seeds_to_skip(root: Path, db_path: Path) -> list[str]:
    """The seeds unchanged since the last green build (pipeline.seeds.seed_plan, as `run`)."""
    return seeds.seed_plan(settings.target_dir(root), db_path, False, root).unchanged


def prepare_args(root: Path, db_path: Path) -> list[str]:
    """The dbt build of what the score models read and that no score date changes (with the
    tests on those models only, and without the seeds unchanged since the last green run)."""
    return build_args(skip_seeds=_seeds_to_skip(root, db_path), select=["+health_score_daily"],
                      exclude=["int_score_dates_listed+"], cautious=True)


def chunk_args(root: Path, db_path: Path, upstream: bool) -> list[str]:
    """The dbt build of one chunk: the score models and the tests on them only; with
    upstream, also everything they read (the first chunk of a backfill).

    `--indirect-selection cautious`: a test that also reads a model left out (the current
    marts, e.g. assert_daily_matches_current, checked at the scoring date) is left out.
    """
    if upstream:
        return build_args(skip_seeds=_seeds_to_skip(root, db_path), cautious=True,
                          select=[*(f"+{model}" for model in HISTORY_MODELS),
                                  "+int_backtest_criterion_scores_stored"])
    return build_args(select=SCORE_MODELS, cautious=True)


def _plan(
    db_path: Path, start: dt.date, end: dt.date, chunk_days: int
) -> tuple[str | None, set[dt.date], list[tuple[dt.date, dt.date]]]:
    """(config_version, the dates complete under it, the chunks of the others, latest first)."""
    version = current_config_version(db_path)
    done = complete_dates(db_path, version, start, end)
    pending = [day for day in date_range(start, end) if day not in done]
    return version, done, plan_chunks(pending, chunk_days)[::-1]


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
    """Score every date of [start, end] not yet complete; raise DbtFailure on failure.

    Chunks run latest first. With prepare, the first chunk also builds everything the score
    models read (seeds, configuration, staging, usage aggregates) at its last date, which
    no later chunk (earlier dates) goes past; then the configuration version is read
    again, and when it changed (a seed or var changed since the last build) the dates are
    planned again under it. prepare=False: the caller has just built all of it at a later
    scoring date (`run --backfill-days`). A tqdm bar on stderr counts the dates
    (progress=False: none); say receives one line per plan and per finished chunk.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    dbt = Dbt(root, db_path)
    tell = say or (lambda line: tqdm.write(line, file=sys.stderr))
    version, done, chunks = _plan(db_path, start, end, chunk_days)
    if prepare and not chunks:
        # nothing due under the stored configuration: make sure it is still the current one
        dbt.at(end).run(prepare_args(root, db_path), capture=True, pass_fds=pass_fds)
        version, done, chunks = _plan(db_path, start, end, chunk_days)
        prepare = False
    total = (end - start).days + 1
    skipped = len(done)

    def announce() -> None:
        tell(f"backfill {start}..{end}: {total} dates, {len(done)} already complete for "
             f"config {version}, {total - len(done)} to score in {len(chunks)} chunks")

    announce()
    built: list[tuple[dt.date, dt.date]] = []
    bar = tqdm(total=total, initial=len(done), unit="date", desc="backfill", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)
    try:
        while chunks:
            first, last = chunks.pop(0)
            upstream = prepare and not built
            chunk_started = time.perf_counter()
            dbt.at(last, **{START_ENV: first.isoformat()}).run(
                chunk_args(root, db_path, upstream), capture=True, pass_fds=pass_fds)
            built.append((first, last))
            bar.update((last - first).days + 1)
            tell(f"backfill: {first}..{last} done ({(last - first).days + 1} dates, "
                 f"{time.perf_counter() - chunk_started:.1f} s)")
            if upstream and current_config_version(db_path) != version:
                version, done, chunks = _plan(db_path, start, end, chunk_days)
                skipped = len(done) - (last - first).days - 1
                bar.n = len(done)
                bar.refresh()
                tell("backfill: the configuration changed since the last build; planned again")
                announce()
    finally:
        bar.close()
    return BackfillResult(total, skipped, built, time.perf_counter() - started)
