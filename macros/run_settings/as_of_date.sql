{#-
    The scoring date. `--vars '{"as_of_date": "YYYY-MM-DD"}'` sets it; the default
    is yesterday in UTC (the last complete day a daily loader has delivered).
    as_of_date_str() returns the ISO string, as_of_date() a SQL date literal.
-#}
{% macro as_of_date_str() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value | string | trim == '' -%}
        {#- While dbt parses, the environment and the clock are not read: dbt re-parses every
            file whose macros read an environment variable that changed since the last parse,
            and HEALTH_AS_OF_DATE changes every day (27 files, 2 s a run). Nothing at parse
            time depends on the date; nodes read it when they are compiled to run, and
            on-run-start checks it first (customer_health_check_as_of_date). -#}
        {%- if not execute -%}{{- return('1970-01-01') -}}{%- endif -%}
        {%- set value = env_var('HEALTH_AS_OF_DATE', '') -%}
    {%- endif -%}
    {%- if value is none or value | string | trim == '' -%}
        {%- set value = (modules.datetime.datetime.utcnow().date() - modules.datetime.timedelta(days=1)).isoformat() -%}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- do modules.datetime.datetime.strptime(value, '%Y-%m-%d') -%}
    {{- value -}}
{%- endmacro %}

{#- on-run-start: a scoring date that is not YYYY-MM-DD fails the run before any node, one
    line (the nodes read it only when they are compiled to run). Returns no SQL. -#}
{% macro customer_health_check_as_of_date() -%}
    {%- if execute -%}{%- do as_of_date_str() -%}{%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_str() }}' as date)
{%- endmacro %}

{#- Wraps an expression (the call block's body) so that it is computed for
    rows of as_of_date only, null on the other score dates. The criteria write
    their evidence text this way: only the current marts show it, and building
    and storing text for every day of history was a large share of the
    scoring cost. Use: {% call for_as_of_date() %} expr {% endcall %} as evidence -#}
{% macro for_as_of_date(date_column='score_date') -%}
    case when {{ date_column }} = {{ as_of_date() }} then {{ caller() }} end
{%- endmacro %}
