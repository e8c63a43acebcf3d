{#-
    Helpers for the quarantine in staging (models/staging/*/base/*_checked.sql):
    every raw row is kept with its whole record as JSON, checked, and either
    accepted (possibly repaired) or rejected with a reason; marts.rejected_rows
    lists every problem row.
-#}

{#- raw_record: the raw row as JSON when one of the conditions holds (the row
    is rejected or repaired), else null. -#}
{% macro problem_record(conditions) -%}
    case when {{ conditions | join(' or ') }} then {{ json_text('raw_row') }} end
{%- endmacro %}

{#- The loader's landing timestamp when the raw table has one (`_loaded_at`,
    or var loaded_at_column), else null: used to keep the latest version of a
    conflicting duplicate and to group the data-quality summary by load. -#}
{% macro loaded_at_expr(relation) -%}
    {%- if has_loaded_at(relation) -%}
        {{- try_cast_as(adapter.quote(var('loaded_at_column', '_loaded_at')), dbt.type_timestamp()) -}}
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- True when the raw table has the loader's landing timestamp (`_loaded_at`,
    var loaded_at_column): loaded_at_expr reads it when it exists, and an
    incremental checked model needs it to find the rows a load added. -#}
{% macro has_loaded_at(relation) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set table = customer_health_contract_table(relation) -%}
    {%- if table is not none and not customer_health_source_enabled(table) -%}{{ return(false) }}{%- endif -%}
    {%- set name = var('loaded_at_column', '_loaded_at') | lower -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return(name in columns) }}
{%- endmacro %}

{#- True when the raw table has the column (case-insensitive); false at parse
    time and when the table does not exist (raw_table's empty stand-in leaves
    optional columns out). -#}
{% macro has_column(relation, column_name) -%}
    {%- if not execute or load_relation(relation) is none -%}{{ return(false) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return(column_name | lower in columns) }}
{%- endmacro %}

{#- An optional contract column of a raw table (source YAML meta optional):
    the column of `alias` when the raw table has it, else a typed null, so a
    raw table without it still builds. -#}
{% macro optional_column(relation, alias, column_name, data_type) -%}
    {%- if has_column(relation, column_name) -%}
        {{- alias ~ '.' ~ adapter.quote(column_name) -}}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#- The start of this dbt run (UTC) to the microsecond: stamps the rows an
    incremental model wrote in this run, so the next model knows what changed. -#}
{% macro run_started_precise() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A key for every row, null keys included: the key, else a hash of the whole
    raw row (identical copies of a keyless row share it). Incremental checked
    models delete and re-insert by it. -#}
{% macro quarantine_key(key) -%}
    coalesce({{ key }}, 'no key ' || {{ dbt.hash(json_text('raw_row')) }})
{%- endmacro %}

{#- The first CTEs of an incremental checked base model: `raw_source` (the raw
    table) and `source`, the raw rows this run checks. On a first build, with
    --full-refresh, or when the raw table has no `_loaded_at`: every row.
    Otherwise (see DECISIONLOG.md, "Incremental staging"): every raw row of a
    key that has a row loaded after the latest load already checked, minus var
    loaded_at_lookback_hours; every row of a key whose stored row meets
    `recheck` (a rejection or repair that can change without a new load, e.g.
    an unknown account that may arrive later); every row without a key; and
    every key in a bucket (of var recheck_buckets, by the hash of key and load
    time) whose rows loaded up to that watermark differ between raw and the
    stored table in count or checksum: rows delivered with an old `_loaded_at`,
    a `_loaded_at` changed in place, raw rows gone. The model delete+inserts by
    quarantine_key, so the stored rows of those keys are replaced by their new
    check. Emits the CTEs followed by a comma. -#}
{#- What to select a raw table from: the table itself, or, when the loader never
    created it, an empty stand-in with the contract's columns (the source YAML's
    data_type; optional columns left out), so the build goes on and the criteria
    that read it find no rows (source_missing, int_criterion_sources_checked).
    The preflight reports a missing table: a note for a table whose source YAML
    marks it `meta: {optional: true}`, a problem that stops the run otherwise. -#}
{% macro raw_table(relation) -%}
    {%- if not execute -%}{{- return(relation) -}}{%- endif -%}
    {#- a table the host switched off (var customer_health__using_<table>: false) is never read -#}
    {%- set table = customer_health_contract_table(relation) -%}
    {%- set switched_off = table is not none and not customer_health_source_enabled(table) -%}
    {%- if not switched_off and load_relation(relation) is not none -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set types = {
        'string': dbt.type_string(), 'timestamp': dbt.type_timestamp(), 'integer': dbt.type_int(),
        'numeric': dbt.type_numeric(), 'boolean': dbt.type_boolean(),
    } -%}
    {%- set columns = [] -%}
    {%- for node in graph.sources.values()
        if node.package_name == 'customer_health'
        and node.identifier | lower == relation.identifier | lower and node.schema | lower == relation.schema | lower -%}
        {%- for column in node.columns.values() if not (column.meta or {}).get('optional') -%}
            {%- do columns.append('cast(null as ' ~ types.get(column.data_type, dbt.type_string()) ~ ') as ' ~ column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not columns -%}
        {{- exceptions.raise_compiler_error('raw table ' ~ relation ~ ' does not exist and no source declares its columns') -}}
    {%- endif -%}
    {%- if switched_off -%}
        {%- do log('raw table ' ~ relation ~ ' switched off (var ' ~ customer_health_optional_tables()[table] ~ '): read as an empty table (its criteria get source_missing)', info=true) -%}
    {%- else -%}
        {%- do log('raw table ' ~ relation ~ ' does not exist: read as an empty table (its criteria get source_missing)', info=true) -%}
    {%- endif -%}
    {{- return('(select ' ~ columns | join(', ') ~ ' where 1 = 0) as missing_' ~ relation.identifier) -}}
{%- endmacro %}

{% macro checked_source_ctes(relation, key, recheck) -%}
    {%- set loaded_at = loaded_at_expr(relation) -%}
    {%- set buckets = var('recheck_buckets', 1024) -%}
    raw_source as (

        select * from {{ raw_table(relation) }}

    ),

    {% if is_incremental() and has_loaded_at(relation) %}

        checked_before as (

            select {{ dbt.dateadd('hour', -var('loaded_at_lookback_hours', 24), 'max(loaded_at)') }} as watermark
            from {{ this }}

        ),

        -- the rows loaded up to the watermark, raw and stored, in buckets of their
        -- (key, loaded_at) hash: a bucket whose count or checksum differs holds a row
        -- loaded with an earlier _loaded_at than the latest load (a re-delivery stamped
        -- with an old load time, a slow loader), a row whose _loaded_at changed in
        -- place, or a stored row whose raw row is gone
        raw_buckets as (

            select
                {{ small_hash([as_key(key), loaded_at]) }} % {{ buckets }} as bucket,
                count(*) as row_count,
                sum({{ small_hash([as_key(key), loaded_at]) }}) as checksum
            from raw_source
            where {{ key }} is not null
                and {{ loaded_at }} <= (select checked_before.watermark from checked_before)
            group by 1

        ),

        stored_buckets as (

            select
                {{ small_hash([key, 'loaded_at']) }} % {{ buckets }} as bucket,
                count(*) as row_count,
                sum({{ small_hash([key, 'loaded_at']) }}) as checksum
            from {{ this }}
            where {{ key }} is not null
                and loaded_at <= (select checked_before.watermark from checked_before)
            group by 1

        ),

        changed_buckets as (

            select coalesce(raw_buckets.bucket, stored_buckets.bucket) as bucket
            from raw_buckets
            full outer join stored_buckets
                on raw_buckets.bucket = stored_buckets.bucket
            where coalesce(raw_buckets.row_count, -1) <> coalesce(stored_buckets.row_count, -1)
                or coalesce(raw_buckets.checksum, -1) <> coalesce(stored_buckets.checksum, -1)

        ),

        keys_to_check as (

            select {{ as_key(key) }} as checked_key
            from raw_source
            where {{ loaded_at }} is null
                or {{ loaded_at }} > (select checked_before.watermark from checked_before)
                or (select checked_before.watermark from checked_before) is null

            union

            select {{ key }} as checked_key
            from {{ this }}
            where {{ recheck }}

            union

            select {{ as_key(key) }} as checked_key
            from raw_source
            where {{ key }} is not null
                and {{ loaded_at }} <= (select checked_before.watermark from checked_before)
                and {{ small_hash([as_key(key), loaded_at]) }} % {{ buckets }}
                in (select changed_buckets.bucket from changed_buckets)

            union

            select {{ key }} as checked_key
            from {{ this }}
            where {{ key }} is not null
                and loaded_at <= (select checked_before.watermark from checked_before)
                and {{ small_hash([key, 'loaded_at']) }} % {{ buckets }}
                in (select changed_buckets.bucket from changed_buckets)

        ),

        -- every raw row of those keys (all versions and copies are ranked together),
        -- and every row without a key (few; keyed by their content)
        source as (

            select raw_source.*
            from raw_source
            where {{ as_key('raw_source.' ~ key) }} in (select keys_to_check.checked_key from keys_to_check)
                or raw_source.{{ key }} is null

        ),

    {% else %}

        source as (

            select * from raw_source

        ),

    {% endif %}
{%- endmacro %}

{#- The moment after which a timestamp is "in the future": the start of this dbt run (UTC). -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The keys that occur more than once in a framed CTE (name the CTE
    duplicated_keys; duplicate_ranked reads it). -#}
{% macro duplicated_keys(framed, key) -%}
    select {{ key }} as duplicated_key
    from {{ framed }}
    where {{ key }} is not null
    group by 1
    having count(*) > 1
{%- endmacro %}

{#- The rows of a framed CTE (typed columns, loaded_at, raw_row) with their
    copy number among exact duplicates (same content in every contract column;
    the latest loaded is 1) and their version rank among rows sharing a key
    (latest loaded first). Both order the same way, and the version is a dense
    rank, so identical copies share a version and the copy kept is always
    version 1: exactly one row per key survives both checks. Only the rows of a
    key in duplicated_keys are ranked (window functions over every row were
    most of staging's cost); every other row is copy 1, version 1. -#}
{% macro duplicate_ranked(framed, key, contract_columns) -%}
    {%- set order_by = 'loaded_at desc nulls last, ' ~ json_text('raw_row') ~ ' desc' -%}
    select
        {{ framed }}.*,
        cast(1 as {{ dbt.type_bigint() }}) as copy_number,
        cast(1 as {{ dbt.type_bigint() }}) as version_number
    from {{ framed }}
    where {{ key }} is null
        or {{ key }} not in (select duplicated_keys.duplicated_key from duplicated_keys)

    union all

    select
        {{ framed }}.*,
        cast(row_number() over (
            partition by {{ contract_columns | join(', ') }}
            order by {{ order_by }}
        ) as {{ dbt.type_bigint() }}) as copy_number,
        cast(dense_rank() over (
            partition by {{ key }}
            order by {{ order_by }}
        ) as {{ dbt.type_bigint() }}) as version_number
    from {{ framed }}
    where {{ key }} in (select duplicated_keys.duplicated_key from duplicated_keys)
{%- endmacro %}

{#- The first failing check wins: `checks` is a list of (condition, reason, detail expression). -#}
{% macro first_failing(checks, output) -%}
    case
        {%- for condition, reason, detail in checks %}
        when {{ condition }} then {{ "'" ~ reason ~ "'" if output == 'reason' else detail }}
        {%- endfor %}
    end
{%- endmacro %}

{#- The checks every raw table gets first, in order: key present, not an exact
    copy, not an older version of the key, required timestamp present and not
    in the future. Returns (condition, reason, detail) tuples for first_failing. -#}
{% macro common_checks(key, table, timestamp_column) -%}
    {%- set ts = dbt.type_string() -%}
    {{ return([
        (key ~ ' is null', 'null_key', "'" ~ key ~ " is null'"),
        ('copy_number > 1', 'duplicate_row', "'exact copy of another row of " ~ customer_health_raw_name(table) ~ "'"),
        ('version_number > 1', 'duplicate_key', "'" ~ key ~ " ' || " ~ key ~ " || ' appears with other content; the latest loaded version is kept'"),
        (timestamp_column ~ ' is null', 'null_timestamp', "'" ~ timestamp_column ~ " is null or not a timestamp'"),
        (timestamp_column ~ ' > ' ~ run_started_timestamp(), 'future_timestamp', "'" ~ timestamp_column ~ " ' || cast(" ~ timestamp_column ~ " as " ~ ts ~ ") || ' is in the future'"),
    ]) }}
{%- endmacro %}

{#- The quarantined raw tables: source, table, checked base model, staging model, key.
    rejected_rows, data_quality_summary and the reconciliation test iterate over it. -#}
{% macro quarantined_tables() -%}
    {{ return([
        {'source': 'crm', 'table': 'accounts', 'checked': 'base_crm__accounts_checked', 'staging': 'stg_crm__accounts', 'key': 'account_id'},
        {'source': 'crm', 'table': 'contacts', 'checked': 'base_crm__contacts_checked', 'staging': 'stg_crm__contacts', 'key': 'contact_id'},
        {'source': 'crm', 'table': 'subscription_events', 'checked': 'base_crm__subscription_events_checked', 'staging': 'stg_crm__subscription_events', 'key': 'subscription_event_id'},
        {'source': 'helpdesk', 'table': 'tickets', 'checked': 'base_helpdesk__tickets_checked', 'staging': 'stg_helpdesk__tickets', 'key': 'ticket_id'},
        {'source': 'product', 'table': 'usage_events', 'checked': 'base_product__usage_events_checked', 'staging': 'stg_product__usage_events', 'key': 'event_id'},
        {'source': 'surveys', 'table': 'survey_responses', 'checked': 'base_surveys__survey_responses_checked', 'staging': 'stg_surveys__survey_responses', 'key': 'response_id'},
        {'source': 'marketing', 'table': 'touchpoints', 'checked': 'base_marketing__touchpoints_checked', 'staging': 'stg_marketing__touchpoints', 'key': 'touchpoint_id'},
        {'source': 'csm', 'table': 'csm_sentiment', 'checked': 'base_csm__csm_sentiment_checked', 'staging': 'stg_csm__csm_sentiment', 'key': 'sentiment_id'},
    ]) }}
{%- endmacro %}

{#- The attribution checks of tables whose rows reach their account directly or
    through a contact (tickets via the requester, survey answers, touchpoints):
    unknown account, unknown contact when no account is given, neither.
    contact_column is the typed column, contact_word names it in the detail,
    raw_contact_column is the raw contract's name, known_flag the lookup flag. -#}
{% macro attribution_checks(contact_column, contact_word, raw_contact_column, known_flag) -%}
    {{ return([
        ('account_id is not null and not is_known_account', 'unknown_account', "'account ' || account_id || ' is not an accepted account'"),
        ('account_id is null and ' ~ contact_column ~ ' is not null and not ' ~ known_flag, 'unknown_contact', "'no account, and " ~ contact_word ~ " ' || " ~ contact_column ~ " || ' is not an accepted contact'"),
        ('account_id is null and ' ~ contact_column ~ ' is null', 'unattributable', "'neither account_id nor " ~ raw_contact_column ~ "'"),
    ]) }}
{%- endmacro %}
