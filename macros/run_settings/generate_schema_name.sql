{#-
    Models land in the schema their folder names exactly (staging, intermediate,
    marts, config), not "<target schema>_<custom schema>", so BI tools always find
    marts.health_score whatever the target.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
