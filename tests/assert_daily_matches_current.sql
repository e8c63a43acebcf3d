{#-
    The daily history agrees with today's score: for every account, the
    health_score_daily row at as_of_date has the same health_score and band
    as health_score (an account in one and not the other fails too). An
    incremental health_score_daily that kept rows computed by older rules
    (another config_version) fails here until it is fully refreshed.
    Returns the offending accounts with both versions.
-#}
{{ config(severity='error') }}

with

current_scores as (

    select
        account_id,
        health_score,
        band,
        config_version
    from {{ ref('health_score') }}

),

daily_scores as (

    select
        account_id,
        health_score,
        band,
        config_version
    from {{ ref('health_score_daily') }}
    where score_date = {{ as_of_date() }}

),

final as (

    select
        coalesce(current_scores.account_id, daily_scores.account_id) as account_id,
        current_scores.health_score as current_health_score,
        daily_scores.health_score as daily_health_score,
        current_scores.band as current_band,
        daily_scores.band as daily_band,
        current_scores.config_version as current_config_version,
        daily_scores.config_version as daily_config_version
    from current_scores
    full outer join daily_scores
        on current_scores.account_id = daily_scores.account_id
    where current_scores.account_id is null
        or daily_scores.account_id is null
        or current_scores.health_score is distinct from daily_scores.health_score
        or current_scores.band is distinct from daily_scores.band

)

select * from final
