-- Nothing that arrived is lost: for every raw table, rows in raw = rows
-- accepted into staging + rows in marts.rejected_rows with severity
-- 'rejected'. Returns the tables where the counts differ.
{{ config(severity='error') }}
{%- set tables = quarantined_tables() %}

with

counts as (

    {% for t in tables -%}
        select
            '{{ customer_health_raw_name(t.table) }}' as source_table,
            (select count(*) from {{ raw_table(customer_health_raw_relation(t.source, t.table)) }}) as raw_rows,
            (select count(*) from {{ ref(t.staging) }}) as accepted_rows,
            (
                select count(*) from {{ ref('rejected_rows') }}
                where source_table = '{{ customer_health_raw_name(t.table) }}' and severity = 'rejected'
            ) as rejected_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        *,
        case
            when raw_rows < accepted_rows + rejected_rows
                then 'raw rows were deleted after staging checked them (event tables are '
                    || 'staged incrementally, by _loaded_at): rebuild with --full-refresh'
            else 'raw rows are missing from staging and from rejected_rows'
        end as hint
    from counts
    where raw_rows <> accepted_rows + rejected_rows

)

select * from final
