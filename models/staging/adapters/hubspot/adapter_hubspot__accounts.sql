{#-
    HubSpot companies in the raw contract's shape (raw.accounts): the system
    of record for accounts when var customer_health_crm_source is hubspot.
    account_id is the company id; the parent is property_hs_parent_company_id
    (HubSpot's parent company); the domain property_domain. HubSpot has no
    field for the package's segment, customer-since date, churn date, ARR or
    internal flag: each is read from a company property named by a var
    (customer_health_hubspot_<field>_property; docs/sources.md), typed null
    when the property is not landed (created_at then falls back to the
    record's property_createdate, is_internal to false). Deleted companies are
    set aside (adapter_hubspot__rows_set_aside).
-#}
{%- set relation = source('hubspot', 'company') -%}
{%- set ts = dbt.type_string() -%}
{%- set tts = dbt.type_timestamp() -%}
{#- the package's fields HubSpot keeps only as custom properties (vars name them) -#}
{%- set segment = column_or_null(
    relation, 'company', var('customer_health_hubspot_segment_property', 'property_customer_segment'), ts) -%}
{%- set customer_since = column_or_null(
    relation, 'company', var('customer_health_hubspot_customer_since_property', 'property_hs_date_entered_customer'), tts) -%}
{%- set churned_at = column_or_null(
    relation, 'company', var('customer_health_hubspot_churned_at_property', 'property_churned_at'), tts) -%}
{%- set is_internal = column_or_null(
    relation, 'company', var('customer_health_hubspot_is_internal_property', 'property_is_internal'), dbt.type_boolean()) -%}
{%- set arr = column_or_null(
    relation, 'company', var('customer_health_hubspot_arr_property', 'property_arr'), dbt.type_numeric()) -%}

with

companies as (

    select
        {{ as_key('company.id') }} as account_id,
        cast(company.property_name as {{ ts }}) as account_name,
        {{ as_enum(segment) }} as segment,
        {{ as_key('company.property_hs_parent_company_id') }} as parent_account_id,
        coalesce(
            {{ try_cast_as(customer_since, tts) }}, {{ try_cast_as('company.property_createdate', tts) }}
        ) as created_at,
        {{ try_cast_as(churned_at, tts) }} as churned_at,
        coalesce({{ try_cast_as(is_internal, dbt.type_boolean()) }}, false) as is_internal,
        {{ try_cast_as(arr, dbt.type_numeric()) }} as arr,
        cast(company.property_domain as {{ ts }}) as domain,
        company._fivetran_synced as loaded_at,
        coalesce(company.is_deleted, false)
        or coalesce({{ column_or_null(relation, 'company', '_fivetran_deleted', dbt.type_boolean()) }}, false) as is_deleted
    from {{ relation }} as company

),

final as (

    select
        account_id,
        account_name,
        segment,
        parent_account_id,
        created_at,
        churned_at,
        is_internal,
        arr,
        domain,
        loaded_at as _loaded_at,
        'hubspot.company ' || account_id as _source_record
    from companies
    where not is_deleted

)

select * from final
