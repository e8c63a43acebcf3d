{#-
    commercial_momentum: the signed sum of commercial events in the lookback
    window (var commercial_lookback_days), each worth its seed value
    (commercial_event_values: new +1, renewal +1, expansion +1, contraction -1,
    cancellation -2). An event flagged needs_engagement_backing (expansion)
    counts fully only when engagement backs it: its value is multiplied by
    min(1, engagement raw points / expansion_backing_points).
    No commercial event in the window: no_data.
-#}
{%- set lookback_days = var('commercial_lookback_days') -%}
{%- set backing_points = var('expansion_backing_points') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

subscription_events as (

    select
        account_id,
        event_type,
        {{ to_date('occurred_at') }} as occurred_date
    from {{ ref('stg_crm__subscription_events') }}

),

event_values as (

    select
        event_type,
        event_value,
        needs_engagement_backing
    from {{ ref('commercial_event_values') }}

),

engagement as (

    select
        account_id,
        score_date,
        raw_value as engagement_points
    from {{ ref('int_criteria__engagement') }}

),

backing as (

    select
        account_id,
        score_date,
        least(engagement_points / {{ backing_points }}, 1.0) as backing_factor
    from engagement

),

account_events as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        count(*) as event_count,
        sum(
            coalesce(event_values.event_value, 0)
            * case when event_values.needs_engagement_backing then backing.backing_factor else 1.0 end
        ) as momentum,
        sum(case when subscription_events.event_type = 'renewal' then 1 else 0 end) as renewal_count,
        sum(case when subscription_events.event_type = 'expansion' then 1 else 0 end) as expansion_count,
        sum(case when subscription_events.event_type = 'contraction' then 1 else 0 end) as contraction_count,
        sum(case when subscription_events.event_type = 'cancellation' then 1 else 0 end) as cancellation_count
    from account_score_dates
    inner join subscription_events
        on account_score_dates.account_id = subscription_events.account_id
        and account_score_dates.score_date >= subscription_events.occurred_date
        and subscription_events.occurred_date > {{ add_days('account_score_dates.score_date', -lookback_days) }}
    inner join event_values
        on subscription_events.event_type = event_values.event_type
    left join backing
        on account_score_dates.account_id = backing.account_id
        and account_score_dates.score_date = backing.score_date
    group by 1, 2

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        'commercial_momentum' as criterion,
        account_events.momentum as raw_value,
        case when account_events.event_count > 0 then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        {% call for_as_of_date('account_score_dates.score_date') %}
            case
                when account_events.event_count > 0
                    then cast(account_events.renewal_count as {{ dbt.type_string() }}) || ' renewals, '
                        || cast(account_events.expansion_count as {{ dbt.type_string() }}) || ' expansions, '
                        || cast(account_events.contraction_count as {{ dbt.type_string() }}) || ' contractions, '
                        || cast(account_events.cancellation_count as {{ dbt.type_string() }})
                        || ' cancellations in {{ lookback_days }} days; momentum '
                        || cast({{ display_round('account_events.momentum', 2) }} as {{ dbt.type_string() }})
                else 'no commercial event in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_score_dates
    left join account_events
        on account_score_dates.account_id = account_events.account_id
        and account_score_dates.score_date = account_events.score_date

)

select * from final
