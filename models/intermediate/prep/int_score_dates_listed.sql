-- The dates scored in this build: the score_history_days days ending at
-- as_of_date. Every criterion is computed for each of them, from data known on
-- that date only, so a day's score does not depend on when it was computed.
with

dates as (

    {{ date_range(add_days(as_of_date(), 1 - var('score_history_days')), as_of_date()) }}

),

final as (

    select
        date_day as score_date,
        {{ as_of_date() }} as as_of_date,
        {{ days_between('date_day', as_of_date()) }} as days_before_as_of

    from dates

)

select * from final
