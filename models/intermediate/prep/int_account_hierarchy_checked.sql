{#-
    The account hierarchy made safe to roll up, one row per account
    (DECISIONLOG "Hierarchy roll-up"). Ancestry is followed with a bounded
    number of self-joins (var hierarchy_max_depth), never a recursive query
    (Spark has none), so nothing is looped over:
    1. an account whose parent chain comes back to itself within
       hierarchy_max_depth + 1 steps is on a cycle: hierarchy_problem
       `parent_cycle`, its parent link is set aside (kept_parent_account_id
       null), so every account of the cycle becomes a top-level account for
       roll-ups;
    2. with those links set aside, an account with more than
       hierarchy_max_depth ancestors (a chain too deep, or one entering a
       cycle longer than the bound) is `hierarchy_too_deep` and its link is
       set aside too;
    3. a parent that is not an account is `missing_parent` (staging already
       sets unknown parents to null and lists them in rejected_rows as
       unknown_parent; this catches any other way in).
    marts.rejected_rows lists problems 1 and 2 (severity repaired); the
    accounts keep their own scores.
-#}
{%- set max_depth = var('hierarchy_max_depth') | int %}
{%- if max_depth < 1 -%}
    {{ exceptions.raise_compiler_error("var hierarchy_max_depth must be a whole number >= 1, got '" ~ var('hierarchy_max_depth') ~ "'") }}
{%- endif %}

with

accounts as (

    select
        account_id,
        parent_account_id
    from {{ ref('int_accounts_scoped') }}

),

linked as (

    select
        accounts.account_id,
        accounts.parent_account_id,
        case when parents.account_id is not null then accounts.parent_account_id end as known_parent_id,
        accounts.parent_account_id is not null and parents.account_id is null as is_missing_parent
    from accounts
    left join accounts as parents
        on accounts.parent_account_id = parents.account_id

),

-- pass 1: the ancestors 1 .. max_depth + 1 over every known link
chained as (

    select
        linked.account_id,
        {%- for level in range(max_depth + 1, 1, -1) %}
            step_{{ level }}.known_parent_id as ancestor_{{ level }},
        {%- endfor %}
        linked.known_parent_id as ancestor_1
    from linked
    {%- for level in range(2, max_depth + 2) %}
        left join linked as step_{{ level }}
            on {{ 'linked.known_parent_id' if level == 2 else 'step_' ~ (level - 1) ~ '.known_parent_id' }} = step_{{ level }}.account_id
    {%- endfor %}

),

cycle_checked as (

    select
        linked.*,
        coalesce(
            {%- for level in range(1, max_depth + 2) %}
                chained.ancestor_{{ level }} = linked.account_id{{ ' or' if not loop.last }}
            {%- endfor %},
            false
        ) as is_on_cycle
    from linked
    inner join chained
        on linked.account_id = chained.account_id

),

-- pass 2: the links left once every cycle is cut; an ancestor at max_depth + 1 means too deep
cut as (

    select
        account_id,
        case when not is_on_cycle then known_parent_id end as cut_parent_id
    from cycle_checked

),

depth_checked as (

    select
        cut.account_id,
        cut.cut_parent_id,
        step_{{ max_depth + 1 }}.cut_parent_id is not null as is_too_deep
    from cut
    {%- for level in range(2, max_depth + 2) %}
        left join cut as step_{{ level }}
            on {{ 'cut.cut_parent_id' if level == 2 else 'step_' ~ (level - 1) ~ '.cut_parent_id' }} = step_{{ level }}.account_id
    {%- endfor %}

),

final as (

    select
        cycle_checked.account_id,
        cycle_checked.parent_account_id,
        case
            when cycle_checked.is_on_cycle or depth_checked.is_too_deep then null
            else depth_checked.cut_parent_id
        end as kept_parent_account_id,
        case
            when cycle_checked.is_missing_parent then 'missing_parent'
            when cycle_checked.is_on_cycle then 'parent_cycle'
            when depth_checked.is_too_deep then 'hierarchy_too_deep'
        end as hierarchy_problem,
        case
            when cycle_checked.is_missing_parent
                then 'parent_account_id ' || cycle_checked.parent_account_id || ' is not an account; left out of roll-ups'
            when cycle_checked.is_on_cycle
                then 'the parent chain from parent_account_id ' || cycle_checked.parent_account_id
                    || ' comes back to this account; the link is left out of roll-ups'
            when depth_checked.is_too_deep
                then 'more than {{ max_depth }} ancestors (var hierarchy_max_depth); the link to parent_account_id '
                    || cycle_checked.parent_account_id || ' is left out of roll-ups'
        end as hierarchy_detail

    from cycle_checked
    inner join depth_checked
        on cycle_checked.account_id = depth_checked.account_id

)

select * from final
