{#-
    Every interaction that earns engagement points: touchpoints, tickets whose
    category earns points (questions, feature requests) and survey answers
    (a commented answer earns more than a bare one). Points come from seed
    engagement_points; an unknown touchpoint type earns the `other` points.
    Incremental (macros/incremental/keyed_upsert.sql): a run recomputes the
    touchpoints, tickets and answers whose raw rows their staging base model
    (re-)checked since the last run (one watermark per source), deletes the
    ones that no longer qualify (rejected, or now worth no points), and
    recomputes everything when seed engagement_points or the contact ->
    account map changed.
-#}
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='keyed_upsert',
    unique_key=['interaction_source', 'interaction_id'],
    on_schema_change='fail'
) }}

with

{{ changed_keys_ctes([
    [ref('base_marketing__touchpoints_checked'), 'touchpoint_id', 'touchpoint'],
    [ref('base_helpdesk__tickets_checked'), 'ticket_id', 'ticket'],
    [ref('base_surveys__survey_responses_checked'), 'response_id', 'survey'],
], 'interaction_id', inputs_version([
    [customer_health_config('engagement_points'), none],
    [ref('stg_crm__contacts'), contact_account_text()],
]), label_column='interaction_source') }}

touchpoints as (

    select
        touchpoint_id,
        account_id,
        contact_id,
        touchpoint_type,
        occurred_at
    from {{ ref('stg_marketing__touchpoints') }}
    where touchpoint_id in (
            select changed_keys.interaction_id from changed_keys
            where changed_keys.interaction_source = 'touchpoint'
        )

),

contacts as (

    select
        contact_id,
        account_id
    from {{ ref('stg_crm__contacts') }}

),

tickets as (

    select
        ticket_id,
        account_id,
        category,
        created_at
    from {{ ref('int_tickets_attributed') }}
    where ticket_id in (
            select changed_keys.interaction_id from changed_keys
            where changed_keys.interaction_source = 'ticket'
        )

),

responses as (

    select
        response_id,
        account_id,
        has_comment,
        responded_at
    from {{ ref('int_survey_responses_attributed') }}
    where response_id in (
            select changed_keys.interaction_id from changed_keys
            where changed_keys.interaction_source = 'survey'
        )

),

points as (

    select
        interaction_type,
        intensity,
        points
    from {{ customer_health_config('engagement_points') }}

),

touchpoint_interactions as (

    select
        'touchpoint' as interaction_source,
        touchpoints.touchpoint_id as interaction_id,
        coalesce(touchpoints.account_id, contacts.account_id) as account_id,
        touchpoints.touchpoint_type as interaction_type,
        touchpoints.occurred_at
    from touchpoints
    left join contacts
        on touchpoints.contact_id = contacts.contact_id

),

ticket_interactions as (

    select
        'ticket' as interaction_source,
        ticket_id as interaction_id,
        account_id,
        'ticket_' || category as interaction_type,
        created_at as occurred_at
    from tickets

),

survey_interactions as (

    select
        'survey' as interaction_source,
        response_id as interaction_id,
        account_id,
        case when has_comment then 'survey_comment' else 'survey_response' end as interaction_type,
        responded_at as occurred_at
    from responses

),

unioned as (

    select * from touchpoint_interactions
    union all
    select * from ticket_interactions
    union all
    select * from survey_interactions

),

qualifying as (

    select
        unioned.interaction_source,
        unioned.interaction_id,
        unioned.account_id,
        unioned.interaction_type,
        coalesce(type_points.intensity, other_points.intensity) as intensity,
        coalesce(type_points.points, other_points.points, 0) as points,
        unioned.occurred_at,
        {{ to_date('unioned.occurred_at') }} as occurred_date

    from unioned
    left join points as type_points
        on unioned.interaction_type = type_points.interaction_type
    left join points as other_points
        on other_points.interaction_type = 'other'
        and unioned.interaction_source = 'touchpoint'
    where unioned.account_id is not null
        and coalesce(type_points.points, other_points.points, 0) > 0

),

final as (

    {{ keyed_batch('qualifying', ['interaction_source', 'interaction_id'], [
        'account_id',
        'interaction_type',
        'intensity',
        'points',
        'occurred_at',
        'occurred_date'
    ]) }}

)

select * from final
