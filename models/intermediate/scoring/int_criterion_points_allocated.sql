{#-
    Weights redistributed over the criteria that have a score, and the points
    each criterion contributes:
    1. an excluded criterion with a redistribute_to target (seed
       health_criteria) that has a score hands its weight to that target;
    2. the remaining weight of excluded criteria is spread over the included
       criteria in proportion to their (possibly increased) weights:
       effective_weight = allocated weight x 100 / sum of allocated weights;
    coverage_pct = the scorecard weight of the criteria with a score, in percent
    of the weight of the criteria whose sources are connected (not
    source_missing / source_sparse: a source the portfolio lacks is not a gap
    in this account's data), whatever the redistribution;
    points = effective_weight x criterion_score / 100;
    points_lost = effective_weight - points (what the criterion costs the score).
-#}
{%- set criteria = health_criteria_keys() %}

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

-- one row per account and date, over the criteria list known at compile time:
-- the weight of the scorecard with a score (coverage_pct), and per criterion
-- whether it has a score and the weight excluded criteria redirect to it. One
-- aggregate joined back once, instead of aggregating the long table twice and
-- joining each aggregate back (most of this model's cost).
account_totals as (

    select
        account_id,
        score_date,
        sum(case when is_included then weight else 0 end) as included_weight,
        sum(case when status in ('source_missing', 'source_sparse') then 0 else weight end) as connected_weight,
    {%- for criterion in criteria %}
        sum(
            case when not is_included and redistribute_to = '{{ criterion }}' then weight else 0 end
        ) as received__{{ criterion }},
        coalesce(bool_or(is_included and criterion = '{{ criterion }}'), false) as included__{{ criterion }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from criteria_scores
    group by 1, 2

),

with_totals as (

    select
        criteria_scores.*,
        case
            when account_totals.connected_weight > 0
                -- at most 100: a CSM override can include a criterion whose source is not connected
                then least({{ round_to('100.0 * account_totals.included_weight / account_totals.connected_weight', 6) }}, 100.0)
            else 0.0
        end as coverage_pct,
        case
            when not criteria_scores.is_included then 0.0
            {%- for criterion in criteria %}
                when criteria_scores.criterion = '{{ criterion }}'
                    then criteria_scores.weight + account_totals.received__{{ criterion }}
            {%- endfor %}
            else criteria_scores.weight
        end as allocated_weight,
        account_totals.included_weight
        {%- for criterion in criteria %}
            + case when account_totals.included__{{ criterion }} then account_totals.received__{{ criterion }} else 0 end
        {%- endfor %} as total_allocated_weight
    from criteria_scores
    inner join account_totals
        on criteria_scores.account_id = account_totals.account_id
        and criteria_scores.score_date = account_totals.score_date

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
                then {{ round_to('allocated_weight * 100.0 / total_allocated_weight', 6) }}
            else 0.0
        end as effective_weight,
        case
            when is_included and total_allocated_weight > 0
                then {{ round_to('allocated_weight * criterion_score / total_allocated_weight', 6) }}
            else 0.0
        end as points,
        case
            when is_included and total_allocated_weight > 0
                then {{ round_to('allocated_weight * (100.0 - criterion_score) / total_allocated_weight', 6) }}
            else 0.0
        end as points_lost
    from with_totals

)

select * from final
