{#-
    satisfaction: survey answers (NPS, CSAT, like) in the lookback window (var
    satisfaction_lookback_days), each on a 0-100 scale (int_survey_responses_attributed),
    averaged with weights: recency decay (half-life var satisfaction_half_life_days)
    times satisfaction_comment_weight when the answer carries a written comment.
    No answer in the window: no_data (by default excluded, not punished).
-#}
{%- set lookback_days = var('satisfaction_lookback_days') -%}
{%- set half_life_days = var('satisfaction_half_life_days') -%}
{%- set comment_weight = var('satisfaction_comment_weight') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

responses as (

    select
        account_id,
        survey_type,
        score_pct,
        has_comment,
        responded_date
    from {{ ref('int_survey_responses_attributed') }}
    where account_id is not null

),

weighted_responses as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        responses.survey_type,
        responses.score_pct,
        {{ decay_weight(days_between('responses.responded_date', 'account_score_dates.score_date'), half_life_days) }}
        * case when responses.has_comment then {{ comment_weight }} else 1.0 end as response_weight
    from account_score_dates
    inner join responses
        on account_score_dates.account_id = responses.account_id
        and account_score_dates.score_date >= responses.responded_date
        and responses.responded_date > {{ add_days('account_score_dates.score_date', -lookback_days) }}

),

account_scores as (

    select
        account_id,
        score_date,
        count(*) as response_count,
        sum(response_weight * score_pct) / sum(response_weight) as weighted_score,
        sum(case when survey_type = 'nps' then 1 else 0 end) as nps_count,
        sum(case when survey_type = 'csat' then 1 else 0 end) as csat_count,
        sum(case when survey_type = 'like' then 1 else 0 end) as like_count
    from weighted_responses
    group by 1, 2

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        'satisfaction' as criterion,
        account_scores.weighted_score as raw_value,
        case when account_scores.response_count > 0 then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        {% call for_as_of_date('account_score_dates.score_date') %}
            case
                when account_scores.response_count > 0
                    then cast(account_scores.response_count as {{ dbt.type_string() }})
                        || ' answers (nps ' || cast(account_scores.nps_count as {{ dbt.type_string() }})
                        || ', csat ' || cast(account_scores.csat_count as {{ dbt.type_string() }})
                        || ', like ' || cast(account_scores.like_count as {{ dbt.type_string() }})
                        || '); weighted score '
                        || cast({{ display_round('account_scores.weighted_score', 1) }} as {{ dbt.type_string() }}) || '/100'
                else 'no survey answer in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_score_dates
    left join account_scores
        on account_score_dates.account_id = account_scores.account_id
        and account_score_dates.score_date = account_scores.score_date

)

select * from final
