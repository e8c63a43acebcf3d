-- Every raw CSM sentiment reading, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, a sentiment that is not a whole
-- number from 1 to 5 (score_out_of_range), no account (unattributable), an account
-- that is not accepted (unknown_account). Nothing is repaired: a reading is the
-- CSM's word, kept as given or set aside.
-- Incremental: only the rows of keys loaded since the last run (and rows whose
-- check can change without a new load) are checked again (macro
-- checked_source_ctes; DECISIONLOG.md, "Incremental staging").
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='quarantine_key',
    on_schema_change='fail'
) }}
{%- set relation = customer_health_raw_relation('csm', 'csm_sentiment') %}

with

{{ checked_source_ctes(
    relation, 'sentiment_id',
    "rejection_reason in ('unknown_account', 'future_timestamp')"
) }}

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.sentiment_id') }} as sentiment_id,
        {{ as_key('source.account_id') }} as account_id,
        nullif(trim(cast(source.author as {{ dbt.type_string() }})), '') as author,
        {{ try_cast_as('source.sentiment', dbt.type_numeric()) }} as sentiment_value,
        trim(cast(source.sentiment as {{ dbt.type_string() }})) as sentiment_text,
        nullif({{ as_enum('source.reason_code') }}, '') as reason_code,
        nullif(trim(cast(source.note as {{ dbt.type_string() }})), '') as note,
        {{ try_cast_as(to_utc_timestamp('source.recorded_at'), dbt.type_timestamp()) }} as recorded_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'sentiment_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'sentiment_id', [
        'sentiment_id', 'account_id', 'author', 'sentiment_value', 'reason_code', 'note', 'recorded_at'
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

{%- set checks = common_checks('sentiment_id', 'csm_sentiment', 'recorded_at') + [
    ("sentiment_value is null or sentiment_value not in (1, 2, 3, 4, 5)", 'score_out_of_range',
     "'sentiment ' || coalesce(sentiment_text, '(null)') || ' is not a whole number from 1 to 5'"),
    ('account_id is null', 'unattributable', "'account_id is null'"),
    ('not is_known_account', 'unknown_account', "'account ' || account_id || ' is not an accepted account'"),
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
        {{ quarantine_key('sentiment_id') }} as quarantine_key,
        sentiment_id,
        account_id,
        author,
        case when rejection_reason is null then cast(sentiment_value as {{ dbt.type_int() }}) end as sentiment,
        reason_code,
        note,
        recorded_at,
        is_known_account,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail,
        {{ run_started_precise() }} as checked_at
    from checked

)

select * from final
