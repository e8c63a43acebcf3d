"""Benchmark harness: `customer-health bench` (`make bench`).

For each tier (a demo portfolio of a fixed size, see :data:`TIERS`) and each
repetition, on a scratch copy of the tier's generated warehouse:

1. the *floor*: DuckDB alone (in this process, the profile's thread count and
   memory limit) scans every raw table once with one grouped aggregate;
2. the *full build*: ``dbt build`` from scratch, as ``customer-health run``
   runs it, at the last day of the history;
3. the *incremental refresh*: one new day of raw rows is appended (the rows of
   the last day, shifted by one day, with new ids) and the same ``dbt build``
   runs again (not ``--full-refresh``) at the new day.

Each dbt run is timed (wall clock) and its peak memory is the peak over time of
the summed resident set size of the dbt process and all its descendants,
sampled from ``/proc`` every 50 ms. From dbt's ``run_results.json`` of each run
come the nodes executed (by resource type: seeds, models, tests) and where the
wall time goes: ``sql_s``, the union of the nodes' ``execute`` intervals (time
during which at least one node's SQL was running), and ``overhead_s``, the rest
of the wall time (start-up, parsing, compilation, scheduling, writing results).
Medians over the repetitions, every sample, the slowest nodes and a machine
fingerprint land in ``bench/results.json``; a Markdown report goes to stdout,
``bench/RESULTS.md`` and (``--update-readme``) docs/benchmarks.md. Results files from
before the node counts and the SQL split still render (``-`` for those columns).

Results measured on different machines (fingerprints) are never merged or
compared: a run on another machine is refused unless ``--replace`` starts a
fresh file.

Modules, one job each: common (settings, errors), tiers, warehouses (generated and cached,
one day appended), memory (process-tree RSS), run_results (dbt's node timings), floor,
measure (dbt runs through customer_health.pipeline.dbt.Dbt), postgres (the PostgreSQL
column: tiers S and M on a throwaway server), machine (fingerprint), results (merge),
checks, report (Markdown, README block), command (options, run_cli).
"""

from customer_health.bench.checks import (  # noqa: F401
    HISTORY_TOLERANCE,
    TIME_KEYS,
    _count,
    _limit_check,
    _ratio_check,
    compute_checks,
    nodes_text,
    where_the_time_goes,
)
from customer_health.bench.command import (  # noqa: F401
    _command_line,
    add_arguments,
    parse_postgres_tiers,
    parse_tiers,
    run_cli,
)
from customer_health.bench.common import (  # noqa: F401
    END_DATE,
    GB,
    MAKE_COMMAND,
    README_END,
    README_START,
    RESULTS_SCHEMA_VERSION,
    SAMPLE_INTERVAL_S,
    SEED,
    SLOWEST_COUNT,
    BenchError,
    FingerprintMismatch,
    log,
    median,
)
from customer_health.bench.floor import (  # noqa: F401
    duckdb_settings,
    floor_scan,
)
from customer_health.bench.machine import (  # noqa: F401
    _cpu_model,
    _memory_gb,
    fingerprint_differences,
    git_state,
    machine_fingerprint,
)
from customer_health.bench.measure import (  # noqa: F401
    _median_count,
    _median_of,
    _median_slowest,
    measure_tier,
    phase_medians,
    run_dbt_measured,
    scored_through,
)
from customer_health.bench.memory import (  # noqa: F401
    PeakTreeRss,
    _children_by_parent,
    process_tree_rss,
)
from customer_health.bench.postgres import (  # noqa: F401
    POSTGRES_TIERS,
    BenchServer,
    load_raw,
    measure_tier_postgres,
)
from customer_health.bench.report import (  # noqa: F401
    ENGINES_NOTE,
    TIME_SPLIT_NOTE,
    _fmt,
    render_checks,
    render_cold_parse,
    render_engines,
    render_machine,
    render_report,
    render_runs,
    render_slowest,
    render_table,
    render_time_split,
    replace_between_markers,
)
from customer_health.bench.results import (  # noqa: F401
    _now,
    _tier_order,
    check_mergeable,
    load_results,
    merge_results,
)
from customer_health.bench.run_results import (  # noqa: F401
    NODE_KINDS,
    _timestamp,
    count_nodes,
    execute_intervals,
    interval_union_s,
    slowest_nodes,
    sql_time_split,
)
from customer_health.bench.tiers import (  # noqa: F401
    RAW_TABLES,
    TIERS,
    RawTable,
    Tier,
    tier_config,
)
from customer_health.bench.warehouses import (  # noqa: F401
    _remove_database,
    append_one_day,
    ensure_raw,
    generator_identity,
    identity_hash,
    raw_row_counts,
)
