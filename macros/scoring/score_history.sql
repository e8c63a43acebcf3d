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
