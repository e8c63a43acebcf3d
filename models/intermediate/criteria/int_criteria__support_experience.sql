{#-
    support_experience: how the account's users were served, over tickets opened
    in the lookback window (var support_lookback_days). Each ticket, as known on
    the score date, gets a service failure in [0, 1], the average shortfall of:
    - first response: hours to first response (a ticket solved without one counts
      its solve as the response; waited so far when neither happened yet)
      over the priority's target (seed support_sla_targets);
    - resolution: hours to solved (or open so far) over the priority's target;
    - handling: agent handling minutes over the priority's target (skipped
      when unknown);
    - reopen: 1 when the ticket was reopened, else 0.
    A time ratio r has shortfall 0 at r <= 1 (target met) up to 1 at
    r >= sla_breach_zero_at_ratio (default 3x the target), linearly.
    The raw value is service failures per active user (the sum of the tickets'
    failures over the peak daily active users, int_usage_windows_rolled):
    a sum, not an average, so one more ticket or one slower response can never
    improve it. No ticket: no_data; by default its weight goes to
    support_friction (seed health_criteria.redistribute_to), see DECISIONLOG.md.
    A ticket's failure depends on the score date (what was known by its end),
    so each ticket is paired with the run's score dates whose window holds it
    (tickets x dates in the window, found by a range join to the few score
    dates, then an equi-join to the account's dates) and the per-ticket
    failures are summed as before: the exact form, not a running sum.
-#}
{%- set lookback_days = var('support_lookback_days') -%}
{%- set breach_at = var('sla_breach_zero_at_ratio') %}

with

account_score_dates as (

    select
        account_id,
        score_date
    from {{ ref('int_account_score_dates_listed') }}

),

tickets as (

    select
        ticket_id,
        account_id as ticket_account_id,
        created_at,
        created_date,
        first_responded_at,
        solved_at,
        handle_minutes,
        reopen_count,
        first_response_target_hours,
        resolution_target_hours,
        handle_target_minutes
    from {{ ref('int_tickets_attributed') }}

),

score_dates as (

    select distinct score_date from account_score_dates

),

score_date_bounds as (

    select
        min(score_date) as first_score_date,
        max(score_date) as last_score_date
    from score_dates

),

-- only the tickets the windows of this run's score dates reach
tickets_in_reach as (

    select tickets.*
    from tickets
    where tickets.created_date > (
            select {{ add_days('score_date_bounds.first_score_date', -lookback_days) }} from score_date_bounds
        )
        and tickets.created_date <= (select score_date_bounds.last_score_date from score_date_bounds)

),

-- each ticket with the score dates whose window holds it: a range join of the
-- tickets to the few dates of the run, not of every account's dates to all
-- of its tickets
ticket_score_dates as (

    select
        tickets_in_reach.*,
        score_dates.score_date
    from tickets_in_reach
    inner join score_dates
        on tickets_in_reach.created_date <= score_dates.score_date
        and tickets_in_reach.created_date > {{ add_days('score_dates.score_date', -lookback_days) }}

),

-- each ticket in the window of each score date, with the cut-off (end of that day)
tickets_in_window as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        cast({{ add_days('account_score_dates.score_date', 1) }} as {{ dbt.type_timestamp() }}) as cutoff_at,
        tickets.ticket_id,
        tickets.created_at,
        tickets.first_responded_at,
        tickets.solved_at,
        tickets.handle_minutes,
        tickets.reopen_count,
        tickets.first_response_target_hours,
        tickets.resolution_target_hours,
        tickets.handle_target_minutes
    from account_score_dates
    inner join ticket_score_dates as tickets
        on account_score_dates.account_id = tickets.ticket_account_id
        and account_score_dates.score_date = tickets.score_date

),

