{#-
    All criterion models stacked: they share one output shape (account_id,
    score_date, criterion, raw_value, status, fixed_score, has_source_rows,
    evidence).
    The criteria are the registry, var criteria (macro health_criteria_keys):
    each is ref()'d, so dbt builds this view after every criterion model.
    int_health_config_validated fails the build when a criterion model, a seeded
    or a weighted criterion is missing from the registry
    (docs/adding-a-criterion.md).
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
