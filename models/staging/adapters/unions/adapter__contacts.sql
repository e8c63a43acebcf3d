{#-
    raw.contacts when more than one system can feed it: the raw contract's
    contacts while the CRM is raw, HubSpot's contacts when it is hubspot, and
    Zendesk's end users when the helpdesk is zendesk (tickets name them as
    requesters). Ids are the systems' own; _source_record names the row's system.
-#}
{{ config(enabled=customer_health_adapter_model('crm', 'contacts') == 'adapter__contacts') }}
{%- set ts = dbt.type_string() -%}
{%- set tts = dbt.type_timestamp() -%}
{%- set parts = [] -%}
{%- if customer_health_source_system('crm') == 'raw' -%}{%- do parts.append('raw') -%}{%- endif -%}
{%- if customer_health_source_system('crm') == 'hubspot' -%}{%- do parts.append('adapter_hubspot__contacts') -%}{%- endif -%}
{%- if customer_health_source_system('helpdesk') == 'zendesk' -%}{%- do parts.append('adapter_zendesk__contacts') -%}{%- endif -%}

with

unioned as (

    {% for part in parts %}
        {%- if part == 'raw' %}
            {%- set relation = customer_health_source('crm', 'contacts') %}
            select
                cast(contacts.contact_id as {{ ts }}) as contact_id,
                cast(contacts.account_id as {{ ts }}) as account_id,
                cast(contacts.email as {{ ts }}) as email,
                {{ try_cast_as(to_utc_timestamp('contacts.created_at'), tts) }} as created_at,
                {{ loaded_at_expr(relation) }} as _loaded_at,
                'raw.contacts ' || cast(contacts.contact_id as {{ ts }}) as _source_record,
                cast(null as {{ ts }}) as _account_match
            from {{ raw_table(relation) }} as contacts
        {%- else %}
            select
                cast(contact_id as {{ ts }}) as contact_id,
                cast(account_id as {{ ts }}) as account_id,
                cast(email as {{ ts }}) as email,
                cast(created_at as {{ tts }}) as created_at,
                cast(_loaded_at as {{ tts }}) as _loaded_at,
                cast(_source_record as {{ ts }}) as _source_record,
                cast(_account_match as {{ ts }}) as _account_match
            from {{ ref(part) }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
