{#-
    The backtest's settings and its two rank statistics (models/marts/backtest).
    Definitions and defaults: DECISIONLOG.md, "Backtest marts".
-#}

{#- The horizons (days) the backtest reports: var backtest_horizon_days, then
    var backtest_extra_horizon_days, each once, every one a whole number >= 1. -#}
{% macro backtest_horizons() -%}
    {%- set extra = var('backtest_extra_horizon_days') -%}
    {%- if extra is string -%}
        {%- set extra = fromjson(extra) if extra | trim else [] -%}
    {%- endif -%}
    {%- set horizons = [] -%}
    {%- for value in [var('backtest_horizon_days')] + (extra | list) -%}
        {%- if not ((value | string) | trim).isdigit() or (value | int) < 1 -%}
            {{ exceptions.raise_compiler_error("backtest horizons (vars backtest_horizon_days, backtest_extra_horizon_days) must be whole numbers of days >= 1, got " ~ value) }}
        {%- endif -%}
        {%- if (value | int) not in horizons -%}{%- do horizons.append(value | int) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(horizons) }}
{%- endmacro %}

{#- The days between two evaluation dates (var backtest_evaluation_every_days, >= 1). -#}
{% macro backtest_every_days() -%}
    {%- set every = var('backtest_evaluation_every_days') -%}
    {%- if not ((every | string) | trim).isdigit() or (every | int) < 1 -%}
        {{ exceptions.raise_compiler_error("var backtest_evaluation_every_days must be a whole number of days >= 1, got " ~ every) }}
    {%- endif -%}
    {{ return(every | int) }}
{%- endmacro %}

{#- True when a date is on the evaluation grid: a whole number of
    backtest_every_days() after 1970-01-05 (a Monday), so the grid does not
    move from one run to the next. -#}
{% macro is_backtest_evaluation_date(date_expr) -%}
    {{ days_between("cast('1970-01-05' as date)", date_expr) }} % {{ backtest_every_days() }} = 0
{%- endmacro %}

{#-
    A query: the AUC of a risk measure for a yes/no outcome, per group, by the
    rank (Mann-Whitney) formula with ties counted half. Each row of `source`
    is ranked by `risk` within its group (mid-ranks: tied rows share the mean of
    their ranks); with n1 positive rows (the outcome happened) and n0 negative:
    auc = (sum of the positives' mid-ranks - n1 (n1 + 1) / 2) / (n1 n0),
    the probability that a random positive has a higher risk than a random
    negative, ties counting half. Null when a group has no positive or no
    negative row. Columns: the group columns, auc, positives, negatives.
-#}
{% macro rank_auc(source, group_columns, risk, is_positive) -%}
    {%- set groups = group_columns | join(', ') -%}
    {#- group by ordinals, as the models do (sqlfluff AM06: one style per query) -#}
    {%- set group_ordinals = range(1, group_columns | length + 1) | join(', ') -%}
    select
        {{ groups }},
        case
            when sum(case when {{ is_positive }} then 1 else 0 end) > 0
                and sum(case when {{ is_positive }} then 0 else 1 end) > 0
                then (
                    sum(case when {{ is_positive }} then mid_rank else 0 end)
                    - sum(case when {{ is_positive }} then 1 else 0 end)
                    * (sum(case when {{ is_positive }} then 1 else 0 end) + 1) / 2.0
                ) / (
                    cast(sum(case when {{ is_positive }} then 1 else 0 end) as {{ type_double() }})
                    * sum(case when {{ is_positive }} then 0 else 1 end)
                )
        end as auc,
        sum(case when {{ is_positive }} then 1 else 0 end) as positives,
        sum(case when {{ is_positive }} then 0 else 1 end) as negatives
    from (
        select
            {{ groups }},
            {{ is_positive }} as {{ is_positive }},
            cast(rank() over (partition by {{ groups }} order by {{ risk }}) as {{ type_double() }})
            + (count(*) over (partition by {{ groups }}, {{ risk }}) - 1) / 2.0 as mid_rank
        from {{ source }}
    ) as ranked
    group by {{ group_ordinals }}
{%- endmacro %}

{#-
    A query: the Kolmogorov-Smirnov statistic between the score distributions
    of the positive and the negative rows, per group: the largest gap, over
    every score value s, between the share of positives scoring <= s and the
    share of negatives scoring <= s (0 = the same distribution, 1 = fully
    separated). Null when a group has no positive or no negative row. Columns:
    the group columns, ks.
-#}
{% macro ks_statistic(source, group_columns, score, is_positive) -%}
    {%- set groups = group_columns | join(', ') -%}
    {%- set group_ordinals = range(1, group_columns | length + 1) | join(', ') -%}
    {%- set score_ordinal = group_columns | length + 1 -%}
    select
        {{ groups }},
        max(
            case
                when total_positives > 0 and total_negatives > 0
                    then abs(
                        cast(cumulative_positives as {{ type_double() }}) / total_positives
                        - cast(cumulative_negatives as {{ type_double() }}) / total_negatives
                    )
            end
        ) as ks
    from (
        select
            {{ groups }},
            sum(positives) over (
                partition by {{ groups }} order by score_value rows between unbounded preceding and current row
            ) as cumulative_positives,
            sum(negatives) over (
                partition by {{ groups }} order by score_value rows between unbounded preceding and current row
            ) as cumulative_negatives,
            sum(positives) over (partition by {{ groups }}) as total_positives,
            sum(negatives) over (partition by {{ groups }}) as total_negatives
        from (
            select
                {{ groups }},
                {{ score }} as score_value,
                sum(case when {{ is_positive }} then 1 else 0 end) as positives,
                sum(case when {{ is_positive }} then 0 else 1 end) as negatives
            from {{ source }}
            group by {{ group_ordinals }}, {{ score_ordinal }}
        ) as by_score
    ) as cumulative
    group by {{ group_ordinals }}
{%- endmacro %}
