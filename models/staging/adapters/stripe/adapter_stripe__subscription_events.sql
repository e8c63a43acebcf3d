{#-
    Stripe subscriptions in the raw contract's shape (raw.subscription_events),
    from invoices and their lines (docs/sources.md, "Stripe"):
    - MRR of a line: its price's unit_amount (cents) x quantity, over the
      months of the price's interval (a year is 12, a week 12/52, a day
      12/365), in currency units; a subscription's MRR is the sum of its
      items' lines (several items add up);
    - a proration line is a mid-period change, not revenue: its pro-rated
      amount is ignored, its sign says which side of the change it is (the new
      price positive, the unused old price negative) and its price and quantity
      give the change of MRR;
    - the MRR after each invoice: the level of the latest invoice without
      prorations (creation, cycle) plus the changes of the proration invoices
      since; the event is the difference from the invoice before;
    - the first invoice of a subscription is new, or expansion when the
      customer had an earlier subscription (an added product is not a new
      customer); later: a rise is expansion, a fall contraction, an unchanged
      yearly (or longer) cycle renewal; an unchanged shorter cycle is no event
      (set aside as no_change); only paid and open invoices count (draft, void
      and uncollectible ones are set aside);
    - a subscription whose current version (_fivetran_active) is canceled is a
      cancellation at ended_at (else canceled_at) of minus its last MRR;
    - the account: the customer through adapter__account_identities (identity
      map, else the e-mail domain); none: account_id null and the reason in
      _account_match (staging rejects it, unknown_account);
    - occurred_at: the earliest period start of the invoice's lines (when the
      change or period took effect).
-#}
{%- set ts = dbt.type_string() -%}
{%- set num = dbt.type_numeric() -%}

with

prices as (

    select
        {{ as_key('price.id') }} as price_id,
        cast(price.unit_amount as {{ num }}) as unit_amount,
        {{ as_enum('price.recurring_interval') }} as recurring_interval,
        coalesce(cast(price.recurring_interval_count as {{ num }}), 1) as interval_count
    from {{ source('stripe', 'price') }} as price

),

invoices as (

    select
        {{ as_key('invoice.id') }} as invoice_id,
        {{ as_key('invoice.customer_id') }} as customer_id,
        {{ as_key('invoice.subscription_id') }} as subscription_id,
        {{ as_enum('invoice.status') }} as invoice_status,
        {{ as_enum('invoice.billing_reason') }} as billing_reason,
        invoice.created as created_at,
        invoice._fivetran_synced as loaded_at
    from {{ source('stripe', 'invoice') }} as invoice

),

lines as (

    select
        {{ as_key('line.invoice_id') }} as invoice_id,
        coalesce(line.proration, false) as is_proration,
        line.period_start,
        -- months per billing interval
        prices.unit_amount * coalesce(cast(line.quantity as {{ num }}), 1) / 100.0
        / (case prices.recurring_interval
            when 'year' then 12.0 when 'week' then 12.0 / 52.0 when 'day' then 12.0 / 365.0 else 1.0
        end * prices.interval_count) as line_mrr,
        case when line.amount < 0 then -1 else 1 end as proration_sign,
        coalesce(prices.recurring_interval = 'year', false) as is_yearly
    from {{ source('stripe', 'invoice_line_item') }} as line
    inner join prices
        on {{ as_key('line.price_id') }} = prices.price_id
    where coalesce({{ as_enum('line.type') }}, 'subscription') = 'subscription'

),

invoice_levels as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.billing_reason,
        invoices.created_at,
        invoices.loaded_at,
        min(lines.period_start) as effective_at,
        max(case when lines.is_proration then 1 else 0 end) = 1 as has_proration,
        sum(case when not lines.is_proration then lines.line_mrr end) as base_level,
        sum(case when lines.is_proration then lines.proration_sign * lines.line_mrr else 0 end) as proration_change,
        max(case when lines.is_yearly then 1 else 0 end) = 1 as is_yearly
    from invoices
    inner join lines
        on invoices.invoice_id = lines.invoice_id
    where invoices.invoice_status in ('paid', 'open')
        and invoices.subscription_id is not null
    group by 1, 2, 3, 4, 5, 6

),

