with

source as (

    select * from {{ source('marketing', 'touchpoints') }}

),

renamed as (

    select
        {{ as_key('touchpoint_id') }} as touchpoint_id,
        {{ as_key('account_id') }} as account_id,
        {{ as_key('contact_id') }} as contact_id,
        {{ as_enum('touchpoint_type') }} as touchpoint_type,
        trim(cast(detail as {{ dbt.type_string() }})) as detail,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
