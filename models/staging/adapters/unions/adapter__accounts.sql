{#-
    raw.accounts when billing is stripe: the system of record's accounts (the
    raw contract's, or HubSpot's companies) with Stripe as the record of what
    they pay. An account with Stripe subscription events
    (adapter_stripe__subscription_events, matched through the identity map or
    domain) gets arr = 12 x its MRR before any cancellation (a churned account
    keeps the ARR it left with, as the CRM's arr does) and churned_at = its
    last cancellation when no MRR is left (to the cent); any other account keeps the system
    of record's arr and churned_at.
-#}
{{ config(enabled=customer_health_adapter_model('crm', 'accounts') == 'adapter__accounts') }}
{%- set relation = customer_health_accounts_of_record() -%}
{%- set ts = dbt.type_string() -%}
{%- set tts = dbt.type_timestamp() -%}
{%- set num = dbt.type_numeric() -%}
{%- if customer_health_source_system('crm') == 'hubspot' -%}
    {%- set source_record = 'cast(accounts._source_record as ' ~ ts ~ ')' -%}
{%- else -%}
    {%- set source_record = "'raw.accounts ' || cast(accounts.account_id as " ~ ts ~ ")" -%}
{%- endif -%}

with

accounts as (

    select
        cast(accounts.account_id as {{ ts }}) as account_id,
        cast(accounts.account_name as {{ ts }}) as account_name,
        cast(accounts.segment as {{ ts }}) as segment,
        cast(accounts.parent_account_id as {{ ts }}) as parent_account_id,
        {{ try_cast_as(to_utc_timestamp('accounts.created_at'), tts) }} as created_at,
        {{ try_cast_as(to_utc_timestamp('accounts.churned_at'), tts) }} as churned_at,
        accounts.is_internal,
        {{ try_cast_as('accounts.arr', num) }} as arr,
        cast({{ column_or_null(relation, 'accounts', 'domain', ts) }} as {{ ts }}) as domain,
        {{ loaded_at_expr(relation) }} as _loaded_at,
        {{ source_record }} as _source_record
    from {{ relation }} as accounts

),

billing as (

    select
        account_id,
        12 * sum(case when event_type <> 'cancellation' then coalesce(mrr_delta, 0) else 0 end) as stripe_arr,
        -- to the cent: a sum of decimals can leave a residue on an engine that sums them as
        -- doubles (Snowflake's emulator: 5.6e-17 left of 0.1 + 0.2 - 0.3), not a paying account
        {{ round_to('sum(coalesce(mrr_delta, 0))', 2) }} as mrr_left,
        max(case when event_type = 'cancellation' then occurred_at end) as last_cancelled_at
    from {{ ref('adapter_stripe__subscription_events') }}
    where account_id is not null
        and occurred_at <= {{ run_started_timestamp() }}
    group by 1

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.segment,
        accounts.parent_account_id,
        accounts.created_at,
        case
            when billing.account_id is null then accounts.churned_at
            when billing.mrr_left <= 0 then billing.last_cancelled_at
        end as churned_at,
        accounts.is_internal,
        cast(case when billing.account_id is null then accounts.arr else billing.stripe_arr end as {{ num }}) as arr,
        accounts.domain,
        accounts._loaded_at,
        accounts._source_record,
        case
            when billing.account_id is null then 'arr and churned_at from the system of record (no Stripe subscription)'
            else 'arr and churned_at from Stripe'
        end as _billing_source
    from accounts
    left join billing
        on accounts.account_id = billing.account_id

)

select * from final
