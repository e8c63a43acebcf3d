{#-
    commercial_momentum: the signed sum of commercial events in the lookback
    window (var commercial_lookback_days), each worth its seed value
    (commercial_event_values: new +1, renewal +1, expansion +1, contraction -1,
    cancellation -2). An event flagged needs_engagement_backing (expansion)
    counts fully only when engagement backs it: its value is multiplied by
    min(1, engagement raw points / expansion_backing_points). An event flagged
    is_size_weighted (expansion, contraction) is scaled by the size of the
    change: min(12 x |mrr_delta| / ARR / commercial_size_reference_share,
    commercial_size_max_factor), rounded to 4 decimals (0.10 and 2: a change of
    1 % of ARR counts 0.1, 10 % counts 1, 20 % or more counts 2); without
    mrr_delta or ARR the event counts its plain value.
    No commercial event in the window: no_data.
    One pass: per account and day, the values that need backing and the rest
    are summed apart, with the account's score dates in the same stream, over a
    window frame on the day number; the momentum is the plain sum plus the
    backed sum times the score date's backing factor (no join of every score
    date to every event). Every event's weighted value is a decimal with 4
    places, so every sum is exact and the same on every engine.
-#}
{%- set lookback_days = var('commercial_lookback_days') -%}
{%- set backing_points = var('expansion_backing_points') -%}
{%- set reference_share = var('commercial_size_reference_share') -%}
{%- set max_factor = var('commercial_size_max_factor') %}

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
subscription_events as (

    select
        account_id,
        event_type,
        mrr_delta_amount,
        {{ to_date('occurred_at') }} as occurred_date
    from {{ ref('stg_crm__subscription_events') }}
    where {{ to_date('occurred_at') }} > (select {{ add_days('score_dates.first_score_date', -lookback_days) }} from score_dates)
        and {{ to_date('occurred_at') }} <= (select score_dates.last_score_date from score_dates)

),

event_values as (

    select
        event_type,
        event_value,
        needs_engagement_backing,
        is_size_weighted
    from {{ customer_health_config('commercial_event_values') }}

),

accounts as (

    select
        account_id,
        arr_amount
    from {{ ref('stg_crm__accounts') }}

),

-- each event's size factor: 12 x |mrr_delta| is the change in ARR
weighted_events as (

    select
        subscription_events.account_id,
        subscription_events.event_type,
        subscription_events.occurred_date,
        event_values.needs_engagement_backing,
        event_values.event_value,
        case
            when
                event_values.is_size_weighted
                and subscription_events.mrr_delta_amount is not null
                and accounts.arr_amount > 0
                then least(
                        {{ round_to('12 * abs(subscription_events.mrr_delta_amount) / accounts.arr_amount / ' ~ reference_share, 4) }},
                        {{ max_factor }}
                    )
            else 1
        end as size_factor
    from subscription_events
    inner join event_values
        on subscription_events.event_type = event_values.event_type
    left join accounts
        on subscription_events.account_id = accounts.account_id

),

engagement as (

    select
        account_id,
        score_date,
        raw_value as engagement_points
    from {{ ref('int_criteria__engagement') }}

),

-- per account and day: event values split into those that need engagement
-- backing (scaled by the score date's backing factor later) and the rest,
-- and the account's score dates, in one stream
account_days as (

    select
        account_id,
        occurred_date as day_date,
        false as is_score_date,
        count(*) as event_count,
        sum(case when needs_engagement_backing then 0 else cast(event_value * size_factor as {{ dbt.type_numeric() }}) end)
            as plain_value,
        sum(case when needs_engagement_backing then cast(event_value * size_factor as {{ dbt.type_numeric() }}) else 0 end)
            as backed_value,
        sum(case when event_type = 'renewal' then 1 else 0 end) as renewal_count,
        sum(case when event_type = 'expansion' then 1 else 0 end) as expansion_count,
        sum(case when event_type = 'contraction' then 1 else 0 end) as contraction_count,
        sum(case when event_type = 'cancellation' then 1 else 0 end) as cancellation_count
    from weighted_events
    group by 1, 2

    union all

    select
        account_id,
        score_date as day_date,
        true as is_score_date,
        0 as event_count,
        0 as plain_value,
        0 as backed_value,
        0 as renewal_count,
        0 as expansion_count,
        0 as contraction_count,
        0 as cancellation_count
    from account_score_dates

),

windowed as (

    select
        account_id,
        day_date as score_date,
        is_score_date,
        sum(event_count) over ({{ account_window }}) as event_count,
        sum(plain_value) over ({{ account_window }}) as plain_value,
        sum(backed_value) over ({{ account_window }}) as backed_value,
        sum(renewal_count) over ({{ account_window }}) as renewal_count,
        sum(expansion_count) over ({{ account_window }}) as expansion_count,
        sum(contraction_count) over ({{ account_window }}) as contraction_count,
        sum(cancellation_count) over ({{ account_window }}) as cancellation_count
    from account_days

),

-- an event that needs backing counts min(1, engagement points / expansion_backing_points)
-- of its value (nothing without an engagement row, as a null term of the old per-event sum)
account_events as (

    select
        windowed.account_id,
        windowed.score_date,
        windowed.event_count,
        windowed.plain_value
        + coalesce(windowed.backed_value * least(engagement.engagement_points / {{ backing_points }}, 1.0), 0)
            as momentum,
        windowed.renewal_count,
        windowed.expansion_count,
        windowed.contraction_count,
        windowed.cancellation_count
    from windowed
    left join engagement
        on windowed.account_id = engagement.account_id
        and windowed.score_date = engagement.score_date
    where windowed.is_score_date and windowed.event_count > 0

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        'commercial_momentum' as criterion,
        account_events.momentum as raw_value,
        case when account_events.event_count > 0 then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        coalesce(account_events.event_count > 0, false) as has_source_rows,
        {% call for_as_of_date('account_score_dates.score_date') %}
            case
                when account_events.event_count > 0
                    then cast(account_events.renewal_count as {{ dbt.type_string() }}) || ' renewals, '
                        || cast(account_events.expansion_count as {{ dbt.type_string() }}) || ' expansions, '
                        || cast(account_events.contraction_count as {{ dbt.type_string() }}) || ' contractions, '
                        || cast(account_events.cancellation_count as {{ dbt.type_string() }})
                        || ' cancellations in {{ lookback_days }} days; momentum '
                        || {{ display_number('account_events.momentum', 2) }}
                else 'no commercial event in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_score_dates
    left join account_events
        on account_score_dates.account_id = account_events.account_id
        and account_score_dates.score_date = account_events.score_date

)

select * from final
