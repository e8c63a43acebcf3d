{#-
    How well the stored score predicted churn, per evaluation date, horizon and
    segment ('all' = every external account). The observations are
    int_backtest_outcomes_joined's rows with a score (insufficient_data left
    out): the score stored for the evaluation date and whether the account
    churned within the horizon after it.
    - auc: of the risk 100 - health_score for churn, rank (Mann-Whitney)
      formula with ties counted half (macro rank_auc); 0.5 = no better than
      chance, 1 = every churner scored below every other account;
    - ks: largest gap between the score distributions of churners and the
      others (macro ks_statistic);
    - churn_risk_precision: churners among the accounts in churn_risk;
      churn_risk_recall: churners that were in churn_risk;
    - churn_rate_<band>: churners / accounts of the band; arr_<band>: their ARR.
    Every ratio is null when its denominator is 0.
-#}

with

outcomes as (

    select
        evaluation_date,
        horizon_days,
        segment,
        arr_amount,
        health_score,
        band,
        config_version,
        is_churned
    from {{ ref('int_backtest_outcomes_joined') }}
    where health_score is not null

),

observations as (

    select * from outcomes

    union all

    select
        evaluation_date,
        horizon_days,
        'all' as segment,
        arr_amount,
        health_score,
        band,
        config_version,
        is_churned
    from outcomes

),

auc_by_group as (

    {{ rank_auc('observations', ['evaluation_date', 'horizon_days', 'segment'], '100 - health_score', 'is_churned') }}

),

ks_by_group as (

    {{ ks_statistic('observations', ['evaluation_date', 'horizon_days', 'segment'], 'health_score', 'is_churned') }}

),

counts as (

    select
        evaluation_date,
        horizon_days,
        segment,
        count(*) as accounts_scored,
        sum(case when is_churned then 1 else 0 end) as accounts_churned,
        {% for band in ['churn_risk', 'neutral', 'healthy'] -%}
            sum(case when band = '{{ band }}' then 1 else 0 end) as accounts_{{ band }},
            sum(case when band = '{{ band }}' and is_churned then 1 else 0 end) as churned_{{ band }},
            coalesce(sum(case when band = '{{ band }}' then arr_amount end), 0) as arr_{{ band }},
        {% endfor -%}
        coalesce(sum(case when band = 'churn_risk' and is_churned then arr_amount end), 0) as arr_churned_churn_risk,
        max(config_version) as config_version
    from observations
    group by 1, 2, 3

),

final as (

    select
        counts.evaluation_date,
        counts.horizon_days,
        counts.segment,
        cast(counts.accounts_scored as {{ dbt.type_int() }}) as accounts_scored,
        cast(counts.accounts_churned as {{ dbt.type_int() }}) as accounts_churned,
        cast(counts.accounts_churned as {{ type_double() }}) / counts.accounts_scored as churn_rate,
        cast(auc_by_group.auc as {{ type_double() }}) as auc,
        cast(ks_by_group.ks as {{ type_double() }}) as ks,
        cast(counts.churned_churn_risk as {{ type_double() }})
        / nullif(counts.accounts_churn_risk, 0) as churn_risk_precision,
        cast(counts.churned_churn_risk as {{ type_double() }})
        / nullif(counts.accounts_churned, 0) as churn_risk_recall,
        {% for band in ['churn_risk', 'neutral', 'healthy'] -%}
            cast(counts.churned_{{ band }} as {{ type_double() }})
            / nullif(counts.accounts_{{ band }}, 0) as churn_rate_{{ band }},
        {% endfor -%}
        {% for band in ['churn_risk', 'neutral', 'healthy'] -%}
            cast(counts.arr_{{ band }} as decimal(38, 6)) as arr_{{ band }},
        {% endfor -%}
        cast(counts.arr_churned_churn_risk as decimal(38, 6)) as arr_churned_churn_risk,
        counts.config_version

    from counts
    left join auc_by_group
        on counts.evaluation_date = auc_by_group.evaluation_date
        and counts.horizon_days = auc_by_group.horizon_days
        and counts.segment = auc_by_group.segment
    left join ks_by_group
        on counts.evaluation_date = ks_by_group.evaluation_date
        and counts.horizon_days = ks_by_group.horizon_days
        and counts.segment = ks_by_group.segment

)

select * from final
