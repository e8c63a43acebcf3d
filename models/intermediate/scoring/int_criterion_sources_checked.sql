{#-
    Whether each criterion's sources are connected, per score date: of the live
    accounts whose scorecard weighs the criterion, how many have at least one
    row of its sources in its window (has_source_rows of the criterion model;
    which rows and tables count: macro criterion_sources).
    - no account has a row: `source_missing` (tables empty or absent, a loader
      that never delivered, a helpdesk whose tickets are all bugs for
      engagement);
    - fewer than var source_sparse_min_account_pct percent of them have one:
      `source_sparse` (a partial connection: one region, a pilot, the first
      days of a loader);
    - else `connected`.
    A criterion that is missing or sparse is excluded for every account on that
    date and its weight redistributed (int_criterion_scores_normalised); one
    silent account among connected ones keeps its own status (silent scores 0).
-#}
{%- set sources = criterion_sources() -%}
{%- set sparse_pct = var('source_sparse_min_account_pct') %}

with

criteria_rows as (

    select
        account_id,
        score_date,
        criterion,
        has_source_rows
    from {{ ref('int_criteria_unioned') }}

),

account_score_dates as (

    select
        account_id,
        score_date,
        scorecard
    from {{ ref('int_account_score_dates_listed') }}

),

weights as (

    select
        scorecard,
        criterion
    from {{ customer_health_config('health_weights') }}
    where weight > 0

),

-- the accounts a criterion scores on each date, and whether each has a row
in_scope as (

    select
        criteria_rows.score_date,
        criteria_rows.criterion,
        criteria_rows.account_id,
        criteria_rows.has_source_rows
    from criteria_rows
    inner join account_score_dates
        on criteria_rows.account_id = account_score_dates.account_id
        and criteria_rows.score_date = account_score_dates.score_date
    inner join weights
        on account_score_dates.scorecard = weights.scorecard
        and criteria_rows.criterion = weights.criterion

),

counted as (

    select
        score_date,
        criterion,
        cast(count(*) as {{ dbt.type_bigint() }}) as accounts_in_scope,
        cast(sum(case when has_source_rows then 1 else 0 end) as {{ dbt.type_bigint() }}) as accounts_with_rows
    from in_scope
    group by 1, 2

),

classified as (

    select
        score_date,
        criterion,
        accounts_in_scope,
        accounts_with_rows,
        cast({{ round_to('100.0 * accounts_with_rows / accounts_in_scope', 2) }} as {{ type_double() }}) as account_share_pct,
        case
            when accounts_with_rows = 0 then 'source_missing'
            when 100.0 * accounts_with_rows < {{ sparse_pct }} * accounts_in_scope then 'source_sparse'
            else 'connected'
        end as source_status,
        case criterion
            {%- for key, source in sources.items() %}
                when '{{ key }}' then '{{ source.tables }}'
            {%- endfor %}
            else criterion
        end as source_tables,
        case criterion
            {%- for key, source in sources.items() %}
                when '{{ key }}' then '{{ source.rows }}'
            {%- endfor %}
            else 'rows'
        end as source_rows,
        case criterion
            {%- for key, source in sources.items() %}
                when '{{ key }}' then {{ source.window_days }}
            {%- endfor %}
            else 0
        end as window_days
    from counted

),

final as (

    select
        score_date,
        criterion,
        source_tables,
        window_days,
        accounts_in_scope,
        accounts_with_rows,
        account_share_pct,
        source_status,
        case source_status
            when 'source_missing'
                then 'source_missing: ' || criterion || ' has no ' || source_rows || ' (' || source_tables
                    || ') for any of ' || cast(accounts_in_scope as {{ dbt.type_string() }})
                    || ' live accounts in ' || cast(window_days as {{ dbt.type_string() }})
                    || ' days; excluded for every account, weight redistributed'
            when 'source_sparse'
                then 'source_sparse: ' || criterion || ' has ' || source_rows || ' (' || source_tables
                    || ') for ' || cast(accounts_with_rows as {{ dbt.type_string() }})
                    || ' of ' || cast(accounts_in_scope as {{ dbt.type_string() }})
                    || ' live accounts in ' || cast(window_days as {{ dbt.type_string() }})
                    || ' days (under {{ sparse_pct }} %); excluded for every account, weight redistributed'
        end as source_reason

    from classified

)

select * from final
