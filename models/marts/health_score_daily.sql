{#-
    Daily score history, one row per account and score date. It stores every
    date int_score_dates_listed scored in this run: a first build (or
    --full-refresh) backfills var score_history_days days ending at
    as_of_date; an incremental run writes the dates after the latest stored
    one, the last var daily_recompute_days stored days again (rows that arrive
    late, a re-run of the same day), and the stored days computed under another
    configuration (config_version) that are inside the backfill window. A
    recomputed date replaces every stored row of that date (delete+insert on
    score_date), so an account that is no longer a customer on it disappears.
    Each day's score is computed from data known on that day only, so running
    as_of_date D then D+1 incrementally gives the same rows as a full refresh
    at D+1 for the dates both computed (tests/python checks it).
-#}
{{ config(
    materialized='incremental',
    unique_key='score_date',
    incremental_strategy=date_replace_strategy(),
    partition_by=date_partitions('score_date'),
    on_schema_change='fail'
) }}

with

scores as (

    select
        account_id,
        score_date,
        health_score,
        band,
        coverage_pct,
        config_version
    from {{ ref('int_health_scores_computed') }}

),

final as (

    select
        account_id,
        score_date,
        health_score,
        band,
        cast(coverage_pct as {{ type_double() }}) as coverage_pct,
        config_version

    from scores

)

select * from final
