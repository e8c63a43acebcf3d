{#-
    Churn rate by score bucket over every evaluation date of a horizon (an
    observation is one account on one evaluation date, as in
    health_score_fitness): by decile of the score (decile 1 = the lowest
    scores; decile = 1 + floor(10 x (rank - 1) / n), rank by score, so tied
    scores share a decile and deciles may differ in size) and by band (in the
    seed health_bands' sort order). A well-calibrated score has churn rates
    falling from decile 1 to 10.
-#}

with

outcomes as (

    select
        horizon_days,
        health_score,
        band,
        is_churned
    from {{ ref('int_backtest_outcomes_joined') }}
    where health_score is not null

),

bands as (

    select
        band,
        sort_order
    from {{ customer_health_config('health_bands') }}

),

ranked as (

    select
        horizon_days,
        health_score,
        band,
        is_churned,
        rank() over (partition by horizon_days order by health_score) as score_rank,
        count(*) over (partition by horizon_days) as horizon_observations
    from outcomes

),

deciles as (

    select
        horizon_days,
        'decile' as bucket_type,
        cast(1 + floor(cast(10 * (score_rank - 1) as {{ type_double() }}) / horizon_observations) as {{ dbt.type_int() }})
            as bucket_order,
        health_score,
        is_churned
    from ranked

),

by_decile as (

    select
        horizon_days,
        bucket_type,
        cast(bucket_order as {{ dbt.type_string() }}) as bucket,
        bucket_order,
        min(health_score) as score_min,
        max(health_score) as score_max,
        count(*) as observations,
        sum(case when is_churned then 1 else 0 end) as churned
    from deciles
    group by 1, 2, 3, 4

),

by_band as (

    select
        outcomes.horizon_days,
        'band' as bucket_type,
        outcomes.band as bucket,
        cast(bands.sort_order as {{ dbt.type_int() }}) as bucket_order,
        min(outcomes.health_score) as score_min,
        max(outcomes.health_score) as score_max,
        count(*) as observations,
        sum(case when outcomes.is_churned then 1 else 0 end) as churned
    from outcomes
    inner join bands
        on outcomes.band = bands.band
    group by 1, 2, 3, 4

),

buckets as (

    select * from by_decile
    union all
    select * from by_band

),

final as (

    select
        horizon_days,
        bucket_type,
        bucket,
        bucket_order,
        cast(score_min as {{ dbt.type_int() }}) as score_min,
        cast(score_max as {{ dbt.type_int() }}) as score_max,
        cast(observations as {{ dbt.type_int() }}) as observations,
        cast(churned as {{ dbt.type_int() }}) as churned,
        cast(churned as {{ type_double() }}) / observations as churn_rate

    from buckets

)

select * from final
