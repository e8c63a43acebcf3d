"""Deterministic, vectorised generator of the customer_health demo warehouse.

The generator simulates a B2B SaaS portfolio driven by one latent health per account and writes
it to DuckDB as the ``raw`` schema (the raw contract read by the dbt staging models) plus the
``demo_truth`` schema (the simulated ground truth used to evaluate the score).

Design notes
------------
* Every random stream is derived from ``(seed, component)`` so components are independent and the
  output is identical for identical configs.
* All per-event work is vectorised with numpy: usage is sampled as a Poisson count per
  account-day (dense matrix per chunk of accounts) and expanded with ``np.repeat``; tickets,
  surveys and touchpoints are non-homogeneous Poisson processes sampled by thinning.
* Internally times are float "days since history start" (day 0 = ``end_date - history_days + 1``,
  day ``D`` = the midnight after ``end_date``). Timestamps are floored to whole seconds.
* Issue 25's demo data (renewal dates, account groups three and four levels deep, CSM
  sentiment readings) draws from streams of its own, so adding it left every other table as
  it was.
* Frames are built compactly (integer keys, categoricals); string ids and the exact column types
  are produced by DuckDB SQL, both for :func:`write_warehouse` and for :func:`generate`.

Modules, one job each: config (GeneratorConfig), vocabulary (segments, categories, texts),
sampling (random streams), portfolio (per-account state, latent health), accounts, usage,
tickets, surveys, subscriptions, interactions (touchpoints), csm (CSM sentiment readings),
truth (demo_truth), builder (the
order tables are built in), materialise (SQL types and ids), writer (generate,
write_warehouse), command (the command line).
"""

from customer_health.generator.command import main
from customer_health.generator.config import GENERATOR_VERSION, GeneratorConfig
from customer_health.generator.portfolio import _health, _health_grid, _portfolio
from customer_health.generator.vocabulary import (
    DOW_FACTORS,
    EVENT_NAMES,
    MOY_FACTORS,
    SEG_ENT,
    SEG_INT,
    SEG_MID,
    SEG_SMB,
    SEGMENTS,
    SUBSCRIPTION_EVENT_TYPES,
    SURVEY_TYPES,
    TICKET_CATEGORIES,
    TICKET_CHANNELS,
    TICKET_ONLY_CSAT_SHARE,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    TOUCHPOINT_TYPES,
)
from customer_health.generator.writer import generate, write_warehouse

__all__ = [
    "GENERATOR_VERSION",
    "GeneratorConfig",
    "generate",
    "main",
    "write_warehouse",
    "_health",
    "_health_grid",
    "_portfolio",
    "SEGMENTS",
    "SEG_ENT",
    "SEG_MID",
    "SEG_SMB",
    "SEG_INT",
    "DOW_FACTORS",
    "MOY_FACTORS",
    "TICKET_STATUSES",
    "TICKET_CATEGORIES",
    "TICKET_PRIORITIES",
    "TICKET_CHANNELS",
    "SURVEY_TYPES",
    "TICKET_ONLY_CSAT_SHARE",
    "SUBSCRIPTION_EVENT_TYPES",
    "TOUCHPOINT_TYPES",
    "EVENT_NAMES",
]
