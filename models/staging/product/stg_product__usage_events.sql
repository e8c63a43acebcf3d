with

source as (

    select * from {{ source('product', 'usage_events') }}

),

renamed as (

    select
        {{ as_key('event_id') }} as event_id,
        {{ as_key('account_id') }} as account_id,
        {{ as_key('user_id') }} as user_id,
        {{ as_enum('event_name') }} as event_name,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
