-- Every raw survey answer row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, unknown survey type, score
-- out of its type's range, unknown account, unknown contact (no account
-- given), neither. Repaired: a ticket_id that is not an accepted ticket (set null).
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = source('surveys', 'survey_responses') %}

with

{{ checked_source_ctes(
    relation, 'response_id',
    "rejection_reason in ('unknown_account', 'unknown_contact', 'future_timestamp')"
    ~ " or is_unknown_ticket or is_unknown_contact"
) }}

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

tickets as (

    select ticket_id from {{ ref('stg_helpdesk__tickets') }}

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
        accounts.account_id is not null as is_known_account,
        contacts.contact_id is not null as is_known_contact,
        deduplicated.ticket_id is not null and tickets.ticket_id is null as is_unknown_ticket
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
] + attribution_checks('contact_id', 'contact', 'contact_id', 'is_known_contact') %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        contact_id is not null and not is_known_contact as is_unknown_contact
    from ranked

),

final as (

    select
        {{ problem_record([
            'rejection_reason is not null', 'is_unknown_ticket', 'is_unknown_contact'
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
        is_unknown_ticket,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        is_unknown_contact,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
