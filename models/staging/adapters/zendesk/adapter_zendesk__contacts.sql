{#-
    Zendesk end users in the raw contract's shape (raw.contacts): a contact per
    end user (agents and admins are staff, not customers' contacts: set aside,
    as are deleted users). Account: the user's organisation, else the user's
    e-mail domain, through adapter__account_identities; none: account_id null
    and the reason in _account_match (staging rejects the row, unknown_account).
-#}
{%- set user_relation = source('zendesk', 'user') -%}

with

users as (

    select
        {{ as_key('zendesk_user.id') }} as contact_id,
        {{ as_key('zendesk_user.organization_id') }} as organization_id,
        {{ as_enum('zendesk_user.role') }} as role,
        zendesk_user.email,
        zendesk_user.created_at,
        zendesk_user._fivetran_synced as loaded_at,
        coalesce({{ column_or_null(user_relation, 'zendesk_user', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ user_relation }} as zendesk_user

),

identities as (

    select * from {{ ref('adapter__account_identities') }}
    where system = 'zendesk'

),

final as (

    select
        users.contact_id,
        users.email,
        users.created_at,
        users.loaded_at as _loaded_at,
        coalesce(organization_match.account_id, domain_match.account_id) as account_id,
        'zendesk.user ' || users.contact_id as _source_record,
        case
            when organization_match.account_id is not null then organization_match.match_detail
            when domain_match.account_id is not null then domain_match.match_detail
            else 'zendesk user ' || users.contact_id || ' reached no account: '
                || coalesce(organization_match.match_detail, 'no organization') || '; '
                || coalesce(domain_match.match_detail, 'no e-mail')
        end as _account_match
    from users
    left join identities as organization_match
        on organization_match.entity = 'organization'
        and users.organization_id = organization_match.external_id
    left join identities as domain_match
        on domain_match.entity = 'user'
        and users.contact_id = domain_match.external_id
    where users.role = 'end-user'
        and not users.is_deleted

)

select * from final
