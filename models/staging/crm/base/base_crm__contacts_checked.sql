-- Every raw contact row, typed and checked (see base_crm__accounts_checked).
{%- set relation = customer_health_raw_relation('crm', 'contacts') %}

with

source as (

    select * from {{ raw_table(relation) }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.contact_id') }} as contact_id,
        {{ as_key('source.account_id') }} as account_id,
        lower(trim(cast(source.email as {{ dbt.type_string() }}))) as email,
        {{ try_cast_as(to_utc_timestamp('source.created_at'), dbt.type_timestamp()) }} as created_at
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'contact_id') }}

),

deduplicated as (

    {{ duplicate_ranked('framed', 'contact_id', [
        'contact_id', 'account_id', 'email', 'created_at'
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

{%- set checks = common_checks('contact_id', 'contacts', 'created_at') + [
    ('not is_known_account', 'unknown_account', "'account ' || coalesce(account_id, '(null)') || ' is not an accepted account'"),
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
        contact_id,
        account_id,
        email,
        created_at,
        is_known_account,
        copy_number,
        version_number,
        rejection_reason,
        rejection_detail
    from checked

)

select * from final
