{#-
    Daily criterion history, one row per account, score date and criterion of
    its scorecard: the points each criterion contributes to the score after
    effective-weight redistribution (0 when excluded). Stored exactly like
    health_score_daily (same dates, written by the same runs, delete+insert by
    score_date), so for every stored date the points of an account sum to the
    unrounded total behind its stored score. health_score_changes reads it to
    say which criteria moved the score; evidence text is stored apart
    (health_score_evidence_daily: the criteria write it for the scoring date only).
-#}
{{ config(
    materialized='incremental',
    unique_key='score_date',
    incremental_strategy=date_replace_strategy(),
    partition_by=date_partitions('score_date'),
    on_schema_change='fail'
) }}

with

criteria_points as (

    select
        account_id,
        score_date,
        scorecard,
        criterion,
        status,
        is_included,
        criterion_score,
        effective_weight,
        points
    from {{ ref('int_criterion_points_allocated') }}

),

config as (

    select config_version from {{ ref('int_health_config_validated') }}

),

final as (

    select
        criteria_points.account_id,
        criteria_points.score_date,
        criteria_points.criterion,
        criteria_points.scorecard,
        criteria_points.status,
        criteria_points.is_included,
        cast({{ round_to('criteria_points.criterion_score', 2) }} as {{ type_double() }}) as criterion_score,
        cast({{ round_to('criteria_points.effective_weight', 4) }} as {{ type_double() }}) as effective_weight,
        -- the points are rounded to 6 decimals upstream: as a decimal they sum exactly
        cast({{ round_to('criteria_points.points', 6) }} as decimal(18, 6)) as points,
        config.config_version

    from criteria_points
    cross join config

)

select * from final
