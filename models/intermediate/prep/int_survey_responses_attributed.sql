-- Survey responses with their account resolved (the response's own account,
-- else the respondent's) and the score on a common 0-100 scale:
-- nps 0-10 -> score x 10; csat 1-5 -> (score - 1) x 25; like 0/1 -> score x 100.
with

responses as (

    select
        response_id,
        account_id,
        contact_id,
        ticket_id,
        survey_type,
        score,
        comment_text,
        has_comment,
        responded_at
    from {{ ref('stg_surveys__survey_responses') }}

),

contacts as (

    select
        contact_id,
        account_id
    from {{ ref('stg_crm__contacts') }}

),

final as (

    select
        responses.response_id,
        coalesce(responses.account_id, contacts.account_id) as account_id,
        responses.contact_id,
        responses.ticket_id,
        responses.survey_type,
        responses.score,
        case responses.survey_type
            when 'nps' then responses.score * 10.0
            when 'csat' then (responses.score - 1) * 25.0
            when 'like' then responses.score * 100.0
        end as score_pct,
        responses.comment_text,
        responses.has_comment,
        responses.responded_at,
        {{ to_date('responses.responded_at') }} as responded_date

    from responses
    left join contacts
        on responses.contact_id = contacts.contact_id

)

select * from final
