-- Dense daily usage per account: one row per account and day it was a
-- customer (from its creation, or from the earliest day any window of the
-- first score date reaches back to, until the day before it churned or
-- as_of_date). A day without events is 0, never missing, so row-based window
-- functions over this spine are day-based.
{%- set reach_back_days = [
    var('usage_current_window_days') + var('usage_baseline_window_days'),
    var('support_lookback_days')
] | max %}

with

accounts as (

    select
        account_id,
        created_date,
        churned_date
    from {{ ref('int_accounts_scoped') }}

),

usage_daily as (

    select
        account_id,
        activity_date,
        event_count,
        active_user_count
    from {{ ref('int_usage_daily_aggregated') }}

),

score_dates as (

    select min(score_date) as first_score_date from {{ ref('int_score_dates_listed') }}

),

days as (

    {{ date_range(add_days('(select first_score_date from score_dates)', 1 - reach_back_days), as_of_date()) }}

),

final as (

    select
        accounts.account_id,
        days.date_day as activity_date,
        coalesce(usage_daily.event_count, 0) as event_count,
        coalesce(usage_daily.active_user_count, 0) as active_user_count,
        case when usage_daily.event_count > 0 then 1 else 0 end as is_active_day
    from accounts
    inner join days
        on accounts.created_date <= days.date_day
        and (accounts.churned_date is null or accounts.churned_date > days.date_day)
    left join usage_daily
        on accounts.account_id = usage_daily.account_id
        and days.date_day = usage_daily.activity_date

)

select * from final
