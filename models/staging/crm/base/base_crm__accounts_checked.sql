-- Every raw account row, typed and checked: rejection_reason (first failing
-- check) or null when accepted; repair flags for kept rows. stg_crm__accounts
-- keeps the accepted rows, marts.rejected_rows lists every problem row.
{%- set relation = customer_health_raw_relation('crm', 'accounts') %}

with

source as (

    select * from {{ raw_table(relation) }}

),

framed as (

    select
        {{ raw_row('source') }} as raw_row,
        {{ loaded_at_expr(relation) }} as loaded_at,
        {{ as_key('source.account_id') }} as account_id,
        trim(cast(source.account_name as {{ dbt.type_string() }})) as account_name,
        {{ as_enum('source.segment') }} as segment,
        {{ as_key('source.parent_account_id') }} as parent_account_id,
        {{ try_cast_as(to_utc_timestamp('source.created_at'), dbt.type_timestamp()) }} as created_at,
        {{ try_cast_as(to_utc_timestamp('source.churned_at'), dbt.type_timestamp()) }} as churned_at,
        {{ try_cast_as('source.is_internal', 'boolean') }} as is_internal,
        {{ try_cast_as('source.arr', dbt.type_numeric()) }} as arr_amount,
        {{ try_cast_as(try_cast_as(optional_column(relation, 'source', 'renewal_date', dbt.type_string()), dbt.type_timestamp()), 'date') }} as renewal_date
    from source

),

duplicated_keys as (

    {{ duplicated_keys('framed', 'account_id') }}

),

ranked as (

    {{ duplicate_ranked('framed', 'account_id', [
        'account_id', 'account_name', 'segment', 'parent_account_id', 'created_at',
        'churned_at', 'is_internal', 'arr_amount', 'renewal_date'
    ]) }}

),

{%- set checks = common_checks('account_id', 'accounts', 'created_at') %}

checked as (

    select
        *,
        {{ first_failing(checks, 'reason') }} as rejection_reason,
        {{ first_failing(checks, 'detail') }} as rejection_detail
    from ranked

),

accepted_keys as (

    select account_id from checked
    where rejection_reason is null

),

flagged as (

    select
        checked.raw_row,
        checked.loaded_at,
        checked.rejection_reason,
        checked.rejection_detail,
        checked.account_id,
        checked.account_name,
        checked.segment,
        checked.created_at,
        checked.is_internal,
        checked.arr_amount,
        checked.parent_account_id,
        checked.churned_at,
        checked.renewal_date,
        -- repairs (applied in stg_crm__accounts, listed in marts.rejected_rows)
        checked.parent_account_id is not null and parents.account_id is null as is_unknown_parent,
        checked.churned_at > {{ run_started_timestamp() }} as is_future_churn,
        checked.churned_at < checked.created_at as is_churn_before_creation,
        checked.is_internal is null as is_null_flag,
        checked.arr_amount < 0 as is_negative_amount
    from checked
    left join accepted_keys as parents
        on checked.parent_account_id = parents.account_id

),

final as (

    select
        {{ problem_record([
            'rejection_reason is not null', 'is_unknown_parent', 'is_future_churn',
            'is_churn_before_creation', 'is_null_flag', 'is_negative_amount'
        ]) }} as raw_record,
        loaded_at,
        rejection_reason,
        rejection_detail,
        account_id,
        account_name,
        segment,
        created_at,
        is_internal,
        arr_amount,
        parent_account_id,
        churned_at,
        renewal_date,
        is_unknown_parent,
        is_future_churn,
        is_churn_before_creation,
        is_null_flag,
        is_negative_amount
    from flagged

)

select * from final
