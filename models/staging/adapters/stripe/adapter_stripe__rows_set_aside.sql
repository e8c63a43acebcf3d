{#-
    The Stripe invoices that are no subscription event, for
    marts.rejected_rows: not billed (draft, void, uncollectible), not a
    subscription's (one-off invoices), or an unchanged monthly (shorter than
    yearly) cycle: billing as usual, no event (adapter_stripe__subscription_events).
-#}

with

invoices as (

    select
        invoice.*,
        {{ as_key('invoice.id') }} as row_key,
        {{ as_enum('invoice.status') }} as invoice_status
    from {{ source('stripe', 'invoice') }} as invoice

),

staged as (

    select subscription_event_id
    from {{ ref('adapter_stripe__subscription_events') }}

),

set_aside as (

    select
        'stripe.invoice' as source_table,
        invoices.row_key as source_key,
        case
            when coalesce(invoices.invoice_status, '') not in ('paid', 'open') then 'not_billed'
            when invoices.subscription_id is null then 'not_a_subscription'
            else 'no_change'
        end as reason,
        case
            when coalesce(invoices.invoice_status, '') not in ('paid', 'open')
                then 'stripe invoice ' || invoices.row_key || ' is ' || coalesce(invoices.invoice_status, '(no status)') || ', not billed'
            when invoices.subscription_id is null
                then 'stripe invoice ' || invoices.row_key || ' belongs to no subscription'
            else 'stripe invoice ' || invoices.row_key || ' bills the subscription unchanged (a cycle shorter than a year, or no subscription lines): no event'
        end as detail,
        {{ json_text(raw_row('invoices')) }} as raw_record,
        invoices._fivetran_synced as loaded_at
    from invoices
    where 'invoice:' || invoices.row_key not in (select staged.subscription_event_id from staged)

),

final as (

    select
        source_table,
        source_key,
        reason,
        detail,
        raw_record,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from set_aside

)

select * from final
