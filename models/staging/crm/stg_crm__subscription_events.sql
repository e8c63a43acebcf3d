with

source as (

    select * from {{ source('crm', 'subscription_events') }}

),

renamed as (

    select
        {{ as_key('subscription_event_id') }} as subscription_event_id,
        {{ as_key('account_id') }} as account_id,
        {{ as_enum('event_type') }} as event_type,
        cast(mrr_delta as {{ dbt.type_numeric() }}) as mrr_delta_amount,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at

    from source

),

deduplicated as (

    select distinct * from renamed

)

select * from deduplicated
