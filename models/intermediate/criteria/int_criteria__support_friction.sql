{#-
    support_friction: friction tickets (categories flagged is_friction in seed
    ticket_category_roles: bugs and complaints by default; questions are not
    friction) opened in the lookback window (var support_lookback_days), per
    active user (the peak daily active users over the same window, at least 1).
    No ticket is a measurement (0 friction), not missing data.
-#}
{%- set lookback_days = var('support_lookback_days') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

tickets as (

    select
        account_id,
        created_date
    from {{ ref('int_tickets_attributed') }}
    where is_friction

),

active_users as (

    select
        account_id,
        score_date,
        active_users
    from {{ ref('int_usage_windows_rolled') }}

),

friction_counts as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        count(*) as friction_ticket_count
    from account_score_dates
    inner join tickets
        on account_score_dates.account_id = tickets.account_id
        and account_score_dates.score_date >= tickets.created_date
        and tickets.created_date > {{ add_days('account_score_dates.score_date', -lookback_days) }}
    group by 1, 2

),

measured as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        coalesce(friction_counts.friction_ticket_count, 0) as friction_ticket_count,
        coalesce(active_users.active_users, 1) as active_users
    from account_score_dates
    left join friction_counts
        on account_score_dates.account_id = friction_counts.account_id
        and account_score_dates.score_date = friction_counts.score_date
    left join active_users
        on account_score_dates.account_id = active_users.account_id
        and account_score_dates.score_date = active_users.score_date

),

final as (

    select
        account_id,
        score_date,
        'support_friction' as criterion,
        friction_ticket_count * 1.0 / active_users as raw_value,
        'ok' as status,
        cast(null as {{ type_double() }}) as fixed_score,
        {% call for_as_of_date('score_date') %}
            cast(friction_ticket_count as {{ dbt.type_string() }})
            || ' bug/complaint tickets in {{ lookback_days }} days for '
            || cast(active_users as {{ dbt.type_string() }}) || ' active users'
        {% endcall %} as evidence

    from measured

)

select * from final
