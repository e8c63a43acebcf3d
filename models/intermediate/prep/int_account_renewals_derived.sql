{#-
    The next renewal date of each account, and where it comes from
    (DECISIONLOG "Renewals first"):
    - `contract`: the raw accounts table's optional renewal_date column, as
      given (a date before as_of_date is an overdue renewal: negative days);
    - `subscription_events`: else the first anniversary on or after
      as_of_date, every var renewal_term_days days, of the latest `new` or
      `renewal` event up to as_of_date (the start of the current term);
    - `account_created`: else the same anniversary of the date the account
      became a customer.
    A term start on as_of_date renews one term later; an anniversary falling
    on as_of_date renews today (0 days).
-#}
{%- set term_days = var('renewal_term_days') | int %}

with

accounts as (

    select
        account_id,
        created_at,
        renewal_date
    from {{ ref('stg_crm__accounts') }}

),

subscription_events as (

    select
        account_id,
        event_type,
        occurred_at
    from {{ ref('stg_crm__subscription_events') }}
    where event_type in ('new', 'renewal')
        and occurred_at < cast({{ add_days(as_of_date(), 1) }} as {{ dbt.type_timestamp() }})

),

term_starts as (

    select
        account_id,
        max(occurred_at) as last_term_start_at
    from subscription_events
    group by 1

),

anchored as (

    select
        accounts.account_id,
        accounts.renewal_date as contract_renewal_date,
        {{ to_date('coalesce(term_starts.last_term_start_at, accounts.created_at)') }} as term_start_date,
        case
            when term_starts.last_term_start_at is not null then 'subscription_events'
            else 'account_created'
        end as derived_source
    from accounts
    left join term_starts
        on accounts.account_id = term_starts.account_id

),

-- whole terms from the term start to the first anniversary on or after as_of_date (at least one)
terms_counted as (

    select
        anchored.*,
        greatest(
            cast(floor(
                ({{ days_between('term_start_date', as_of_date()) }} + {{ term_days - 1 }}) / {{ term_days }}.0
            ) as {{ dbt.type_int() }}),
            1
        ) as terms
    from anchored

),

final as (

    select
        account_id,
        coalesce(
            contract_renewal_date,
            {{ add_days('term_start_date', 'terms * ' ~ term_days) }}
        ) as renewal_date,
        case when contract_renewal_date is not null then 'contract' else derived_source end as renewal_date_source

    from terms_counted

)

select * from final
