{#-
    Zendesk CSAT ratings in the raw contract's shape (raw.survey_responses): a
    rating `good` is a like answer (score 1), `bad` a dislike (score 0), with
    its comment, at the time it was given (updated_at, else created_at). It
    belongs to its ticket: account_id is the ticket's account
    (adapter_zendesk__tickets), ticket_id the ticket, no contact (the ticket
    decides, even when the requester's organisation is another account). A
    rating whose ticket reached no account (or was merged or deleted) falls back
    to its requester. Ratings offered but not answered (offered, unoffered) are
    set aside (adapter_zendesk__rows_set_aside).
-#}

with

ratings as (

    select
        {{ as_key('rating.id') }} as response_id,
        {{ as_key('rating.ticket_id') }} as ticket_id,
        {{ as_key('rating.requester_id') }} as requester_id,
        {{ as_enum('rating.score') }} as rating_score,
        rating.comment,
        coalesce(rating.updated_at, rating.created_at) as responded_at,
        rating._fivetran_synced as loaded_at
    from {{ source('zendesk', 'satisfaction_rating') }} as rating

),

tickets as (

    select
        ticket_id,
        account_id,
        _account_match
    from {{ ref('adapter_zendesk__tickets') }}

),

final as (

    select
        ratings.response_id,
        tickets.account_id,
        case when tickets.account_id is null then ratings.requester_id end as contact_id,
        ratings.ticket_id,
        'like' as survey_type,
        cast(case when ratings.rating_score = 'good' then 1 else 0 end as {{ dbt.type_int() }}) as score,
        nullif(trim(cast(ratings.comment as {{ dbt.type_string() }})), '') as comment,
        ratings.responded_at,
        ratings.loaded_at as _loaded_at,
        'zendesk.satisfaction_rating ' || ratings.response_id as _source_record,
        coalesce(
            tickets._account_match, 'ticket ' || ratings.ticket_id || ' is not staged; reached through requester '
            || coalesce(ratings.requester_id, '(none)')
        ) as _account_match
    from ratings
    left join tickets
        on ratings.ticket_id = tickets.ticket_id
    where ratings.rating_score in ('good', 'bad')

)

select * from final
