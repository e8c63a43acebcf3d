{#-
    engagement: points earned by interactions (int_interactions_unioned: touchpoints,
    questions and feature requests, survey answers; points per type and intensity
    from seed engagement_points) in the lookback window (var engagement_lookback_days),
    each decayed by its age (half-life var engagement_half_life_days).
    Silence is a signal: an account with no interaction in the window has status
    `silent` and raw value 0; seed health_criteria gives it a fixed score (0).
    One pass, no per-date range join: the decay factors as
    0.5^((s - d) / h) = 0.5^((s - r) / h) x 0.5^((r - d) / h) with r = as_of_date,
    so each day's points are weighted once by 0.5^((r - d) / h), summed over a
    window frame on the day number (the account's score dates are in the same
    stream) and scaled by the score date's 0.5^((s - r) / h). Exponents stay
    within (score_history_days + lookback) / half-life; a sum of positive
    terms in a frame (no running-sum subtraction), so it agrees with the
    per-interaction sum to the last bits (see docs/decisions/criteria.md).
-#}
{%- set lookback_days = var('engagement_lookback_days') -%}
{%- set half_life_days = var('engagement_half_life_days') %}

{#- the lookback window of every sum below (inline: Snowflake has no WINDOW clause) -#}
{%- set account_window = trailing_days_frame(lookback_days, day_number='day_number') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

score_dates as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date
    from account_score_dates

),

-- only the days the windows of this run's score dates reach
interactions as (

    select
        account_id,
        interaction_source,
        points,
        occurred_date
    from {{ ref('int_interactions_unioned') }}
    where occurred_date > (select {{ add_days('score_dates.first_score_date', -lookback_days) }} from score_dates)
        and occurred_date <= (select score_dates.last_score_date from score_dates)

),

-- points per account and day, and the account's score dates, in one stream
account_days as (

    select
        account_id,
        occurred_date as day_date,
        false as is_score_date,
        count(*) as interaction_count,
        sum(points) as points
    from interactions
    group by 1, 2

    union all

    select
        account_id,
        score_date as day_date,
        true as is_score_date,
        0 as interaction_count,
        cast(null as {{ type_double() }}) as points
    from account_score_dates

),

weighted_days as (

    select
        account_id,
        day_date,
        is_score_date,
        {{ days_between(as_of_date(), 'day_date') }} as day_number,
        interaction_count,
        points,
        -- 0.5^((as_of_date - day) / half-life): the day's weight relative to as_of_date
        points * {{ decay_weight(days_between('day_date', as_of_date()), half_life_days) }} as reference_points
    from account_days

),

account_points as (

    select
        account_id,
        day_date as score_date,
        is_score_date,
        sum(interaction_count) over ({{ account_window }}) as interaction_count,
        -- back from as_of_date to the score date: 0.5^((score date - as_of_date) / half-life)
        {{ decay_weight(days_between(as_of_date(), 'day_date'), half_life_days) }}
        * sum(reference_points) over ({{ account_window }}) as decayed_points
    from weighted_days

),

final as (

    select
        account_id,
        score_date,
        'engagement' as criterion,
        coalesce(decayed_points, 0) as raw_value,
        case when interaction_count > 0 then 'ok' else 'silent' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        interaction_count > 0 as has_source_rows,
        {% call for_as_of_date('score_date') %}
            case
                when interaction_count > 0
                    then cast(interaction_count as {{ dbt.type_string() }})
                        || ' interactions in {{ lookback_days }} days; '
                        || {{ display_number('decayed_points', 1) }}
                        || ' decayed points'
                else 'no interaction in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_points
    where is_score_date

)

select * from final
