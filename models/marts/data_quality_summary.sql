-- Rows per raw table and load date: how many arrived, how many staging
-- accepted, and the problem rows by severity and reason, for a BI chart of
-- data quality over time. One row per source table, load date, severity and
-- reason; severity `accepted` carries the accepted count.
{%- set raw = var('raw_schema', 'raw') -%}
{%- set tables = quarantined_tables() %}

with

arrived as (

    {% for t in tables -%}
        select
            '{{ raw }}.{{ t.table }}' as source_table,
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
