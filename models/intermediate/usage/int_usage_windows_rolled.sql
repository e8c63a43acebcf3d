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
    One pass, no per-date range join: the account's score dates are put into
    its stream of daily rows (as rows with 0 events) and each window is a
    frame over the day number (days from as_of_date), `range between N
    preceding`, evaluated on the score-date rows. Only the days the windows of
    this run's score dates reach are read, so the cost follows the score dates
    and the events, not the length of the history. Integer sums and a max:
    exact, whatever the order.
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

-- the account's usage days and its score dates in one stream
account_days as (

    select
        account_id,
        activity_date as day_date,
        false as is_score_date,
        event_count,
        case when event_count > 0 then 1 else 0 end as is_active_day,
        active_user_count
    from usage_daily

    union all

    select
        account_id,
        score_date as day_date,
        true as is_score_date,
        0 as event_count,
        0 as is_active_day,
        0 as active_user_count
    from account_score_dates

),

numbered_days as (

    select
        *,
        {{ days_between(as_of_date(), 'day_date') }} as day_number
    from account_days

),

rolled as (

    select
        account_id,
        day_date as score_date,
        is_score_date,
        sum(event_count) over ({{ trailing_days_frame(current_days, day_number='day_number') }}) as current_events,
        sum(is_active_day) over ({{ trailing_days_frame(current_days, day_number='day_number') }})
            as current_active_days,
        sum(event_count) over (
            {{ trailing_days_frame(baseline_days, ending_before=current_days, day_number='day_number') }}
        ) as baseline_events,
        max(active_user_count) over ({{ trailing_days_frame(lookback_days, day_number='day_number') }})
            as peak_active_users
    from numbered_days

),

final as (

    select
        account_id,
        score_date,
        cast(current_events as {{ dbt.type_bigint() }}) as current_events,
        cast(current_active_days as {{ dbt.type_bigint() }}) as current_active_days,
        cast(coalesce(baseline_events, 0) as {{ dbt.type_bigint() }}) as baseline_events,
        cast(greatest(peak_active_users, 1) as {{ dbt.type_bigint() }}) as active_users

    from rolled
    where is_score_date

)

select * from final
