-- Each hand-worked criterion row of the scenario (var it_scenario;
-- seeds/expected/expected_criterion_points.csv, the working in docs/package.md,
-- "Worked examples") has the package's status, raw value, criterion score, effective
-- weight and points, as the mart shows them (criterion_score to 2 decimals, raw value to 6,
-- weight and points to 4; the hand-worked values carry 6). A row returned is a
-- difference (or a row not found).
{%- set digits = {'raw_value': 6, 'criterion_score': 2, 'effective_weight': 4, 'points': 4} %}
{%- set numbers = digits.keys() | list %}

with

expected as (

    select account_id, criterion, status, {{ numbers | join(', ') }}
    from {{ ref('expected_criterion_points') }}
    where scenario = '{{ var("it_scenario") }}'

),

actual as (

    select account_id, criterion, status, {{ numbers | join(', ') }}
    from {{ ref('customer_health', 'health_score_criteria') }}

)

select
    expected.account_id,
    expected.criterion,
    expected.status as expected_status,
    actual.status as actual_status
    {%- for n in numbers %},
    expected.{{ n }} as expected_{{ n }},
    actual.{{ n }} as actual_{{ n }}
    {%- endfor %}
from expected
left join actual
    on expected.account_id = actual.account_id
    and expected.criterion = actual.criterion
where actual.account_id is null
    or expected.status is distinct from actual.status
    {%- for n in numbers %}
    or (expected.{{ n }} is null) <> (actual.{{ n }} is null)
    or abs(round(expected.{{ n }}, {{ digits[n] }}) - actual.{{ n }}) > 0.000000001
    {%- endfor %}
