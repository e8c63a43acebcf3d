-- Every raw usage event row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, unknown account, and events
-- before the account was created.
{%- set relation = source('product', 'usage_events') %}

with

source as (

    select * from {{ relation }}

),

accounts as (

    select
        account_id,
        created_at
    from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ row_to_json('source') }} as raw_record,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.event_id') }} as event_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.user_id') }} as user_id,
        {{ as_enum('source.event_name') }} as event_name,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

ranked as (

    select
        framed.*,
        accounts.created_at as account_created_at,
        accounts.account_id is not null as is_known_account,
        {{ duplicate_ranks('framed.event_id', [
            'framed.event_id', 'framed.account_id', 'framed.user_id', 'framed.event_name',
            'framed.occurred_at'
        ]) }}
    from framed
    left join accounts
        on framed.account_id = accounts.account_id

),

{%- set checks = common_checks('event_id', 'usage_events', 'occurred_at') + [
    ('not is_known_account', 'unknown_account', "'account ' || coalesce(account_id, '(null)') || ' is not an accepted account'"),
    ('occurred_at < account_created_at', 'before_account_created', "'event at ' || cast(occurred_at as " ~ dbt.type_string() ~ ") || ' before the account was created (' || cast(account_created_at as " ~ dbt.type_string() ~ ") || ')'"),
] %}

final as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail
    from ranked

)

select * from final
