-- Accepted accounts (base_crm__accounts_checked), with their repairs applied.
with

checked as (

    select
        account_id,
        account_name,
        segment,
        parent_account_id,
        created_at,
        churned_at,
        is_internal,
        arr_amount,
        renewal_date,
        is_unknown_parent,
        is_future_churn,
        is_churn_before_creation,
        is_null_flag,
        is_negative_amount
    from {{ ref('base_crm__accounts_checked') }}
    where rejection_reason is null

),

final as (

    select
        account_id,
        account_name,
        segment,
        created_at,
        renewal_date,
        case when is_unknown_parent then null else parent_account_id end as parent_account_id,
        case when is_future_churn or is_churn_before_creation then null else churned_at end as churned_at,
        coalesce(is_internal, false) as is_internal,
        case when is_negative_amount then null else arr_amount end as arr_amount
    from checked

)

select * from final
