{#-
    csm_sentiment: the account's latest CSM sentiment reading (stg_csm__csm_sentiment)
    recorded on or before the score date, on a 0-100 scale (1 -> 0, 2 -> 25,
    3 -> 50, 4 -> 75, 5 -> 100), pulled toward neutral (50) as it ages:
        raw_value = 50 + (reading_pct - 50) x 0.5^(age_days / h),
    h = var csm_sentiment_half_life_days, age_days = score date - the reading's date.
    A reading older than var csm_sentiment_stale_days is stale: no_data (by
    default excluded, its weight redistributed), as is an account without a
    reading. Several readings on one day: the latest recorded wins (ties: the
    highest sentiment_id). DECISIONLOG.md, "CSM sentiment".
    One pass, no per-date range join: the readings and the score dates in one
    stream per account; a running max of the reading days gives each score
    date its latest reading day, joined back to that day's reading.
-#}
{%- set half_life_days = var('csm_sentiment_half_life_days') -%}
{%- set stale_days = var('csm_sentiment_stale_days') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

score_dates as (

    select max(score_date) as last_score_date
    from account_score_dates

),

-- the readings up to the last score date, the day's latest one per account
readings_ranked as (

    select
        account_id,
        author,
        sentiment,
        reason_code,
        {{ to_date('recorded_at') }} as reading_date,
        row_number() over (
            partition by account_id, {{ to_date('recorded_at') }}
            order by recorded_at desc, sentiment_id desc
        ) as day_rank
    from {{ ref('stg_csm__csm_sentiment') }}
    where {{ to_date('recorded_at') }} <= (select score_dates.last_score_date from score_dates)

),

reading_days as (

    select
        account_id,
        reading_date,
        author,
        sentiment,
        reason_code
    from readings_ranked
    where day_rank = 1

),

-- the reading days and the account's score dates in one stream (a reading on
-- the score date counts: it sorts first)
account_days as (

    select
        account_id,
        reading_date as day_date,
        0 as day_order,
        reading_date
    from reading_days

    union all

    select
        account_id,
        score_date as day_date,
        1 as day_order,
        cast(null as date) as reading_date
    from account_score_dates

),

latest as (

    select
        account_id,
        day_date as score_date,
        day_order,
        max(reading_date) over (
            partition by account_id
            order by day_date, day_order
            rows between unbounded preceding and current row
        ) as latest_reading_date
    from account_days

),

aged as (

    select
        latest.account_id,
        latest.score_date,
        reading_days.author,
        reading_days.sentiment,
        reading_days.reason_code,
        reading_days.reading_date,
        {{ days_between('reading_days.reading_date', 'latest.score_date') }} as age_days,
        25.0 * (reading_days.sentiment - 1) as reading_pct
    from latest
    left join reading_days
        on latest.account_id = reading_days.account_id
        and latest.latest_reading_date = reading_days.reading_date
    where latest.day_order = 1

),

scored as (

    select
        account_id,
        score_date,
        author,
        sentiment,
        reason_code,
        reading_date,
        age_days,
        reading_pct,
        sentiment is not null and age_days <= {{ stale_days }} as is_current,
        cast(
            50.0 + (reading_pct - 50.0) * {{ decay_weight('age_days', half_life_days) }}
            as {{ type_double() }}
        ) as aged_value
    from aged

),

final as (

    select
        account_id,
        score_date,
        'csm_sentiment' as criterion,
        case when is_current then aged_value end as raw_value,
        case when is_current then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        is_current as has_source_rows,
        {% call for_as_of_date('score_date') %}
            case
                when sentiment is null then 'no CSM sentiment reading'
                else (case when is_current then '' else 'stale: ' end)
                    || 'sentiment ' || cast(sentiment as {{ dbt.type_string() }}) || '/5'
                    || coalesce(' (' || reason_code || ')', '')
                    || ' by ' || coalesce(author, 'unknown author')
                    || ' on ' || cast(reading_date as {{ dbt.type_string() }})
                    || ', ' || cast(age_days as {{ dbt.type_string() }}) || ' days old'
                    || case
                        when is_current then '; aged to ' || {{ display_number('aged_value', 1) }} || '/100'
                        else '; older than {{ stale_days }} days, not counted'
                    end
            end
        {% endcall %} as evidence

    from scored

)

select * from final
