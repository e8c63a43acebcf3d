{#-
    How early the score flagged the accounts that churned, per horizon (the
    look-back window) and segment ('all' = every external churner): of the
    churners whose window the stored history covers
    (int_backtest_churn_lead_times), how many were in churn_risk on some day of
    the horizon_days before churning, the share never flagged, and the
    quartiles of lead_days (churn date - first churn_risk day in the window,
    linear interpolation, macro percentile_cont_agg) over the flagged ones.
-#}

with

lead_times as (

    select
        horizon_days,
        segment,
        lead_days,
        is_flagged
    from {{ ref('int_backtest_churn_lead_times') }}

),

observations as (

    select * from lead_times

    union all

    select
        horizon_days,
        'all' as segment,
        lead_days,
        is_flagged
    from lead_times

),

aggregated as (

    select
        horizon_days,
        segment,
        count(*) as churners,
        sum(case when is_flagged then 1 else 0 end) as churners_flagged,
        {{ percentile_cont_agg('lead_days', 0.25) }} as lead_days_p25,
        {{ percentile_cont_agg('lead_days', 0.5) }} as lead_days_median,
        {{ percentile_cont_agg('lead_days', 0.75) }} as lead_days_p75
    from observations
    group by 1, 2

),

final as (

    select
        horizon_days,
        segment,
        cast(churners as {{ dbt.type_int() }}) as churners,
        cast(churners_flagged as {{ dbt.type_int() }}) as churners_flagged,
        cast(churners - churners_flagged as {{ type_double() }}) / churners as share_never_flagged,
        cast(lead_days_p25 as {{ type_double() }}) as lead_days_p25,
        cast(lead_days_median as {{ type_double() }}) as lead_days_median,
        cast(lead_days_p75 as {{ type_double() }}) as lead_days_p75

    from aggregated

)

select * from final
