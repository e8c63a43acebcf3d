-- The scoring grain: one row per account and score date on which the account
-- is a customer (created on or before the date, not churned on or before it).
with

accounts as (

    select
        account_id,
        segment,
        scorecard,
        created_date,
        churned_date
    from {{ ref('int_accounts_scoped') }}

),

score_dates as (

    select score_date from {{ ref('int_score_dates_listed') }}

),

final as (

    select
        accounts.account_id,
        score_dates.score_date,
        accounts.segment,
        accounts.scorecard,
        {{ days_between('accounts.created_date', 'score_dates.score_date') }} + 1
            as account_age_days

    from accounts
    inner join score_dates
        on accounts.created_date <= score_dates.score_date
        and (accounts.churned_date is null or accounts.churned_date > score_dates.score_date)

)

select * from final
