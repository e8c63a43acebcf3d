{#-
    Product usage per account and day: the only model that reads usage events.
    Every usage measure downstream reads this daily aggregate. A day with events
    has at least one active user, even when every event is anonymous.

    Incremental: a run recomputes only the account-days touched by the event
    rows base_product__usage_events_checked (re-)checked since this table was
    last computed (checked_at after source_checked_at), from every accepted
    event of those days, and replaces them (delete+insert). A touched day left
    without accepted events (its only event became a rejected duplicate) is
    kept with 0 events and 0 users, so the stale count is overwritten; the
    tests and every reader treat 0 events as no usage. Days after as_of_date
    are kept too: readers select the days their windows need.
-#}
{{ config(
    materialized=keyed_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['account_id', 'activity_date'],
    on_schema_change='fail'
) }}

with

checked_events as (

    select
        account_id,
        occurred_at,
        checked_at
    from {{ ref('base_product__usage_events_checked') }}
    where is_known_account and occurred_at is not null
    {% if is_incremental() %}
        and checked_at > (
            select coalesce(max(computed.source_checked_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }} as computed
        )
    {% endif %}

),

source_version as (

    select max(checked_at) as source_checked_at from checked_events

),

events as (

    select
        account_id,
        user_id,
        {{ to_date('occurred_at') }} as activity_date
    from {{ ref('stg_product__usage_events') }}

),

{% if is_incremental() %}

    touched_days as (

        select distinct
            account_id,
            {{ to_date('occurred_at') }} as activity_date
        from checked_events

    ),

    touched_events as (

        select events.*
        from events
        inner join touched_days
            on events.account_id = touched_days.account_id
            and events.activity_date = touched_days.activity_date

    ),

{% else %}

    touched_events as (

        select * from events

    ),

{% endif %}

-- two grouped passes (per user, then per day) instead of count(distinct): the
-- same counts, cheaper on the engine than a distinct aggregate over every event
user_days as (

    select
        account_id,
        activity_date,
        user_id,
        count(*) as event_count
    from touched_events
    group by 1, 2, 3

),

aggregated as (

    select
        account_id,
        activity_date,
        sum(event_count) as event_count,
        -- count(user_id) skips the one null-user group: the distinct identified users;
        -- events without a user id count as one user on a day no identified user was active
        greatest(count(user_id), 1) as active_user_count
    from user_days
    group by 1, 2

),

final as (

    {% if is_incremental() %}
        select
            touched_days.account_id,
            touched_days.activity_date,
            cast(coalesce(aggregated.event_count, 0) as {{ dbt.type_bigint() }}) as event_count,
            cast(coalesce(aggregated.active_user_count, 0) as {{ dbt.type_bigint() }}) as active_user_count,
            source_version.source_checked_at
        from touched_days
        left join aggregated
            on touched_days.account_id = aggregated.account_id
            and touched_days.activity_date = aggregated.activity_date
        cross join source_version
    {% else %}
        select
            aggregated.account_id,
            aggregated.activity_date,
            cast(aggregated.event_count as {{ dbt.type_bigint() }}) as event_count,
            cast(aggregated.active_user_count as {{ dbt.type_bigint() }}) as active_user_count,
            source_version.source_checked_at
        from aggregated
        cross join source_version
    {% endif %}

)

select * from final
