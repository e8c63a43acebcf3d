{#-
    Small engine-specific helpers. Every one dispatches: a `default__` version in
    portable SQL and a `duckdb__` (or `spark__`) version where the engine differs,
    following dbt's adapter.dispatch pattern.
-#}

{#- A timestamp column normalised to UTC, without time zone. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'customer_health')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The DuckDB session runs with TimeZone=UTC (profiles.yml), so casting a
    TIMESTAMPTZ to TIMESTAMP yields its UTC wall-clock time. -#}
{% macro duckdb__to_utc_timestamp(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{#- A string key column (ids are strings everywhere, whatever the loader used). -#}
{% macro as_key(column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A lower-cased, trimmed enum value. -#}
{% macro as_enum(column) -%}
    lower(trim(cast({{ column }} as {{ dbt.type_string() }})))
{%- endmacro %}

{#- The date part of a timestamp. -#}
{% macro to_date(column) -%}
    cast({{ column }} as date)
{%- endmacro %}

{#- A date `n` days after (or before, if negative) a date expression. -#}
{% macro add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{#- Whole days from start_date to end_date. -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{#- Hours (fractional, minute precision) from start_ts to end_ts. -#}
{% macro hours_between(start_ts, end_ts) -%}
    ({{ dbt.datediff(start_ts, end_ts, 'minute') }} / 60.0)
{%- endmacro %}

{#- ISO day of week, 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'customer_health')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    cast(((dayofweek({{ date_expr }}) + 5) % 7) + 1 as int)
{%- endmacro %}

{#- Month number 1-12. -#}
{% macro month_of_year(date_expr) -%}
    cast(extract(month from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{#- Median of an expression (an aggregate). -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'customer_health')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{#- One row per calendar day from start_date to end_date inclusive, column date_day. -#}
{% macro date_range(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_range', 'customer_health')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_range(start_date, end_date) -%}
    select cast(date_day as date) as date_day
    from ({{ dbt.date_spine('day', start_date, add_days(end_date, 1)) }}) as spine
{%- endmacro %}

{% macro duckdb__date_range(start_date, end_date) -%}
    select cast(range as date) as date_day
    from range(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp) + interval 1 day,
        interval 1 day
    )
{%- endmacro %}

{% macro spark__date_range(start_date, end_date) -%}
    select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date_day
{%- endmacro %}

{#- Clamp an expression to [lo, hi]. -#}
{% macro clamp(expr, lo=0, hi=1) -%}
    least(greatest({{ expr }}, {{ lo }}), {{ hi }})
{%- endmacro %}

{#- Linear map of value to 0-100: zero_at -> 0, full_at -> 100, either direction, clamped. -#}
{% macro linear_score(value, zero_at, full_at) -%}
    (100.0 * {{ clamp('(' ~ value ~ ' - (' ~ zero_at ~ ')) / ((' ~ full_at ~ ') - (' ~ zero_at ~ '))') }})
{%- endmacro %}

{#- Exponential decay weight of an age in days with the given half-life. -#}
{% macro decay_weight(age_days, half_life_days) -%}
    power(0.5, ({{ age_days }}) / ({{ half_life_days }} * 1.0))
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
        (rank() over ({{ ordered }}) - 1)
        / count(*) over ({{ ordered }} rows between unbounded preceding and unbounded following)
        + cume_dist() over ({{ ordered }})
    ))
{%- endmacro %}

{#- The aggregate used for seasonal indices: median (default) or mean (var seasonal_aggregation). -#}
{% macro seasonal_aggregate(expr) -%}
    {%- if var('seasonal_aggregation') == 'median' -%}{{ median(expr) }}{%- else -%}avg({{ expr }}){%- endif -%}
{%- endmacro %}

{#- A 64-bit floating point type (dbt.type_float() is 32-bit on DuckDB and Spark). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_health')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{#- A float rounded for display: first to 6 decimals, so that the last-bit
    differences of parallel float sums and averages between builds cannot flip
    a displayed digit (102.0499999999 and 102.0500000001 both show 102.1). -#}
{% macro display_round(expr, digits) -%}
    round(round({{ expr }}, 6), {{ digits }})
{%- endmacro %}
