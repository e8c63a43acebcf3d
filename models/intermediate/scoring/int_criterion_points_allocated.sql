{#-
    Weights redistributed over the criteria that have a score, and the points
    each criterion contributes:
    coverage_pct = sum of the weights of the criteria with a score (of 100);
    effective_weight = weight x 100 / coverage_pct (0 for excluded criteria);
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

with_coverage as (

    select
        *,
        sum(case when is_included then weight else 0 end)
            over (partition by account_id, score_date) as coverage_pct
    from criteria_scores

),

final as (

    select
        *,
        case
            when is_included and coverage_pct > 0 then weight * 100.0 / coverage_pct
            else 0.0
        end as effective_weight,
        case
            when is_included and coverage_pct > 0 then weight * criterion_score / coverage_pct
            else 0.0
        end as points,
        case
            when is_included and coverage_pct > 0 then weight * (100.0 - criterion_score) / coverage_pct
            else 0.0
        end as points_lost
    from with_coverage

)

select * from final
