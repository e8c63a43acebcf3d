-- Accepted survey answers (base_surveys__survey_responses_checked), with their repairs applied:
-- a contact or ticket that is unknown or belongs to another account than the winning one is set to null.
with

checked as (

    select
        response_id,
        account_id,
        contact_id,
        ticket_id,
        is_unknown_ticket,
        is_unknown_contact,
        is_contact_conflict,
        is_ticket_conflict,
        survey_type,
        score,
        comment_text,
        responded_at
    from {{ ref('base_surveys__survey_responses_checked') }}
    where rejection_reason is null

),

final as (

    select
        response_id,
        account_id,
        survey_type,
        score,
        comment_text,
        responded_at,
        case when is_unknown_contact or is_contact_conflict then null else contact_id end as contact_id,
        case when is_unknown_ticket or is_ticket_conflict then null else ticket_id end as ticket_id,
        comment_text is not null as has_comment
    from checked

)

select * from final
