-- Nothing a loader landed is lost: for every vendor table an adapter reads row
-- by row, rows in the vendor table = rows the adapter passes to staging
-- (counted by their _source_record) + rows it sets aside (marts.rejected_rows
-- lists them). What the adapter passes, staging accepts or rejects
-- (assert_raw_rows_reconcile). Enabled when a vendor is read.
{{ config(enabled=customer_health_any_adapter(), severity='error') }}
{%- set tables = [] -%}
{%- if customer_health_source_system('helpdesk') == 'zendesk' -%}
    {%- do tables.extend([
        ('zendesk', 'ticket', 'adapter_zendesk__tickets', 'adapter_zendesk__rows_set_aside'),
        ('zendesk', 'user', 'adapter_zendesk__contacts', 'adapter_zendesk__rows_set_aside'),
        ('zendesk', 'satisfaction_rating', 'adapter_zendesk__survey_responses', 'adapter_zendesk__rows_set_aside'),
    ]) -%}
{%- endif -%}
{%- if customer_health_source_system('crm') == 'hubspot' -%}
    {%- do tables.extend([
        ('hubspot', 'company', 'adapter_hubspot__accounts', 'adapter_hubspot__rows_set_aside'),
        ('hubspot', 'contact', 'adapter_hubspot__contacts', 'adapter_hubspot__rows_set_aside'),
        ('hubspot', 'engagement', 'adapter_hubspot__touchpoints', 'adapter_hubspot__rows_set_aside'),
        ('hubspot', 'email_event', 'adapter_hubspot__touchpoints', 'adapter_hubspot__rows_set_aside'),
    ]) -%}
{%- endif -%}
{%- if customer_health_source_system('billing') == 'stripe' -%}
    {%- do tables.append(('stripe', 'invoice', 'adapter_stripe__subscription_events', 'adapter_stripe__rows_set_aside')) -%}
{%- endif -%}
{%- if customer_health_source_system('product') == 'segment' -%}
    {%- do tables.append(('segment', 'tracks', 'adapter_segment__usage_events', 'adapter_segment__rows_set_aside')) -%}
{%- endif %}

with

counts as (

    {% for vendor, table, adapter, set_aside in tables -%}
        select
            '{{ vendor }}.{{ table }}' as source_table,
            (select count(*) from {{ source(vendor, table) }}) as vendor_rows,
            (
                select count(*) from {{ ref(adapter) }}
                where _source_record like '{{ vendor }}.{{ table }} %'
            ) as staged_rows,
            (
                select count(*) from {{ ref(set_aside) }}
                where source_table = '{{ vendor }}.{{ table }}'
            ) as set_aside_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from counts
    where vendor_rows <> staged_rows + set_aside_rows

)

select * from final
