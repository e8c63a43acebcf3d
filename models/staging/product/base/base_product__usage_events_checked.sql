{#-
    Every raw usage event row, typed and checked (see base_crm__accounts_checked).
    Rejected: no key, duplicates, no or future time, unknown account, and events
    before the account was created.

    Incremental (macro checked_source_ctes; DECISIONLOG.md, "Incremental
    staging"): a run checks again the raw rows of the keys loaded since the
    last run (and rows rejected for a reason that can change without a new
    load: unknown account, event before the account's creation, future time)
    and replaces their stored rows. checked_at stamps the rows written by this
    run: int_usage_daily_aggregated recomputes the days they touch.
-#}
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('product', 'usage_events') %}

with

{{ checked_source_ctes(
    relation, 'event_id',
    "rejection_reason in ('unknown_account', 'before_account_created', 'future_timestamp')"
) }}

accounts as (

    select
        account_id,
        created_at
    from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.event_id') }} as event_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.user_id') }} as user_id,
        {{ as_enum('source.event_name') }} as event_name,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'event_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'event_id', [
        'event_id', 'account_id', 'user_id', 'event_name', 'occurred_at'
    ]) }}

),

ranked as (

    select
        deduplicated.*,
        accounts.created_at as account_created_at,
        accounts.account_id is not null as is_known_account
    from deduplicated
    left join accounts
        on deduplicated.account_id = accounts.account_id

),

{%- set checks = common_checks('event_id', 'usage_events', 'occurred_at') + [
    ('not is_known_account', 'unknown_account', "'account ' || coalesce(account_id, '(null)') || ' is not an accepted account'"),
    ('occurred_at < account_created_at', 'before_account_created', "'event at ' || cast(occurred_at as " ~ dbt.type_string() ~ ") || ' before the account was created (' || cast(account_created_at as " ~ dbt.type_string() ~ ") || ')'"),
] %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail
    from ranked

),

final as (

    select
        {{ problem_record(['rejection_reason is not null']) }} as raw_record,
        loaded_at,
        {{ quarantine_key('event_id') }} as quarantine_key,
        event_id,
        account_id,
        user_id,
        event_name,
        occurred_at,
        account_created_at,
        is_known_account,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
