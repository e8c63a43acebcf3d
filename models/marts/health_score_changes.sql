{#-
    Why the score moved: one row per account of health_score, window (days
    back from as_of_date, macro score_change_windows) and criterion, with the
    criterion's points then and now.
    Attribution rule (DECISIONLOG "Score change attribution"): a criterion's
    points on a date are its contribution to the score after effective-weight
    redistribution (health_score_criteria_daily.points; 0 when excluded or
    not in the scorecard on that date). Redistribution and coverage changes
    are therefore in the points: a criterion that loses its data drops to 0
    and the criteria that receive its weight gain points. Two rows that are
    not criteria close the sum to the published whole-number score:
    `rounding` (the score's rounding of the points' sum) and
    `overall_override` (an overall CSM override's difference to that rounded
    sum). On each comparable date the rows' points sum exactly to the score,
    so their changes sum exactly to score_change.
    A window is comparable when the account has a score both then and now
    and its criterion history is stored for both dates; otherwise every
    points column and score_change are null (is_comparable false).
-#}
{%- set windows = score_change_windows() %}
{%- set then_dates = [] %}
{%- set window_rows = [] %}
{%- for window_days in windows %}
    {%- do then_dates.append(add_days(as_of_date(), -window_days)) %}
    {%- do window_rows.append('select ' ~ window_days ~ ' as window_days, ' ~ add_days(as_of_date(), -window_days) ~ ' as date_then') %}
{%- endfor %}

with

current_scores as (

    select
        account_id,
        score_date,
        health_score,
        band
    from {{ ref('health_score') }}

),

windows as (

    {{ window_rows | join(' union all ') }}

),

stored_scores as (

    select
        account_id,
        score_date,
        health_score,
        band
    from {{ ref('health_score_daily') }}
    where score_date in ({{ then_dates | join(', ') }})

),

criteria_history as (

    select
        account_id,
        score_date,
        criterion,
        is_included,
        criterion_score,
        effective_weight,
        points
    from {{ ref('health_score_criteria_daily') }}
    where score_date = {{ as_of_date() }}
        or score_date in ({{ then_dates | join(', ') }})

),

evidence_now as (

    select
        account_id,
        criterion,
        evidence
    from {{ ref('health_score_criteria') }}

),

evidence_then as (

    select
        account_id,
        score_date,
        criterion,
        evidence
    from {{ ref('health_score_evidence_daily') }}

),

account_windows as (

    select
        current_scores.account_id,
        windows.window_days,
        windows.date_then,
        current_scores.score_date as date_now,
        then_scores.health_score as score_then,
        current_scores.health_score as score_now,
        then_scores.band as band_then,
        current_scores.band as band_now
    from current_scores
    cross join windows
    left join stored_scores as then_scores
        on current_scores.account_id = then_scores.account_id
        and windows.date_then = then_scores.score_date

),

-- every criterion of the account's scorecard then or now
criterion_keys as (

    select distinct
        account_windows.account_id,
        account_windows.window_days,
        criteria_history.criterion
    from account_windows
    inner join criteria_history
        on account_windows.account_id = criteria_history.account_id
        and (
            account_windows.date_then = criteria_history.score_date
            or account_windows.date_now = criteria_history.score_date
        )

),

history_sides as (

    select
        account_windows.account_id,
        account_windows.window_days,
        max(case when criteria_history.score_date = account_windows.date_then then 1 else 0 end) as has_history_then,
        max(case when criteria_history.score_date = account_windows.date_now then 1 else 0 end) as has_history_now,
        sum(case when criteria_history.score_date = account_windows.date_then then criteria_history.points end) as total_then,
        sum(case when criteria_history.score_date = account_windows.date_now then criteria_history.points end) as total_now
    from account_windows
    inner join criteria_history
        on account_windows.account_id = criteria_history.account_id
        and (
            account_windows.date_then = criteria_history.score_date
            or account_windows.date_now = criteria_history.score_date
        )
    group by 1, 2

),

compared_windows as (

    select
        account_windows.*,
        history_sides.total_then,
        history_sides.total_now,
        coalesce(
            account_windows.score_then is not null
            and account_windows.score_now is not null
            and history_sides.has_history_then = 1
            and history_sides.has_history_now = 1,
            false
        ) as is_comparable
    from account_windows
    left join history_sides
        on account_windows.account_id = history_sides.account_id
        and account_windows.window_days = history_sides.window_days

),

criterion_rows as (

    select
        compared_windows.account_id,
        compared_windows.window_days,
        criterion_keys.criterion,
        true as is_criterion,
        cast(coalesce(then_points.points, 0) as decimal(18, 6)) as points_then_value,
        cast(coalesce(now_points.points, 0) as decimal(18, 6)) as points_now_value,
        then_points.criterion_score as criterion_score_then,
        now_points.criterion_score as criterion_score_now,
        then_points.effective_weight as effective_weight_then,
        now_points.effective_weight as effective_weight_now,
        coalesce(then_points.is_included, false) as is_included_then,
        coalesce(now_points.is_included, false) as is_included_now
    from compared_windows
    inner join criterion_keys
        on compared_windows.account_id = criterion_keys.account_id
        and compared_windows.window_days = criterion_keys.window_days
    left join criteria_history as then_points
        on criterion_keys.account_id = then_points.account_id
        and criterion_keys.criterion = then_points.criterion
        and compared_windows.date_then = then_points.score_date
    left join criteria_history as now_points
        on criterion_keys.account_id = now_points.account_id
        and criterion_keys.criterion = now_points.criterion
        and compared_windows.date_now = now_points.score_date

),

-- the two rows that close the sum: the rounding to a whole score, and an overall override
adjustment_rows as (

    select
        account_id,
        window_days,
        'rounding' as criterion,
        false as is_criterion,
        cast(round(total_then) - total_then as decimal(18, 6)) as points_then_value,
        cast(round(total_now) - total_now as decimal(18, 6)) as points_now_value
    from compared_windows

    union all

    select
        account_id,
        window_days,
        'overall_override' as criterion,
        false as is_criterion,
        cast(score_then - round(total_then) as decimal(18, 6)) as points_then_value,
        cast(score_now - round(total_now) as decimal(18, 6)) as points_now_value
    from compared_windows

),

all_rows as (

    select
        account_id,
        window_days,
        criterion,
        is_criterion,
        points_then_value,
        points_now_value,
        criterion_score_then,
        criterion_score_now,
        effective_weight_then,
        effective_weight_now,
        is_included_then,
        is_included_now
    from criterion_rows

    union all

    select
        account_id,
        window_days,
        criterion,
        is_criterion,
        points_then_value,
        points_now_value,
        cast(null as {{ type_double() }}) as criterion_score_then,
        cast(null as {{ type_double() }}) as criterion_score_now,
        cast(null as {{ type_double() }}) as effective_weight_then,
        cast(null as {{ type_double() }}) as effective_weight_now,
        false as is_included_then,
        false as is_included_now
    from adjustment_rows

),

attributed as (

    select
        compared_windows.account_id,
        compared_windows.window_days,
        all_rows.criterion,
        all_rows.is_criterion,
        compared_windows.date_then,
        compared_windows.date_now,
        compared_windows.is_comparable,
        compared_windows.score_then,
        compared_windows.score_now,
        compared_windows.band_then,
        compared_windows.band_now,
        all_rows.criterion_score_then,
        all_rows.criterion_score_now,
        all_rows.effective_weight_then,
        all_rows.effective_weight_now,
        all_rows.is_included_then,
        all_rows.is_included_now,
        case when compared_windows.is_comparable
                then cast(all_rows.points_then_value as decimal(18, 6))
        end as points_then,
        case when compared_windows.is_comparable
                then cast(all_rows.points_now_value as decimal(18, 6))
        end as points_now,
        case when compared_windows.is_comparable
                then cast(all_rows.points_now_value - all_rows.points_then_value as decimal(18, 6))
        end as points_change
    from compared_windows
    inner join all_rows
        on compared_windows.account_id = all_rows.account_id
        and compared_windows.window_days = all_rows.window_days

),

-- the ranks of the movers, on the few columns they need (a window over every column of
-- every row was most of this model's cost): comparable windows only, and never the
-- rounding, which is not a cause (no flag, no place in the words)
mover_ranks as (

    select
        account_id,
        window_days,
        criterion,
        row_number() over (
            partition by account_id, window_days
            order by points_change asc, criterion asc
        ) as fall_rank,
        row_number() over (
            partition by account_id, window_days
            order by points_change desc, criterion asc
        ) as rise_rank,
        row_number() over (
            partition by account_id, window_days
            order by abs(points_change) desc, criterion asc
        ) as size_rank
    from attributed
    where is_comparable
        and criterion <> 'rounding'

),

ranked as (

    select
        attributed.*,
        mover_ranks.fall_rank,
        mover_ranks.rise_rank,
        mover_ranks.size_rank
    from attributed
    left join mover_ranks
        on attributed.account_id = mover_ranks.account_id
        and attributed.window_days = mover_ranks.window_days
        and attributed.criterion = mover_ranks.criterion

),

-- "fell 17 points in 30 days: product_usage -12, satisfaction -5": the (at most four) largest
-- movers, whole points, largest first; those that round to 0 are left out
movers as (

    select
        account_id,
        window_days,
        {{ ordered_listagg(
            "criterion || ' ' || case when points_change > 0 then '+' else '' end || cast(cast(round(points_change) as "
                ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
            "', '",
            "size_rank"
        ) }} as movers_text
    from ranked
    where is_comparable
        and size_rank <= 4
        and abs(points_change) >= 0.5
    group by 1, 2

),

final as (

    select
        ranked.account_id,
        ranked.window_days,
        ranked.criterion,
        ranked.is_criterion,
        ranked.date_then,
        ranked.date_now,
        ranked.is_comparable,
        ranked.score_then,
        ranked.score_now,
        case when ranked.is_comparable then ranked.score_now - ranked.score_then end as score_change,
        ranked.band_then,
        ranked.band_now,
        ranked.points_then,
        ranked.points_now,
        ranked.points_change,
        cast(ranked.criterion_score_then as {{ type_double() }}) as criterion_score_then,
        cast(ranked.criterion_score_now as {{ type_double() }}) as criterion_score_now,
        cast(ranked.effective_weight_then as {{ type_double() }}) as effective_weight_then,
        cast(ranked.effective_weight_now as {{ type_double() }}) as effective_weight_now,
        ranked.is_included_then,
        ranked.is_included_now,
        evidence_then.evidence as evidence_then,
        evidence_now.evidence as evidence_now,
        coalesce(ranked.is_comparable and ranked.fall_rank = 1 and ranked.points_change < 0, false)
            as is_top_negative_mover,
        coalesce(ranked.is_comparable and ranked.rise_rank = 1 and ranked.points_change > 0, false)
            as is_top_positive_mover,
        case
            when not ranked.is_comparable then null
            when ranked.score_now < ranked.score_then
                then 'fell ' || cast(ranked.score_then - ranked.score_now as {{ dbt.type_string() }})
                    || case when abs(ranked.score_now - ranked.score_then) = 1 then ' point in ' else ' points in ' end
                    || cast(ranked.window_days as {{ dbt.type_string() }})
                    || ' days'
            when ranked.score_now > ranked.score_then
                then 'rose ' || cast(ranked.score_now - ranked.score_then as {{ dbt.type_string() }})
                    || case when abs(ranked.score_now - ranked.score_then) = 1 then ' point in ' else ' points in ' end
                    || cast(ranked.window_days as {{ dbt.type_string() }})
                    || ' days'
            else 'unchanged in ' || cast(ranked.window_days as {{ dbt.type_string() }}) || ' days'
        end || coalesce(': ' || movers.movers_text, '') as change_explained

    from ranked
    left join movers
        on ranked.account_id = movers.account_id
        and ranked.window_days = movers.window_days
    left join evidence_then
        on ranked.account_id = evidence_then.account_id
        and ranked.criterion = evidence_then.criterion
        and ranked.date_then = evidence_then.score_date
    left join evidence_now
        on ranked.account_id = evidence_now.account_id
        and ranked.criterion = evidence_now.criterion

)

select * from final
