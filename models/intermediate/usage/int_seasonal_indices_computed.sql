{#-
    Seasonal indices of the pooled usage series, as known on each score date
    (only days up to that date are used), by classical multiplicative
    decomposition:
    - day of week: ratio of the series to its centred 7-day moving average,
      aggregated per ISO weekday (median by default, var seasonal_aggregation),
      normalised to average 1;
    - month of year: monthly means of the weekday-adjusted series (complete
      months only) against their centred 2x12 moving average, aggregated per
      calendar month, normalised to average 1; applied only when at least
      seasonal_min_complete_months complete months exist, else every month is 1.
    With aggregation `mean` this equals statsmodels' seasonal_decompose
    (model='multiplicative', period 7 and 12); tests/python checks it to 1e-9.
-#}
{%- set aggregation = var('seasonal_aggregation') -%}
{%- if aggregation not in ['median', 'mean'] -%}
    {{ exceptions.raise_compiler_error("var seasonal_aggregation must be 'median' or 'mean', got '" ~ aggregation ~ "'") }}
{%- endif -%}

with

pooled as (

    select
        activity_date,
        pooled_value,
        {{ iso_day_of_week('activity_date') }} as day_of_week,
        {{ month_of_year('activity_date') }} as month_of_year,
        {{ dbt.date_trunc('month', 'activity_date') }} as month_start
    from {{ ref('int_usage_pooled_daily') }}

),

score_dates as (

    select score_date from {{ ref('int_score_dates_listed') }}

),

weekdays as (

    select cast(generated_number as {{ dbt.type_int() }}) as day_of_week
    from ({{ dbt.generate_series(7) }}) as series

),

months as (

    select cast(generated_number as {{ dbt.type_int() }}) as month_of_year
    from ({{ dbt.generate_series(12) }}) as series

),

weekly_moving_average as (

    select
        activity_date,
        day_of_week,
        pooled_value,
        avg(pooled_value) over (
            order by activity_date rows between 3 preceding and 3 following
        ) as moving_average_7d,
        count(*) over (
            order by activity_date rows between 3 preceding and 3 following
        ) as days_in_window
    from pooled

),

weekday_ratios as (

    select
        activity_date,
        day_of_week,
        pooled_value / moving_average_7d as ratio
    from weekly_moving_average
    where days_in_window = 7 and moving_average_7d > 0

),

-- a ratio on day t uses days up to t + 3, so on score date d only t <= d - 3 is known
weekday_raw_indices as (

    select
        score_dates.score_date,
        weekday_ratios.day_of_week,
        {{ seasonal_aggregate('weekday_ratios.ratio') }} as raw_index
    from score_dates
    inner join weekday_ratios
        on weekday_ratios.activity_date <= {{ add_days('score_dates.score_date', -3) }}
    group by 1, 2

),

weekday_indices as (

    select
        score_dates.score_date,
        weekdays.day_of_week,
        coalesce(
            weekday_raw_indices.raw_index
            / avg(weekday_raw_indices.raw_index) over (partition by score_dates.score_date),
            1.0
        ) as seasonal_index
    from score_dates
    cross join weekdays
    left join weekday_raw_indices
        on score_dates.score_date = weekday_raw_indices.score_date
        and weekdays.day_of_week = weekday_raw_indices.day_of_week

),

weekday_adjusted as (

    select
        score_dates.score_date,
        pooled.month_start,
        pooled.month_of_year,
        pooled.activity_date,
        pooled.pooled_value / weekday_indices.seasonal_index as adjusted_value
    from score_dates
    inner join pooled
        on score_dates.score_date >= pooled.activity_date
    inner join weekday_indices
        on score_dates.score_date = weekday_indices.score_date
        and pooled.day_of_week = weekday_indices.day_of_week

),

monthly_means as (

    select
        score_date,
        month_start,
        month_of_year,
        avg(adjusted_value) as monthly_mean,
        count(*) as days_observed,
        {{ days_between('month_start', dbt.last_day('month_start', 'month')) }} + 1
            as days_in_month
    from weekday_adjusted
    group by 1, 2, 3

),

complete_months as (

    select
        score_date,
        month_start,
        month_of_year,
        monthly_mean
    from monthly_means
    where days_observed = days_in_month

),

monthly_moving_average as (

    select
        score_date,
        month_start,
        month_of_year,
        monthly_mean,
        (
            0.5 * lag(monthly_mean, 6) over (partition by score_date order by month_start)
            + sum(monthly_mean)
                over (
                    partition by score_date order by month_start rows between 5 preceding and 5 following
                )
            + 0.5 * lead(monthly_mean, 6) over (partition by score_date order by month_start)
        ) / 12.0 as moving_average_2x12,
        count(*) over (
            partition by score_date order by month_start rows between 6 preceding and 6 following
        ) as months_in_window,
        count(*) over (partition by score_date) as complete_month_count
    from complete_months

),

month_raw_indices as (

    select
        score_date,
        month_of_year,
        {{ seasonal_aggregate('monthly_mean / moving_average_2x12') }} as raw_index,
        max(complete_month_count) as complete_month_count
    from monthly_moving_average
    where months_in_window = 13 and moving_average_2x12 > 0
    group by 1, 2

),

month_indices as (

    select
        score_dates.score_date,
        months.month_of_year,
        coalesce(
            month_raw_indices.raw_index
            / avg(month_raw_indices.raw_index) over (partition by score_dates.score_date),
            1.0
        ) as normalised_index,
        coalesce(
            max(month_raw_indices.complete_month_count) over (partition by score_dates.score_date), 0
        ) as complete_month_count
    from score_dates
    cross join months
    left join month_raw_indices
        on score_dates.score_date = month_raw_indices.score_date
        and months.month_of_year = month_raw_indices.month_of_year

),

month_indices_applied as (

    select
        score_date,
        month_of_year,
        case
            when complete_month_count >= {{ var('seasonal_min_complete_months') }} then normalised_index
            else 1.0
        end as seasonal_index
    from month_indices

),

final as (

    select
        score_date,
        'day_of_week' as period_type,
        day_of_week as period_number,
        seasonal_index,
        '{{ aggregation }}' as aggregation
    from weekday_indices

    union all

    select
        score_date,
        'month_of_year' as period_type,
        month_of_year as period_number,
        seasonal_index,
        '{{ aggregation }}' as aggregation
    from month_indices_applied

)

select * from final
