{#-
    Every non-null value of column_name is a `field` of `to`. With run_column,
    a daily run checks only the rows written by this run; a --full-refresh or
    full check (macros/testing/test_scope.sql) checks all.
-#}
{% test customer_health_relationships_in_run(model, column_name, to, field, run_column=none, written_from=none) %}

with

child as (

    select {{ column_name }} as child_value
    from {{ model }}
    where {{ column_name }} is not null and {{ written_in_run(run_column, written_from) }}

),

parent as (

    select {{ field }} as parent_value
    from {{ to }}

),

failures as (

    select child.child_value
    from child
    left join parent
        on child.child_value = parent.parent_value
    where parent.parent_value is null

)

select * from failures

{% endtest %}
