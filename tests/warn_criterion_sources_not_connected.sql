-- Warns (never fails the build) when a criterion's sources are not connected on
-- as_of_date: no live account has a row of them in the criterion's window
-- (source_missing), or fewer than var source_sparse_min_account_pct percent do
-- (source_sparse). The criterion is excluded for every account and its weight
-- redistributed; each returned row names the criterion and its raw tables.
{{ config(severity='warn') }}
{#- dbt's warning line says only how many rows: name each source in the log too -#}
{%- if execute and load_relation(ref('int_criterion_sources_checked')) is not none -%}
    {%- set found = run_query(
        "select source_reason from " ~ ref('int_criterion_sources_checked')
        ~ " where source_status <> 'connected' and score_date = " ~ as_of_date() ~ " order by criterion"
    ) -%}
    {%- for row in found.rows -%}
        {%- do log('warning: criterion source not connected: ' ~ row[0], info=true) -%}
    {%- endfor -%}
{%- endif %}

with

unconnected as (

    select
        criterion,
        source_tables,
        source_status,
        source_reason
    from {{ ref('int_criterion_sources_checked') }}
    where source_status <> 'connected'
        and score_date = {{ as_of_date() }}

)

select * from unconnected
