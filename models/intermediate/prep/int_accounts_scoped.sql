-- Accounts with the scorecard each one uses: the scorecard named like its
-- segment, else `internal` for internal customers when that scorecard exists,
-- else `default`.
with

accounts as (

    select
        account_id,
        account_name,
        segment,
        parent_account_id,
        created_at,
        churned_at,
        is_internal,
        arr_amount
    from {{ ref('stg_crm__accounts') }}

),

scorecards as (

    select distinct scorecard from {{ customer_health_config('health_weights') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.segment,
        accounts.parent_account_id,
        accounts.is_internal,
        accounts.arr_amount,
        accounts.created_at,
        accounts.churned_at,
        {{ to_date('accounts.created_at') }} as created_date,
        {{ to_date('accounts.churned_at') }} as churned_date,
        coalesce(
            segment_scorecards.scorecard,
            case when accounts.is_internal then internal_scorecards.scorecard end,
            'default'
        ) as scorecard

    from accounts
    left join scorecards as segment_scorecards
        on accounts.segment = segment_scorecards.scorecard
    left join scorecards as internal_scorecards
        on internal_scorecards.scorecard = 'internal'

)

select * from final
