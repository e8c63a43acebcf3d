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

{#- A predicate selecting the rows written by this invocation; `1 = 1` when the
    test must check everything. Two ways to say which rows a run wrote:
      - run_column alone: the column holds the run's start time
        (run_started_precise(), e.g. checked_at of the staging base models);
      - run_column with written_from = {'relation': ref(...), 'column': c}: the
        rows whose run_column is one of that relation's c values (e.g. a daily
        history whose score_date is one of int_score_dates_listed's dates). -#}
{% macro written_in_run(run_column, written_from=none) -%}
    {%- if run_column is none or full_check_requested() -%}
        1 = 1
    {%- elif written_from is not none -%}
        {{ run_column }} in (select {{ written_from['column'] }} from {{ written_from['relation'] }})
    {%- else -%}
        {{ run_column }} = {{ run_started_precise() }}
    {%- endif -%}
{%- endmacro %}


{#- Which rows customer_health_unique_in_run reads: `all`, `rows` or `keys` (see
    the test). The first-build check runs only when the test is about to run
    (dbt build or test: a count of the rows this run did not write); compiling
    it (dbt compile, docs generate) reads nothing, the model may not exist yet. -#}
{% macro unique_in_run_scope(model, columns, run_column, written_from) -%}
    {%- if run_column is none or full_check_requested() -%}
        {{- return('all') -}}
    {%- elif run_column in columns -%}
        {{- return('rows') -}}
    {%- elif not execute or flags.WHICH not in ('build', 'test', 'retry') -%}
        {{- return('keys') -}}
    {%- endif -%}
    {%- set older = run_query(
        'select count(*) from ' ~ model ~ ' where not (' ~ written_in_run(run_column, written_from)
        ~ ') or ' ~ run_column ~ ' is null'
    ) -%}
    {{- return('all' if older.columns[0].values()[0] == 0 else 'keys') -}}
{%- endmacro %}
