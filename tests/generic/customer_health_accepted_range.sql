{#-
    Every non-null value of the column lies in [min_value, max_value]
    (inclusive unless inclusive=false). Either bound may be omitted.
    Returns the offending rows.
-#}
{% test customer_health_accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

checked as (

    select {{ column_name }} as value_checked
    from {{ model }}
    where {{ column_name }} is not null

)

select *
from checked
where
    1 = 0
    {%- if min_value is not none %}
        or value_checked {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        or value_checked {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}

{% endtest %}
