{#-
    Segment track calls in the raw contract's shape (raw.usage_events)
    (docs/sources.md, "Segment"):
    - event_id is the track's id, event_name its event, occurred_at its
      timestamp (the client's clock corrected by Segment), _loaded_at uuid_ts
      (when Segment loaded it into the warehouse);
    - the account: the user's group as of the event (the latest group call of
      that user at or before it; before any, the user's first group call, since
      group calls often follow a session's first events), through
      adapter__account_identities (identity map, else the group's website
      trait); else the user's e-mail domain (identifies); none: account_id null
      and the reason in _account_match (staging rejects it, unknown_account);
    - anonymous tracks (no user_id) cannot reach an account: set aside.
-#}

with

tracks as (

    select
        {{ as_key('tracks.id') }} as event_id,
        {{ as_key('tracks.user_id') }} as user_id,
        cast(tracks.event as {{ dbt.type_string() }}) as event_name,
        {{ try_cast_as('tracks.timestamp', dbt.type_timestamp()) }} as occurred_at,
        tracks.uuid_ts as loaded_at
    from {{ source('segment', 'tracks') }} as tracks
    where tracks.user_id is not null

),

group_calls as (

    select
        {{ as_key('groups.user_id') }} as user_id,
        {{ as_key('groups.group_id') }} as group_id,
        {{ try_cast_as('groups.timestamp', dbt.type_timestamp()) }} as grouped_at
    from {{ source('segment', 'groups') }} as groups
    where groups.user_id is not null and groups.group_id is not null

),

candidate_groups as (

    -- every group call of the event's user: those at or before the event rank
    -- first (latest first), then the later ones (earliest first)
    select
        tracks.event_id,
        group_calls.group_id,
        row_number() over (
            partition by tracks.event_id
            order by
                case when group_calls.grouped_at <= tracks.occurred_at then 0 else 1 end,
                case when group_calls.grouped_at <= tracks.occurred_at then group_calls.grouped_at end desc,
                group_calls.grouped_at,
                group_calls.group_id asc
        ) as group_rank
    from tracks
    inner join group_calls
        on tracks.user_id = group_calls.user_id

),

event_groups as (

    select
        event_id,
        group_id
    from candidate_groups
    where group_rank = 1

),

identities as (

    select * from {{ ref('adapter__account_identities') }}
    where system = 'segment'

),

final as (

    select
        tracks.event_id,
        tracks.user_id,
        tracks.event_name,
        tracks.occurred_at,
        tracks.loaded_at as _loaded_at,
        coalesce(group_match.account_id, user_match.account_id) as account_id,
        'segment.tracks ' || tracks.event_id as _source_record,
        case
            when group_match.account_id is not null then 'group ' || event_groups.group_id || ': ' || group_match.match_detail
            when user_match.account_id is not null then user_match.match_detail
            else 'segment track ' || tracks.event_id || ' of user ' || tracks.user_id || ' reached no account: '
                || coalesce(group_match.match_detail, 'no group call') || '; '
                || coalesce(user_match.match_detail, 'no identify with an e-mail')
        end as _account_match
    from tracks
    left join event_groups
        on tracks.event_id = event_groups.event_id
    left join identities as group_match
        on group_match.entity = 'group'
        and event_groups.group_id = group_match.external_id
    left join identities as user_match
        on user_match.entity = 'user'
        and tracks.user_id = user_match.external_id

)

select * from final
