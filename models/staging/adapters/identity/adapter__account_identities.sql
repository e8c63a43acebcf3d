{#-
    Who is who across systems: one row per customer of another system (a
    Zendesk organisation or end user, a Stripe customer, a Segment group or
    user) with the account it reaches and how. The identity map
    (var customer_health_identity_map: system, external_id, account_id) wins;
    else the domains: the entity's domains (an organisation's domain names, a
    customer's or user's e-mail domain, a group's website) against the
    accounts' optional `domain`; a domain reaching two accounts matches neither
    (ambiguous). An entity that reaches no account is `unmatched`: the adapter
    rows that depend on it carry the reason in their raw row (_account_match)
    and staging rejects them (marts.rejected_rows).
-#}
{{ config(enabled=customer_health_uses_identities()) }}
{%- set accounts_relation = customer_health_accounts_of_record() -%}
{%- set ts = dbt.type_string() -%}

with

accounts as (

    select
        {{ as_key('accounts.account_id') }} as account_id,
        {{ normalised_domain(column_or_null(accounts_relation, 'accounts', 'domain', ts)) }} as domain
    from {{ accounts_relation }} as accounts

),

account_domains as (

    select distinct
        account_id,
        domain
    from accounts
    where domain is not null and account_id is not null

),

identity_map as (

    select
        lower(trim(cast(identity_map.system as {{ ts }}))) as system,
        {{ as_key('identity_map.external_id') }} as external_id,
        {{ as_key('identity_map.account_id') }} as account_id
    from {{ ref(var('customer_health_identity_map', 'customer_health_identity_map')) }} as identity_map

),

candidates as (

    -- system, entity, external_id, domain: one row per domain of an entity, and
    -- one with a null domain so an entity without any is listed too
    select
        cast(null as {{ ts }}) as system,
        cast(null as {{ ts }}) as entity,
        cast(null as {{ ts }}) as external_id,
        cast(null as {{ ts }}) as domain
    where 1 = 0

    {% if customer_health_source_system('helpdesk') == 'zendesk' %}
        union all

        select
            'zendesk' as system,
            'organization' as entity,
            {{ as_key('organization.id') }} as external_id,
            cast(null as {{ ts }}) as domain
        from {{ source('zendesk', 'organization') }} as organization

        union all

        select
            'zendesk' as system,
            'organization' as entity,
            {{ as_key('domain_name.organization_id') }} as external_id,
            {{ normalised_domain('domain_name.domain_name') }} as domain
        from {{ source('zendesk', 'organization_domain_name') }} as domain_name

        union all

        -- an end user without an organisation reaches an account by e-mail domain
        -- (one with an organisation reaches its organisation's)
        select
            'zendesk' as system,
            'user' as entity,
            {{ as_key('zendesk_user.id') }} as external_id,
            {{ email_domain('zendesk_user.email') }} as domain
        from {{ source('zendesk', 'user') }} as zendesk_user
        where zendesk_user.organization_id is null
            and {{ as_enum('zendesk_user.role') }} = 'end-user'
    {% endif %}

    {% if customer_health_source_system('billing') == 'stripe' %}
        union all

        select
            'stripe' as system,
            'customer' as entity,
            {{ as_key('customer.id') }} as external_id,
            {{ email_domain('customer.email') }} as domain
        from {{ source('stripe', 'customer') }} as customer
    {% endif %}

    {% if customer_health_source_system('product') == 'segment' %}
        {%- set groups_relation = source('segment', 'groups') %}
        union all

        select
            'segment' as system,
            'group' as entity,
            {{ as_key('groups.group_id') }} as external_id,
            {{ normalised_domain(column_or_null(groups_relation, 'groups', var('customer_health_segment_group_domain_trait', 'website'), ts)) }} as domain
        from {{ groups_relation }} as groups

        union all

        -- a user never grouped reaches an account by the e-mail domain its identify
        -- calls carry (a grouped user reaches its group's)
        {%- set identifies_relation = source('segment', 'identifies') %}
        select
            'segment' as system,
            'user' as entity,
            {{ as_key('identifies.user_id') }} as external_id,
            {{ email_domain(column_or_null(identifies_relation, 'identifies', 'email', ts)) }} as domain
        from {{ identifies_relation }} as identifies
        where identifies.user_id is not null
            and {{ as_key('identifies.user_id') }} not in (
                select {{ as_key('grouped.user_id') }} from {{ groups_relation }} as grouped
                where grouped.user_id is not null
            )
    {% endif %}

),

entities as (

    select distinct
        system,
        entity,
        external_id
    from candidates
    where external_id is not null

),

mapped as (

    -- the map names the entity a user knows: a Zendesk organisation, a Stripe
    -- customer, a Segment group (entity users are reached by domain only)
    select
        entities.system,
        entities.entity,
        entities.external_id,
        min(identity_map.account_id) as account_id,
        count(distinct identity_map.account_id) as mapped_accounts
    from entities
    inner join identity_map
        on entities.system = identity_map.system
        and entities.external_id = identity_map.external_id
        and entities.entity in ('organization', 'customer', 'group')
    group by 1, 2, 3

),

domain_matched as (

    select
        candidates.system,
        candidates.entity,
        candidates.external_id,
        min(account_domains.account_id) as account_id,
        count(distinct account_domains.account_id) as matched_accounts,
        min(candidates.domain) as domain
    from candidates
    inner join account_domains
        on candidates.domain = account_domains.domain
    group by 1, 2, 3

),

entity_domains as (

    select
        system,
        entity,
        external_id,
        min(domain) as domain
    from candidates
    where domain is not null
    group by 1, 2, 3

),

final as (

    select
        entities.system,
        entities.entity,
        entities.external_id,
        case
            when mapped.mapped_accounts = 1 then mapped.account_id
            when mapped.external_id is null and domain_matched.matched_accounts = 1 then domain_matched.account_id
        end as account_id,
        case
            when mapped.mapped_accounts = 1 then 'identity_map'
            when mapped.external_id is not null then 'ambiguous_identity_map'
            when domain_matched.matched_accounts = 1 then 'domain'
            when domain_matched.matched_accounts > 1 then 'ambiguous_domain'
            else 'unmatched'
        end as match_method,
        case
            when mapped.mapped_accounts = 1
                then entities.system || ' ' || entities.entity || ' ' || entities.external_id
                    || ': account ' || mapped.account_id || ' by the identity map'
            when mapped.external_id is not null
                then entities.system || ' ' || entities.entity || ' ' || entities.external_id
                    || ': the identity map names several accounts'
            when domain_matched.matched_accounts = 1
                then entities.system || ' ' || entities.entity || ' ' || entities.external_id
                    || ': account ' || domain_matched.account_id || ' by domain ' || domain_matched.domain
            when domain_matched.matched_accounts > 1
                then entities.system || ' ' || entities.entity || ' ' || entities.external_id
                    || ': domain ' || domain_matched.domain || ' belongs to several accounts'
            else entities.system || ' ' || entities.entity || ' ' || entities.external_id
                || ': no account in the identity map or with domain '
                || coalesce(entity_domains.domain, '(none)')
        end as match_detail
    from entities
    left join mapped
        on entities.system = mapped.system
        and entities.entity = mapped.entity
        and entities.external_id = mapped.external_id
    left join domain_matched
        on entities.system = domain_matched.system
        and entities.entity = domain_matched.entity
        and entities.external_id = domain_matched.external_id
    left join entity_domains
        on entities.system = entity_domains.system
        and entities.entity = entity_domains.entity
        and entities.external_id = entity_domains.external_id

)

select * from final
