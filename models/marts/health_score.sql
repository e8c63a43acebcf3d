-- One row per account scored at as_of_date: the health score, its band, how it
-- moved over 7 and 30 days (against the stored daily history, health_score_daily),
-- and the criterion that costs it the most points; its next renewal
-- (int_account_renewals_derived) and the ARR at risk (the ARR of a churn_risk
-- account, 0 in any other band); its parent account and the parent's
-- rolled-up band (health_score_rollup; null when the parent link is set aside).
with

accounts as (

    select
        account_id,
        account_name,
        segment,
        is_internal,
        arr_amount,
        parent_account_id
    from {{ ref('int_accounts_scoped') }}

),

hierarchy as (

    select
        account_id,
        kept_parent_account_id
    from {{ ref('int_account_hierarchy_checked') }}

),

rollups as (

    select
        account_id,
        rolled_up_band
    from {{ ref('health_score_rollup') }}

),

renewals as (

    select
        account_id,
        renewal_date,
        renewal_date_source
    from {{ ref('int_account_renewals_derived') }}

),

scores as (

    select
        account_id,
        score_date,
        scorecard,
        health_score,
        band,
        band_label,
        band_color,
        coverage_pct,
        is_overridden,
        config_version
    from {{ ref('int_health_scores_computed') }}

),

history as (

    select
        account_id,
        score_date,
        health_score
    from {{ ref('health_score_daily') }}
    where score_date in ({{ add_days(as_of_date(), -7) }}, {{ add_days(as_of_date(), -30) }})

),

criteria_points as (

    select
        account_id,
        score_date,
        criterion,
        points_lost
    from {{ ref('int_criterion_points_allocated') }}
    where score_date = {{ as_of_date() }}

),

ranked_drivers as (

    select
        account_id,
        criterion,
        points_lost,
        row_number() over (
            partition by account_id order by points_lost desc, criterion asc
        ) as driver_rank
    from criteria_points
    where points_lost > 0

),

today as (

    select * from scores
    where score_date = {{ as_of_date() }}

),

week_ago as (

    select
        account_id,
        health_score
    from history
    where score_date = {{ add_days(as_of_date(), -7) }}

),

month_ago as (

    select
        account_id,
        health_score
    from history
    where score_date = {{ add_days(as_of_date(), -30) }}

),

final as (

    select
        today.account_id,
        accounts.account_name,
        accounts.segment,
        accounts.is_internal,
        accounts.arr_amount,
        today.scorecard,
        today.score_date,
        today.health_score,
        today.band,
        today.band_label,
        today.band_color,
        cast(today.coverage_pct as {{ type_double() }}) as coverage_pct,
        today.health_score - week_ago.health_score as score_change_7d,
        today.health_score - month_ago.health_score as score_change_30d,
        ranked_drivers.criterion as top_negative_driver,
        cast({{ round_to('ranked_drivers.points_lost', 1) }} as {{ type_double() }}) as top_negative_driver_points_lost,
        today.is_overridden,
        today.config_version,
        renewals.renewal_date,
        renewals.renewal_date_source,
        {{ days_between(as_of_date(), 'renewals.renewal_date') }} as days_to_renewal,
        cast(case when today.band = 'churn_risk' then accounts.arr_amount else 0 end as decimal(28, 6)) as arr_at_risk,
        accounts.parent_account_id,
        parent_rollups.rolled_up_band as parent_rolled_up_band

    from today
    inner join accounts
        on today.account_id = accounts.account_id
    left join week_ago
        on today.account_id = week_ago.account_id
    left join month_ago
        on today.account_id = month_ago.account_id
    left join ranked_drivers
        on today.account_id = ranked_drivers.account_id
        and ranked_drivers.driver_rank = 1
    left join renewals
        on today.account_id = renewals.account_id
    left join hierarchy
        on today.account_id = hierarchy.account_id
    left join rollups as parent_rollups
        on hierarchy.kept_parent_account_id = parent_rollups.account_id

)

select * from final
