{#-
    health_score_criteria adds up to health_score: for every account of
    marts.health_score with a score and no `overall` override, the points of
    its criteria sum to the score within 1 point (rounding), and for every
    account with a score its effective weights sum to 100 within 0.01.
    An account with a score but no criteria rows fails too.
    Returns the offending accounts.
-#}
{{ config(severity='error') }}

with

scores as (

    select
        account_id,
        health_score,
        is_overridden
    from {{ ref('health_score') }}
    where health_score is not null

),

criteria_totals as (

    select
        account_id,
        sum(points) as total_points,
        sum(effective_weight) as total_effective_weight
    from {{ ref('health_score_criteria') }}
    group by 1

),

final as (

    select
        scores.account_id,
        scores.health_score,
        scores.is_overridden,
        criteria_totals.total_points,
        criteria_totals.total_effective_weight
    from scores
    left join criteria_totals
        on scores.account_id = criteria_totals.account_id
    where criteria_totals.account_id is null
        or (not scores.is_overridden and abs(criteria_totals.total_points - scores.health_score) > 1)
        or abs(criteria_totals.total_effective_weight - 100) > 0.01

)

select * from final
