{#-
    Staging keeps every raw record and collapses only exact duplicates: for
    each raw source table, the number of distinct primary keys in source()
    equals the row count of its staging model. A staging model that drops
    rows (filter, bad join) or keeps two versions of one key (a duplicate that
    is not exact) fails. Returns the tables whose counts differ.
-#}
{{ config(severity='error') }}

{%- set tables = [
    ('crm', 'accounts', 'account_id', 'stg_crm__accounts'),
    ('crm', 'contacts', 'contact_id', 'stg_crm__contacts'),
    ('crm', 'subscription_events', 'subscription_event_id', 'stg_crm__subscription_events'),
    ('helpdesk', 'tickets', 'ticket_id', 'stg_helpdesk__tickets'),
    ('product', 'usage_events', 'event_id', 'stg_product__usage_events'),
    ('surveys', 'survey_responses', 'response_id', 'stg_surveys__survey_responses'),
    ('marketing', 'touchpoints', 'touchpoint_id', 'stg_marketing__touchpoints'),
] %}

with

counts as (

    {% for source_name, table_name, key, model in tables %}
        select
            '{{ source_name }}.{{ table_name }}' as source_table,
            (select count(distinct {{ key }}) from {{ source(source_name, table_name) }}) as source_distinct_keys,
            (select count(*) from {{ ref(model) }}) as staging_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from counts
    where source_distinct_keys <> staging_rows

)

select * from final
