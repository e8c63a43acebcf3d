{#-
    The combination of `columns` is unique across the model. With run_column
    (the column holding the time of the run that wrote a row; or, with
    written_from, see macros/testing/test_scope.sql), a daily run
    checks only the keys written by this run against the whole table; a
    --full-refresh or full check (macros/testing/test_scope.sql) checks all.
-#}
{% test customer_health_unique_in_run(model, columns, run_column=none, written_from=none) %}

{%- set keys = columns | join(', ') %}

with

{% if run_column is not none and not full_check_requested() -%}
keys_written as (

    select distinct {{ keys }}
    from {{ model }}
    where {{ written_in_run(run_column, written_from) }}

),

scoped as (

    select {% for c in columns %}model_rows.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from (select * from {{ model }}) as model_rows
    inner join keys_written
        on {% for c in columns %}model_rows.{{ c }} = keys_written.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}

),
{%- else -%}
scoped as (

    select {{ keys }} from {{ model }}

),
{%- endif %}

failures as (

    select
        {{ keys }},
        count(*) as n_rows
    from scoped
    group by {{ keys }}
    having count(*) > 1

)

select * from failures

{% endtest %}
