"""The run pipeline: settings (project, warehouse, the default scoring date), dbt (the one
invocation object, Dbt), run (the daily run as named steps), lock, preflight, seeds (the
seed plan and last-success record), demo, publish, backfill."""