-- each ticket as it stood at the cut-off: a response or solve after it is not known yet
tickets_as_of as (

    select
        account_id,
        score_date,
        ticket_id,
        {{ hours_between(
            'created_at',
            'case when coalesce(first_responded_at, solved_at) < cutoff_at'
            ~ ' then coalesce(first_responded_at, solved_at) else cutoff_at end'
        ) }} as first_response_hours,
        {{ hours_between(
            'created_at',
            'case when solved_at < cutoff_at then solved_at else cutoff_at end'
        ) }} as resolution_hours,
        handle_minutes,
        coalesce(reopen_count, 0) as reopen_count,
        first_response_target_hours,
        resolution_target_hours,
        handle_target_minutes
    from tickets_in_window

),

-- shortfall of each component in [0, 1]: 0 when the target is met, 1 at
-- sla_breach_zero_at_ratio times the target or worse; a reopened ticket is a
-- full shortfall on the reopen component
ticket_shortfalls as (

    select
        account_id,
        score_date,
        ticket_id,
        first_response_hours,
        resolution_hours,
        {{ clamp('(first_response_hours / first_response_target_hours - 1) / (' ~ breach_at ~ ' - 1)') }}
            as first_response_shortfall,
        {{ clamp('(resolution_hours / resolution_target_hours - 1) / (' ~ breach_at ~ ' - 1)') }}
            as resolution_shortfall,
        case
            when handle_minutes is not null
                then {{ clamp('(handle_minutes / handle_target_minutes - 1) / (' ~ breach_at ~ ' - 1)') }}
        end as handling_shortfall,
        cast(case when reopen_count > 0 then 1.0 else 0.0 end as {{ type_double() }}) as reopen_shortfall
    from tickets_as_of

),

ticket_failures as (

    select
        *,
        (first_response_shortfall + resolution_shortfall + coalesce(handling_shortfall, 0) + reopen_shortfall)
        / (case when handling_shortfall is null then 3.0 else 4.0 end) as service_failure
    from ticket_shortfalls

),

account_failures as (

    select
        account_id,
        score_date,
        count(*) as ticket_count,
        sum(service_failure) as service_failures,
        sum(case when service_failure > 0 then 1 else 0 end) as tickets_missing_a_target,
        avg(first_response_hours) as avg_first_response_hours,
        avg(resolution_hours) as avg_resolution_hours,
        avg(reopen_shortfall) as reopen_rate
    from ticket_failures
    group by 1, 2

),

active_users as (

    select
        account_id,
        score_date,
        active_users
    from {{ ref('int_usage_windows_rolled') }}

),

account_scores as (

    select
        account_failures.*,
        coalesce(active_users.active_users, 1) as active_users,
        account_failures.service_failures / coalesce(active_users.active_users, 1) as failures_per_user
    from account_failures
    left join active_users
        on account_failures.account_id = active_users.account_id
        and account_failures.score_date = active_users.score_date

),

final as (

    select
        account_score_dates.account_id,
        account_score_dates.score_date,
        'support_experience' as criterion,
        account_scores.failures_per_user as raw_value,
        case when account_scores.ticket_count > 0 then 'ok' else 'no_data' end as status,
        cast(null as {{ type_double() }}) as fixed_score,
        coalesce(account_scores.ticket_count > 0, false) as has_source_rows,
        {% call for_as_of_date('account_score_dates.score_date') %}
            case
                when account_scores.ticket_count > 0
                    then cast(account_scores.ticket_count as {{ dbt.type_string() }})
                        || ' tickets, ' || cast(account_scores.tickets_missing_a_target as {{ dbt.type_string() }})
                        || ' missed a target ('
                        || {{ display_number('account_scores.failures_per_user', 3) }}
                        || ' service failures per active user); avg first response '
                        || {{ display_number('account_scores.avg_first_response_hours', 1) }}
                        || ' h; avg resolution '
                        || {{ display_number('account_scores.avg_resolution_hours', 1) }}
                        || ' h; reopen rate '
                        || {{ display_number('100 * account_scores.reopen_rate', 0) }} || '%'
                else 'no tickets in {{ lookback_days }} days'
            end
        {% endcall %} as evidence

    from account_score_dates
    left join account_scores
        on account_score_dates.account_id = account_scores.account_id
        and account_score_dates.score_date = account_scores.score_date

)

select * from final
