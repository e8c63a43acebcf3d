with

source as (

    select * from {{ source('crm', 'accounts') }}

),

renamed as (

    select
        {{ as_key('account_id') }} as account_id,
        trim(cast(account_name as {{ dbt.type_string() }})) as account_name,
        {{ as_enum('segment') }} as segment,
        {{ as_key('parent_account_id') }} as parent_account_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('churned_at') }} as churned_at,
        cast(is_internal as boolean) as is_internal,
        cast(arr as {{ dbt.type_numeric() }}) as arr_amount

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
