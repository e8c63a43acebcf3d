{#-
    What a customer-success team acts on today: one row per account and alert
    type at as_of_date.
    - band_downgrade: the band is worse than the day before;
    - sharp_drop: the score fell by at least var alert_drop_points over the
      last var alert_drop_window_days days;
    - persistent_churn_risk: in churn_risk today and alert_drop_window_days ago;
    - renewal_at_risk: in churn_risk today with a renewal due within var
      renewal_alert_window_days days (0 = today; an overdue contract date, in
      the past, does not count).
    Every alert carries the account's days to renewal and ARR at risk.
    Each alert carries the criterion costing the most points, its evidence and
    the playbook action for it (seed playbook_actions, else `overall`), and the
    score's change over alert_drop_window_days in words, by criterion
    (health_score_changes.change_explained).
-#}
{%- set window_days = var('alert_drop_window_days') -%}
{%- set alert_key_parts = [
    'alerts.account_id', "'|'", 'cast(alerts.score_date as ' ~ dbt.type_string() ~ ')', "'|'", 'alerts.alert_type'
] %}

with

scores as (

    select
        account_id,
        score_date,
        health_score,
        band
    from {{ ref('health_score_daily') }}
    where score_date in ({{ add_days(as_of_date(), -1) }}, {{ add_days(as_of_date(), -window_days) }})

),

bands as (

    select
        band,
        sort_order
    from {{ customer_health_config('health_bands') }}

),

current_scores as (

    select
        account_id,
        account_name,
        segment,
        is_internal,
        score_date,
        health_score,
        band,
        top_negative_driver,
        days_to_renewal,
        arr_at_risk
    from {{ ref('health_score') }}

),

criteria as (

    select
        account_id,
        criterion,
        evidence
    from {{ ref('health_score_criteria') }}

),

score_changes as (

    select distinct
        account_id,
        change_explained
    from {{ ref('health_score_changes') }}
    where window_days = {{ window_days }}

),

playbook as (

    select
        criterion,
        action_code,
        recommended_action,
        channel,
        owner_role
    from {{ customer_health_config('playbook_actions') }}

),

compared as (

    select
        current_scores.*,
        yesterday.health_score as previous_day_score,
        yesterday.band as previous_day_band,
        window_start.health_score as window_start_score,
        window_start.band as window_start_band,
        current_bands.sort_order as band_order,
        yesterday_bands.sort_order as previous_day_band_order
    from current_scores
    left join scores as yesterday
        on current_scores.account_id = yesterday.account_id
        and yesterday.score_date = {{ add_days(as_of_date(), -1) }}
    left join scores as window_start
        on current_scores.account_id = window_start.account_id
        and window_start.score_date = {{ add_days(as_of_date(), -window_days) }}
    left join bands as current_bands
        on current_scores.band = current_bands.band
    left join bands as yesterday_bands
        on yesterday.band = yesterday_bands.band

),

alerts as (

    select
        compared.*,
        'band_downgrade' as alert_type,
        case when compared.band = 'churn_risk' then 'high' else 'medium' end as severity,
        compared.previous_day_score as previous_score,
        compared.previous_day_band as previous_band
    from compared
    where compared.band_order < compared.previous_day_band_order

    union all

    select
        compared.*,
        'sharp_drop' as alert_type,
        'high' as severity,
        compared.window_start_score as previous_score,
        compared.window_start_band as previous_band
    from compared
    where compared.health_score <= compared.window_start_score - {{ var('alert_drop_points') }}

    union all

    select
        compared.*,
        'persistent_churn_risk' as alert_type,
        'medium' as severity,
        compared.window_start_score as previous_score,
        compared.window_start_band as previous_band
    from compared
    where compared.band = 'churn_risk' and compared.window_start_band = 'churn_risk'

    union all

    select
        compared.*,
        'renewal_at_risk' as alert_type,
        'high' as severity,
        compared.window_start_score as previous_score,
        compared.window_start_band as previous_band
    from compared
    where compared.band = 'churn_risk'
        and compared.days_to_renewal between 0 and {{ var('renewal_alert_window_days') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(alert_key_parts)) }} as alert_id,
        alerts.account_id,
        alerts.account_name,
        alerts.segment,
        alerts.is_internal,
        alerts.score_date as alert_date,
        alerts.alert_type,
        alerts.severity,
        alerts.health_score,
        alerts.previous_score,
        alerts.health_score - alerts.previous_score as score_change,
        alerts.band,
        alerts.previous_band,
        coalesce(alerts.top_negative_driver, 'overall') as driver_criterion,
        criteria.evidence as driver_evidence,
        coalesce(driver_actions.action_code, overall_actions.action_code) as action_code,
        coalesce(driver_actions.recommended_action, overall_actions.recommended_action) as recommended_action,
        coalesce(driver_actions.channel, overall_actions.channel) as action_channel,
        coalesce(driver_actions.owner_role, overall_actions.owner_role) as owner_role,
        score_changes.change_explained as score_change_explained,
        alerts.days_to_renewal,
        alerts.arr_at_risk

    from alerts
    left join criteria
        on alerts.account_id = criteria.account_id
        and alerts.top_negative_driver = criteria.criterion
    left join score_changes
        on alerts.account_id = score_changes.account_id
    left join playbook as driver_actions
        on alerts.top_negative_driver = driver_actions.criterion
    left join playbook as overall_actions
        on overall_actions.criterion = 'overall'

)

select * from final
