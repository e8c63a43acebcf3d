{#-
    Every row-level rule of a model in one query (one test node instead of one
    per column and rule). `rules` is a list; each rule names the `column` it
    reports and one check:
      - {column: c, not_null: true}
      - {column: c, accepted_values: [a, b]}          (nulls pass; add not_null)
      - {column: c, min: 0, max: 100}                  (either bound; inclusive
        unless inclusive: false; nulls pass)
      - {column: c, expression: "sql", rule: name}     (must be true; a null
        result fails, as in coalesce(expr, false)); the expression may read
        another model, e.g. "c in (select k from {{ ref('other') }})"
      - {column: c, unique: [c, d]}                    (no other row shares
        the values of these columns; a window count, for small tables such
        as seeds: large tables declare a primary key or use unique_in_run)
    `column` is always a column of the model (for an expression over several
    columns, the one the rule is about): a failure row names the column, the
    rule, the column's offending value and the row's key (key_columns), so it
    reads like the per-column test it replaces.
    Run-time scope: run_column (optional) checks only the rows this run wrote
    (macro written_in_run: that column holds the run's start time), every row
    on --full-refresh or a full check; `where` (dbt's test config) can narrow
    the rows further.
-#}
{% test customer_health_row_rules(model, rules, key_columns=none, run_column=none) %}

{%- set checks = [] -%}
{%- set key_counts = [] -%}
{%- for rule in rules -%}
    {%- set column = rule['column'] -%}
    {%- if rule.get('unique') -%}
        {%- set count_column = '_rows_per_key_' ~ (key_counts | length) -%}
        {%- do key_counts.append((count_column, rule['unique'])) -%}
        {%- do checks.append((column, 'unique (' ~ rule['unique'] | join(', ') ~ ')', count_column ~ ' = 1')) -%}
    {%- endif -%}
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

checked_rows as (

    select
        {% for count_column, columns in key_counts -%}
        count(*) over (partition by {{ columns | join(', ') }}) as {{ count_column }},
        {% endfor -%}
        *
    from {{ model }}
    where {{ written_in_run(run_column) }}

),

failing_rows as (

    select *
    from checked_rows
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
