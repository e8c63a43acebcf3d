-- Every raw contact row, typed and checked (see base_crm__accounts_checked).
{%- set relation = source('crm', 'contacts') %}

with

source as (

    select * from {{ relation }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ row_to_json('source') }} as raw_record,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.contact_id') }} as contact_id,
        {{ as_key('source.account_id') }} as account_id,
        lower(trim(cast(source.email as {{ dbt.type_string() }}))) as email,
        {{ try_cast_as(to_utc_timestamp('source.created_at'), dbt.type_timestamp()) }} as created_at
    from source

),

ranked as (

    select
        framed.*,
        accounts.account_id is not null as is_known_account,
        {{ duplicate_ranks('framed.contact_id', [
            'framed.contact_id', 'framed.account_id', 'framed.email', 'framed.created_at'
        ]) }}
    from framed
    left join accounts
        on framed.account_id = accounts.account_id

),

{%- set checks = [
    ('contact_id is null', 'null_key', "'contact_id is null'"),
    ('copy_number > 1', 'duplicate_row', "'exact copy of another row of raw.contacts'"),
    ('version_number > 1', 'duplicate_key', "'contact_id ' || contact_id || ' appears with other content; the latest loaded version is kept'"),
    ('created_at is null', 'null_timestamp', "'created_at is null or not a timestamp'"),
    ('created_at > ' ~ run_started_timestamp(), 'future_timestamp', "'created_at ' || cast(created_at as " ~ dbt.type_string() ~ ") || ' is in the future'"),
    ('not is_known_account', 'unknown_account', "'account ' || coalesce(account_id, '(null)') || ' is not an accepted account'"),
] %}

final as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail
    from ranked

)

select * from final
