-- One row: the version of the scoring configuration in force (a hash of every
-- configuration seed's content and of the scoring vars). Building this model
-- validates the configuration first (macro validate_health_config) and fails
-- the build with a message naming the scorecard, band or override at fault.
-- depends_on: {{ ref('stg_crm__accounts') }}
-- depends_on: {{ customer_health_config('health_weights') }}
-- depends_on: {{ customer_health_config('health_criteria') }}
-- depends_on: {{ customer_health_config('health_bands') }}
-- depends_on: {{ customer_health_config('health_overrides') }}
{{ validate_health_config() }}

{%- set seeds = [
    'health_weights', 'health_bands', 'health_criteria', 'ticket_category_roles',
    'support_sla_targets', 'engagement_points', 'commercial_event_values',
    'playbook_actions', 'health_overrides'
] -%}
{#- score_history_days is not a scoring rule (a day's score does not depend on how many days
    were backfilled): left out, so a run with another history length does not rescore. -#}
{%- set scoring_vars = [
    'min_coverage_pct', 'source_sparse_min_account_pct', 'usage_current_window_days',
    'usage_baseline_window_days', 'usage_level_share', 'usage_trend_zero_at',
    'usage_trend_full_at', 'seasonal_aggregation', 'seasonal_min_complete_months',
    'support_lookback_days', 'sla_breach_zero_at_ratio', 'satisfaction_lookback_days',
    'satisfaction_half_life_days', 'satisfaction_comment_weight', 'engagement_lookback_days',
    'engagement_half_life_days', 'commercial_lookback_days', 'expansion_backing_points',
    'commercial_size_reference_share', 'commercial_size_max_factor',
    'csm_sentiment_half_life_days', 'csm_sentiment_stale_days',
    'alert_drop_points', 'alert_drop_window_days', 'seasonal_adjustment'
] -%}
{%- set var_text = [] -%}
{%- for name in scoring_vars -%}{%- do var_text.append(name ~ '=' ~ var(name)) -%}{%- endfor %}

with

seed_rows as (

    {% for seed in seeds -%}
        select
            '{{ seed }}' as seed_name,
            {{ health_row_text(ref(seed)) }} as row_text
        from {{ ref(seed) }}
        union all
    {% endfor -%}
    select
        'vars' as seed_name,
        '{{ var_text | join(";") }}' as row_text

),

final as (

    select
        {{ dbt.hash(ordered_listagg('seed_name || \':\' || row_text', "'|'", 'seed_name, row_text')) }}
            as config_version,
        count(*) as config_row_count

    from seed_rows

)

select * from final
