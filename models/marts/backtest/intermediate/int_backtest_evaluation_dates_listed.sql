{#-
    The evaluation dates of the backtest, one row per date and horizon: the
    stored score dates (marts.health_score_daily) on the fixed evaluation grid
    (macro is_backtest_evaluation_date: every var backtest_evaluation_every_days
    days) whose outcome is known, evaluation_date + horizon_days <= as_of_date.
    outcome_end_date closes the churn window (evaluation_date, outcome_end_date].
-#}
{%- set horizons = backtest_horizons() %}

with

stored_dates as (

    select distinct score_date
    from {{ ref('health_score_daily') }}

),

horizons as (

    {% for horizon in horizons -%}
        select cast({{ horizon }} as {{ dbt.type_int() }}) as horizon_days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        stored_dates.score_date as evaluation_date,
        horizons.horizon_days,
        {{ add_days('stored_dates.score_date', 'horizons.horizon_days') }} as outcome_end_date

    from stored_dates
    cross join horizons
    where {{ is_backtest_evaluation_date('stored_dates.score_date') }}
        and {{ add_days('stored_dates.score_date', 'horizons.horizon_days') }} <= {{ as_of_date() }}

)

select * from final
