{#-
    The scoring date. `--vars '{"as_of_date": "YYYY-MM-DD"}'` sets it; the default
    is yesterday in UTC (the last complete day a daily loader has delivered).
    as_of_date_str() returns the ISO string, as_of_date() a SQL date literal.
-#}
{% macro as_of_date_str() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value | string | trim == '' -%}
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
