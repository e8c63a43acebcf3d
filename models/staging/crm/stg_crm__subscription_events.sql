-- Accepted subscription events (base_crm__subscription_events_checked).
with

checked as (

    select
        subscription_event_id,
        account_id,
        event_type,
        mrr_delta_amount,
        occurred_at
    from {{ ref('base_crm__subscription_events_checked') }}
    where rejection_reason is null

)

select * from checked
