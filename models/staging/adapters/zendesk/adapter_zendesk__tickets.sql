{#-
    Zendesk tickets in the raw contract's shape (raw.tickets). Rules
    (docs/sources.md, "Zendesk Support"):
    - account: the ticket's organisation (its current one: a change is a
      correction or a move, and the present state wins), else the requester's
      organisation, else the requester's e-mail domain, each through
      adapter__account_identities; none: account_id null and the reason in
      _account_match, so staging rejects the ticket naming the system and id;
    - status: hold is pending; priority: none is normal (Zendesk's default);
    - category: the first tag, else the ticket type, in the mapping seed
      (var customer_health_zendesk_ticket_categories), else other;
    - first response: the first public comment by an agent or admin other than
      the requester; solved: the last change to solved of a ticket now solved or
      closed; reopens: changes from solved back to new, open, pending or hold;
    - handle_minutes: null (Zendesk keeps no handling time);
    - deleted and merged tickets are left out and listed by
      adapter_zendesk__rows_set_aside.
-#}
{%- set ticket_relation = source('zendesk', 'ticket') -%}
{%- set ts = dbt.type_string() -%}

with

tickets as (

    select
        {{ as_key('ticket.id') }} as ticket_id,
        {{ as_key('ticket.organization_id') }} as organization_id,
        {{ as_key('ticket.requester_id') }} as requester_id,
        ticket.created_at,
        {{ as_enum('ticket.status') }} as status,
        {{ as_enum('ticket.priority') }} as priority,
        {{ as_enum('ticket.type') }} as ticket_type,
        {{ as_enum('ticket.via_channel') }} as channel,
        ticket._fivetran_synced as loaded_at,
        coalesce({{ column_or_null(ticket_relation, 'ticket', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ ticket_relation }} as ticket

),

tags as (

    select
        {{ as_key('ticket_tag.ticket_id') }} as ticket_id,
        {{ as_enum('ticket_tag.tag') }} as tag
    from {{ source('zendesk', 'ticket_tag') }} as ticket_tag

),

merged_tickets as (

    select distinct ticket_id
    from tags
    where tag = 'closed_by_merge' and ticket_id is not null

),

categories as (

    select
        {{ as_enum('categories.match_on') }} as match_on,
        {{ as_enum('categories.value') }} as match_value,
        {{ as_enum('categories.category') }} as category,
        cast(categories.precedence as {{ dbt.type_int() }}) as precedence
    from {{ ref(var('customer_health_zendesk_ticket_categories', 'zendesk_ticket_categories')) }} as categories

),

category_candidates as (

    select
        tags.ticket_id,
        categories.category,
        categories.precedence
    from tags
    inner join categories
        on categories.match_on = 'tag'
        and tags.tag = categories.match_value

    union all

    select
        tickets.ticket_id,
        categories.category,
        categories.precedence
    from tickets
    inner join categories
        on categories.match_on = 'type'
        and tickets.ticket_type = categories.match_value

),

ticket_categories as (

    select
        ticket_id,
        category
    from (
        select
            ticket_id,
            category,
            row_number() over (partition by ticket_id order by precedence, category) as category_rank
        from category_candidates
    ) as ranked
    where category_rank = 1

),

users as (

    select
        {{ as_key('zendesk_user.id') }} as user_id,
        {{ as_enum('zendesk_user.role') }} as role,
        {{ as_key('zendesk_user.organization_id') }} as organization_id
    from {{ source('zendesk', 'user') }} as zendesk_user

),

first_responses as (

    select
        {{ as_key('comment.ticket_id') }} as ticket_id,
        min(comment.created) as first_response_at
    from {{ source('zendesk', 'ticket_comment') }} as comment
    inner join users
        on {{ as_key('comment.user_id') }} = users.user_id
    inner join tickets
        on {{ as_key('comment.ticket_id') }} = tickets.ticket_id
    where comment.public
        and users.role in ('agent', 'admin')
        and users.user_id <> coalesce(tickets.requester_id, '')
    group by 1

),

status_changes as (

    select
        {{ as_key('history.ticket_id') }} as ticket_id,
        {{ as_enum('history.value') }} as status,
        history.updated as changed_at,
        lag({{ as_enum('history.value') }}) over (
            partition by history.ticket_id
            order by history.updated, {{ as_enum('history.value') }}
        ) as previous_status
    from {{ source('zendesk', 'ticket_field_history') }} as history
    where history.field_name = 'status'

),

status_summaries as (

    select
        ticket_id,
        max(case when status = 'solved' then changed_at end) as last_solved_at,
        sum(case when previous_status = 'solved' and status in ('new', 'open', 'pending', 'hold') then 1 else 0 end)
            as reopen_count
    from status_changes
    group by 1

),

identities as (

    select * from {{ ref('adapter__account_identities') }}
    where system = 'zendesk'

),

attributed as (

    select
        tickets.*,
        first_responses.first_response_at,
        status_summaries.last_solved_at,
        organization_match.account_id as organization_account_id,
        organization_match.match_detail as organization_match_detail,
        requester_organization_match.account_id as requester_organization_account_id,
        requester_organization_match.match_detail as requester_organization_match_detail,
        requester_match.account_id as requester_domain_account_id,
        requester_match.match_detail as requester_domain_match_detail,
        coalesce(ticket_categories.category, 'other') as category,
        coalesce(status_summaries.reopen_count, 0) as reopen_count
    from tickets
    left join ticket_categories
        on tickets.ticket_id = ticket_categories.ticket_id
    left join first_responses
        on tickets.ticket_id = first_responses.ticket_id
    left join status_summaries
        on tickets.ticket_id = status_summaries.ticket_id
    left join identities as organization_match
        on organization_match.entity = 'organization'
        and tickets.organization_id = organization_match.external_id
    left join users as requesters
        on tickets.requester_id = requesters.user_id
    left join identities as requester_organization_match
        on requester_organization_match.entity = 'organization'
        and requesters.organization_id = requester_organization_match.external_id
    left join identities as requester_match
        on requester_match.entity = 'user'
        and tickets.requester_id = requester_match.external_id
    where not tickets.is_deleted
        and coalesce(tickets.status, '') <> 'deleted'
        and tickets.ticket_id not in (select merged_tickets.ticket_id from merged_tickets)

),

final as (

    select
        ticket_id,
        coalesce(organization_account_id, requester_organization_account_id, requester_domain_account_id)
            as account_id,
        requester_id,
        created_at,
        first_response_at,
        case when status in ('solved', 'closed') then last_solved_at end as solved_at,
        case when status = 'hold' then 'pending' else status end as status,
        category,
        coalesce(priority, 'normal') as priority,
        channel,
        cast(null as {{ dbt.type_int() }}) as handle_minutes,
        cast(reopen_count as {{ dbt.type_int() }}) as reopen_count,
        loaded_at as _loaded_at,
        'zendesk.ticket ' || ticket_id as _source_record,
        case
            when organization_account_id is not null then organization_match_detail
            when requester_organization_account_id is not null
                then 'requester ' || requester_id || ': ' || requester_organization_match_detail
            when requester_domain_account_id is not null then requester_domain_match_detail
            else 'zendesk ticket ' || ticket_id || ' reached no account: '
                || coalesce(organization_match_detail, 'no organization') || '; requester '
                || coalesce(
                    requester_organization_match_detail, requester_domain_match_detail, coalesce(requester_id, '(none)') || ': no organisation or e-mail domain'
                )
        end as _account_match
    from attributed

)

select * from final
