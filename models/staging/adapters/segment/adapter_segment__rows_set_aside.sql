{#-
    The Segment track calls the adapter leaves out, for marts.rejected_rows:
    anonymous ones (no user_id), which no group or identify can tie to an
    account.
-#}

with

tracks as (

    select
        tracks.*,
        {{ as_key('tracks.id') }} as row_key
    from {{ source('segment', 'tracks') }} as tracks
    where tracks.user_id is null

),

final as (

    select
        {{ adapter_row_set_aside(
            'segment.tracks', 'row_key', "'anonymous'",
            "'segment track ' || row_key || ' has no user_id (anonymous): no group or identify ties it to an account'",
            'tracks', loaded_at='uuid_ts') }}
    from tracks

)

select * from final
