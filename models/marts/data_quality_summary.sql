-- Rows per raw table and load date: how many arrived, how many staging
-- accepted, and the problem rows by severity and reason, for a BI chart of
-- data quality over time. One row per source table, load date, severity and
-- reason; severity `accepted` carries the accepted count. Severity `warn`: a
-- criterion whose sources are not connected on as_of_date
-- (int_criterion_sources_checked: source_missing, source_sparse), one row each,
-- load_date = as_of_date, the tables it reads as source_table, the reason in
-- words and the live accounts with a row as row_count.
{%- set tables = quarantined_tables() %}

with

arrived as (

    {% for t in tables -%}
        select
            '{{ customer_health_raw_name(t.table) }}' as source_table,
            {{ to_date('loaded_at') }} as load_date,
            case when rejection_reason is null then 'accepted' else 'rejected' end as severity,
            coalesce(rejection_reason, 'accepted') as reason
        from {{ ref(t.checked) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

repairs as (

    select
        source_table,
        {{ to_date('loaded_at') }} as load_date,
        severity,
        reason
    from {{ ref('rejected_rows') }}
    where severity = 'repaired'

),

{%- for model in adapter_set_aside_models() %}
{%- if loop.first %}

-- vendor rows a source adapter leaves out by rule (docs/sources.md)
set_aside as (
{%- endif %}

    select
        source_table,
        {{ to_date('loaded_at') }} as load_date,
        'rejected' as severity,
        reason
    from {{ ref(model) }}
    {% if not loop.last %}union all{% else %}
),
{%- endif %}
{%- endfor %}

unconnected_sources as (

    select
        source_tables as source_table,
        score_date as load_date,
        'warn' as severity,
        source_reason as reason,
        accounts_with_rows as row_count
    from {{ ref('int_criterion_sources_checked') }}
    where source_status <> 'connected'
        and score_date = {{ as_of_date() }}

),

counted as (

    select
        source_table,
        load_date,
        severity,
        reason,
        count(*) as row_count
    from arrived
    group by 1, 2, 3, 4

    union all

    select
        source_table,
        load_date,
        severity,
        reason,
        count(*) as row_count
    from repairs
    group by 1, 2, 3, 4

    union all

    select
        source_table,
        load_date,
        severity,
        reason,
        row_count
    from unconnected_sources
    {%- if adapter_set_aside_models() %}

    union all

    select
        source_table,
        load_date,
        severity,
        reason,
        count(*) as row_count
    from set_aside
    group by 1, 2, 3, 4
    {%- endif %}
    {%- if customer_health_uses_identities() %}

    -- who is who: the other systems' customers by how they reached an account
    -- (identity_map, domain, ambiguous_..., unmatched), severity `matched`
    union all

    select
        system || '.' || entity as source_table,
        {{ as_of_date() }} as load_date,
        'matched' as severity,
        match_method as reason,
        count(*) as row_count
    from {{ ref('adapter__account_identities') }}
    group by 1, 2, 3, 4
    {%- endif %}

),

final as (

    select
        source_table,
        load_date,
        severity,
        reason,
        row_count,
        {{ run_started_timestamp() }} as detected_at
    from counted

)

select * from final
