{#-
    Incremental prep tables (tickets, survey responses, interactions): a run
    recomputes only the keys whose source rows were (re-)checked since the
    table was last written, and replaces them; a key whose source row is gone
    or no longer qualifies is deleted. DECISIONLOG.md, "Incremental prep".
-#}

{#- Custom incremental strategy `keyed_upsert` (config incremental_strategy):
    delete every key of the new batch, then insert the batch's rows whose
    refreshed_at is not null. A batch row with a null refreshed_at is a
    tombstone: its key is deleted and nothing replaces it. One transaction,
    as dbt's delete+insert. -#}
{% macro get_incremental_keyed_upsert_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- if keys is string -%}{%- set keys = [keys] -%}{%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    using {{ batch }}
    where
        {%- for key in keys %}
        {{ target }}.{{ key }} = {{ batch }}.{{ key }}{% if not loop.last %} and{% endif %}
        {%- endfor %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    where refreshed_at is not null
{%- endmacro %}

{#- A fingerprint of everything besides its source rows that an incremental
    prep table's rows depend on (seeds, the contact -> account map): a SQL
    scalar subquery, the hash of every part's rows. parts: a list of
    [relation, text expression or none (the whole row)]. When it differs from
    the stored inputs_version, the run recomputes every key. -#}
{% macro inputs_version(parts) -%}
    (
        select {{ dbt.hash(ordered_listagg('input_text', "'|'", 'input_text')) }}
        from (
            {%- for part in parts %}
            select '{{ loop.index }}:' || {{ part[1] if part[1] else health_row_text(part[0]) }} as input_text
            from {{ part[0] }}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as input_rows
    )
{%- endmacro %}

{#- The contact -> account map as text, the part of stg_crm__contacts that
    account attribution reads (inputs_version). -#}
{% macro contact_account_text() -%}
    contact_id || '>' || coalesce(account_id, '')
{%- endmacro %}

{#- The CTE changed_keys of an incremental prep table: the keys this run
    recomputes, each with source_checked_at, the latest checked_at of its rows
    in the staging base model it comes from (accepted and rejected rows).
    sources: a list of [base relation, its key column, label]; with several
    sources, label_column names the column holding the label (part of the
    key, e.g. interaction_source) and each label has its own watermark.
    First build: every key. Incremental run: the keys checked after the
    stored watermark (max source_checked_at of that source), or every key
    (stored ones included) when inputs (inputs_version) changed. Also
    defines current_inputs. Ends with a comma. -#}
{% macro changed_keys_ctes(sources, key, inputs, label_column=none) -%}
    {%- set ts = dbt.type_timestamp() -%}
    {%- set label_select = label_column ~ ', ' if label_column else '' -%}
    current_inputs as (

        select {{ inputs }} as inputs_version

    ),

    {% if is_incremental() -%}
    stored as (

        select
            {{ label_column ~ ' as source_label' if label_column else "'' as source_label" }},
            max(source_checked_at) as watermark,
            max(inputs_version) as inputs_version
        from {{ this }}
        group by 1

    ),

    run_scope as (

        select coalesce(
            (select max(stored.inputs_version) from stored) <> current_inputs.inputs_version,
            true
        ) as is_rebuild
        from current_inputs

    ),

    {% endif -%}
    changed_keys as (

        select
            {{ label_select }}{{ key }},
            max(source_checked_at) as source_checked_at
        from (
            {%- for relation, source_key, label in sources %}
            select
                {% if label_column %}'{{ label }}' as {{ label_column }},
                {% endif %}{{ source_key }} as {{ key }},
                checked_at as source_checked_at
            from {{ relation }}
            where {{ source_key }} is not null
            {%- if is_incremental() %}
                and (
                    checked_at > coalesce(
                        (select stored.watermark from stored where stored.source_label = '{{ label or '' }}'),
                        cast('1900-01-01' as {{ ts }})
                    )
                    or (select run_scope.is_rebuild from run_scope)
                )
            {%- endif %}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
            {%- if is_incremental() %}
            union all
            select
                {{ label_select }}{{ key }},
                cast(null as {{ ts }}) as source_checked_at
            from {{ this }}
            where (select run_scope.is_rebuild from run_scope)
            {%- endif %}
        ) as keyed_rows
        group by {{ label_select }}{{ key }}

    ),
{%- endmacro %}

{#- The batch of an incremental prep table: one row per key of changed_keys,
    with its recomputed columns from rows_cte (keys first, then columns, then
    source_checked_at, inputs_version and refreshed_at). A left join on an
    incremental run: a key without a recomputed row is a tombstone (refreshed_at
    null, see keyed_upsert); an inner join on a first build. -#}
{% macro keyed_batch(rows_cte, keys, columns) -%}
    select
        {%- for key in keys %}
        changed_keys.{{ key }},
        {%- endfor %}
        {%- for column in columns %}
        {{ rows_cte }}.{{ column }},
        {%- endfor %}
        changed_keys.source_checked_at,
        current_inputs.inputs_version,
        case when {{ rows_cte }}.{{ keys[-1] }} is not null then {{ run_started_precise() }} end as refreshed_at

    from changed_keys
    cross join current_inputs
    {{ 'left join' if is_incremental() else 'inner join' }} {{ rows_cte }}
        on
        {%- for key in keys %}
        {% if not loop.first %}and {% endif %}changed_keys.{{ key }} = {{ rows_cte }}.{{ key }}
        {%- endfor %}
{%- endmacro %}
