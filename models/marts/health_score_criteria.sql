-- One row per scored account and criterion of its scorecard at as_of_date: the
-- raw measure, its 0-100 score and grade, the weight and the points it earns.
-- The points of an account sum to its health_score (up to rounding).
with

criteria_points as (

    select
        account_id,
        score_date,
        scorecard,
        criterion,
        raw_value,
        criterion_score,
        grade,
        weight,
        effective_weight,
        points,
        points_lost,
        status,
        is_included,
        is_overridden,
        override_reason,
        evidence,
        config_version
    from {{ ref('int_criterion_points_allocated') }}
    where score_date = {{ as_of_date() }}

),

final as (

    select
        account_id,
        criterion,
        score_date,
        scorecard,
        cast(round(raw_value, 6) as {{ type_double() }}) as raw_value,
        cast(round(criterion_score, 2) as {{ type_double() }}) as criterion_score,
        grade,
        cast(weight as {{ type_double() }}) as weight,
        cast(round(effective_weight, 4) as {{ type_double() }}) as effective_weight,
        cast(round(points, 4) as {{ type_double() }}) as points,
        cast(round(points_lost, 4) as {{ type_double() }}) as points_lost,
        status,
        is_included,
        is_overridden,
        override_reason,
        evidence,
        config_version

    from criteria_points

)

select * from final
