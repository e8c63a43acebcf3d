{#-
    HubSpot engagements and marketing e-mail events in the raw contract's
    shape (raw.touchpoints), through adapter__touchpoints:
    - engagements (hubspot.engagement): MEETING is meeting, CALL call, EMAIL
      email (a one-to-one sales e-mail), NOTE note (earn the default points
      unless engagement_points lists them); TASK is our own to-do, not an
      interaction with the customer: set aside, as are inactive (deleted)
      engagements. Account: the engagement's company (the smallest id when
      there are several), contact: its contact (likewise); with no company the
      account is reached through the contact in staging.
    - e-mail events (hubspot.email_event): OPEN is email_open, CLICK
      email_click; the contact is the HubSpot contact with the recipient's
      address (the account through the contact); other event types (SENT,
      DELIVERED, BOUNCE, ...) are deliveries, not engagement: set aside.
    Ids are prefixed (engagement:, email_event:) so the two tables cannot
    collide. Occurred at: the engagement's timestamp, the event's created.
-#}
{%- set engagement_relation = source('hubspot', 'engagement') -%}
{%- set ts = dbt.type_string() -%}

with

engagements as (

    select
        {{ as_key('engagement.id') }} as engagement_id,
        {{ as_enum('engagement.type') }} as engagement_type,
        {{ try_cast_as('engagement.timestamp', dbt.type_timestamp()) }} as occurred_at,
        engagement._fivetran_synced as loaded_at,
        coalesce({{ column_or_null(engagement_relation, 'engagement', 'active', dbt.type_boolean()) }}, true) as is_active
    from {{ engagement_relation }} as engagement

),

engagement_companies as (

    select
        {{ as_key('engagement_company.engagement_id') }} as engagement_id,
        min({{ as_key('engagement_company.company_id') }}) as company_id
    from {{ source('hubspot', 'engagement_company') }} as engagement_company
    group by 1

),

engagement_contacts as (

    select
        {{ as_key('engagement_contact.engagement_id') }} as engagement_id,
        min({{ as_key('engagement_contact.contact_id') }}) as contact_id
    from {{ source('hubspot', 'engagement_contact') }} as engagement_contact
    group by 1

),

contacts_by_email as (

    select
        lower(trim(cast(contact.property_email as {{ ts }}))) as email,
        min({{ as_key('contact.id') }}) as contact_id
    from {{ source('hubspot', 'contact') }} as contact
    where contact.property_email is not null
    group by 1

),

email_events as (

    select
        {{ as_key('email_event.id') }} as event_id,
        {{ as_enum('email_event.type') }} as event_type,
        lower(trim(cast(email_event.recipient as {{ ts }}))) as recipient,
        {{ try_cast_as('email_event.created', dbt.type_timestamp()) }} as occurred_at,
        email_event._fivetran_synced as loaded_at
    from {{ source('hubspot', 'email_event') }} as email_event

),

from_engagements as (

    select
        'engagement:' || engagements.engagement_id as touchpoint_id,
        engagement_companies.company_id as account_id,
        engagement_contacts.contact_id,
        case engagements.engagement_type
            when 'meeting' then 'meeting'
            when 'call' then 'call'
            when 'email' then 'email'
            when 'note' then 'note'
        end as touchpoint_type,
        'hubspot ' || engagements.engagement_type as detail,
        engagements.occurred_at,
        engagements.loaded_at as _loaded_at,
        'hubspot.engagement ' || engagements.engagement_id as _source_record,
        case
            when engagement_companies.company_id is not null
                then 'hubspot engagement ' || engagements.engagement_id || ': company ' || engagement_companies.company_id
            when engagement_contacts.contact_id is not null
                then 'hubspot engagement ' || engagements.engagement_id || ': through contact ' || engagement_contacts.contact_id
            else 'hubspot engagement ' || engagements.engagement_id || ' reached no account: no company and no contact'
        end as _account_match
    from engagements
    left join engagement_companies
        on engagements.engagement_id = engagement_companies.engagement_id
    left join engagement_contacts
        on engagements.engagement_id = engagement_contacts.engagement_id
    where engagements.is_active
        and engagements.engagement_type in ('meeting', 'call', 'email', 'note')

),

from_email_events as (

    select
        'email_event:' || email_events.event_id as touchpoint_id,
        cast(null as {{ ts }}) as account_id,
        contacts_by_email.contact_id,
        case email_events.event_type when 'open' then 'email_open' else 'email_click' end as touchpoint_type,
        'hubspot marketing e-mail ' || email_events.event_type as detail,
        email_events.occurred_at,
        email_events.loaded_at as _loaded_at,
        'hubspot.email_event ' || email_events.event_id as _source_record,
        case
            when contacts_by_email.contact_id is not null
                then 'hubspot email event ' || email_events.event_id || ': through contact ' || contacts_by_email.contact_id
            else 'hubspot email event ' || email_events.event_id || ' reached no account: no contact with address '
                || coalesce(email_events.recipient, '(none)')
        end as _account_match
    from email_events
    left join contacts_by_email
        on email_events.recipient = contacts_by_email.email
    where email_events.event_type in ('open', 'click')

),

final as (

    select * from from_engagements
    union all
    select * from from_email_events

)

select * from final
