-- The portfolio's pooled daily usage series: events per live account per day,
-- from the first day with usage events (up to as_of_date) to as_of_date. A
-- live account is one created on or before the day and not churned on or
-- before it; a live account with no events counts as 0. Seasonal indices are computed from this series only,
-- never per account.
with

usage_daily as (

    select
        activity_date,
        event_count
    from {{ ref('int_usage_daily_aggregated') }}

),

accounts as (

    select
        created_date,
        churned_date
    from {{ ref('int_accounts_scoped') }}

),

-- the series starts at the first day with events up to as_of_date: a kept
-- 0-event day (events rejected after the day was counted, an incremental
-- run's leftover) or a future day must not move it, or an incremental run's
-- series would start earlier than a full refresh's
bounds as (

    select min(activity_date) as first_date
    from usage_daily
    where event_count > 0
        and activity_date <= {{ as_of_date() }}

),

days as (

    {{ date_range('(select first_date from bounds)', as_of_date()) }}

),

events_per_day as (

    select
        activity_date,
        sum(event_count) as event_count
    from usage_daily
    group by 1

),

-- live accounts per day as a running balance (created minus churned up to the
-- day) instead of joining every day to every account
account_changes as (

    select
        created_date as change_date,
        1 as live_change
    from accounts

    union all

    select
        churned_date as change_date,
        -1 as live_change
    from accounts
    where churned_date is not null

),

changes_per_day as (

    select
        change_date,
        sum(live_change) as live_change
    from account_changes
    group by 1

),

live_accounts_per_day as (

    select
        days.date_day,
        coalesce(sum(changes_per_day.live_change), 0) as live_account_count
    from days
    left join changes_per_day
        on days.date_day >= changes_per_day.change_date
    group by 1

),

final as (

    select
        days.date_day as activity_date,
        cast(coalesce(live_accounts_per_day.live_account_count, 0) as {{ dbt.type_bigint() }}) as live_account_count,
        cast(coalesce(events_per_day.event_count, 0) as {{ dbt.type_bigint() }}) as event_count,
        cast(case
            when coalesce(live_accounts_per_day.live_account_count, 0) > 0
                then cast(coalesce(events_per_day.event_count, 0) as {{ type_double() }}) / live_accounts_per_day.live_account_count
            else 0
        end as {{ type_double() }}) as pooled_value

    from days
    left join events_per_day
        on days.date_day = events_per_day.activity_date
    left join live_accounts_per_day
        on days.date_day = live_accounts_per_day.date_day

)

select * from final
