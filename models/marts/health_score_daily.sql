{#-
    Daily score history, one row per account and score date. A full build
    backfills var score_history_days days (default 180) ending at as_of_date;
    an incremental run appends the score dates after the latest one stored and
    recomputes the last var daily_recompute_days (default 7) stored days, so
    rows that arrive late, or a re-run of the same day, update the history.
    Each day's score is computed from data known on that day only, so running
    as_of_date D then D+1 incrementally gives the same rows as a full refresh
    at D+1 (tests/python checks it). When the configuration changes
    (config_version), the stored days still inside the computed window are
    recomputed; older days keep the version they were computed with.
-#}
-- depends_on: {{ ref('int_health_config_validated') }}
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
        -- new dates, the last daily_recompute_days stored dates (late-arriving rows,
        -- a re-run of the same day), and stored dates computed under another
        -- configuration (still inside the computed window) are recomputed
        where score_date > (
            select {{ add_days('max(stored_dates.score_date)', -var('daily_recompute_days')) }}
            from {{ this }} as stored_dates
        )
            or score_date in (
                select stored.score_date
                from {{ this }} as stored
                where stored.config_version <> (
                    select current_config.config_version
                    from {{ ref('int_health_config_validated') }} as current_config
                )
            )
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
