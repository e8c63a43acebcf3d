-- Every raw subscription event row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, unknown event type, unknown
-- account. Repaired (kept, counted by its type): an mrr_delta whose sign
-- contradicts the type (new, renewal or expansion below 0; contraction or
-- cancellation above 0) is set to null, reason sign_contradicts_type
-- (DECISIONLOG.md, "Commercial events whose sign contradicts their type").
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('crm', 'subscription_events') %}

with

{{ checked_source_ctes(
    relation, 'subscription_event_id',
    "rejection_reason in ('unknown_account', 'future_timestamp')"
) }}

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.subscription_event_id') }} as subscription_event_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_enum('source.event_type') }} as event_type,
        {{ try_cast_as('source.mrr_delta', dbt.type_numeric()) }} as mrr_delta_amount,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'subscription_event_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'subscription_event_id', [
        'subscription_event_id', 'account_id', 'event_type', 'mrr_delta_amount', 'occurred_at'
    ]) }}

),

ranked as (

    select
        deduplicated.*,
        accounts.account_id is not null as is_known_account
    from deduplicated
    left join accounts
        on deduplicated.account_id = accounts.account_id

),

{%- set checks = common_checks('subscription_event_id', 'subscription_events', 'occurred_at') + [
    ("coalesce(event_type, '') not in ('new', 'renewal', 'expansion', 'contraction', 'cancellation')", 'unknown_value', "'event_type ' || coalesce(event_type, '(null)') || ' is not new, renewal, expansion, contraction or cancellation'"),
    ('not is_known_account', 'unknown_account', "'account ' || coalesce(account_id, '(null)') || ' is not an accepted account'"),
] %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        coalesce(
            (event_type in ('new', 'renewal', 'expansion') and mrr_delta_amount < 0)
            or (event_type in ('contraction', 'cancellation') and mrr_delta_amount > 0),
            false
        ) as is_sign_contradiction
    from ranked

),

final as (

    select
        {{ problem_record(['rejection_reason is not null', 'is_sign_contradiction']) }} as raw_record,
        loaded_at,
        {{ quarantine_key('subscription_event_id') }} as quarantine_key,
        subscription_event_id,
        account_id,
        event_type,
        mrr_delta_amount,
        occurred_at,
        is_known_account,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        is_sign_contradiction,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
