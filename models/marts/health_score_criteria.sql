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
        evidence
    from {{ ref('int_criterion_points_allocated') }}
    where score_date = {{ as_of_date() }}

),

config as (

    select config_version from {{ ref('int_health_config_validated') }}

),

final as (

    select
        criteria_points.account_id,
        criteria_points.criterion,
        criteria_points.score_date,
        criteria_points.scorecard,
        cast({{ round_to('criteria_points.raw_value', 6) }} as {{ type_double() }}) as raw_value,
        cast({{ round_to('criteria_points.criterion_score', 2) }} as {{ type_double() }}) as criterion_score,
        criteria_points.grade,
        cast(criteria_points.weight as {{ type_double() }}) as weight,
        cast({{ round_to('criteria_points.effective_weight', 4) }} as {{ type_double() }}) as effective_weight,
        cast({{ round_to('criteria_points.points', 4) }} as {{ type_double() }}) as points,
        cast({{ round_to('criteria_points.points_lost', 4) }} as {{ type_double() }}) as points_lost,
        criteria_points.status,
        criteria_points.is_included,
        criteria_points.is_overridden,
        criteria_points.override_reason,
        criteria_points.evidence,
        config.config_version

    from criteria_points
    cross join config

)

select * from final