segmented as (

    select
        *,
        -- invoices since (and including) the latest one without prorations
        count(case when not has_proration then 1 end) over (
            partition by subscription_id order by effective_at, invoice_id rows between unbounded preceding and current row
        ) as level_segment
    from invoice_levels

),

levelled as (

    select
        *,
        round(
            coalesce(max(case when not has_proration then base_level end) over (partition by subscription_id, level_segment), 0)
            + sum(case when has_proration then proration_change else 0 end) over (
                partition by subscription_id, level_segment order by effective_at, invoice_id
                rows between unbounded preceding and current row
            ),
            2
        ) as mrr_level,
        row_number() over (partition by subscription_id order by effective_at, invoice_id) as invoice_number
    from segmented

),

changes as (

    select
        *,
        mrr_level - coalesce(lag(mrr_level) over (partition by subscription_id order by effective_at, invoice_id), 0)
            as mrr_change,
        max(invoice_number) over (partition by subscription_id) as last_invoice_number
    from levelled

),

first_subscriptions as (

    select
        customer_id,
        min(effective_at) as first_started_at
    from invoice_levels
    group by 1

),

invoice_events as (

    select
        'invoice:' || changes.invoice_id as subscription_event_id,
        changes.customer_id,
        case
            when changes.invoice_number = 1 and changes.effective_at > first_subscriptions.first_started_at then 'expansion'
            when changes.invoice_number = 1 then 'new'
            when changes.mrr_change > 0 then 'expansion'
            when changes.mrr_change < 0 then 'contraction'
            when changes.is_yearly and changes.billing_reason = 'subscription_cycle' then 'renewal'
        end as event_type,
        changes.mrr_change as mrr_delta,
        changes.effective_at as occurred_at,
        changes.loaded_at,
        'stripe.invoice ' || changes.invoice_id as source_record
    from changes
    inner join first_subscriptions
        on changes.customer_id = first_subscriptions.customer_id

),

current_subscriptions as (

    select
        {{ as_key('history.id') }} as subscription_id,
        {{ as_key('history.customer_id') }} as customer_id,
        {{ as_enum('history.status') }} as status,
        coalesce(history.ended_at, history.canceled_at) as canceled_at,
        history._fivetran_synced as loaded_at
    from {{ source('stripe', 'subscription_history') }} as history
    where coalesce(history._fivetran_active, false)

),

last_levels as (

    select
        subscription_id,
        mrr_level
    from changes
    where invoice_number = last_invoice_number

),

cancellations as (

    select
        'cancellation:' || current_subscriptions.subscription_id as subscription_event_id,
        current_subscriptions.customer_id,
        'cancellation' as event_type,
        -coalesce(last_levels.mrr_level, 0) as mrr_delta,
        current_subscriptions.canceled_at as occurred_at,
        current_subscriptions.loaded_at,
        'stripe.subscription_history ' || current_subscriptions.subscription_id as source_record
    from current_subscriptions
    left join last_levels
        on current_subscriptions.subscription_id = last_levels.subscription_id
    where current_subscriptions.status = 'canceled'
        and current_subscriptions.canceled_at is not null

),

events as (

    select * from invoice_events
    where event_type is not null

    union all

    select * from cancellations

),

identities as (

    select * from {{ ref('adapter__account_identities') }}
    where system = 'stripe' and entity = 'customer'

),

final as (

    select
        events.subscription_event_id,
        identities.account_id,
        events.event_type,
        cast(events.mrr_delta as {{ num }}) as mrr_delta,
        events.occurred_at,
        events.loaded_at as _loaded_at,
        events.source_record as _source_record,
        case
            when identities.account_id is not null then identities.match_detail
            else 'stripe customer ' || coalesce(events.customer_id, '(none)') || ' reached no account: '
                || coalesce(identities.match_detail, 'unknown customer')
        end as _account_match
    from events
    left join identities
        on events.customer_id = identities.external_id

)

select * from final
