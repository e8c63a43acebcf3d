-- Accepted CSM sentiment readings (base_csm__csm_sentiment_checked): one row per reading.
with

checked as (

    select
        sentiment_id,
        account_id,
        author,
        sentiment,
        reason_code,
        note,
        recorded_at
    from {{ ref('base_csm__csm_sentiment_checked') }}
    where rejection_reason is null

),

final as (

    select
        sentiment_id,
        account_id,
        author,
        sentiment,
        reason_code,
        note,
        recorded_at
    from checked

)

select * from final
