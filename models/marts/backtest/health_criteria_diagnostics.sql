{#-
    How well each criterion alone predicts churn, per horizon, over every
    evaluation date: the observations are the backtest's account-evaluations
    (int_backtest_outcomes_joined, every external customer with a stored
    score row, insufficient_data included) whose scorecard has the criterion,
    with the criterion's score stored for that date
    (int_backtest_criterion_scores_stored). coverage = share of them where the
    criterion was scored; auc = rank AUC of 100 - criterion_score for churn
    over the scored ones (macro rank_auc; a low criterion score = churn risk).
-#}

with

outcomes as (

    select
        evaluation_date,
        horizon_days,
        account_id,
        is_churned
    from {{ ref('int_backtest_outcomes_joined') }}

),

criterion_scores as (

    select
        account_id,
        score_date,
        criterion,
        criterion_score
    from {{ ref('int_backtest_criterion_scores_stored') }}

),

observations as (

    select
        outcomes.horizon_days,
        criterion_scores.criterion as criterion_id,
        criterion_scores.criterion_score,
        outcomes.is_churned
    from outcomes
    inner join criterion_scores
        on outcomes.account_id = criterion_scores.account_id
        and outcomes.evaluation_date = criterion_scores.score_date

),

scored_observations as (

    select * from observations
    where criterion_score is not null

),

auc_by_criterion as (

    {{ rank_auc('scored_observations', ['horizon_days', 'criterion_id'], '100 - criterion_score', 'is_churned') }}

),

coverage as (

    select
        horizon_days,
        criterion_id,
        count(*) as observations,
        sum(case when criterion_score is not null then 1 else 0 end) as observations_scored
    from observations
    group by 1, 2

),

final as (

    select
        coverage.horizon_days,
        coverage.criterion_id,
        cast(coverage.observations as {{ dbt.type_int() }}) as observations,
        cast(coverage.observations_scored as {{ type_double() }}) / coverage.observations as coverage,
        cast(auc_by_criterion.auc as {{ type_double() }}) as auc

    from coverage
    left join auc_by_criterion
        on coverage.horizon_days = auc_by_criterion.horizon_days
        and coverage.criterion_id = auc_by_criterion.criterion_id

)

select * from final
