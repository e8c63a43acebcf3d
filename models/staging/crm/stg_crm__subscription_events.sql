-- Accepted subscription events (base_crm__subscription_events_checked), with their
-- repair applied: an mrr_delta whose sign contradicts the event type is set to null.
with

checked as (

    select
        subscription_event_id,
        account_id,
        event_type,
        mrr_delta_amount,
        is_sign_contradiction,
        occurred_at
    from {{ ref('base_crm__subscription_events_checked') }}
    where rejection_reason is null

),

final as (

    select
        subscription_event_id,
        account_id,
        event_type,
        occurred_at,
        case when is_sign_contradiction then null else mrr_delta_amount end as mrr_delta_amount
    from checked

)

select * from final
