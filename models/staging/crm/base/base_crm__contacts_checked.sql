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

{%- set checks = common_checks('contact_id', 'contacts', 'created_at') + [
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
