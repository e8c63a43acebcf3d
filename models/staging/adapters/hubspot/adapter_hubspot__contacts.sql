{#-
    HubSpot contacts in the raw contract's shape (raw.contacts), through
    adapter__contacts. The account is the contact's associated company
    (property_associatedcompanyid: HubSpot's primary company, which is an
    account since companies are the accounts); a contact without one has
    account_id null and the reason in _account_match, so staging rejects it
    (unknown_account). Deleted contacts are set aside.
-#}
{%- set relation = source('hubspot', 'contact') -%}

with

contacts as (

    select
        {{ as_key('contact.id') }} as contact_id,
        {{ as_key('contact.property_associatedcompanyid') }} as account_id,
        cast(contact.property_email as {{ dbt.type_string() }}) as email,
        {{ try_cast_as('contact.property_createdate', dbt.type_timestamp()) }} as created_at,
        contact._fivetran_synced as loaded_at,
        coalesce({{ column_or_null(relation, 'contact', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ relation }} as contact

),

final as (

    select
        contact_id,
        account_id,
        email,
        created_at,
        loaded_at as _loaded_at,
        'hubspot.contact ' || contact_id as _source_record,
        case
            when account_id is not null then 'hubspot contact ' || contact_id || ': company ' || account_id
            else 'hubspot contact ' || contact_id || ' reached no account: no associated company'
        end as _account_match
    from contacts
    where not is_deleted

)

select * from final
