{#-
    Small engine-specific helpers. The ones whose SQL differs between engines
    dispatch (dbt's adapter.dispatch: a `default__` version in portable SQL and a
    `duckdb__` or `spark__` version where the engine differs); the others
    (as_key, as_enum, to_date, month_of_year) are the same
    portable SQL on DuckDB and Spark, which tests/e2e/test_engine_parity.py
    checks. to_utc_timestamp has no Spark version: Spark's timestamps are
    instants and the session runs in UTC (profiles.yml), so the default cast is
    right there.
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
    {{ return(adapter.dispatch('add_days', 'customer_health')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{#- dbt.dateadd on Spark goes through unix timestamps and raises on a null date. -#}
{% macro spark__add_days(date_expr, n) -%}
    date_add(cast({{ date_expr }} as date), cast({{ n }} as int))
{%- endmacro %}

{#- Whole days from start_date to end_date. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'customer_health')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- dbt.datediff on Spark raises on a null date and returns an int. -#}
{% macro spark__days_between(start_date, end_date) -%}
    cast(datediff(cast({{ end_date }} as date), cast({{ start_date }} as date)) as bigint)
{%- endmacro %}

{#- Hours (fractional, minute precision) from start_ts to end_ts: the minute
    boundaries crossed, over 60 (DuckDB's date_diff('minute')). -#}
{% macro hours_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('hours_between', 'customer_health')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__hours_between(start_ts, end_ts) -%}
    ({{ dbt.datediff(start_ts, end_ts, 'minute') }} / 60.0)
{%- endmacro %}

{#- dbt.datediff on Spark rounds seconds up to minutes (and raises on null):
    count the minute boundaries as DuckDB does, null-safe, as a double. -#}
{% macro spark__hours_between(start_ts, end_ts) -%}
    (cast(floor(unix_timestamp({{ end_ts }}) / 60) - floor(unix_timestamp({{ start_ts }}) / 60) as double) / 60.0)
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

{#- A percentile of an expression (an aggregate), interpolated linearly between
    the two nearest values (fraction 0.25: the first quartile). -#}
{% macro percentile_cont_agg(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont_agg', 'customer_health')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont_agg(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__percentile_cont_agg(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont_agg(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
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

{#- PostgreSQL: generate_series (dbt.date_spine runs a query at compile time to count
    the days, which fails when the bounds are expressions over the model's own CTEs). -#}
{% macro postgres__date_range(start_date, end_date) -%}
    select cast(series.day_start as date) as date_day
    from generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 day'
    ) as series (day_start)
{%- endmacro %}

{#- Snowflake: a generator of row numbers (its row count must be a constant: 100,000
    days, 273 years, bound every range), kept up to the end date. -#}
{% macro snowflake__date_range(start_date, end_date) -%}
    select cast(dateadd(day, day_offsets.day_offset, cast({{ start_date }} as date)) as date) as date_day
    from (
        select row_number() over (order by seq4()) - 1 as day_offset
        from table(generator(rowcount => 100000))
    ) as day_offsets
    where day_offsets.day_offset <= datediff(day, cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{% macro spark__date_range(start_date, end_date) -%}
    select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date_day
{%- endmacro %}

{#- A 64-bit floating point type (dbt.type_float() is 32-bit on DuckDB and Spark). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_health')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{#- A cast that yields null instead of failing on a malformed value. -#}
{% macro try_cast_as(expr, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'customer_health')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro duckdb__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{#- The whole raw row of a table alias as one struct value (kept in flight,
    never stored), and a struct as JSON text. The checked base models turn the
    raw row into JSON only for the rows marts.rejected_rows lists (rejected or
    repaired) and for ordering the copies of a duplicated key: formatting every
    row as JSON was the largest cost of staging. -#}
{% macro raw_row(alias) -%}
    {{ return(adapter.dispatch('raw_row', 'customer_health')(alias)) }}
{%- endmacro %}

{% macro default__raw_row(alias) -%}
    {{ alias }}
{%- endmacro %}

{#- Snowflake has no row values: an OBJECT of the row, nulls kept. -#}
{% macro snowflake__raw_row(alias) -%}
    object_construct_keep_null({{ alias }}.*)
{%- endmacro %}

{% macro spark__raw_row(alias) -%}
    struct({{ alias }}.*)
{%- endmacro %}

{% macro json_text(struct_expr) -%}
    {{ return(adapter.dispatch('json_text', 'customer_health')(struct_expr)) }}
{%- endmacro %}

{% macro default__json_text(struct_expr) -%}
    cast(to_json({{ struct_expr }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- PostgreSQL writes a timestamp into JSON as ISO 8601 ('2024-01-01T10:00:00'):
    the T becomes a space, as DuckDB writes it (a string value that is itself such a
    quoted timestamp would change too; the raw contract's strings are ids and words). -#}
{% macro postgres__json_text(struct_expr) -%}
    regexp_replace(
        cast(to_json({{ struct_expr }}) as text),
        '"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(\.\d+)?)"',
        '"\1 \2"',
        'g'
    )
{%- endmacro %}

{#- Spark: the text DuckDB writes (nulls kept, timestamps as 'yyyy-MM-dd HH:mm:ss';
    fractions of a second are dropped, the demo's raw timestamps have none). -#}
{% macro spark__json_text(struct_expr) -%}
    to_json({{ struct_expr }}, map('timestampFormat', 'yyyy-MM-dd HH:mm:ss', 'ignoreNullFields', 'false'))
{%- endmacro %}

{#- A string aggregate in a given order: the values of expr joined by
    delimiter (a SQL string literal), ordered by order_expr, one or more
    comma-separated expressions, ascending (give a unique order: ties are
    engine-dependent). dbt.listagg drops the order on Spark. -#}
{% macro ordered_listagg(expr, delimiter, order_expr) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'customer_health')(expr, delimiter, order_expr)) }}
{%- endmacro %}

{% macro default__ordered_listagg(expr, delimiter, order_expr) -%}
    {{ dbt.listagg(expr, delimiter, 'order by ' ~ order_expr) }}
{%- endmacro %}

{% macro spark__ordered_listagg(expr, delimiter, order_expr) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct('sort_key', struct({{ order_expr }}), 'item', {{ expr }}))),
            entry -> entry.item
        ),
        {{ delimiter }}
    )
{%- endmacro %}

{#- A non-negative bigint hash (below 2^31) of a list of SQL expressions, for
    checksums: a sum of millions of them cannot overflow a bigint. -#}
{% macro small_hash(expressions) -%}
    {{ return(adapter.dispatch('small_hash', 'customer_health')(expressions)) }}
{%- endmacro %}

{% macro default__small_hash(expressions) -%}
    cast(hash({{ expressions | join(', ') }}) % 2147483648 as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro spark__small_hash(expressions) -%}
    pmod(xxhash64({{ expressions | join(', ') }}), 2147483648)
{%- endmacro %}

{#- A number rounded to `digits` decimals (half away from zero). PostgreSQL rounds
    to decimals only a numeric (round(double precision, integer) does not exist):
    there the value is rounded as a numeric and the result is a double precision
    (the type DuckDB's round of a double has). -#}
{% macro round_to(expr, digits) -%}
    {{ return(adapter.dispatch('round_to', 'customer_health')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_to(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_to(expr, digits) -%}
    cast(round(cast({{ expr }} as numeric), {{ digits }}) as double precision)
{%- endmacro %}

{#- A rounded number (round_to) as text, as DuckDB prints a double: shortest digits,
    at least one decimal (72.0, 72.5, 0.125). -#}
{% macro number_text(expr) -%}
    {{ return(adapter.dispatch('number_text', 'customer_health')(expr)) }}
{%- endmacro %}

{% macro default__number_text(expr) -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- PostgreSQL prints a whole double precision without decimals (72): printed as a
    numeric with trailing zeros trimmed, a whole number gets its '.0'. -#}
{% macro postgres__number_text(expr) -%}
    (case
        when trunc(cast({{ expr }} as numeric)) = cast({{ expr }} as numeric)
            then cast(trunc(cast({{ expr }} as numeric)) as text) || '.0'
        else cast(trim_scale(cast({{ expr }} as numeric)) as text)
    end)
{%- endmacro %}

{#- A post-hook of every model (dbt_project.yml): PostgreSQL plans a query on a table
    it has no statistics of as if it were tiny (nested loops over tens of thousands of
    rows: a unique test of the staged usage events ran for more than ten minutes), and
    its autovacuum analyses new tables only later; there a table is analysed as soon
    as it is written. Nothing on the other engines (they keep statistics as they write). -#}
{% macro refresh_statistics() -%}
    {{ return(adapter.dispatch('refresh_statistics', 'customer_health')()) }}
{%- endmacro %}

{% macro default__refresh_statistics() -%}
    {{ return('') }}
{%- endmacro %}

{% macro postgres__refresh_statistics() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL has no hash() of several values: hashtextextended of their text,
    joined by a unit separator, masked to 31 bits. -#}
{% macro postgres__small_hash(expressions) -%}
    (hashtextextended(concat_ws(chr(31)
        {%- for expression in expressions %}, cast({{ expression }} as text){% endfor -%}
    ), 0) & 2147483647)
{%- endmacro %}

{#- Snowflake's hash() is a signed 64-bit value: the remainder's absolute value. -#}
{% macro snowflake__small_hash(expressions) -%}
    abs(hash({{ expressions | join(', ') }}) % 2147483648)
{%- endmacro %}

{#- `materialized` where the engine takes `with name as materialized (...)` (DuckDB,
    PostgreSQL 12+), else nothing: a CTE the planner must compute as written, once,
    instead of inlining it and reordering its joins with the rest of the query. Only a
    plan hint: the rows are the same either way (int_criterion_scores_normalised). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'customer_health')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    {{ return('materialized') }}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    {{ return('materialized') }}
{%- endmacro %}
