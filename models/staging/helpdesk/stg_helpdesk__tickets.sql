-- Accepted tickets (base_helpdesk__tickets_checked), with their repairs applied.
with

checked as (

    select
        ticket_id,
        account_id,
        requester_contact_id,
        created_at,
        first_responded_at,
        solved_at,
        status,
        category,
        priority,
        channel,
        handle_minutes,
        reopen_count,
        is_response_before_creation,
        is_solved_before_creation,
        is_unknown_category,
        is_unknown_priority,
        is_unknown_status,
        is_negative_duration,
        is_negative_count,
        is_unknown_requester,
        is_future_response,
        is_future_solve
    from {{ ref('base_helpdesk__tickets_checked') }}
    where rejection_reason is null

),

repaired_times as (

    select
        *,
        case
            when is_response_before_creation or is_future_response then null
            else first_responded_at
        end as kept_first_responded_at,
        case
            when is_solved_before_creation or is_future_solve then null
            else solved_at
        end as kept_solved_at
    from checked

),

final as (

    select
        ticket_id,
        account_id,
        created_at,
        kept_first_responded_at as first_responded_at,
        kept_solved_at as solved_at,
        channel,
        case when is_unknown_requester then null else requester_contact_id end as requester_contact_id,
        case
            when not is_unknown_status then status
            when kept_solved_at is not null then 'solved'
            else 'open'
        end as status,
        case when is_unknown_category then 'other' else category end as category,
        case when is_unknown_priority then 'normal' else priority end as priority,
        case when is_negative_duration then null else handle_minutes end as handle_minutes,
        case when is_negative_count then null else reopen_count end as reopen_count
    from repaired_times

)

select * from final
