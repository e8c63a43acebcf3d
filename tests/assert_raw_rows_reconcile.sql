-- Nothing that arrived is lost: for every raw table, rows in raw = rows
-- accepted into staging + rows in marts.rejected_rows with severity
-- 'rejected'. Returns the tables where the counts differ.
{{ config(severity='error') }}
{%- set raw = var('raw_schema', 'raw') -%}
{%- set tables = [
    ('crm', 'accounts', 'stg_crm__accounts'),
    ('crm', 'contacts', 'stg_crm__contacts'),
    ('crm', 'subscription_events', 'stg_crm__subscription_events'),
    ('helpdesk', 'tickets', 'stg_helpdesk__tickets'),
    ('product', 'usage_events', 'stg_product__usage_events'),
    ('surveys', 'survey_responses', 'stg_surveys__survey_responses'),
    ('marketing', 'touchpoints', 'stg_marketing__touchpoints'),
] %}

with

counts as (

    {% for source_name, table, staging_model in tables -%}
        select
            '{{ raw }}.{{ table }}' as source_table,
            (select count(*) from {{ source(source_name, table) }}) as raw_rows,
            (select count(*) from {{ ref(staging_model) }}) as accepted_rows,
            (
                select count(*) from {{ ref('rejected_rows') }}
                where source_table = '{{ raw }}.{{ table }}' and severity = 'rejected'
            ) as rejected_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> accepted_rows + rejected_rows
