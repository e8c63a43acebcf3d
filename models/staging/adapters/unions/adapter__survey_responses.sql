{#-
    raw.survey_responses when the helpdesk is zendesk: the raw contract's
    survey answers (NPS and others, when that table exists) and Zendesk's CSAT
    ratings as like/dislike answers (adapter_zendesk__survey_responses).
-#}
{{ config(enabled=customer_health_adapter_model('surveys', 'survey_responses') == 'adapter__survey_responses') }}
{%- set ts = dbt.type_string() -%}
{%- set tts = dbt.type_timestamp() -%}
{%- set relation = customer_health_source('surveys', 'survey_responses') -%}

with

unioned as (

    select
        cast(responses.response_id as {{ ts }}) as response_id,
        cast(responses.account_id as {{ ts }}) as account_id,
        cast(responses.contact_id as {{ ts }}) as contact_id,
        cast(responses.ticket_id as {{ ts }}) as ticket_id,
        cast(responses.survey_type as {{ ts }}) as survey_type,
        {{ try_cast_as('responses.score', dbt.type_int()) }} as score,
        cast(responses.comment as {{ ts }}) as comment,
        {{ try_cast_as(to_utc_timestamp('responses.responded_at'), tts) }} as responded_at,
        {{ loaded_at_expr(relation) }} as _loaded_at,
        'raw.survey_responses ' || cast(responses.response_id as {{ ts }}) as _source_record,
        cast(null as {{ ts }}) as _account_match
    from {{ raw_table(relation) }} as responses

    union all

    select
        cast(response_id as {{ ts }}) as response_id,
        cast(account_id as {{ ts }}) as account_id,
        cast(contact_id as {{ ts }}) as contact_id,
        cast(ticket_id as {{ ts }}) as ticket_id,
        cast(survey_type as {{ ts }}) as survey_type,
        cast(score as {{ dbt.type_int() }}) as score,
        cast(comment as {{ ts }}) as comment,
        cast(responded_at as {{ tts }}) as responded_at,
        cast(_loaded_at as {{ tts }}) as _loaded_at,
        cast(_source_record as {{ ts }}) as _source_record,
        cast(_account_match as {{ ts }}) as _account_match
    from {{ ref('adapter_zendesk__survey_responses') }}

)

select * from unioned
