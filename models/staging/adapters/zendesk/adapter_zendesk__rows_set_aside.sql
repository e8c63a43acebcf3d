{#-
    The Zendesk rows the adapters leave out by rule, for marts.rejected_rows:
    deleted tickets (status deleted or _fivetran_deleted), tickets closed by a
    merge (tag closed_by_merge: the ticket they were merged into carries the
    request), agents and admins (staff, not customers' contacts), deleted
    users, and CSAT ratings offered but never answered.
-#}
{%- set ticket_relation = source('zendesk', 'ticket') -%}
{%- set user_relation = source('zendesk', 'user') -%}

with

tickets as (

    select
        ticket.*,
        {{ as_key('ticket.id') }} as ticket_id,
        {{ as_enum('ticket.status') }} as ticket_status,
        coalesce({{ column_or_null(ticket_relation, 'ticket', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ ticket_relation }} as ticket

),

merged_tickets as (

    select distinct {{ as_key('ticket_tag.ticket_id') }} as ticket_id
    from {{ source('zendesk', 'ticket_tag') }} as ticket_tag
    where {{ as_enum('ticket_tag.tag') }} = 'closed_by_merge' and ticket_tag.ticket_id is not null

),

users as (

    select
        zendesk_user.*,
        {{ as_key('zendesk_user.id') }} as user_id,
        {{ as_enum('zendesk_user.role') }} as user_role,
        coalesce({{ column_or_null(user_relation, 'zendesk_user', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ user_relation }} as zendesk_user

),

ratings as (

    select
        rating.*,
        {{ as_key('rating.id') }} as rating_id,
        {{ as_enum('rating.score') }} as rating_score
    from {{ source('zendesk', 'satisfaction_rating') }} as rating

),

set_aside as (

    select
        {{ adapter_row_set_aside(
            'zendesk.ticket', 'tickets.ticket_id', "'deleted'",
            "'zendesk ticket ' || tickets.ticket_id || ' is deleted'", 'tickets') }}
    from tickets
    where tickets.is_deleted or coalesce(tickets.ticket_status, '') = 'deleted'

    union all

    select
        {{ adapter_row_set_aside(
            'zendesk.ticket', 'tickets.ticket_id', "'merged'",
            "'zendesk ticket ' || tickets.ticket_id || ' was closed by a merge (tag closed_by_merge); the ticket it was merged into is staged'",
            'tickets') }}
    from tickets
    where not (tickets.is_deleted or coalesce(tickets.ticket_status, '') = 'deleted')
        and tickets.ticket_id in (select merged_tickets.ticket_id from merged_tickets)

    union all

    select
        {{ adapter_row_set_aside(
            'zendesk.user', 'users.user_id',
            "case when users.is_deleted then 'deleted' else 'not_a_contact' end",
            "case
            when users.is_deleted then 'zendesk user ' || users.user_id || ' is deleted'
            else 'zendesk user ' || users.user_id || ' is ' || coalesce(users.user_role, 'without a role')
                || ', not an end user: staff are not customers'' contacts'
            end", 'users') }}
    from users
    where users.is_deleted or coalesce(users.user_role, '') <> 'end-user'

    union all

    select
        {{ adapter_row_set_aside(
            'zendesk.satisfaction_rating', 'ratings.rating_id', "'not_answered'",
            "'zendesk satisfaction rating ' || ratings.rating_id || ' is ' || coalesce(ratings.rating_score, '(no score)')
            || ': offered, never answered good or bad'", 'ratings') }}
    from ratings
    where coalesce(ratings.rating_score, '') not in ('good', 'bad')

)

select * from set_aside
