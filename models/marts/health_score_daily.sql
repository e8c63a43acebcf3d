{#-
    Daily score history, one row per account and score date. A full build
    backfills var score_history_days days (default 180) ending at as_of_date;
    an incremental run appends the score dates after the latest one stored.
    Each day's score is computed from data known on that day only, so running
    as_of_date D then D+1 incrementally gives the same rows as a full refresh
    at D+1 (tests/python checks it).
-#}
{{ config(
    materialized='incremental',
    unique_key=['account_id', 'score_date'],
    incremental_strategy='delete+insert',
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
    {% if is_incremental() %}
        where score_date > (select max(score_date) from {{ this }})
    {% endif %}

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
