-- Every raw subscription event row, typed and checked (see base_crm__accounts_checked).
{%- set relation = source('crm', 'subscription_events') %}

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
        {{ as_key('source.subscription_event_id') }} as subscription_event_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_enum('source.event_type') }} as event_type,
        {{ try_cast_as('source.mrr_delta', dbt.type_numeric()) }} as mrr_delta_amount,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

ranked as (

    select
        framed.*,
        accounts.account_id is not null as is_known_account,
        {{ duplicate_ranks('framed.subscription_event_id', [
            'framed.subscription_event_id', 'framed.account_id', 'framed.event_type',
            'framed.mrr_delta_amount', 'framed.occurred_at'
        ]) }}
    from framed
    left join accounts
        on framed.account_id = accounts.account_id

),

{%- set checks = common_checks('subscription_event_id', 'subscription_events', 'occurred_at') + [
    ("coalesce(event_type, '') not in ('new', 'renewal', 'expansion', 'contraction', 'cancellation')", 'unknown_value', "'event_type ' || coalesce(event_type, '(null)') || ' is not new, renewal, expansion, contraction or cancellation'"),
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
