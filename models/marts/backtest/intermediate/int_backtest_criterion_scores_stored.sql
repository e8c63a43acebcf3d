{#-
    Criterion scores on the backtest's evaluation grid, stored like
    health_score_daily (incremental, each run replaces the grid dates it
    scored): the per-criterion history that health_criteria_diagnostics reads.
    A grid date is stored from the run that scores it, so a model added to an
    existing warehouse covers the grid dates scored from then on (a
    --full-refresh backfills var score_history_days days).
-#}
{{ config(
    materialized='incremental',
    unique_key='score_date',
    incremental_strategy=date_replace_strategy(),
    partition_by=date_partitions('score_date'),
    on_schema_change='fail'
) }}

with

criterion_points as (

    select
        account_id,
        score_date,
        criterion,
        criterion_score,
        is_included
    from {{ ref('int_criterion_points_allocated') }}

),

final as (

    select
        account_id,
        score_date,
        criterion,
        cast(criterion_score as {{ type_double() }}) as criterion_score,
        is_included

    from criterion_points
    where {{ is_backtest_evaluation_date('score_date') }}

)

select * from final
