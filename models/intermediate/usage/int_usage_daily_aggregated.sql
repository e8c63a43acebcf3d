-- Product usage per account and day: the only model that scans usage events.
-- Every usage measure downstream reads this daily aggregate. A day with events
-- has at least one active user, even when every event is anonymous.
with

events as (

    select
        account_id,
        user_id,
        occurred_at
    from {{ ref('stg_product__usage_events') }}
    where {{ to_date('occurred_at') }} <= {{ as_of_date() }}

),

final as (

    select
        account_id,
        {{ to_date('occurred_at') }} as activity_date,
        count(*) as event_count,
        -- events without a user id count as one user on a day no identified user was active
        greatest(count(distinct user_id), 1) as active_user_count

    from events
    group by 1, 2

)

select * from final
