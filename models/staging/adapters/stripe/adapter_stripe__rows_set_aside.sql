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
        {{ adapter_row_set_aside(
            'stripe.invoice', 'invoices.row_key',
            "case
            when coalesce(invoices.invoice_status, '') not in ('paid', 'open') then 'not_billed'
            when invoices.subscription_id is null then 'not_a_subscription'
            else 'no_change'
            end",
            "case
            when coalesce(invoices.invoice_status, '') not in ('paid', 'open')
                then 'stripe invoice ' || invoices.row_key || ' is ' || coalesce(invoices.invoice_status, '(no status)') || ', not billed'
            when invoices.subscription_id is null
                then 'stripe invoice ' || invoices.row_key || ' belongs to no subscription'
            else 'stripe invoice ' || invoices.row_key || ' bills the subscription unchanged (a cycle shorter than a year, or no subscription lines): no event'
            end", 'invoices') }}
    from invoices
    where 'invoice:' || invoices.row_key not in (select staged.subscription_event_id from staged)

)

select * from set_aside
