{#-
    support_friction: friction tickets (categories flagged is_friction in seed
    ticket_category_roles: bugs and complaints by default; questions are not
    friction) opened in the lookback window (var support_lookback_days), per
    active user (the peak daily active users over the same window, at least 1).
    No ticket is a measurement (0 friction), not missing data.
    One pass: tickets per account and day, with the account's score dates in
    the same stream, summed over a window frame on the day number (no join of
    every score date to every ticket); integer counts, exact.
-#}
{%- set lookback_days = var('support_lookback_days') %}

{#- the lookback window of every sum below (inline: Snowflake has no WINDOW clause) -#}
{%- set account_window = trailing_days_frame(lookback_days) %}

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
    from account_score_dates

),

-- only the days the windows of this run's score dates reach; every ticket
-- (any category) shows the helpdesk is connected (int_criterion_sources_checked),
-- the friction ones are counted
tickets as (

    select
        account_id,
        created_date,
        is_friction
    from {{ ref('int_tickets_attributed') }}
    where created_date > (select {{ add_days('score_dates.first_score_date', -lookback_days) }} from score_dates)
        and created_date <= (select score_dates.last_score_date from score_dates)

),

active_users as (

    select
        account_id,
        score_date,
        active_users
    from {{ ref('int_usage_windows_rolled') }}

),

-- friction tickets per account and day, and the account's score dates (0
-- tickets), in one stream: the window is a frame over the day number
account_days as (

    select
        account_id,
        created_date as day_date,
        false as is_score_date,
        sum(case when is_friction then 1 else 0 end) as ticket_count,
        count(*) as any_ticket_count
    from tickets
    group by 1, 2

    union all

    select
        account_id,
        score_date as day_date,
        true as is_score_date,
        0 as ticket_count,
        0 as any_ticket_count
    from account_score_dates

),

friction_counts as (

    select
        account_id,
        day_date as score_date,
        is_score_date,
        sum(ticket_count) over ({{ account_window }}) as friction_ticket_count,
        sum(any_ticket_count) over ({{ account_window }}) as any_ticket_count
    from account_days

),

measured as (

    select
        friction_counts.account_id,
        friction_counts.score_date,
        friction_counts.friction_ticket_count,
        friction_counts.any_ticket_count,
        coalesce(active_users.active_users, 1) as active_users
    from friction_counts
    left join active_users
        on friction_counts.account_id = active_users.account_id
        and friction_counts.score_date = active_users.score_date
    where friction_counts.is_score_date

),

final as (

    select
        account_id,
        score_date,
        'support_friction' as criterion,
        cast(friction_ticket_count as {{ type_double() }}) / active_users as raw_value,
        'ok' as status,
        cast(null as {{ type_double() }}) as fixed_score,
        any_ticket_count > 0 as has_source_rows,
        {% call for_as_of_date('score_date') %}
            cast(friction_ticket_count as {{ dbt.type_string() }})
            || ' bug/complaint tickets in {{ lookback_days }} days for '
            || cast(active_users as {{ dbt.type_string() }}) || ' active users'
        {% endcall %} as evidence

    from measured

)

select * from final
