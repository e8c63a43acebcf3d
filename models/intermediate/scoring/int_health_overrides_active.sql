{#-
    The CSM override in force for each account, criterion (or `overall`) and
    score date: an override applies up to and including its expires_on. When
    several apply on one date, the one expiring first wins (it was set for the
    shorter, more specific period; the next one takes over when it expires),
    so there is never more than one.
-#}

with

overrides as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        criterion,
        cast(value as {{ dbt.type_int() }}) as override_score,
        reason,
        author,
        expires_on
    from {{ customer_health_config('health_overrides') }}

),

score_dates as (

    select score_date from {{ ref('int_score_dates_listed') }}

),

ranked as (

    select
        overrides.account_id,
        overrides.criterion,
        score_dates.score_date,
        overrides.override_score,
        overrides.reason,
        overrides.author,
        overrides.expires_on,
        row_number() over (
            partition by overrides.account_id, overrides.criterion, score_dates.score_date
            order by overrides.expires_on, overrides.override_score, overrides.author
        ) as precedence
    from overrides
    inner join score_dates
        on overrides.expires_on >= score_dates.score_date

),

final as (

    select
        account_id,
        criterion,
        score_date,
        override_score,
        reason,
        author,
        expires_on
    from ranked
    where precedence = 1

)

select * from final
