{#-
    Every row-level rule of a model in one query (one test node instead of one
    per column and rule). `rules` is a list; each rule names the `column` it
    reports and one check:
      - {column: c, not_null: true}
      - {column: c, accepted_values: [a, b]}          (nulls pass; add not_null)
      - {column: c, min: 0, max: 100}                  (either bound; inclusive
        unless inclusive: false; nulls pass)
      - {column: c, expression: "sql", rule: name}     (must be true; a null
        result fails, as in coalesce(expr, false))
    `column` is always a column of the model (for an expression over several
    columns, the one the rule is about): a failure row names the column, the
    rule, the column's offending value and the row's key (key_columns), so it
    reads like the per-column test it replaces.
    Run-time scope: like every test here, `where` (dbt's test config) can narrow
    the rows; set-level tests use unique_in_run / relationships_in_run.
-#}
{% test row_rules(model, rules, key_columns=none) %}

{%- set checks = [] -%}
{%- for rule in rules -%}
    {%- set column = rule['column'] -%}
    {%- if rule.get('not_null') -%}
        {%- do checks.append((column, 'not_null', column ~ ' is not null')) -%}
    {%- endif -%}
    {%- if rule.get('accepted_values') is not none -%}
        {%- set quoted = [] -%}
        {%- for value in rule['accepted_values'] -%}
            {%- do quoted.append(value if rule.get('quote', true) is false else "'" ~ value ~ "'") -%}
        {%- endfor -%}
        {%- do checks.append((column, 'accepted_values', column ~ ' is null or ' ~ column ~ ' in (' ~ quoted | join(', ') ~ ')')) -%}
    {%- endif -%}
    {%- set low_op = '>=' if rule.get('inclusive', true) else '>' -%}
    {%- set high_op = '<=' if rule.get('inclusive', true) else '<' -%}
    {%- if rule.get('min') is not none -%}
        {%- do checks.append((column, 'min ' ~ rule['min'], column ~ ' is null or ' ~ column ~ ' ' ~ low_op ~ ' ' ~ rule['min'])) -%}
    {%- endif -%}
    {%- if rule.get('max') is not none -%}
        {%- do checks.append((column, 'max ' ~ rule['max'], column ~ ' is null or ' ~ column ~ ' ' ~ high_op ~ ' ' ~ rule['max'])) -%}
    {%- endif -%}
    {%- if rule.get('expression') is not none -%}
        {%- do checks.append((column, rule.get('rule', 'expression'), rule['expression'])) -%}
    {%- endif -%}
{%- endfor -%}
{%- if checks | length == 0 -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": no rule given") }}
{%- endif -%}
{%- set key_expr -%}
    {%- if key_columns -%}
        {%- for key in key_columns -%}
            coalesce(cast({{ key }} as {{ dbt.type_string() }}), 'null'){% if not loop.last %} || '|' || {% endif %}
        {%- endfor -%}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endset %}

with

failing_rows as (

    select *
    from {{ model }}
    where
        {%- for check in checks %}
        {% if not loop.first %}or {% endif %}not coalesce({{ check[2] }}, false)
        {%- endfor %}

),

failures as (

    {% for check in checks -%}
    select
        '{{ check[0] }}' as column_name,
        '{{ check[1] | replace("'", "''") }}' as rule_name,
        cast({{ check[0] }} as {{ dbt.type_string() }}) as offending_value,
        {{ key_expr }} as row_key
    from failing_rows
    where not coalesce({{ check[2] }}, false)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from failures

{% endtest %}
