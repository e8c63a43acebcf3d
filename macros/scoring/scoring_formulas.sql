{#- Scoring formulas: the domain arithmetic the criteria and the normalisation share. -#}

{#- Clamp an expression to [lo, hi]. -#}
{% macro clamp(expr, lo=0, hi=1) -%}
    least(greatest({{ expr }}, {{ lo }}), {{ hi }})
{%- endmacro %}

{#- Linear map of value to 0-100: zero_at -> 0, full_at -> 100, either direction, clamped. -#}
{% macro linear_score(value, zero_at, full_at) -%}
    (100.0 * {{ clamp('(' ~ value ~ ' - (' ~ zero_at ~ ')) / ((' ~ full_at ~ ') - (' ~ zero_at ~ '))') }})
{%- endmacro %}

{#- Exponential decay weight of an age in days with the given half-life. -#}
{#- The exponent is a double division: a decimal one (`* 1.0`) is rounded to 6
    decimals on Spark, which moved satisfaction scores by 2e-6 against DuckDB. -#}
{% macro decay_weight(age_days, half_life_days) -%}
    power(0.5, cast({{ age_days }} as {{ type_double() }}) / {{ half_life_days }})
{%- endmacro %}

{#- Grade 1-5 of a 0-100 score: 0-19 -> 1, 20-39 -> 2, ..., 80-100 -> 5. -#}
{% macro score_grade(score) -%}
    case when {{ score }} is null then null else cast(least(5, floor({{ score }} / 20.0) + 1) as {{ dbt.type_int() }}) end
{%- endmacro %}

{#- Mid-rank percentile (0-100) of value within a partition: the share of rows
    below it plus half the rows tied with it. One row alone scores 50; a value
    can only gain rank when it grows. partition_by is a comma-separated list. -#}
{% macro percentile_score(value, partition_by) -%}
    {%- set ordered = 'partition by ' ~ partition_by ~ ' order by ' ~ value -%}
    {#- (rank - 1 + 0.5 x ties) / n = 0.5 x ((rank - 1) / n + cume_dist): one sort serves all three -#}
    (50.0 * (
        {#- a double division on every engine (PostgreSQL divides integers as integers) -#}
        cast(rank() over ({{ ordered }}) - 1 as {{ type_double() }})
        / count(*) over ({{ ordered }} rows between unbounded preceding and unbounded following)
        + cume_dist() over ({{ ordered }})
    ))
{%- endmacro %}

{#- The aggregate used for seasonal indices: median (default) or mean (var seasonal_aggregation). -#}
{% macro seasonal_aggregate(expr) -%}
    {%- if var('seasonal_aggregation') == 'median' -%}{{ median(expr) }}{%- else -%}avg({{ expr }}){%- endif -%}
{%- endmacro %}


{#- A float rounded for display: first to 6 decimals, so that the last-bit
    differences of parallel float sums and averages between builds cannot flip
    a displayed digit (102.0499999999 and 102.0500000001 both show 102.1). -#}
{% macro display_round(expr, digits) -%}
    {{ round_to(round_to(expr, 6), digits) }}
{%- endmacro %}

{#- display_round as text, the same on every engine (number_text): 72.0, 72.5, 0.125. -#}
{% macro display_number(expr, digits) -%}
    {{ number_text(display_round(expr, digits)) }}
{%- endmacro %}

{#- The window frame of a lookback: the `days` days ending `ending_before` days
    before the row's day (0: ending on it, the score date included), per account,
    over an integer day number (default: days from as_of_date to day_date), so
    the frame is a `range` of whole days on every engine. The criteria evaluate
    it on the score-date rows they put into each account's stream of days. -#}
{% macro trailing_days_frame(days, ending_before=0, day_number=none) -%}
    {%- set order_expr = day_number if day_number is not none else days_between(as_of_date(), 'day_date') -%}
    partition by account_id order by {{ order_expr }}
    range between {{ days + ending_before - 1 }} preceding
    and {{ 'current row' if ending_before == 0 else ending_before ~ ' preceding' }}
{%- endmacro %}
