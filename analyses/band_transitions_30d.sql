-- How accounts moved between bands over the last 30 days (compile with
-- `dbt compile --select band_transitions_30d` and run the SQL in a BI tool).
with

history as (

    select
        account_id,
        score_date,
        band
    from {{ ref('health_score_daily') }}

),

today as (

    select
        account_id,
        band
    from history
    where score_date = {{ as_of_date() }}

),

month_ago as (

    select
        account_id,
        band
    from history
    where score_date = {{ add_days(as_of_date(), -30) }}

),

final as (

    select
        month_ago.band as band_30_days_ago,
        today.band as band_today,
        count(*) as accounts
    from today
    inner join month_ago
        on today.account_id = month_ago.account_id
    group by 1, 2

)

select * from final
