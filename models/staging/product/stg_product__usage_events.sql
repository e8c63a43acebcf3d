-- Accepted usage events (base_product__usage_events_checked).
with

checked as (

    select
        event_id,
        account_id,
        user_id,
        event_name,
        occurred_at
    from {{ ref('base_product__usage_events_checked') }}
    where rejection_reason is null

)

select * from checked
