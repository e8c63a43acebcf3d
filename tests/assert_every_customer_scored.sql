{#-
    health_score holds exactly the customers on as_of_date: every account of
    stg_crm__accounts created on or before as_of_date and not churned on or
    before it (UTC dates) has one row, and no other account has one, each
    scored on as_of_date. Returns the missing accounts (issue
    'customer_not_scored'), the extra ones ('not_a_customer_but_scored') and
    rows of another date ('wrong_score_date').
-#}
{{ config(severity='error') }}

with

customers as (

    select account_id
    from {{ ref('stg_crm__accounts') }}
    where {{ to_date('created_at') }} <= {{ as_of_date() }}
        and (churned_at is null or {{ to_date('churned_at') }} > {{ as_of_date() }})

),

scored as (

    select
        account_id,
        score_date
    from {{ ref('health_score') }}

),

final as (

    select
        coalesce(customers.account_id, scored.account_id) as account_id,
        scored.score_date,
        case
            when scored.account_id is null then 'customer_not_scored'
            when customers.account_id is null then 'not_a_customer_but_scored'
            else 'wrong_score_date'
        end as issue
    from customers
    full outer join scored
        on customers.account_id = scored.account_id
    where scored.account_id is null
        or customers.account_id is null
        or scored.score_date <> {{ as_of_date() }}

)

select * from final
