{#-
    product_usage: how much the account uses the product, as a 0-100 index that
    blends two sub-measures (var usage_level_share, default 0.6 level / 0.4 trend):
    - level: active days in the current window, deseasonalised (divided by the
      window's expected seasonal factor and scaled to the window length), as a
      percentile among the accounts of the same segment on the same date;
    - trend: R = (current events / expected current) / (baseline events /
      expected baseline), the account against its own seasonality-adjusted
      trailing baseline, mapped linearly from usage_trend_zero_at (score 0) to
      usage_trend_full_at (score 100).
    Statuses: insufficient_history (younger than current + baseline windows;
    excluded, not punished), dormant (no events in either window; score 0),
    reactivated (no baseline events but events now; trend scores 100), ok.
-#}
{%- set current_days = var('usage_current_window_days') -%}
{%- set baseline_days = var('usage_baseline_window_days') -%}
{%- set level_share = var('usage_level_share') -%}
{%- if not (0 <= level_share | float <= 1) -%}
    {{ exceptions.raise_compiler_error("var usage_level_share must be between 0 and 1, got " ~ level_share) }}
{%- endif %}

with

account_score_dates as (

    select
        account_id,
        score_date,
        segment,
        account_age_days
    from {{ ref('int_account_score_dates_listed') }}

),

usage_windows as (

    select
        account_id,
        score_date,
        current_events,
        current_active_days,
        baseline_events
    from {{ ref('int_usage_windows_rolled') }}

),

expected_windows as (

    select
        score_date,
        expected_current,
        expected_baseline
    from {{ ref('int_seasonal_expected_windows') }}

),

measured as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        account_score_dates.segment,
        expected_windows.expected_current,
        expected_windows.expected_baseline,
        coalesce(usage_windows.current_events, 0) as current_events,
        coalesce(usage_windows.current_active_days, 0) as current_active_days,
        coalesce(usage_windows.baseline_events, 0) as baseline_events,
        case
            when account_score_dates.account_age_days < {{ current_days + baseline_days }}
                then 'insufficient_history'
            when coalesce(usage_windows.baseline_events, 0) = 0
                and coalesce(usage_windows.current_events, 0) = 0
                then 'dormant'
            when coalesce(usage_windows.baseline_events, 0) = 0
                then 'reactivated'
            else 'ok'
        end as status
    from account_score_dates
    left join usage_windows
        on account_score_dates.account_id = usage_windows.account_id
        and account_score_dates.score_date = usage_windows.score_date
    left join expected_windows
        on account_score_dates.score_date = expected_windows.score_date

),

sub_measures as (

    select
        *,
        current_active_days * {{ current_days }} / expected_current as level_value,
        case
            when status = 'ok'
                then (current_events / expected_current) / (baseline_events / expected_baseline)
        end as trend_ratio
    from measured

),

sub_scores as (

    select
        *,
        case
            when status in ('ok', 'reactivated')
                then {{ percentile_score('level_value', "score_date, segment, status in ('ok', 'reactivated')") }}
        end as level_score,
        case
            when status = 'reactivated' then 100.0
            when status = 'ok'
                then {{ linear_score('trend_ratio', var('usage_trend_zero_at'), var('usage_trend_full_at')) }}
        end as trend_score
    from sub_measures

),

final as (

    select
        account_id,
        score_date,
        'product_usage' as criterion,
        case
            when status in ('ok', 'reactivated')
                then {{ level_share }} * level_score + (1 - {{ level_share }}) * trend_score
            when status = 'dormant' then 0.0
        end as raw_value,
        status,
        cast(case when status = 'dormant' then 0.0 end as {{ type_double() }}) as fixed_score,
        current_events + baseline_events > 0 as has_source_rows,
        {% call for_as_of_date('score_date') %}
            'active days ' || cast(current_active_days as {{ dbt.type_string() }})
            || '/{{ current_days }}; events ' || cast(current_events as {{ dbt.type_string() }})
            || ' now vs ' || cast(baseline_events as {{ dbt.type_string() }})
            || ' in baseline; seasonality-adjusted ratio '
            || coalesce({{ display_number('trend_ratio', 2) }}, 'n/a')
        {% endcall %} as evidence

    from sub_scores

)

select * from final
