-- Every raw touchpoint row, typed and checked (see base_crm__accounts_checked).
-- Rejected: no key, duplicates, no or future time, unknown account, unknown
-- contact (no account given), neither. Repaired: no type (set to other).
{%- set relation = source('marketing', 'touchpoints') %}

with

source as (

    select * from {{ relation }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

framed as (

    select
        {{ row_to_json('source') }} as raw_record,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.touchpoint_id') }} as touchpoint_id,
        {{ as_key('source.account_id') }} as account_id,
        {{ as_key('source.contact_id') }} as contact_id,
        {{ as_enum('source.touchpoint_type') }} as touchpoint_type,
        trim(cast(source.detail as {{ dbt.type_string() }})) as detail,
        {{ try_cast_as(to_utc_timestamp('source.occurred_at'), dbt.type_timestamp()) }} as occurred_at
    from source

),

ranked as (

    select
        framed.*,
        accounts.account_id is not null as is_known_account,
        contacts.contact_id is not null as is_known_contact,
        {{ duplicate_ranks('framed.touchpoint_id', [
            'framed.touchpoint_id', 'framed.account_id', 'framed.contact_id',
            'framed.touchpoint_type', 'framed.detail', 'framed.occurred_at'
        ]) }}
    from framed
    left join accounts
        on framed.account_id = accounts.account_id
    left join contacts
        on framed.contact_id = contacts.contact_id

),

{%- set checks = common_checks('touchpoint_id', 'touchpoints', 'occurred_at')
    + attribution_checks('contact_id', 'contact', 'contact_id', 'is_known_contact') %}

final as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail,
        coalesce(touchpoint_type, '') = '' as is_missing_type,
        contact_id is not null and not is_known_contact as is_unknown_contact
    from ranked

)

select * from final
