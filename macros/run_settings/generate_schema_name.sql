{#-
    Standalone (this project is the root): models land in the schema their folder
    names exactly (staging, intermediate, marts, config, semantic), not
    "<target schema>_<custom schema>", so BI tools always find marts.health_score
    whatever the target. Installed as a package, dbt still calls this macro for the
    package's own nodes (a package's generate_schema_name wins for its nodes), so it
    hands the decision to the host: the host's own generate_schema_name when it has
    one, else dbt's default (<target schema>_marts, ...; docs/package.md).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if project_name != 'customer_health' -%}
        {%- set host = context.get(project_name) -%}
        {%- if host is not none and host.get('generate_schema_name') is not none -%}
            {{ host.generate_schema_name(custom_schema_name, node) }}
        {%- else -%}
            {{ default__generate_schema_name(custom_schema_name, node) }}
        {%- endif -%}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
