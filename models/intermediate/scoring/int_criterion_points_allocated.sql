{#-
    Weights redistributed over the criteria that have a score, and the points
    each criterion contributes:
    1. an excluded criterion with a redistribute_to target (seed
       health_criteria) that has a score hands its weight to that target;
    2. the remaining weight of excluded criteria is spread over the included
       criteria in proportion to their (possibly increased) weights:
       effective_weight = allocated weight x 100 / sum of allocated weights;
    coverage_pct = sum of the scorecard weights of the criteria with a score
    (of 100), whatever the redistribution;
    points = effective_weight x criterion_score / 100;
    points_lost = effective_weight - points (what the criterion costs the score).
-#}

with

criteria_scores as (

    select
        account_id,
        score_date,
        scorecard,
        criterion,
        weight,
        redistribute_to,
        raw_value,
        status,
        evidence,
        computed_score,
        criterion_score,
        grade,
        is_overridden,
        override_reason,
        override_author,
        is_included
    from {{ ref('int_criterion_scores_normalised') }}

),

-- weight of excluded criteria per target criterion (aggregated first: one row
-- per account, date and target, instead of joining criteria to each other)
redirected_weights as (

    select
        account_id,
        score_date,
        redistribute_to as criterion,
        sum(weight) as redirected_weight
    from criteria_scores
    where not is_included and redistribute_to is not null
    group by 1, 2, 3

),

allocated as (

    select
        criteria_scores.*,
        case
            when criteria_scores.is_included
                then criteria_scores.weight + coalesce(redirected_weights.redirected_weight, 0)
            else 0.0
        end as allocated_weight
    from criteria_scores
    left join redirected_weights
        on criteria_scores.account_id = redirected_weights.account_id
        and criteria_scores.score_date = redirected_weights.score_date
        and criteria_scores.criterion = redirected_weights.criterion

),

totals as (

    select
        account_id,
        score_date,
        sum(case when is_included then weight else 0 end) as coverage_pct,
        sum(allocated_weight) as total_allocated_weight
    from allocated
    group by 1, 2

),

with_totals as (

    select
        allocated.*,
        totals.coverage_pct,
        totals.total_allocated_weight
    from allocated
    inner join totals
        on allocated.account_id = totals.account_id
        and allocated.score_date = totals.score_date

),

final as (

    select
        account_id,
        score_date,
        scorecard,
        criterion,
        weight,
        redistribute_to,
        raw_value,
        status,
        evidence,
        computed_score,
        criterion_score,
        grade,
        is_overridden,
        override_reason,
        override_author,
        is_included,
        coverage_pct,
        case
            when is_included and total_allocated_weight > 0
                then round(allocated_weight * 100.0 / total_allocated_weight, 6)
            else 0.0
        end as effective_weight,
        case
            when is_included and total_allocated_weight > 0
                then round(allocated_weight * criterion_score / total_allocated_weight, 6)
            else 0.0
        end as points,
        case
            when is_included and total_allocated_weight > 0
                then round(allocated_weight * (100.0 - criterion_score) / total_allocated_weight, 6)
            else 0.0
        end as points_lost
    from with_totals

)

select * from final
