{#-
    raw.touchpoints when the CRM is hubspot: the raw contract's touchpoints
    (events, community, content: what HubSpot does not carry; an absent table
    is empty) and HubSpot's engagements and e-mail opens and clicks
    (adapter_hubspot__touchpoints).
-#}
{{ config(enabled=customer_health_adapter_model('marketing', 'touchpoints') == 'adapter__touchpoints') }}
{%- set ts = dbt.type_string() -%}
{%- set tts = dbt.type_timestamp() -%}
{%- set relation = customer_health_source('marketing', 'touchpoints') -%}

with

unioned as (

    select
        cast(touchpoints.touchpoint_id as {{ ts }}) as touchpoint_id,
        cast(touchpoints.account_id as {{ ts }}) as account_id,
        cast(touchpoints.contact_id as {{ ts }}) as contact_id,
        cast(touchpoints.touchpoint_type as {{ ts }}) as touchpoint_type,
        cast(touchpoints.detail as {{ ts }}) as detail,
        {{ try_cast_as(to_utc_timestamp('touchpoints.occurred_at'), tts) }} as occurred_at,
        {{ loaded_at_expr(relation) }} as _loaded_at,
        'raw.touchpoints ' || cast(touchpoints.touchpoint_id as {{ ts }}) as _source_record,
        cast(null as {{ ts }}) as _account_match
    from {{ raw_table(relation) }} as touchpoints

    union all

    select
        cast(touchpoint_id as {{ ts }}) as touchpoint_id,
        cast(account_id as {{ ts }}) as account_id,
        cast(contact_id as {{ ts }}) as contact_id,
        cast(touchpoint_type as {{ ts }}) as touchpoint_type,
        cast(detail as {{ ts }}) as detail,
        cast(occurred_at as {{ tts }}) as occurred_at,
        cast(_loaded_at as {{ tts }}) as _loaded_at,
        cast(_source_record as {{ ts }}) as _source_record,
        cast(_account_match as {{ ts }}) as _account_match
    from {{ ref('adapter_hubspot__touchpoints') }}

)

select * from unioned
