{#-
    Survey responses with their account resolved (the response's own account,
    else the respondent's, else the ticket's: its own account, else its
    requester's, as int_tickets_attributed resolves it; staging has already set
    aside a contact or ticket of another account, DECISIONLOG.md "Survey
    attribution") and the score on a common 0-100 scale:
    nps 0-10 -> score x 10; csat 1-5 -> (score - 1) x 25; like 0/1 -> score x 100.
    Incremental (macros/incremental/keyed_upsert.sql): a run recomputes the
    answers base_surveys__survey_responses_checked (re-)checked since the last
    run (staging re-checks the answers whose ticket it re-checked, so an answer
    follows its ticket to another account) and deletes the ones no longer
    accepted; every answer when the contact -> account map changed.
-#}
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='keyed_upsert',
    unique_key='response_id',
    on_schema_change='fail'
) }}

with

{{ changed_keys_ctes([[ref('base_surveys__survey_responses_checked'), 'response_id', none]], 'response_id', inputs_version([
    [ref('stg_crm__contacts'), contact_account_text()],
])) }}

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
    where response_id in (select changed_keys.response_id from changed_keys)

),

contacts as (

    select
        contact_id,
        account_id
    from {{ ref('stg_crm__contacts') }}

),

tickets as (

    select
        ticket_id,
        account_id
    from {{ ref('int_tickets_attributed') }}

),

attributed as (

    select
        responses.response_id,
        coalesce(responses.account_id, contacts.account_id, tickets.account_id) as account_id,
        case
            when responses.account_id is not null then 'response'
            when contacts.account_id is not null then 'contact'
            when tickets.account_id is not null then 'ticket'
        end as account_attribution,
        responses.contact_id,
        responses.ticket_id,
        responses.survey_type,
        responses.score,
        cast(case responses.survey_type
            when 'nps' then responses.score * 10.0
            when 'csat' then (responses.score - 1) * 25.0
            when 'like' then responses.score * 100.0
        end as decimal(14, 1)) as score_pct,
        responses.comment_text,
        responses.has_comment,
        responses.responded_at,
        {{ to_date('responses.responded_at') }} as responded_date

    from responses
    left join contacts
        on responses.contact_id = contacts.contact_id
    left join tickets
        on responses.ticket_id = tickets.ticket_id

),

final as (

    {{ keyed_batch('attributed', ['response_id'], [
        'account_id',
        'account_attribution',
        'contact_id',
        'ticket_id',
        'survey_type',
        'score',
        'score_pct',
        'comment_text',
        'has_comment',
        'responded_at',
        'responded_date'
    ]) }}

)

select * from final
