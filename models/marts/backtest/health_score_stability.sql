{#-
    How much the bands move between two consecutive evaluation dates (the
    grid of var backtest_evaluation_every_days, weekly by default; no horizon
    needed): of the external accounts with a score on both dates
    (marts.health_score_daily; insufficient_data left out), the share whose
    band differs.
-#}

with

daily_scores as (

    select
        account_id,
        score_date,
        band
    from {{ ref('health_score_daily') }}
    where health_score is not null
        and score_date <= {{ as_of_date() }}

),

accounts as (

    select
        account_id,
        is_internal
    from {{ ref('int_accounts_scoped') }}

),

grid_scores as (

    select
        daily_scores.account_id,
        daily_scores.score_date,
        daily_scores.band
    from daily_scores
    inner join accounts
        on daily_scores.account_id = accounts.account_id
    where not accounts.is_internal
        and {{ is_backtest_evaluation_date('daily_scores.score_date') }}

),

compared as (

    select
        current_scores.score_date as evaluation_date,
        previous_scores.score_date as previous_evaluation_date,
        current_scores.band <> previous_scores.band as is_band_changed
    from grid_scores as current_scores
    inner join grid_scores as previous_scores
        on current_scores.account_id = previous_scores.account_id
        and previous_scores.score_date = {{ add_days('current_scores.score_date', -backtest_every_days()) }}

),

final as (

    select
        evaluation_date,
        previous_evaluation_date,
        cast(count(*) as {{ dbt.type_int() }}) as accounts_compared,
        cast(sum(case when is_band_changed then 1 else 0 end) as {{ dbt.type_int() }}) as accounts_changed_band,
        cast(sum(case when is_band_changed then 1 else 0 end) as {{ type_double() }}) / count(*) as share_changed_band

    from compared
    group by 1, 2

)

select * from final
