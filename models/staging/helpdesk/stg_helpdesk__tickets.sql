with

source as (

    select * from {{ source('helpdesk', 'tickets') }}

),

renamed as (

    select
        {{ as_key('ticket_id') }} as ticket_id,
        {{ as_key('account_id') }} as account_id,
        {{ as_key('requester_id') }} as requester_contact_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('first_response_at') }} as first_responded_at,
        {{ to_utc_timestamp('solved_at') }} as solved_at,
        {{ as_enum('status') }} as status,
        {{ as_enum('category') }} as category,
        {{ as_enum('priority') }} as priority,
        {{ as_enum('channel') }} as channel,
        cast(handle_minutes as {{ dbt.type_int() }}) as handle_minutes,
        cast(reopen_count as {{ dbt.type_int() }}) as reopen_count

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
