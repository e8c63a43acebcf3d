with

source as (

    select * from {{ source('surveys', 'survey_responses') }}

),

renamed as (

    select
        {{ as_key('response_id') }} as response_id,
        {{ as_key('account_id') }} as account_id,
        {{ as_key('contact_id') }} as contact_id,
        {{ as_key('ticket_id') }} as ticket_id,
        {{ as_enum('survey_type') }} as survey_type,
        cast(score as {{ dbt.type_int() }}) as score,
        nullif(trim(cast(comment as {{ dbt.type_string() }})), '') as comment_text,
        {{ to_utc_timestamp('responded_at') }} as responded_at

    from source

),

deduplicated as (

    select distinct * from renamed

),

final as (

    select
        *,
        comment_text is not null as has_comment

    from deduplicated

)

select * from final
