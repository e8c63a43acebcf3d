{#-
    The stored daily score history (marts.health_score_daily) when an
    incremental run can extend it, else none: on a first build, with
    --full-refresh, or when the mart's relation does not exist, every model
    computes the full backfill (var score_history_days).
    int_score_dates_listed uses it to pick the dates a run computes.
-#}
{% macro stored_score_history() -%}
    {#- unit tests of int_score_dates_listed test the backfill; they must not see the warehouse's mart -#}
    {%- if not execute or flags.FULL_REFRESH or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name and node.name == 'health_score_daily' -%}
            {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#-
    The first date of an explicit score-date range (customer-health backfill), else
    none: var score_history_start, else env var HEALTH_SCORE_HISTORY_START. When set,
    int_score_dates_listed scores exactly the dates from it to as_of_date, whatever is
    stored; the incremental merge (delete+insert per score_date) keeps the other
    stored dates. Fails compilation on a value that is not a date or is after as_of_date.
-#}
{% macro score_history_start() -%}
    {%- set value = var('score_history_start', none) -%}
    {%- if value is none or value | string | trim == '' -%}
        {#- the environment is read when the model runs, not while dbt parses (see
            as_of_date_str): unset at parse time, the common case -#}
        {%- if not execute -%}{{ return(none) }}{%- endif -%}
        {%- set value = env_var('HEALTH_SCORE_HISTORY_START', '') -%}
    {%- endif -%}
    {%- if value is none or value | string | trim == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var score_history_start must be YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- do modules.datetime.datetime.strptime(value, '%Y-%m-%d') -%}
    {%- if value > as_of_date_str() -%}
        {{ exceptions.raise_compiler_error("var score_history_start (" ~ value ~ ") is after the scoring date (" ~ as_of_date_str() ~ ")") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
