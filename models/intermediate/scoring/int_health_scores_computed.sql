{#-
    The health score of each account on each score date: the rounded sum of
    its criteria's points (int_criterion_points_allocated); null with band
    `insufficient_data` when coverage_pct < var min_coverage_pct. An unexpired
    `overall` override replaces the score. The band is the seed band whose
    inclusive integer range holds the score.
-#}

with

criteria_points as (

    select
        account_id,
        score_date,
        coverage_pct,
        points
    from {{ ref('int_criterion_points_allocated') }}

),

account_score_dates as (

    select
        account_id,
        score_date,
        scorecard
    from {{ ref('int_account_score_dates_listed') }}

),

bands as (

    select
        band,
        min_score,
        max_score,
        label,
        color
    from {{ customer_health_config('health_bands') }}

),

overrides as (

    select
        account_id,
        score_date,
        override_score,
        reason
    from {{ ref('int_health_overrides_active') }}
    where criterion = 'overall'

),

config as (

    select config_version from {{ ref('int_health_config_validated') }}

),

summed as (

    select
        account_id,
        score_date,
        -- the points are multiples of 0.000001 (rounded to 6 decimals) and at most
        -- a few per account: a float sum is within 1e-12 of their exact decimal sum
        -- whatever the order, so rounding it to 6 decimals gives that exact sum in
        -- every build (the same value a decimal sum gives, at a fraction of its cost)
        cast({{ round_to('sum(points)', 6) }} as decimal(38, 6)) as total_points,
        max(coverage_pct) as coverage_pct
    from criteria_points
    group by 1, 2

),

scored as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        account_score_dates.scorecard,
        coalesce(summed.coverage_pct, 0) as coverage_pct,
        summed.total_points,
        case
            when coalesce(summed.coverage_pct, 0) >= {{ var('min_coverage_pct') }}
                then cast(round(summed.total_points) as {{ dbt.type_int() }})
        end as computed_score,
        overrides.override_score,
        overrides.reason as override_reason
    from account_score_dates
    left join summed
        on account_score_dates.account_id = summed.account_id
        and account_score_dates.score_date = summed.score_date
    left join overrides
        on account_score_dates.account_id = overrides.account_id
        and account_score_dates.score_date = overrides.score_date

),

final as (

    select
        scored.account_id,
        scored.score_date,
        scored.scorecard,
        scored.computed_score,
        scored.total_points,
        scored.coverage_pct,
        scored.override_reason,
        config.config_version,
        coalesce(scored.override_score, scored.computed_score) as health_score,
        scored.override_score is not null as is_overridden,
        coalesce(bands.band, 'insufficient_data') as band,
        coalesce(bands.label, 'Insufficient data') as band_label,
        coalesce(bands.color, 'grey') as band_color

    from scored
    left join bands
        on coalesce(scored.override_score, scored.computed_score) between bands.min_score and bands.max_score
    cross join config

)

select * from final
