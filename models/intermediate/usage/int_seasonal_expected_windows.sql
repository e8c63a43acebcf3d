-- For each score date, the sum of the expected seasonal factors (day-of-week
-- index x month-of-year index, as known on that date) over the current usage
-- window and over the baseline window just before it. Dividing an account's
-- events in a window by this sum deseasonalises them. With var
-- seasonal_adjustment false (the ablation, customer-health evaluate --ablation)
-- every factor is 1: the sums are the window lengths and usage is compared raw.
{%- set seasonal_adjustment = var('seasonal_adjustment') | string | lower not in ['false', '0', 'no', 'off'] -%}
{%- set current_days = var('usage_current_window_days') -%}
{%- set baseline_days = var('usage_baseline_window_days') %}

with

score_dates as (

    select score_date from {{ ref('int_score_dates_listed') }}

),

indices as (

    select
        score_date,
        period_type,
        period_number,
        seasonal_index
    from {{ ref('int_seasonal_indices_computed') }}

),

offsets as (

    select generated_number - 1 as days_back
    from ({{ dbt.generate_series(current_days + baseline_days) }}) as series

),

window_days as (

    select
        score_dates.score_date,
        {{ add_days('score_dates.score_date', '-offsets.days_back') }} as window_date,
        case
            when offsets.days_back < {{ current_days }}
                then 'current'
            else 'baseline'
        end as window_name
    from score_dates
    cross join offsets

),

expected_factors as (

    select
        window_days.score_date,
        window_days.window_name,
        {% if seasonal_adjustment -%}
            weekday_indices.seasonal_index * month_indices.seasonal_index
        {%- else -%}
            cast(1.0 as {{ type_double() }})
        {%- endif %} as expected_factor
    from window_days
    inner join indices as weekday_indices
        on window_days.score_date = weekday_indices.score_date
        and weekday_indices.period_type = 'day_of_week'
        and weekday_indices.period_number = {{ iso_day_of_week('window_days.window_date') }}
    inner join indices as month_indices
        on window_days.score_date = month_indices.score_date
        and month_indices.period_type = 'month_of_year'
        and month_indices.period_number = {{ month_of_year('window_days.window_date') }}

),

final as (

    select
        score_date,
        sum(case when window_name = 'current' then expected_factor else 0 end) as expected_current,
        sum(case when window_name = 'baseline' then expected_factor else 0 end) as expected_baseline

    from expected_factors
    group by 1

)

select * from final
