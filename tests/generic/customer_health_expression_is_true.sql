{#-
    A boolean SQL expression that must hold on every row. Returns the rows where it does not hold.
-#}
{% test customer_health_expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where
    not ({{ expression }})

{% endtest %}
