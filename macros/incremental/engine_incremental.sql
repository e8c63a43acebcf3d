{#-
    How an incremental model is stored on each engine (config() values, read at
    parse time). DuckDB: incremental with delete+insert or keyed_upsert, as the
    models configure. Spark stores Parquet tables (Delta jars cannot be fetched
    here), which support neither delete nor merge: a keyed incremental model is
    a table there (rebuilt every run), and a model whose runs replace whole days
    (health_score_daily) is an insert_overwrite partitioned by its date column.
    DECISIONLOG.md, "Spark".
-#}

{#- The materialization of a model that replaces rows by key (delete+insert,
    keyed_upsert): `incremental`, or `table` where deleting by key is not
    possible (Spark on Parquet). -#}
{% macro keyed_materialization() -%}
    {{ return(adapter.dispatch('keyed_materialization', 'customer_health')()) }}
{%- endmacro %}

{% macro default__keyed_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- The incremental strategy of a model whose every run writes whole dates:
    delete+insert by the date (unique_key), or on Spark insert_overwrite of the
    date partitions the run wrote (partitionOverwriteMode DYNAMIC, profiles.yml). -#}
{% macro date_replace_strategy() -%}
    {{ return(adapter.dispatch('date_replace_strategy', 'customer_health')()) }}
{%- endmacro %}

{% macro default__date_replace_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__date_replace_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- partition_by of such a model: none, or on Spark [date_column]. -#}
{% macro date_partitions(date_column) -%}
    {{ return(adapter.dispatch('date_partitions', 'customer_health')(date_column)) }}
{%- endmacro %}

{% macro default__date_partitions(date_column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__date_partitions(date_column) -%}
    {{ return([date_column]) }}
{%- endmacro %}
