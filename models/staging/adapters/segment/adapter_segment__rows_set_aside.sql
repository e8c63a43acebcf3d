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
        'segment.tracks' as source_table,
        row_key as source_key,
        'anonymous' as reason,
        'segment track ' || row_key || ' has no user_id (anonymous): no group or identify ties it to an account' as detail,
        {{ json_text(raw_row('tracks')) }} as raw_record,
        cast(uuid_ts as {{ dbt.type_timestamp() }}) as loaded_at
    from tracks

)

select * from final
