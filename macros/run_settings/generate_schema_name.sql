{#-
    Standalone (this project is the root): models land in the schema their folder
    names exactly (staging, intermediate, marts, config, semantic), not
    "<target schema>_<custom schema>", so BI tools always find marts.health_score
    whatever the target. Installed as a package (another root project), dbt would
    still use this macro for the package's nodes unless the host defines its own;
    it then defers to dbt's default, so the marts land where the host's convention
    puts them (<target schema>_marts by default; docs/package.md).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if project_name != 'customer_health' -%}
        {{ default__generate_schema_name(custom_schema_name, node) }}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
