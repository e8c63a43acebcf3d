-- Every raw touchpoint row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, unknown account, unknown
-- contact (no account given), neither. Repaired: no type (set to other).
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('marketing', 'touchpoints') %}

with

{{ checked_source_ctes(
    relation, 'touchpoint_id',
    "rejection_reason in ('unknown_account', 'unknown_contact', 'future_timestamp') or is_unknown_contact"
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
        {{ as_key('source.touchpoint_id') }} as touchpoint_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.contact_id') }} as contact_id,
        {{ as_enum('source.touchpoint_type') }} as touchpoint_type,
        trim(cast(source.detail as {{ dbt.type_string() }})) as detail,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'touchpoint_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'touchpoint_id', [
        'touchpoint_id', 'account_id', 'contact_id', 'touchpoint_type', 'detail',
        'occurred_at'
    ]) }}

),

ranked as (

    select
        deduplicated.*,
        accounts.account_id is not null as is_known_account,
        contacts.contact_id is not null as is_known_contact
    from deduplicated
    left join accounts
        on deduplicated.account_id = accounts.account_id
    left join contacts
        on deduplicated.contact_id = contacts.contact_id

),

{%- set checks = common_checks('touchpoint_id', 'touchpoints', 'occurred_at')
    + attribution_checks('contact_id', 'contact', 'contact_id', 'is_known_contact') %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        coalesce(touchpoint_type, '') = '' as is_missing_type,
        contact_id is not null and not is_known_contact as is_unknown_contact
    from ranked

),

final as (

    select
        {{ problem_record([
            'rejection_reason is not null', 'is_missing_type', 'is_unknown_contact'
        ]) }} as raw_record,
        loaded_at,
        {{ quarantine_key('touchpoint_id') }} as quarantine_key,
        touchpoint_id,
        account_id,
        contact_id,
        touchpoint_type,
        detail,
        occurred_at,
        is_known_account,
        is_known_contact,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        is_missing_type,
        is_unknown_contact,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
