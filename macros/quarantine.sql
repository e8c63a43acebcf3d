{#-
    Helpers for the quarantine in staging (models/staging/*/base/*_checked.sql):
    every raw row is kept with its whole record as JSON, checked, and either
    accepted (possibly repaired) or rejected with a reason; marts.rejected_rows
    lists every problem row.
-#}

{#- The whole row of a table alias as JSON text. -#}
{% macro row_to_json(alias) -%}
    {{ return(adapter.dispatch('row_to_json', 'customer_health')(alias)) }}
{%- endmacro %}

{% macro default__row_to_json(alias) -%}
    cast(row_to_json({{ alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__row_to_json(alias) -%}
    cast(to_json({{ alias }}) as varchar)
{%- endmacro %}

{% macro spark__row_to_json(alias) -%}
    to_json(struct({{ alias }}.*))
{%- endmacro %}

{#- A cast that yields null instead of failing on a malformed value. -#}
{% macro try_cast_as(expr, type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'customer_health')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro duckdb__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast_as(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{#- The loader's landing timestamp when the raw table has one (`_loaded_at`,
    or var loaded_at_column), else null: used to keep the latest version of a
    conflicting duplicate and to group the data-quality summary by load. -#}
{% macro loaded_at_expr(relation) -%}
    {%- set name = var('loaded_at_column', '_loaded_at') -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if name | lower in columns -%}
            {{- try_cast_as(adapter.quote(name), dbt.type_timestamp()) -}}
        {%- else -%}
            cast(null as {{ dbt.type_timestamp() }})
        {%- endif -%}
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- The moment after which a timestamp is "in the future": the start of this dbt run (UTC). -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Copy number among exact duplicates (same content in every contract column;
    the latest loaded is 1) and version rank among rows sharing a key (latest
    loaded first). Both order the same way, and the version is a dense rank, so
    identical copies share a version and the copy kept is always version 1:
    exactly one row per key survives both checks. -#}
{% macro duplicate_ranks(key, contract_columns) -%}
    row_number() over (
        partition by {{ contract_columns | join(', ') }}
        order by loaded_at desc nulls last, raw_record desc
    ) as copy_number,
    dense_rank() over (
        partition by {{ key }}
        order by loaded_at desc nulls last, raw_record desc
    ) as version_number
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
        ('copy_number > 1', 'duplicate_row', "'exact copy of another row of " ~ var('raw_schema', 'raw') ~ "." ~ table ~ "'"),
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
