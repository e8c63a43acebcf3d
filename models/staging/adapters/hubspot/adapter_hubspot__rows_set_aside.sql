{#-
    The HubSpot rows the adapters leave out by rule, for marts.rejected_rows:
    deleted companies and contacts, inactive (deleted) engagements, tasks (our
    own to-dos, not interactions), and marketing e-mail events other than
    opens and clicks (deliveries, bounces, ...: not engagement).
-#}
{%- set company_relation = source('hubspot', 'company') -%}
{%- set contact_relation = source('hubspot', 'contact') -%}
{%- set engagement_relation = source('hubspot', 'engagement') -%}

with

companies as (

    select
        company.*,
        {{ as_key('company.id') }} as row_key,
        coalesce(company.is_deleted, false)
        or coalesce({{ column_or_null(company_relation, 'company', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_gone
    from {{ company_relation }} as company

),

contacts as (

    select
        contact.*,
        {{ as_key('contact.id') }} as row_key,
        coalesce({{ column_or_null(contact_relation, 'contact', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_gone
    from {{ contact_relation }} as contact

),

engagements as (

    select
        engagement.*,
        {{ as_key('engagement.id') }} as row_key,
        {{ as_enum('engagement.type') }} as engagement_type,
        not coalesce({{ column_or_null(engagement_relation, 'engagement', 'active', dbt.type_boolean()) }}, true) as is_gone
    from {{ engagement_relation }} as engagement

),

email_events as (

    select
        email_event.*,
        {{ as_key('email_event.id') }} as row_key,
        {{ as_enum('email_event.type') }} as event_type
    from {{ source('hubspot', 'email_event') }} as email_event

),

set_aside as (

    select
        {{ adapter_row_set_aside(
            'hubspot.company', 'row_key', "'deleted'",
            "'hubspot company ' || row_key || ' is deleted'", 'companies') }}
    from companies
    where is_gone

    union all

    select
        {{ adapter_row_set_aside(
            'hubspot.contact', 'row_key', "'deleted'",
            "'hubspot contact ' || row_key || ' is deleted'", 'contacts') }}
    from contacts
    where is_gone

    union all

    select
        {{ adapter_row_set_aside(
            'hubspot.engagement', 'row_key',
            "case when is_gone then 'deleted' else 'not_an_interaction' end",
            "case when is_gone then 'hubspot engagement ' || row_key || ' is inactive (deleted)'
            else 'hubspot engagement ' || row_key || ' is a ' || coalesce(engagement_type, '(no type)')
                || ', not an interaction with the customer'
            end", 'engagements') }}
    from engagements
    where is_gone or coalesce(engagement_type, '') not in ('meeting', 'call', 'email', 'note')

    union all

    select
        {{ adapter_row_set_aside(
            'hubspot.email_event', 'row_key', "'not_an_interaction'",
            "'hubspot email event ' || row_key || ' is ' || coalesce(event_type, '(no type)') || ', not an open or a click'",
            'email_events') }}
    from email_events
    where coalesce(event_type, '') not in ('open', 'click')

)

select * from set_aside
