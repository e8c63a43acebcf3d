"""The public API: generate (in memory) and write_warehouse (into a DuckDB file)."""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pandas as pd

from customer_health.generator.builder import _Builder
from customer_health.generator.config import (
    GENERATOR_VERSION,
    GeneratorConfig,
)
from customer_health.generator.materialise import _ORDER_KEYS, _materialise, _sql
from customer_health.pipeline import relations


def generate(config: GeneratorConfig) -> dict[str, pd.DataFrame]:
    """Generate the demo warehouse in memory.

    Returns a mapping ``"<schema>.<table>" -> DataFrame`` with the raw contract tables
    (``raw.accounts``, ``raw.contacts``, ``raw.tickets``, ``raw.usage_events``,
    ``raw.survey_responses``, ``raw.subscription_events``, ``raw.touchpoints``,
    ``raw.csm_sentiment``) and the truth
    tables (``demo_truth.accounts``, ``demo_truth.seasonal_factors``), each sorted by its id.
    The output is a pure function of ``config`` (the ``demo_truth.generation`` marker, which
    carries a wall-clock timestamp, is only written by :func:`write_warehouse`).
    """
    compact = _Builder(config).build()
    con = duckdb.connect()
    try:
        _materialise(con, compact)
        return {
            table: con.execute(f"select * from {table} order by {_ORDER_KEYS[table]}").df()
            for table in compact
        }
    finally:
        con.close()


def write_warehouse(db_path: str | os.PathLike[str], config: GeneratorConfig) -> dict[str, int]:
    """Generate the demo warehouse and write it into the DuckDB database at ``db_path``.

    Creates the ``raw`` and ``demo_truth`` schemas if missing, replaces their generated tables,
    writes the ``demo_truth.generation`` marker row, and returns the row count per table.
    """
    compact = _Builder(config).build()
    path = os.fspath(db_path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    con = relations.connect(path, read_only=False)
    try:
        counts = _materialise(con, compact, consume=True)
        _sql(con, "drop table if exists demo_truth.generation")
        _sql(
            con,
            """
            create table demo_truth.generation as
            select ?::bigint as seed, ?::integer as n_accounts, ?::integer as history_days,
                   ?::date as end_date, ?::timestamp as generated_at,
                   ?::varchar as generator_version, ?::integer as n_internal,
                   ?::double as usage_intensity, ?::double as ticket_intensity,
                   ?::double as survey_intensity, ?::double as touchpoint_intensity
            """,
            [
                config.seed, config.n_accounts, config.history_days, config.end_date,
                dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                GENERATOR_VERSION, config.internal_count, config.usage_intensity,
                config.ticket_intensity, config.survey_intensity, config.touchpoint_intensity,
            ],
        )
        counts["demo_truth.generation"] = 1
        _sql(con, "checkpoint")
    finally:
        con.close()
    return counts

