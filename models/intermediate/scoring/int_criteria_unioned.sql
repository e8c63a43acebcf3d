{#-
    All criterion models stacked: they share one output shape (account_id,
    score_date, criterion, raw_value, status, fixed_score, has_source_rows,
    evidence).
    Adding a criterion = one int_criteria__<key> model, its key in this list and
    a row in seeds health_criteria / health_weights; int_health_config_validated
    fails the build when a seeded criterion has no model here.
-#}
-- A view: the criterion tables stacked; read once, by int_criterion_scores_normalised.
{{ config(materialized='view') }}

{%- set criteria = health_criteria_keys() %}

with

{% for criterion in criteria %}
    {{ criterion }} as (

        select
            account_id,
            score_date,
            criterion,
            cast(raw_value as {{ type_double() }}) as raw_value,
            status,
            cast(fixed_score as {{ type_double() }}) as fixed_score,
            has_source_rows,
            evidence
        from {{ ref('int_criteria__' ~ criterion) }}

    ),
{% endfor %}

unioned as (

    {% for criterion in criteria %}
        select * from {{ criterion }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
