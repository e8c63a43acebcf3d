-- The account's active user base on each day: the peak daily active users over
-- the support lookback window ending that day (at least 1, so a ratio "per
-- active user" is defined for an account without usage). support_friction and
-- support_experience divide by it.
{%- set lookback_days = var('support_lookback_days') %}

with

account_days as (

    select
        account_id,
        activity_date,
        active_user_count
    from {{ ref('int_usage_account_days_spined') }}

),

final as (

    select
        account_id,
        activity_date,
        greatest(
            max(active_user_count) over (
                partition by account_id order by activity_date
                rows between {{ lookback_days - 1 }} preceding and current row
            ),
            1
        ) as active_users
    from account_days

)

select * from final
