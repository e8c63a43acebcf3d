{#-
    The backtest's observations: one row per evaluation date, horizon and
    external account that was a customer on the evaluation date and has a
    stored score row for it (marts.health_score_daily, computed from data known
    on that date). is_churned: the account's churn date falls in
    (evaluation_date, evaluation_date + horizon_days]. Accounts already churned
    on the evaluation date and internal customers are left out. Segment and ARR
    are the account's current CRM values (the raw contract keeps no history of
    either; neither enters the score).
-#}

with

evaluation_dates as (

    select
        evaluation_date,
        horizon_days,
        outcome_end_date
    from {{ ref('int_backtest_evaluation_dates_listed') }}

),

daily_scores as (

    select
        account_id,
        score_date,
        health_score,
        band,
        config_version
    from {{ ref('health_score_daily') }}

),

accounts as (

    select
        account_id,
        segment,
        is_internal,
        arr_amount,
        churned_date
    from {{ ref('int_accounts_scoped') }}

),

final as (

    select
        evaluation_dates.evaluation_date,
        evaluation_dates.horizon_days,
        daily_scores.account_id,
        accounts.segment,
        cast(accounts.arr_amount as decimal(28, 6)) as arr_amount,
        daily_scores.health_score,
        daily_scores.band,
        daily_scores.config_version,
        accounts.churned_date,
        coalesce(
            accounts.churned_date > evaluation_dates.evaluation_date
            and accounts.churned_date <= evaluation_dates.outcome_end_date,
            false
        ) as is_churned

    from evaluation_dates
    inner join daily_scores
        on evaluation_dates.evaluation_date = daily_scores.score_date
    inner join accounts
        on daily_scores.account_id = accounts.account_id
    where not accounts.is_internal
        and (accounts.churned_date is null or accounts.churned_date > evaluation_dates.evaluation_date)

)

select * from final
