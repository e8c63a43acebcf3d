{#-
    satisfaction: survey answers (NPS, CSAT, like) in the lookback window (var
    satisfaction_lookback_days), each on a 0-100 scale (int_survey_responses_attributed),
    averaged with weights: recency decay (half-life var satisfaction_half_life_days)
    times satisfaction_comment_weight when the answer carries a written comment.
    No answer in the window: no_data (by default excluded, not punished).
    One pass, no per-date range join: the decay factors as
    0.5^((s - d) / h) = 0.5^((s - r) / h) x 0.5^((r - d) / h) with r = as_of_date;
    the score date's factor is common to the numerator and the denominator of
    the weighted mean and cancels, so each day's weighted sums are weighted once
    by 0.5^((r - d) / h) and summed over a window frame on the day number (the
    account's score dates are in the same stream).
-#}
{%- set lookback_days = var('satisfaction_lookback_days') -%}
{%- set half_life_days = var('satisfaction_half_life_days') -%}
{%- set comment_weight = var('satisfaction_comment_weight') %}

{#- the lookback window of every sum below (inline: Snowflake has no WINDOW clause) -#}
{%- set account_window = trailing_days_frame(lookback_days) %}

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
responses as (

    select
        account_id,
        survey_type,
        score_pct,
        has_comment,
        responded_date
    from {{ ref('int_survey_responses_attributed') }}
    where account_id is not null
        and responded_date > (select {{ add_days('score_dates.first_score_date', -lookback_days) }} from score_dates)
        and responded_date <= (select score_dates.last_score_date from score_dates)

),

-- weighted sums per account and day (comment weight only; the decay is per day)
response_days as (

    select
        account_id,
        responded_date as day_date,
        count(*) as response_count,
        sum(case when has_comment then {{ comment_weight }} else 1.0 end) as weight_sum,
        sum(case when has_comment then {{ comment_weight }} else 1.0 end * score_pct) as weighted_score_sum,
        sum(case when survey_type = 'nps' then 1 else 0 end) as nps_count,
        sum(case when survey_type = 'csat' then 1 else 0 end) as csat_count,
        sum(case when survey_type = 'like' then 1 else 0 end) as like_count
    from responses
    group by 1, 2

),

-- the answer days and the account's score dates in one stream
account_days as (

    select
        account_id,
        day_date,
        false as is_score_date,
        response_count,
        -- 0.5^((as_of_date - day) / half-life): the day's weight relative to as_of_date
        weight_sum * {{ decay_weight(days_between('day_date', as_of_date()), half_life_days) }} as reference_weight,
        weighted_score_sum * {{ decay_weight(days_between('day_date', as_of_date()), half_life_days) }}
            as reference_weighted_score,
        nps_count,
        csat_count,
        like_count
    from response_days

    union all

    select
        account_id,
        score_date as day_date,
        true as is_score_date,
        0 as response_count,
        cast(null as {{ type_double() }}) as reference_weight,
        cast(null as {{ type_double() }}) as reference_weighted_score,
        0 as nps_count,
        0 as csat_count,
        0 as like_count
    from account_score_dates

),

account_scores as (

    select
        account_id,
        day_date as score_date,
        is_score_date,
        sum(response_count) over ({{ account_window }}) as response_count,
        sum(reference_weighted_score) over ({{ account_window }})
        / sum(reference_weight) over ({{ account_window }}) as weighted_score,
        sum(nps_count) over ({{ account_window }}) as nps_count,
        sum(csat_count) over ({{ account_window }}) as csat_count,
        sum(like_count) over ({{ account_window }}) as like_count
    from account_days

),

final as (

    select
        account_id,
        score_date,
        'satisfaction' as criterion,
        case when response_count > 0 then weighted_score end as raw_value,
        case when response_count > 0 then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        response_count > 0 as has_source_rows,
        {% call for_as_of_date('score_date') %}
            case
                when response_count > 0
                    then cast(response_count as {{ dbt.type_string() }})
                        || ' answers (nps ' || cast(nps_count as {{ dbt.type_string() }})
                        || ', csat ' || cast(csat_count as {{ dbt.type_string() }})
                        || ', like ' || cast(like_count as {{ dbt.type_string() }})
                        || '); weighted score '
                        || {{ display_number('weighted_score', 1) }} || '/100'
                else 'no survey answer in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_scores
    where is_score_date

)

select * from final
