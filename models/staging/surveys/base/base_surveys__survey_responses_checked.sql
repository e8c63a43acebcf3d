-- Every raw survey answer row, typed and checked (see base_crm__accounts_checked).
-- An answer reaches its account through account_id, else its contact, else its
-- ticket (the ticket's account, else its requester's): a post-ticket CSAT often
-- carries only ticket_id. Rejected: no key, duplicates, no or future time,
-- unknown survey type, score out of its type's range, unknown account, and,
-- without an account, an unknown contact and no known ticket (unknown_contact),
-- an unknown ticket and no contact (unknown_ticket), or none of the three
-- (unattributable). Repaired (kept, the reference set to null): a contact or
-- ticket that is not accepted while the account is reached another way
-- (unknown_contact, unknown_ticket), and a contact or ticket of another account
-- than the one that wins (account_conflict: account_id, then the contact's
-- account, then the ticket's). DECISIONLOG.md, "Survey attribution".
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load, including the answers whose ticket was
-- re-checked since this table was last written) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('surveys', 'survey_responses') %}

with

{#- a ticket re-checked since this table was last written may have moved to
    another account, arrived, or been rejected: its answers are checked again -#}
{%- set rechecked_tickets = "ticket_id in (select rechecked.ticket_id from "
    ~ ref('base_helpdesk__tickets_checked') ~ " as rechecked where rechecked.checked_at > "
    ~ "(select max(written.checked_at) from " ~ this ~ " as written))" %}

{{ checked_source_ctes(
    relation, 'response_id',
    "rejection_reason in ('unknown_account', 'unknown_contact', 'unknown_ticket', 'future_timestamp')"
    ~ " or is_unknown_ticket or is_unknown_contact or is_contact_conflict or is_ticket_conflict or "
    ~ rechecked_tickets
) }}

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select
        contact_id,
        account_id
    from {{ ref('stg_crm__contacts') }}

),

-- an accepted ticket's account: its own, else its requester's
tickets as (

    select
        stg_tickets.ticket_id,
        coalesce(stg_tickets.account_id, requesters.account_id) as account_id
    from {{ ref('stg_helpdesk__tickets') }} as stg_tickets
    left join contacts as requesters
        on stg_tickets.requester_contact_id = requesters.contact_id

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.response_id') }} as response_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.contact_id') }} as contact_id,
        {{ as_key('source.ticket_id') }} as ticket_id,
        {{ as_enum('source.survey_type') }} as survey_type,
        {{ try_cast_as('source.score', dbt.type_int()) }} as score,
        nullif(trim(cast(source.comment as {{ dbt.type_string() }})), '') as comment_text,
        {{ try_cast_as(to_utc_timestamp('source.responded_at'), dbt.type_timestamp()) }} as responded_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'response_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'response_id', [
        'response_id', 'account_id', 'contact_id', 'ticket_id', 'survey_type',
        'score', 'comment_text', 'responded_at'
    ]) }}

),

ranked as (

    select
        deduplicated.*,
        contacts.account_id as contact_account_id,
        tickets.account_id as ticket_account_id,
        accounts.account_id is not null as is_known_account,
        contacts.contact_id is not null as is_known_contact,
        tickets.ticket_id is not null as is_known_ticket
    from deduplicated
    left join accounts
        on deduplicated.account_id = accounts.account_id
    left join contacts
        on deduplicated.contact_id = contacts.contact_id
    left join tickets
        on deduplicated.ticket_id = tickets.ticket_id

),

{%- set checks = common_checks('response_id', 'survey_responses', 'responded_at') + [
    ("coalesce(survey_type, '') not in ('nps', 'csat', 'like')", 'unknown_value', "'survey_type ' || coalesce(survey_type, '(null)') || ' is not nps, csat or like'"),
    ("score is null or (survey_type = 'nps' and score not between 0 and 10) or (survey_type = 'csat' and score not between 1 and 5) or (survey_type = 'like' and score not in (0, 1))", 'score_out_of_range', "survey_type || ' score ' || coalesce(cast(score as " ~ dbt.type_string() ~ "), '(null)') || ' is outside its range (nps 0-10, csat 1-5, like 0/1)'"),
    ('account_id is not null and not is_known_account', 'unknown_account', "'account ' || account_id || ' is not an accepted account'"),
    ('account_id is null and contact_id is not null and not is_known_contact and not is_known_ticket', 'unknown_contact', "'no account, contact ' || contact_id || ' is not an accepted contact' || coalesce(' and ticket ' || ticket_id || ' is not an accepted ticket', '')"),
    ('account_id is null and contact_id is null and ticket_id is not null and not is_known_ticket', 'unknown_ticket', "'no account or contact, and ticket ' || ticket_id || ' is not an accepted ticket'"),
    ('account_id is null and contact_id is null and ticket_id is null', 'unattributable', "'neither account_id, contact_id nor ticket_id'"),
] %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        contact_id is not null and not is_known_contact as is_unknown_contact,
        ticket_id is not null and not is_known_ticket as is_unknown_ticket,
        -- the account that wins: account_id, else the contact's, else the ticket's
        coalesce(account_id is not null and is_known_contact and contact_account_id <> account_id, false)
            as is_contact_conflict,
        coalesce(is_known_ticket and ticket_account_id <> coalesce(account_id, contact_account_id), false)
            as is_ticket_conflict
    from ranked

),

final as (

    select
        {{ problem_record([
            'rejection_reason is not null', 'is_unknown_ticket', 'is_unknown_contact',
            'is_contact_conflict', 'is_ticket_conflict'
        ]) }} as raw_record,
        loaded_at,
        {{ quarantine_key('response_id') }} as quarantine_key,
        response_id,
        account_id,
        contact_id,
        ticket_id,
        survey_type,
        score,
        comment_text,
        responded_at,
        is_known_account,
        is_known_contact,
        is_known_ticket,
        contact_account_id,
        ticket_account_id,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        is_unknown_contact,
        is_unknown_ticket,
        is_contact_conflict,
        is_ticket_conflict,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
