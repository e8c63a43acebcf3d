{#-
    Each criterion of each account's scorecard on each score date, scored 0-100:
    0. a criterion whose sources are not connected on the date
       (int_criterion_sources_checked: source_missing, source_sparse) takes
       that status and is excluded for every account (weight redistributed);
    1. a status-mandated score (e.g. dormant usage = 0) wins;
    2. no data (status no_data / silent): seed health_criteria's missing policy,
       `fixed` -> missing_score, `exclude` -> no score (weight redistributed);
       insufficient_history is always excluded (new accounts are not punished);
    3. otherwise the seed's normalisation: `linear` maps zero_at -> 0 and
       full_at -> 100 (either direction, clamped); `percentile` is the mid-rank
       percentile among accounts of the same segment with data on that date;
    4. an unexpired CSM override (seed health_overrides) replaces the result.
    grade: 1 (0-19) to 5 (80-100).
-#}
-- A view: int_criterion_points_allocated computes it once and stores its rows
-- with every column (tested there); storing the long table twice cost a full build.
{{ config(materialized='view') }}


with

criteria_values as (

    select
        account_id,
        score_date,
        criterion,
        raw_value,
        status,
        fixed_score,
        evidence
    from {{ ref('int_criteria_unioned') }}

),

account_score_dates as (

    select
        account_id,
        score_date,
        segment,
        scorecard
    from {{ ref('int_account_score_dates_listed') }}

),

weights as (

    select
        scorecard,
        criterion,
        weight
    from {{ customer_health_config('health_weights') }}

),

criteria_config as (

    select
        criterion,
        normalisation_method,
        zero_at,
        full_at,
        missing_policy,
        missing_score,
        redistribute_to
    from {{ customer_health_config('health_criteria') }}

),

source_checks as (

    select
        score_date,
        criterion,
        source_status,
        source_reason
    from {{ ref('int_criterion_sources_checked') }}
    where source_status <> 'connected'

),

overrides as (

    select
        account_id,
        criterion,
        score_date,
        override_score,
        reason,
        author
    from {{ ref('int_health_overrides_active') }}

),

-- each criterion row with its account's segment and scorecard, joined first on the two keys
-- of the account-dates (left to order the joins itself, DuckDB expanded the account-dates by
-- the scorecard weights and joined the criterion rows to that on three keys, most of this
-- view's cost); materialized_cte keeps this join as written where the engine can
criteria_scoped as {{ materialized_cte() }} (

    select
        criteria_values.account_id,
        criteria_values.score_date,
        criteria_values.criterion,
        criteria_values.raw_value,
        criteria_values.status,
        criteria_values.fixed_score,
        criteria_values.evidence,
        account_score_dates.segment,
        account_score_dates.scorecard
    from criteria_values
    inner join account_score_dates
        on criteria_values.account_id = account_score_dates.account_id
        and criteria_values.score_date = account_score_dates.score_date

),

scorecard_criteria as (

    select
        criteria_values.account_id,
        criteria_values.score_date,
        criteria_values.segment,
        criteria_values.scorecard,
        weights.criterion,
        weights.weight,
        criteria_values.raw_value,
        coalesce(source_checks.source_status, criteria_values.status) as status,
        criteria_values.fixed_score,
        -- an unconnected source's reason is the evidence, written for as_of_date only
        case
            when source_checks.source_status is null then criteria_values.evidence
            when criteria_values.score_date = {{ as_of_date() }} then source_checks.source_reason
        end as evidence,
        source_checks.source_status is not null as is_unconnected,
        criteria_config.normalisation_method,
        criteria_config.zero_at,
        criteria_config.full_at,
        criteria_config.missing_policy,
        criteria_config.missing_score,
        criteria_config.redistribute_to,
        criteria_values.status in ('no_data', 'silent') as is_missing,
        criteria_values.status = 'insufficient_history' as is_insufficient,
        source_checks.source_status is null
        and criteria_config.normalisation_method = 'percentile'
        and criteria_values.fixed_score is null
        and criteria_values.status not in ('no_data', 'silent', 'insufficient_history')
        and criteria_values.raw_value is not null as is_ranked
    from criteria_scoped as criteria_values
    inner join weights
        on criteria_values.scorecard = weights.scorecard
        and criteria_values.criterion = weights.criterion
    inner join criteria_config
        on weights.criterion = criteria_config.criterion
    left join source_checks
        on criteria_values.score_date = source_checks.score_date
        and weights.criterion = source_checks.criterion

),

-- the percentile is ranked over the few columns it needs, then joined back:
-- a window over every column of every row was most of this model's cost
percentiles as (

    select
        account_id,
        score_date,
        criterion,
        {{ percentile_score('raw_value', 'score_date, criterion, segment') }} as percentile_value
    from scorecard_criteria
    where is_ranked

),

normalised as (

    select
        scorecard_criteria.*,
        case
            when scorecard_criteria.is_unconnected then null
            when scorecard_criteria.fixed_score is not null then scorecard_criteria.fixed_score
            when scorecard_criteria.is_insufficient then null
            when scorecard_criteria.is_missing and scorecard_criteria.missing_policy = 'fixed'
                then scorecard_criteria.missing_score
            when scorecard_criteria.is_missing then null
            when scorecard_criteria.raw_value is null then null
            when scorecard_criteria.normalisation_method = 'linear'
                then {{ linear_score('scorecard_criteria.raw_value', 'scorecard_criteria.zero_at', 'scorecard_criteria.full_at') }}
        end as linear_or_fixed_score,
        percentiles.percentile_value
    from scorecard_criteria
    left join percentiles
        on scorecard_criteria.account_id = percentiles.account_id
        and scorecard_criteria.score_date = percentiles.score_date
        and scorecard_criteria.criterion = percentiles.criterion

),

with_overrides as (

    select
        normalised.*,
        overrides.override_score,
        overrides.reason as override_reason,
        overrides.author as override_author,
        -- rounded so that float noise (parallel sums) cannot change a score between builds
        cast({{ round_to('coalesce(normalised.linear_or_fixed_score, normalised.percentile_value)', 6) }} as {{ type_double() }}) as computed_score
    from normalised
    left join overrides
        on normalised.account_id = overrides.account_id
        and normalised.criterion = overrides.criterion
        and normalised.score_date = overrides.score_date

),

final as (

    select
        with_overrides.account_id,
        with_overrides.score_date,
        with_overrides.scorecard,
        with_overrides.criterion,
        with_overrides.weight,
        with_overrides.redistribute_to,
        with_overrides.raw_value,
        with_overrides.status,
        with_overrides.evidence,
        with_overrides.computed_score,
        coalesce(with_overrides.override_score, with_overrides.computed_score) as criterion_score,
        {{ score_grade('coalesce(with_overrides.override_score, with_overrides.computed_score)') }} as grade,
        with_overrides.override_score is not null as is_overridden,
        with_overrides.override_reason,
        with_overrides.override_author,
        coalesce(with_overrides.override_score, with_overrides.computed_score) is not null as is_included

    from with_overrides

)

select * from final
