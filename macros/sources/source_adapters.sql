{#-
    Source adapters (issue 24): which system feeds each raw-contract table.
    One var per domain picks it: customer_health_helpdesk_source (raw |
    zendesk), customer_health_crm_source (raw | hubspot),
    customer_health_billing_source (raw | stripe), customer_health_product_source
    (raw | segment). The checked base models read their raw table through
    customer_health_raw_relation: the raw contract's source() when every system
    that feeds it is `raw`, else ref() of the adapter model that lands the
    vendor's tables in the contract's shape (models/staging/adapters/). A var is
    known at parse time, so the ref is in the DAG (docs/sources.md).
-#}

{#- The system chosen for a domain: helpdesk, crm, billing or product. -#}
{% macro customer_health_source_system(domain) -%}
    {%- set allowed = {
        'helpdesk': ['raw', 'zendesk'], 'crm': ['raw', 'hubspot'],
        'billing': ['raw', 'stripe'], 'product': ['raw', 'segment'],
    } -%}
    {%- set name = 'customer_health_' ~ domain ~ '_source' -%}
    {%- set chosen = (var(name, 'raw') or 'raw') | string | lower | trim -%}
    {%- if chosen not in allowed[domain] -%}
        {{- exceptions.raise_compiler_error(
            'var ' ~ name ~ ' is ' ~ chosen ~ ': choose one of ' ~ allowed[domain] | join(', ')) -}}
    {%- endif -%}
    {{- return(chosen) -}}
{%- endmacro %}

{#- True when any domain reads a vendor's tables (the identity map is then needed). -#}
{% macro customer_health_any_adapter() -%}
    {%- for domain in ['helpdesk', 'crm', 'billing', 'product'] -%}
        {%- if customer_health_source_system(domain) != 'raw' -%}{{- return(true) -}}{%- endif -%}
    {%- endfor -%}
    {{- return(false) -}}
{%- endmacro %}

{#- True when a system other than the CRM is a vendor's: its customers reach
    their accounts through adapter__account_identities. -#}
{% macro customer_health_uses_identities() -%}
    {{- return(customer_health_source_system('helpdesk') != 'raw'
        or customer_health_source_system('billing') != 'raw'
        or customer_health_source_system('product') != 'raw') -}}
{%- endmacro %}

{#- The adapter model that lands a raw-contract table, or none when the raw
    contract's own table is read. Tables fed by more than one system (contacts,
    survey answers, touchpoints) get a union model whenever one of them is a
    vendor. -#}
{% macro customer_health_adapter_model(source_name, table_name) -%}
    {%- set helpdesk = customer_health_source_system('helpdesk') -%}
    {%- set crm = customer_health_source_system('crm') -%}
    {%- set billing = customer_health_source_system('billing') -%}
    {%- set product = customer_health_source_system('product') -%}
    {%- set key = source_name ~ '.' ~ table_name -%}
    {%- if key == 'crm.accounts' and billing == 'stripe' -%}
        {{- return('adapter__accounts') -}}
    {%- elif key == 'crm.accounts' and crm == 'hubspot' -%}
        {{- return('adapter_hubspot__accounts') -}}
    {%- elif key == 'crm.contacts' and (crm == 'hubspot' or helpdesk == 'zendesk') -%}
        {{- return('adapter__contacts') -}}
    {%- elif key == 'crm.subscription_events' and billing == 'stripe' -%}
        {{- return('adapter_stripe__subscription_events') -}}
    {%- elif key == 'helpdesk.tickets' and helpdesk == 'zendesk' -%}
        {{- return('adapter_zendesk__tickets') -}}
    {%- elif key == 'surveys.survey_responses' and helpdesk == 'zendesk' -%}
        {{- return('adapter__survey_responses') -}}
    {%- elif key == 'marketing.touchpoints' and crm == 'hubspot' -%}
        {{- return('adapter__touchpoints') -}}
    {%- elif key == 'product.usage_events' and product == 'segment' -%}
        {{- return('adapter_segment__usage_events') -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{#- The accounts of the system of record (the raw contract's, or HubSpot's
    companies), before Stripe's ARR and churn are laid over them
    (adapter__accounts): what other systems' customers are matched against. -#}
{% macro customer_health_accounts_of_record() -%}
    {%- if customer_health_source_system('crm') == 'hubspot' -%}
        {{- return(ref('adapter_hubspot__accounts')) -}}
    {%- endif -%}
    {{- return(customer_health_source('crm', 'accounts')) -}}
{%- endmacro %}

{#- What a checked base model reads: source(source_name, table_name) when the
    raw contract's table feeds it, else ref() of its adapter model. -#}
{% macro customer_health_raw_relation(source_name, table_name) -%}
    {%- set model = customer_health_adapter_model(source_name, table_name) -%}
    {%- if model is none -%}
        {{- return(customer_health_source(source_name, table_name)) -}}
    {%- endif -%}
    {{- return(ref(model)) -}}
{%- endmacro %}

{#- A column of a relation when the loader landed it, else a typed null (vendor
    tables whose optional columns depend on the account's settings: Segment
    traits, a raw accounts table without `domain`). -#}
{% macro column_or_null(relation, alias, column, type) -%}
    {#- a dbt unit test reads hand-written fixtures, not the table: a typed null -#}
    {%- if execute and model.resource_type != 'unit_test' and relation is not string and relation.identifier is not none -%}
        {%- set loaded = load_relation(relation) -%}
        {%- if loaded is not none and loaded is not string -%}
            {%- set names = adapter.get_columns_in_relation(loaded) | map(attribute='name') | map('lower') | list -%}
            {%- if column | lower in names -%}
                {{- return(alias ~ '.' ~ adapter.quote(column)) -}}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{- return('cast(null as ' ~ type ~ ')') -}}
{%- endmacro %}

{#- A web domain normalised for matching: lower case, no scheme, no `www.`, no
    path. An e-mail address gives its part after the @. -#}
{% macro normalised_domain(expr) -%}
    nullif(
        {{ dbt.split_part(
            "replace(replace(replace(lower(trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))), 'https://', ''), 'http://', ''), 'www.', '')",
            "'/'", 1) }},
        ''
    )
{%- endmacro %}

{% macro email_domain(expr) -%}
    {{ normalised_domain(dbt.split_part("cast(" ~ expr ~ " as " ~ dbt.type_string() ~ ")", "'@'", 2)) }}
{%- endmacro %}

{#- The models that list vendor rows an adapter leaves out by rule (deleted,
    merged, not a customer's): source_table, source_key, reason, detail,
    raw_record, loaded_at. marts.rejected_rows lists them as rejected. -#}
{% macro adapter_set_aside_models() -%}
    {%- set models = [] -%}
    {%- if customer_health_source_system('helpdesk') == 'zendesk' -%}{%- do models.append('adapter_zendesk__rows_set_aside') -%}{%- endif -%}
    {%- if customer_health_source_system('crm') == 'hubspot' -%}{%- do models.append('adapter_hubspot__rows_set_aside') -%}{%- endif -%}
    {%- if customer_health_source_system('billing') == 'stripe' -%}{%- do models.append('adapter_stripe__rows_set_aside') -%}{%- endif -%}
    {%- if customer_health_source_system('product') == 'segment' -%}{%- do models.append('adapter_segment__rows_set_aside') -%}{%- endif -%}
    {{- return(models) -}}
{%- endmacro %}
