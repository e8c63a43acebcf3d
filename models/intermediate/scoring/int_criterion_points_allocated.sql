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
        criterion_score,
        grade,
        is_overridden,
        override_reason,
        is_included,
        config_version
    from {{ ref('int_criterion_scores_normalised') }}

),

redirected_weights as (

    select
        sources.account_id,
        sources.score_date,
        targets.criterion,
        sum(sources.weight) as redirected_weight
    from criteria_scores as sources
    inner join criteria_scores as targets
        on sources.account_id = targets.account_id
        and sources.score_date = targets.score_date
        and sources.redistribute_to = targets.criterion
    where not sources.is_included and targets.is_included
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

with_totals as (

    select
        *,
        sum(case when is_included then weight else 0 end)
            over (partition by account_id, score_date) as coverage_pct,
        sum(allocated_weight) over (partition by account_id, score_date) as total_allocated_weight
    from allocated

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
        criterion_score,
        grade,
        is_overridden,
        override_reason,
        is_included,
        config_version,
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
