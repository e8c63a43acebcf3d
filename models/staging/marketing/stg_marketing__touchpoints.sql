-- Accepted touchpoints (base_marketing__touchpoints_checked), with their repairs applied.
with

checked as (

    select
        touchpoint_id,
        account_id,
        contact_id,
        touchpoint_type,
        is_missing_type,
        is_unknown_contact,
        detail,
        occurred_at
    from {{ ref('base_marketing__touchpoints_checked') }}
    where rejection_reason is null

),

final as (

    select
        touchpoint_id,
        account_id,
        detail,
        occurred_at,
        case when is_unknown_contact then null else contact_id end as contact_id,
        case when is_missing_type then 'other' else touchpoint_type end as touchpoint_type
    from checked

)

select * from final
