-- Every stored daily score with the account's band on its previous stored
-- score date, for the semantic layer's "accounts entering churn risk" and for
-- a BI chart of band movements. A view over health_score_daily: nothing is
-- stored twice, and the lag is computed at read time over the whole history
-- (an account's first stored date has no previous band and enters nothing).
{{ config(materialized='view') }}

with

daily as (

    select
        account_id,
        score_date,
        health_score,
        band
    from {{ ref('health_score_daily') }}

),

with_previous as (

    select
        account_id,
        score_date,
        health_score,
        band,
        lag(score_date) over (partition by account_id order by score_date) as previous_score_date,
        lag(band) over (partition by account_id order by score_date) as previous_band
    from daily

),

final as (

    select
        account_id,
        score_date,
        health_score,
        band,
        previous_score_date,
        previous_band,
        coalesce(band = 'churn_risk' and previous_band <> 'churn_risk', false)
            as is_entering_churn_risk,
        coalesce(band <> previous_band, false) as is_band_change
    from with_previous

)

select * from final
