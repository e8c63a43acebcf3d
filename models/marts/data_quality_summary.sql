-- Rows per raw table and load date: how many arrived, how many staging
-- accepted, and the problem rows by severity and reason, for a BI chart of
-- data quality over time. One row per source table, load date, severity and
-- reason; severity `accepted` carries the accepted count.
{%- set raw = var('raw_schema', 'raw') -%}
{%- set tables = [
    ('base_crm__accounts_checked', 'accounts'),
    ('base_crm__contacts_checked', 'contacts'),
    ('base_crm__subscription_events_checked', 'subscription_events'),
    ('base_helpdesk__tickets_checked', 'tickets'),
    ('base_product__usage_events_checked', 'usage_events'),
    ('base_surveys__survey_responses_checked', 'survey_responses'),
    ('base_marketing__touchpoints_checked', 'touchpoints'),
] %}

with

arrived as (

    {% for model, table in tables -%}
        select
            '{{ raw }}.{{ table }}' as source_table,
            {{ to_date('loaded_at') }} as load_date,
            case when rejection_reason is null then 'accepted' else 'rejected' end as severity,
            coalesce(rejection_reason, 'accepted') as reason
        from {{ ref(model) }}
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
