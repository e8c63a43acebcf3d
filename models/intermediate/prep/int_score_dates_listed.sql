{#-
    The dates this run scores. Every criterion is computed for each of them,
    from data known on that date only, so a day's score does not depend on when
    it was computed.
    - First build (or --full-refresh): the score_history_days days ending at
      as_of_date (the backfill).
    - Incremental run (marts.health_score_daily exists): the days after the
      latest stored day up to as_of_date, the last daily_recompute_days stored
      days (rows that arrive late, a re-run of the same day), and the stored
      days inside the backfill window that were computed under another
      configuration (config_version). A one-day refresh therefore scores
      daily_recompute_days + 1 dates whatever the length of the history.
    - Explicit range (var score_history_start or env HEALTH_SCORE_HISTORY_START,
      set by customer-health backfill): exactly the dates from it to as_of_date.
-#}
-- depends_on: {{ ref('int_health_config_validated') }}
{%- set history_start = score_history_start() %}
{%- set stored = stored_score_history() if history_start is none else none %}

with

{% if history_start is not none %}

    dates as (

        {{ date_range("cast('" ~ history_start ~ "' as date)", as_of_date()) }}

    ),

{% elif stored is none %}

    dates as (

        {{ date_range(add_days(as_of_date(), 1 - (var('score_history_days') | int)), as_of_date()) }}

    ),

{% else %}

    stored_bounds as (

        select least(max(score_date), {{ as_of_date() }}) as last_stored_date
        from {{ stored }}

    ),

    recent_dates as (

        {{ date_range(
            'coalesce((select ' ~ add_days('last_stored_date', 1 - var('daily_recompute_days')) ~ ' from stored_bounds), '
                ~ add_days(as_of_date(), 1 - (var('score_history_days') | int)) ~ ')',
            as_of_date()
        ) }}

    ),

    current_config as (

        select config_version from {{ ref('int_health_config_validated') }}

    ),

    reconfigured_dates as (

        select distinct stored.score_date as date_day
        from {{ stored }} as stored
        where stored.config_version <> (select current_config.config_version from current_config)
            and stored.score_date between {{ add_days(as_of_date(), 1 - (var('score_history_days') | int)) }}
            and {{ as_of_date() }}

    ),

    dates as (

        select date_day from recent_dates
        union
        select date_day from reconfigured_dates

    ),

{% endif %}

final as (

    select
        date_day as score_date,
        {{ as_of_date() }} as as_of_date,
        {{ days_between('date_day', as_of_date()) }} as days_before_as_of

    from dates

)

select * from final
