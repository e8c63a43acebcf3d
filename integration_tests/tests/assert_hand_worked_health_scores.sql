-- The score, band and coverage of every account of the scenario (var it_scenario) equal
-- the ones worked out by hand (seeds/expected/expected_health_score.csv; the working in
-- docs/package.md, "Worked examples"). A row returned is a difference.
{%- set tolerance = 0.000001 %}

with

expected as (

    select account_id, health_score, band, coverage_pct
    from {{ ref('expected_health_score') }}
    where scenario = '{{ var("it_scenario") }}'

),

actual as (

    select account_id, health_score, band, coverage_pct
    from {{ ref('customer_health', 'health_score') }}

)

select
    coalesce(expected.account_id, actual.account_id) as account_id,
    expected.health_score as expected_health_score,
    actual.health_score as actual_health_score,
    expected.band as expected_band,
    actual.band as actual_band,
    expected.coverage_pct as expected_coverage_pct,
    actual.coverage_pct as actual_coverage_pct
from expected
full outer join actual
    on expected.account_id = actual.account_id
where expected.account_id is null
    or actual.account_id is null
    or expected.health_score is distinct from actual.health_score
    or expected.band is distinct from actual.band
    or abs(expected.coverage_pct - actual.coverage_pct) > {{ tolerance }}
