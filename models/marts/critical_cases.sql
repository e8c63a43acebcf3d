-- The accounts in churn_risk at as_of_date, one row each, for individual
-- review: their three weakest criteria, the recent evidence (last tickets,
-- last low survey comment) and the recommended action. review_rank orders the
-- queue by priority (DECISIONLOG "Renewals first"): band (all churn_risk here),
-- then the highest ARR at risk, then the nearest renewal (an overdue one first),
-- then the lowest score, then account_id. score_change_explained says the
-- score's change over var score_change_explained_days in words, by criterion
-- (health_score_changes.change_explained).
with

current_scores as (

    select
        account_id,
        account_name,
        segment,
        is_internal,
        arr_amount,
        score_date,
        health_score,
        score_change_30d,
        top_negative_driver,
        renewal_date,
        days_to_renewal,
        arr_at_risk
    from {{ ref('health_score') }}
    where band = 'churn_risk'

),

criteria as (

    select
        account_id,
        criterion,
        criterion_score,
        points_lost
    from {{ ref('health_score_criteria') }}
    where is_included

),

tickets as (

    select
        ticket_id,
        account_id,
        created_at,
        category,
        priority,
        status
    from {{ ref('int_tickets_attributed') }}
    where created_at < cast({{ add_days(as_of_date(), 1) }} as {{ dbt.type_timestamp() }})

),

responses as (

    select
        response_id,
        account_id,
        survey_type,
        score,
        score_pct,
        comment_text,
        responded_at
    from {{ ref('int_survey_responses_attributed') }}
    where has_comment
        and score_pct <= 60
        and responded_at < cast({{ add_days(as_of_date(), 1) }} as {{ dbt.type_timestamp() }})

),

score_changes as (

    select distinct
        account_id,
        change_explained
    from {{ ref('health_score_changes') }}
    where window_days = {{ var('score_change_explained_days') }}

),

playbook as (

    select
        criterion,
        recommended_action,
        channel
    from {{ customer_health_config('playbook_actions') }}

),

weakest_ranked as (

    select
        account_id,
        criterion,
        criterion_score,
        row_number() over (partition by account_id order by points_lost desc, criterion asc) as weakness_rank
    from criteria

),

weakest as (

    select
        account_id,
        {{ ordered_listagg(
            "criterion || ' (' || cast(cast(round(criterion_score) as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ") || ')'",
            "', '",
            "weakness_rank"
        ) }} as weakest_criteria
    from weakest_ranked
    where weakness_rank <= 3
    group by 1

),

recent_tickets_ranked as (

    select
        tickets.*,
        row_number() over (
            partition by tickets.account_id order by tickets.created_at desc, tickets.ticket_id desc
        ) as recency_rank
    from tickets

),

recent_tickets as (

    select
        account_id,
        {{ ordered_listagg(
            "cast(" ~ to_date('created_at') ~ " as " ~ dbt.type_string() ~ ") || ' ' || category || ' ' || priority || ' (' || status || ')'",
            "'; '",
            "recency_rank"
        ) }} as last_tickets
    from recent_tickets_ranked
    where recency_rank <= 3
    group by 1

),

last_low_comment as (

    select
        account_id,
        survey_type,
        score,
        comment_text,
        responded_at,
        response_id,
        row_number() over (partition by account_id order by responded_at desc, response_id desc) as recency_rank
    from responses

),

final as (

    select
        current_scores.account_id,
        current_scores.account_name,
        current_scores.segment,
        current_scores.is_internal,
        current_scores.arr_amount,
        current_scores.score_date,
        current_scores.health_score,
        current_scores.score_change_30d,
        weakest.weakest_criteria,
        recent_tickets.last_tickets,
        last_low_comment.survey_type || ' ' || cast(last_low_comment.score as {{ dbt.type_string() }})
        || ': ' || last_low_comment.comment_text as last_low_survey_comment,
        last_low_comment.responded_at as last_low_survey_at,
        coalesce(driver_actions.recommended_action, overall_actions.recommended_action) as recommended_action,
        coalesce(driver_actions.channel, overall_actions.channel) as action_channel,
        cast(row_number() over (
            order by
                current_scores.arr_at_risk desc nulls last,
                current_scores.days_to_renewal asc,
                current_scores.health_score asc,
                current_scores.account_id asc
        ) as {{ dbt.type_bigint() }}) as review_rank,
        score_changes.change_explained as score_change_explained,
        current_scores.renewal_date,
        current_scores.days_to_renewal,
        current_scores.arr_at_risk

    from current_scores
    left join weakest
        on current_scores.account_id = weakest.account_id
    left join recent_tickets
        on current_scores.account_id = recent_tickets.account_id
    left join last_low_comment
        on current_scores.account_id = last_low_comment.account_id
        and last_low_comment.recency_rank = 1
    left join score_changes
        on current_scores.account_id = score_changes.account_id
    left join playbook as driver_actions
        on current_scores.top_negative_driver = driver_actions.criterion
    left join playbook as overall_actions
        on overall_actions.criterion = 'overall'

)

select * from final
