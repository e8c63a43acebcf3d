{#-
    Usage over the windows every criterion reads, one row per account and
    score date (int_account_score_dates_listed), from the sparse daily
    aggregates (a day without events has no row and counts as 0):
    - current window, the var usage_current_window_days days ending on the
      score date: events and active days (days with at least one event);
    - baseline window, the var usage_baseline_window_days days just before it:
      events;
    - active_users: the peak daily active users over the var
      support_lookback_days days ending on the score date, at least 1, so a
      ratio "per active user" (support_friction, support_experience) is defined
      for an account without usage.
    Only the days the windows of this run's score dates reach are read, so the
    cost follows the score dates and the events, not the length of the history.
-#}
{%- set current_days = var('usage_current_window_days') -%}
{%- set baseline_days = var('usage_baseline_window_days') -%}
{%- set lookback_days = var('support_lookback_days') -%}
{%- set reach_back_days = [current_days + baseline_days, lookback_days] | max %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

score_dates as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date
    from {{ ref('int_score_dates_listed') }}

),

usage_daily as (

    select
        account_id,
        activity_date,
        event_count,
        active_user_count
    from {{ ref('int_usage_daily_aggregated') }}
    where activity_date > (select {{ add_days('score_dates.first_score_date', -reach_back_days) }} from score_dates)
        and activity_date <= (select score_dates.last_score_date from score_dates)

),

window_days as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        usage_daily.event_count,
        usage_daily.active_user_count,
        {{ days_between('usage_daily.activity_date', 'account_score_dates.score_date') }}
            as days_back
    from account_score_dates
    inner join usage_daily
        on account_score_dates.account_id = usage_daily.account_id
        and account_score_dates.score_date >= usage_daily.activity_date
        and {{ add_days('account_score_dates.score_date', -reach_back_days) }} < usage_daily.activity_date

),

rolled as (

    select
        account_id,
        score_date,
        sum(case when days_back < {{ current_days }} then event_count else 0 end) as current_events,
        sum(case when days_back < {{ current_days }} and event_count > 0 then 1 else 0 end) as current_active_days,
        sum(
            case when days_back >= {{ current_days }} and days_back < {{ current_days + baseline_days }} then event_count else 0 end
        ) as baseline_events,
        max(case when days_back < {{ lookback_days }} then active_user_count else 0 end) as peak_active_users
    from window_days
    group by 1, 2

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        coalesce(rolled.current_events, 0) as current_events,
        coalesce(rolled.current_active_days, 0) as current_active_days,
        coalesce(rolled.baseline_events, 0) as baseline_events,
        greatest(coalesce(rolled.peak_active_users, 0), 1) as active_users

    from account_score_dates
    left join rolled
        on account_score_dates.account_id = rolled.account_id
        and account_score_dates.score_date = rolled.score_date

)

select * from final
