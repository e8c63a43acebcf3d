-- Every raw ticket row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future creation time, unknown account,
-- unknown requester (no account given), neither. Repaired (kept): response or
-- solve before creation or in the future (set null), unknown category (other),
-- priority (normal) or status (solved/open), negative handling time or reopen
-- count (set null). A ticket is real friction even when some fields are wrong.
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('helpdesk', 'tickets') %}
{%- set ts = dbt.type_string() %}

with

{{ checked_source_ctes(
    relation, 'ticket_id',
    "rejection_reason in ('unknown_account', 'unknown_contact', 'future_timestamp')"
    ~ " or is_unknown_requester or is_future_response or is_future_solve"
) }}

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.ticket_id') }} as ticket_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.requester_id') }} as requester_contact_id,
        {{ try_cast_as(to_utc_timestamp('source.created_at'), dbt.type_timestamp()) }} as created_at,
        {{ try_cast_as(to_utc_timestamp('source.first_response_at'), dbt.type_timestamp()) }} as first_responded_at,
        {{ try_cast_as(to_utc_timestamp('source.solved_at'), dbt.type_timestamp()) }} as solved_at,
        {{ as_enum('source.status') }} as status,
        {{ as_enum('source.category') }} as category,
        {{ as_enum('source.priority') }} as priority,
        {{ as_enum('source.channel') }} as channel,
        {{ try_cast_as('source.handle_minutes', dbt.type_int()) }} as handle_minutes,
        {{ try_cast_as('source.reopen_count', dbt.type_int()) }} as reopen_count
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'ticket_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'ticket_id', [
        'ticket_id', 'account_id', 'requester_contact_id', 'created_at', 'first_responded_at',
        'solved_at', 'status', 'category', 'priority', 'channel',
        'handle_minutes', 'reopen_count'
    ]) }}

),

ranked as (

    select
        deduplicated.*,
        accounts.account_id is not null as is_known_account,
        contacts.contact_id is not null as is_known_requester
    from deduplicated
    left join accounts
        on deduplicated.account_id = accounts.account_id
    left join contacts
        on deduplicated.requester_contact_id = contacts.contact_id

),

{%- set checks = common_checks('ticket_id', 'tickets', 'created_at')
    + attribution_checks('requester_contact_id', 'requester', 'requester_id', 'is_known_requester') %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        first_responded_at < created_at as is_response_before_creation,
        solved_at < created_at as is_solved_before_creation,
        first_responded_at > {{ run_started_timestamp() }} as is_future_response,
        solved_at > {{ run_started_timestamp() }} as is_future_solve,
        coalesce(category, '') not in ('question', 'bug', 'feature_request', 'complaint', 'other')
            as is_unknown_category,
        coalesce(priority, '') not in ('low', 'normal', 'high', 'urgent') as is_unknown_priority,
        coalesce(status, '') not in ('new', 'open', 'pending', 'solved', 'closed') as is_unknown_status,
        requester_contact_id is not null and not is_known_requester as is_unknown_requester,
        handle_minutes < 0 as is_negative_duration,
        reopen_count < 0 as is_negative_count
    from ranked

),

final as (

    select
        {{ problem_record([
            'rejection_reason is not null', 'is_response_before_creation', 'is_solved_before_creation',
            'is_future_response', 'is_future_solve', 'is_unknown_category', 'is_unknown_priority',
            'is_unknown_status', 'is_unknown_requester', 'is_negative_duration', 'is_negative_count'
        ]) }} as raw_record,
        loaded_at,
        {{ quarantine_key('ticket_id') }} as quarantine_key,
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
        is_known_account,
        is_known_requester,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        is_response_before_creation,
        is_solved_before_creation,
        is_future_response,
        is_future_solve,
        is_unknown_category,
        is_unknown_priority,
        is_unknown_status,
        is_unknown_requester,
        is_negative_duration,
        is_negative_count,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
