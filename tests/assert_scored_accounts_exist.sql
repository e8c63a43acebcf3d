{#-
    Every account in the marts (health_score, health_score_criteria,
    health_alerts, critical_cases) exists in stg_crm__accounts: no mart
    invents or keeps an account the CRM does not have. Returns the mart and
    the unknown account.
-#}
{{ config(severity='error') }}

with

mart_accounts as (

    select distinct 'health_score' as mart, account_id from {{ ref('health_score') }}
    union all
    select distinct 'health_score_criteria' as mart, account_id from {{ ref('health_score_criteria') }}
    union all
    select distinct 'health_alerts' as mart, account_id from {{ ref('health_alerts') }}
    union all
    select distinct 'critical_cases' as mart, account_id from {{ ref('critical_cases') }}

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        mart_accounts.mart,
        mart_accounts.account_id
    from mart_accounts
    left join accounts
        on mart_accounts.account_id = accounts.account_id
    where accounts.account_id is null

)

select * from final
