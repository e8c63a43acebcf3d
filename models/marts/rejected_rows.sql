{#-
    Every raw row that staging did not take as it came, one row per problem:
    severity `rejected` (left out of staging, with the first failing check) or
    `repaired` (kept in staging with the documented repair; one row per
    repair). Reasons and repairs are defined in models/staging/*/base/*_checked.sql
    and listed in DECISIONLOG.md ("Quarantine"); the account hierarchy's
    parent links set aside before roll-ups (parent_cycle, hierarchy_too_deep:
    int_account_hierarchy_checked) are listed as repairs of raw.accounts.
-#}
{%- set ts = dbt.type_string() -%}
{%- set repairs = {
    'accounts': [
        ('is_unknown_parent', 'unknown_parent', "'parent_account_id ' || parent_account_id || ' is not an accepted account; set to null'"),
        ('is_future_churn', 'future_timestamp', "'churned_at ' || cast(churned_at as " ~ ts ~ ") || ' is in the future; set to null'"),
        ('is_churn_before_creation', 'churn_before_creation', "'churned_at before created_at; set to null'"),
        ('is_null_flag', 'null_flag', "'is_internal is null; set to false'"),
        ('is_negative_amount', 'negative_amount', "'arr ' || cast(arr_amount as " ~ ts ~ ") || ' is negative; set to null'"),
    ],
    'contacts': [],
    'subscription_events': [
        ('is_sign_contradiction', 'sign_contradicts_type', "event_type || ' with mrr_delta ' || cast(mrr_delta_amount as " ~ ts ~ ") || ': the sign contradicts the type; counted as ' || event_type || ', mrr_delta set to null'"),
    ],
    'tickets': [
        ('is_response_before_creation', 'response_before_creation', "'first_response_at before created_at; set to null'"),
        ('is_solved_before_creation', 'solved_before_creation', "'solved_at before created_at; set to null'"),
        ('(is_future_response or is_future_solve)', 'future_timestamp', "'first_response_at or solved_at is in the future; set to null'"),
        ('is_unknown_category', 'unknown_value', "'category ' || coalesce(category, '(null)') || ' is unknown; set to other'"),
        ('is_unknown_priority', 'unknown_value', "'priority ' || coalesce(priority, '(null)') || ' is unknown; set to normal'"),
        ('is_unknown_status', 'unknown_value', "'status ' || coalesce(status, '(null)') || ' is unknown; set to solved when solved_at is set, else open'"),
        ('is_negative_duration', 'negative_duration', "'handle_minutes ' || cast(handle_minutes as " ~ ts ~ ") || ' is negative; set to null'"),
        ('is_negative_count', 'negative_count', "'reopen_count ' || cast(reopen_count as " ~ ts ~ ") || ' is negative; set to null'"),
        ('is_unknown_requester', 'unknown_contact', "'requester ' || requester_contact_id || ' is not an accepted contact; set to null (the account is known)'"),
    ],
    'usage_events': [],
    'survey_responses': [
        ('is_unknown_ticket', 'unknown_ticket', "'ticket_id ' || ticket_id || ' is not an accepted ticket; set to null'"),
        ('is_unknown_contact', 'unknown_contact', "'contact ' || contact_id || ' is not an accepted contact; set to null (the account is reached through ' || case when account_id is null then 'the ticket' else 'account_id' end || ')'"),
        ('is_contact_conflict', 'account_conflict', "'contact ' || contact_id || ' belongs to account ' || contact_account_id || ', not ' || account_id || '; account_id wins, contact_id set to null'"),
        ('is_ticket_conflict', 'account_conflict', "'ticket ' || ticket_id || ' belongs to account ' || ticket_account_id || ', not ' || coalesce(account_id, contact_account_id) || '; ' || case when account_id is null then 'the contact account' else 'account_id' end || ' wins, ticket_id set to null'"),
    ],
    'touchpoints': [
        ('is_missing_type', 'unknown_value', "'touchpoint_type is empty; set to other'"),
        ('is_unknown_contact', 'unknown_contact', "'contact ' || contact_id || ' is not an accepted contact; set to null (the account is known)'"),
    ],
} %}
{%- set tables = quarantined_tables() %}

with

problems as (

    {% for t in tables -%}
        select
            '{{ customer_health_raw_name(t.table) }}' as source_table,
            {{ t.key }} as source_key,
            'rejected' as severity,
            rejection_reason as reason,
            rejection_detail as detail,
            raw_record,
            loaded_at
        from {{ ref(t.checked) }}
        where rejection_reason is not null
        {%- for flag, reason, detail in repairs.get(t.table, []) %}
            union all
            select
                '{{ customer_health_raw_name(t.table) }}' as source_table,
                {{ t.key }} as source_key,
                'repaired' as severity,
                '{{ reason }}' as reason,
                {{ detail }} as detail,
                raw_record,
                loaded_at
            from {{ ref(t.checked) }}
            where rejection_reason is null and {{ flag }}
        {%- endfor %}
        union all
    {% endfor %}
    {%- for model in adapter_set_aside_models() %}
        -- vendor rows a source adapter leaves out by rule (docs/sources.md)
        select
            source_table,
            source_key,
            'rejected' as severity,
            reason,
            detail,
            raw_record,
            loaded_at
        from {{ ref(model) }}
        union all
    {%- endfor %}

    -- the account hierarchy's parent links set aside before roll-ups (int_account_hierarchy_checked):
    -- the row was accepted, so the record shows the hierarchy columns it was set aside for
    -- (unknown parents are listed above by staging, as unknown_parent)
    select
        '{{ customer_health_raw_name('accounts') }}' as source_table,
        hierarchy.account_id as source_key,
        'repaired' as severity,
        hierarchy.hierarchy_problem as reason,
        hierarchy.hierarchy_detail as detail,
        '{"account_id": "' || hierarchy.account_id || '", "parent_account_id": "'
        || hierarchy.parent_account_id || '"}' as raw_record,
        checked_accounts.loaded_at
    from {{ ref('int_account_hierarchy_checked') }} as hierarchy
    left join {{ ref('base_crm__accounts_checked') }} as checked_accounts
        on hierarchy.account_id = checked_accounts.account_id
        and checked_accounts.rejection_reason is null
    where hierarchy.hierarchy_problem in ('parent_cycle', 'hierarchy_too_deep')

),

final as (

    select
        source_table,
        source_key,
        severity,
        reason,
        detail,
        raw_record,
        loaded_at,
        {{ run_started_timestamp() }} as detected_at
    from problems

)

select * from final
