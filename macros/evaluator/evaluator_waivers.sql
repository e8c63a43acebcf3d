{#-
    dbt-project-evaluator's waivers, for the offline run of the evaluator (docs/evaluator.md);
    never called by the project's own models. The evaluator filters each of its rule tables
    through its macro filter_exceptions, which dispatches to the root project first: this
    implementation reads the waivers from var evaluator_waivers (dbt_project.yml, each with its
    reason) instead of the evaluator's exceptions seed, which would ship to every user as a
    config table and needs a config path that warns in every build without the evaluator.
    Same semantics as the seed: per rule (fct_name), rows whose column is like an id are dropped.
-#}
{% macro default__filter_exceptions() %}
    {%- set waivers = var('evaluator_waivers', []) | selectattr('fct_name', 'equalto', model.name) | list -%}
    {%- if waivers | length > 0 %}
    where 1 = 1
        {%- for waiver in waivers %}
            {%- for id in waiver.ids %}
        and {{ waiver.column_name }} not like '{{ id }}'
            {%- endfor %}
        {%- endfor %}
    {%- endif %}
{% endmacro %}
