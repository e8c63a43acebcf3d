{#-
    Tickets with their account resolved (the ticket's own account, else its
    requester's), category role and service targets, and the durations that
    support_experience scores.
    Incremental (macros/incremental/keyed_upsert.sql): a run recomputes the
    tickets whose raw rows base_helpdesk__tickets_checked (re-)checked since
    the last run and deletes the ones no longer accepted; every ticket when the
    category roles, the service targets or the contact -> account map changed.
-#}
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='keyed_upsert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}

with

{{ changed_keys_ctes([[ref('base_helpdesk__tickets_checked'), 'ticket_id', none]], 'ticket_id', inputs_version([
    [customer_health_config('ticket_category_roles'), none],
    [customer_health_config('support_sla_targets'), none],
    [ref('stg_crm__contacts'), contact_account_text()],
])) }}

tickets as (

    select
        ticket_id,
        account_id,
        requester_contact_id,
        created_at,
        first_responded_at,
        solved_at,
        status,
        category,
        priority,
        channel,
        handle_minutes,
        reopen_count
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id in (select changed_keys.ticket_id from changed_keys)

),

contacts as (

    select
        contact_id,
        account_id
    from {{ ref('stg_crm__contacts') }}

),

category_roles as (

    select
        category,
        role,
        is_friction
    from {{ customer_health_config('ticket_category_roles') }}

),

sla_targets as (

    select
        priority,
        first_response_target_hours,
        resolution_target_hours,
        handle_target_minutes
    from {{ customer_health_config('support_sla_targets') }}

),

attributed as (

    select
        tickets.ticket_id,
        coalesce(tickets.account_id, contacts.account_id) as account_id,
        case
            when tickets.account_id is not null then 'ticket'
            when contacts.account_id is not null then 'requester'
        end as account_attribution,
        tickets.requester_contact_id,
        tickets.created_at,
        {{ to_date('tickets.created_at') }} as created_date,
        tickets.first_responded_at,
        tickets.solved_at,
        tickets.status,
        tickets.category,
        coalesce(category_roles.role, 'neutral') as category_role,
        coalesce(category_roles.is_friction, false) as is_friction,
        tickets.priority,
        tickets.channel,
        tickets.handle_minutes,
        tickets.reopen_count,
        sla_targets.first_response_target_hours,
        sla_targets.resolution_target_hours,
        sla_targets.handle_target_minutes

    from tickets
    left join contacts
        on tickets.requester_contact_id = contacts.contact_id
    left join category_roles
        on tickets.category = category_roles.category
    left join sla_targets
        on tickets.priority = sla_targets.priority

),

final as (

    {{ keyed_batch('attributed', ['ticket_id'], [
        'account_id',
        'account_attribution',
        'requester_contact_id',
        'created_at',
        'created_date',
        'first_responded_at',
        'solved_at',
        'status',
        'category',
        'category_role',
        'is_friction',
        'priority',
        'channel',
        'handle_minutes',
        'reopen_count',
        'first_response_target_hours',
        'resolution_target_hours',
        'handle_target_minutes'
    ]) }}

)

select * from final
