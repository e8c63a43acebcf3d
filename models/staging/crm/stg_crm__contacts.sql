-- Accepted contacts (base_crm__contacts_checked).
with

checked as (

    select
        contact_id,
        account_id,
        email,
        created_at
    from {{ ref('base_crm__contacts_checked') }}
    where rejection_reason is null

)

select * from checked
