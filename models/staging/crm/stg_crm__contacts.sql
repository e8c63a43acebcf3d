with

source as (

    select * from {{ source('crm', 'contacts') }}

),

renamed as (

    select
        {{ as_key('contact_id') }} as contact_id,
        {{ as_key('account_id') }} as account_id,
        lower(trim(cast(email as {{ dbt.type_string() }}))) as email,
        {{ to_utc_timestamp('created_at') }} as created_at

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
