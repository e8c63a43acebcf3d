{#-
    For each external account that churned on a date the stored daily history
    can look back from, and each horizon: the first stored day of the
    horizon_days before its churn date on which it was in band churn_risk.
    Looking back means the history holds the churn date minus horizon_days and
    the churn date is at most as_of_date. lead_days = churned_date -
    first_flagged_date (1..horizon_days); null when never flagged in the window
    (is_flagged false).
-#}
{%- set horizons = backtest_horizons() %}

with

daily_scores as (

    select
        account_id,
        score_date,
        band
    from {{ ref('health_score_daily') }}

),

accounts as (

    select
        account_id,
        segment,
        is_internal,
        churned_date
    from {{ ref('int_accounts_scoped') }}

),

horizons as (

    {% for horizon in horizons -%}
        select cast({{ horizon }} as {{ dbt.type_int() }}) as horizon_days
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

history_bounds as (

    select min(score_date) as first_stored_date
    from daily_scores

),

churners as (

    select
        accounts.account_id,
        accounts.segment,
        accounts.churned_date,
        horizons.horizon_days,
        {{ add_days('accounts.churned_date', '-horizons.horizon_days') }} as window_start_date
    from accounts
    cross join horizons
    cross join history_bounds
    where not accounts.is_internal
        and accounts.churned_date <= {{ as_of_date() }}
        and {{ add_days('accounts.churned_date', '-horizons.horizon_days') }} >= history_bounds.first_stored_date

),

flags as (

    select
        churners.account_id,
        churners.horizon_days,
        min(case when daily_scores.band = 'churn_risk' then daily_scores.score_date end) as first_flagged_date
    from churners
    inner join daily_scores
        on churners.account_id = daily_scores.account_id
        and churners.window_start_date <= daily_scores.score_date
        and churners.churned_date > daily_scores.score_date
    group by 1, 2

),

final as (

    select
        churners.account_id,
        churners.horizon_days,
        churners.segment,
        churners.churned_date,
        flags.first_flagged_date,
        cast({{ days_between('flags.first_flagged_date', 'churners.churned_date') }} as {{ dbt.type_int() }}) as lead_days,
        flags.first_flagged_date is not null as is_flagged

    from churners
    inner join flags
        on churners.account_id = flags.account_id
        and churners.horizon_days = flags.horizon_days

)

select * from final
