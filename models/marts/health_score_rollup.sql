{#-
    Parent accounts' roll-up at as_of_date: one row per account with at least
    one descendant (any depth) in the checked hierarchy
    (int_account_hierarchy_checked: cycles, missing parents and chains deeper
    than var hierarchy_max_depth are set aside there, never looped over).
    Ancestry is followed with hierarchy_max_depth bounded self-joins.
    The group is the account's descendants, plus the account itself when var
    rollup_include_parent is true (the default: a parent is usually also a
    working account with its own usage). Members in insufficient_data, and
    descendants not scored on the date, are left out of the roll-up and
    counted. var rollup_method:
    - arr_weighted (default): sum(score x ARR) / sum(ARR) over the members
      with a score and an ARR above 0; the plain mean when none has one;
    - mean: the plain mean of the members' scores;
    - worst: the lowest score.
    The rolled-up score is rounded to a whole number and banded like a score.
-#}
{%- set max_depth = var('hierarchy_max_depth') | int %}
{%- set method = var('rollup_method') %}
{%- if method not in ['arr_weighted', 'mean', 'worst'] -%}
    {{ exceptions.raise_compiler_error("var rollup_method must be arr_weighted, mean or worst, got '" ~ method ~ "'") }}
{%- endif %}
{%- set include_parent = var('rollup_include_parent') | string | lower in ['true', '1', 'yes'] %}
{%- set descendant_rows = [] %}
{%- for level in range(1, max_depth + 1) %}
    {%- do descendant_rows.append('select ancestor_' ~ level ~ ' as ancestor_id, account_id as descendant_id from chained where ancestor_' ~ level ~ ' is not null') %}
{%- endfor %}

with

links as (

    select
        account_id,
        kept_parent_account_id as parent_id
    from {{ ref('int_account_hierarchy_checked') }}

),

accounts as (

    select
        account_id,
        arr_amount
    from {{ ref('int_accounts_scoped') }}

),

scores as (

    select
        account_id,
        score_date,
        health_score,
        band
    from {{ ref('int_health_scores_computed') }}
    where score_date = {{ as_of_date() }}

),

bands as (

    select
        band,
        min_score,
        max_score
    from {{ customer_health_config('health_bands') }}

),

chained as (

    select
        links.account_id,
        {%- for level in range(max_depth, 1, -1) %}
            step_{{ level }}.parent_id as ancestor_{{ level }},
        {%- endfor %}
        links.parent_id as ancestor_1
    from links
    {%- for level in range(2, max_depth + 1) %}
        left join links as step_{{ level }}
            on {{ 'links.parent_id' if level == 2 else 'step_' ~ (level - 1) ~ '.parent_id' }} = step_{{ level }}.account_id
    {%- endfor %}

),

-- (ancestor, descendant) at every depth
descendants as (

    {{ descendant_rows | join(' union all ') }}

),

parents as (

    select distinct ancestor_id as account_id from descendants

),

members as (

    select
        ancestor_id as account_id,
        descendant_id as member_id,
        true as is_descendant
    from descendants

    {%- if include_parent %}

        union all

        select
            account_id,
            account_id as member_id,
            false as is_descendant
        from parents
    {%- endif %}

),

member_scores as (

    select
        members.account_id,
        members.member_id,
        members.is_descendant,
        scores.health_score,
        scores.band,
        accounts.arr_amount,
        scores.account_id is not null as is_scored_today
    from members
    left join scores
        on members.member_id = scores.account_id
    left join accounts
        on members.member_id = accounts.account_id

),

worst_ranked as (

    select
        account_id,
        member_id,
        health_score,
        row_number() over (partition by account_id order by health_score asc, member_id asc) as worst_rank
    from member_scores
    where is_descendant and health_score is not null

),

aggregated as (

    select
        account_id,
        sum(case when is_descendant then 1 else 0 end) as descendants,
        sum(case when is_descendant and health_score is not null then 1 else 0 end) as descendants_scored,
        sum(case when is_descendant and band = 'insufficient_data' then 1 else 0 end) as descendants_insufficient_data,
        sum(case when is_descendant and not is_scored_today then 1 else 0 end) as descendants_not_scored,
        sum(case when is_descendant and band = 'churn_risk' then 1 else 0 end) as descendants_churn_risk,
        sum(case when is_descendant and is_scored_today then arr_amount end) as descendants_arr,
        max(case when not is_descendant then health_score end) as own_score,
        sum(case when health_score is not null then 1 else 0 end) as members_scored,
        sum(case when health_score is not null and arr_amount > 0 then health_score * arr_amount end) as weighted_sum,
        sum(case when health_score is not null and arr_amount > 0 then arr_amount end) as weight_total,
        avg(health_score * 1.0) as mean_score,
        min(health_score) as worst_score
    from member_scores
    group by 1

),

rolled as (

    select
        aggregated.*,
        {%- if method == 'arr_weighted' %}
            case
                when aggregated.weight_total > 0 then cast(round(aggregated.weighted_sum / aggregated.weight_total) as {{ dbt.type_int() }})
                else cast(round(aggregated.mean_score) as {{ dbt.type_int() }})
            end as rolled_up_score
        {%- elif method == 'mean' %}
        cast(round(mean_score) as {{ dbt.type_int() }}) as rolled_up_score
        {%- else %}
        worst_score as rolled_up_score
        {%- endif %}
    from aggregated

),

final as (

    select
        rolled.account_id,
        {{ as_of_date() }} as score_date,
        '{{ method }}' as rollup_method,
        {{ 'true' if include_parent else 'false' }} as includes_own_score,
        rolled.own_score,
        cast(rolled.descendants as {{ dbt.type_int() }}) as descendants,
        cast(rolled.descendants_scored as {{ dbt.type_int() }}) as descendants_scored,
        cast(rolled.descendants_insufficient_data as {{ dbt.type_int() }}) as descendants_insufficient_data,
        cast(rolled.descendants_not_scored as {{ dbt.type_int() }}) as descendants_not_scored,
        cast(rolled.descendants_churn_risk as {{ dbt.type_int() }}) as descendants_churn_risk,
        cast(rolled.descendants_arr as decimal(28, 6)) as descendants_arr,
        cast(rolled.members_scored as {{ dbt.type_int() }}) as members_scored,
        rolled.rolled_up_score,
        worst_ranked.member_id as worst_descendant_id,
        worst_ranked.health_score as worst_descendant_score,
        coalesce(bands.band, 'insufficient_data') as rolled_up_band

    from rolled
    left join bands
        on rolled.rolled_up_score between bands.min_score and bands.max_score
    left join worst_ranked
        on rolled.account_id = worst_ranked.account_id
        and worst_ranked.worst_rank = 1

)

select * from final
