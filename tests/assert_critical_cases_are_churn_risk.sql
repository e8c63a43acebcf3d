{#-
    critical_cases is exactly the set of health_score accounts in band
    churn_risk: none missing, none extra, with the same score. Returns the
    offending accounts ('churn_risk_not_in_critical_cases',
    'critical_case_not_churn_risk', 'score_differs').
-#}
{{ config(severity='error') }}

with

churn_risk as (

    select
        account_id,
        health_score
    from {{ ref('health_score') }}
    where band = 'churn_risk'

),

cases as (

    select
        account_id,
        health_score
    from {{ ref('critical_cases') }}

),

final as (

    select
        coalesce(churn_risk.account_id, cases.account_id) as account_id,
        case
            when cases.account_id is null then 'churn_risk_not_in_critical_cases'
            when churn_risk.account_id is null then 'critical_case_not_churn_risk'
            else 'score_differs'
        end as issue
    from churn_risk
    full outer join cases
        on churn_risk.account_id = cases.account_id
    where cases.account_id is null
        or churn_risk.account_id is null
        or churn_risk.health_score is distinct from cases.health_score

)

select * from final
