{#-
    Test scope: which rows a set-level test (unique_in_run, relationships_in_run)
    checks. A daily run checks the rows this invocation wrote (their run column
    equals run_started_at) and every row sharing a key with them; a
    --full-refresh, a first build (all rows written now) or a full check on
    demand (`HEALTH_FULL_CHECK=1` or var full_check: true) checks every row.
-#}
{% macro full_check_requested() -%}
    {%- set from_var = var('full_check', false) -%}
    {%- set from_env = env_var('HEALTH_FULL_CHECK', '') | lower in ['1', 'true', 'yes'] -%}
    {{- return(flags.FULL_REFRESH or from_var in [true, 'true', 1, '1'] or from_env) -}}
{%- endmacro %}

{#- A predicate selecting the rows written by this invocation (run_column holds
    the run's start time, run_started_precise()); `1 = 1` when the test must
    check everything. -#}
{% macro written_in_run(run_column) -%}
    {%- if run_column is none or full_check_requested() -%}
        1 = 1
    {%- else -%}
        {{ run_column }} = {{ run_started_precise() }}
    {%- endif -%}
{%- endmacro %}
