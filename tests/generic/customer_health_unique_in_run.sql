{#-
    The combination of `columns` is unique across the model. With run_column
    (the column holding the time of the run that wrote a row; or, with
    written_from, see macros/testing/test_scope.sql), a daily run checks only
    the keys written by this run against the whole table; a --full-refresh or
    full check (macros/testing/test_scope.sql) checks all.

    Each scope asks the same question (which keys written by this run occur
    more than once in the table?) at the least cost (DECISIONLOG.md, "Doing each job once"):
    - `all`: no run column, a full check, or every row was written by this run
      (a first build: one column scanned to find out): one aggregate;
    - `rows`: the run column is part of the key (a daily history keyed by its
      score_date), so every row sharing a key with a written row was written
      too: the written rows, one aggregate, no join;
    - `keys`: the keys written, joined back to every row (a daily run of an
      event table: few keys written among millions).
-#}
{% test customer_health_unique_in_run(model, columns, run_column=none, written_from=none) %}

{%- set keys = columns | join(', ') %}
{%- set scope = unique_in_run_scope(model, columns, run_column, written_from) %}

with

{% if scope == 'keys' -%}
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
{%- elif scope == 'rows' -%}
scoped as (

    select {{ keys }}
    from {{ model }}
    where {{ written_in_run(run_column, written_from) }}

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
