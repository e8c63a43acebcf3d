{#-
    The attribution identity of marts.health_score_changes, on every row: the
    row's points_change is points_now - points_then, and on a comparable
    window the points of the account's rows sum exactly to score_then and
    score_now and their changes to score_change (the row's own score_change);
    a row that is not comparable has no points. Returns the offending rows.
    "Exactly" is to the points' sixth decimal place (decimal(18,6)): the sums
    are compared within half of its last digit, so an engine that sums decimals
    as doubles (the Snowflake emulator: 45.00000000000001) still passes, and a
    difference of one millionth of a point fails.
-#}
{% test customer_health_score_changes_add_up(model) %}
{%- set tolerance = '0.0000005' %}

with

window_sums as (

    select
        account_id,
        window_days,
        sum(points_then) as sum_points_then,
        sum(points_now) as sum_points_now,
        sum(points_change) as sum_points_change
    from {{ model }}
    group by 1, 2

),

checked as (

    select
        model_rows.account_id,
        model_rows.window_days,
        model_rows.criterion,
        model_rows.is_comparable,
        model_rows.score_then,
        model_rows.score_now,
        model_rows.score_change,
        model_rows.points_change,
        window_sums.sum_points_then,
        window_sums.sum_points_now,
        window_sums.sum_points_change
    from {{ model }} as model_rows
    inner join window_sums
        on model_rows.account_id = window_sums.account_id
        and model_rows.window_days = window_sums.window_days
    where (
            model_rows.is_comparable
            and not (
                abs(model_rows.points_change - (model_rows.points_now - model_rows.points_then)) < {{ tolerance }}
                and abs(window_sums.sum_points_then - model_rows.score_then) < {{ tolerance }}
                and abs(window_sums.sum_points_now - model_rows.score_now) < {{ tolerance }}
                and abs(window_sums.sum_points_change - model_rows.score_change) < {{ tolerance }}
                and model_rows.score_change = model_rows.score_now - model_rows.score_then
            )
        )
        or (
            model_rows.is_comparable
            and (model_rows.points_change is null or model_rows.score_change is null)
        )
        or (
            not model_rows.is_comparable
            and (model_rows.points_change is not null or model_rows.score_change is not null)
        )

)

select * from checked

{% endtest %}
