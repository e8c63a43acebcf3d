{#-
    engagement: points earned by interactions (int_interactions_unioned: touchpoints,
    questions and feature requests, survey answers; points per type and intensity
    from seed engagement_points) in the lookback window (var engagement_lookback_days),
    each decayed by its age (half-life var engagement_half_life_days).
    Silence is a signal: an account with no interaction in the window has status
    `silent` and raw value 0; seed health_criteria gives it a fixed score (0).
-#}
{%- set lookback_days = var('engagement_lookback_days') -%}
{%- set half_life_days = var('engagement_half_life_days') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

interactions as (

    select
        account_id,
        interaction_source,
        points,
        occurred_date
    from {{ ref('int_interactions_unioned') }}

),

account_points as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        count(*) as interaction_count,
        sum(
            interactions.points
            * {{ decay_weight(days_between('interactions.occurred_date', 'account_score_dates.score_date'), half_life_days) }}
        ) as decayed_points,
        sum(interactions.points) as undecayed_points
    from account_score_dates
    inner join interactions
        on account_score_dates.account_id = interactions.account_id
        and account_score_dates.score_date >= interactions.occurred_date
        and interactions.occurred_date > {{ add_days('account_score_dates.score_date', -lookback_days) }}
    group by 1, 2

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        'engagement' as criterion,
        coalesce(account_points.decayed_points, 0) as raw_value,
        case when account_points.interaction_count > 0 then 'ok' else 'silent' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        {% call for_as_of_date('account_score_dates.score_date') %}
            case
                when account_points.interaction_count > 0
                    then cast(account_points.interaction_count as {{ dbt.type_string() }})
                        || ' interactions in {{ lookback_days }} days; '
                        || cast({{ display_round('account_points.decayed_points', 1) }} as {{ dbt.type_string() }})
                        || ' decayed points'
                else 'no interaction in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_score_dates
    left join account_points
        on account_score_dates.account_id = account_points.account_id
        and account_score_dates.score_date = account_points.score_date

)

select * from final
