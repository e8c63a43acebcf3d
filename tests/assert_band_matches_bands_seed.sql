{#-
    Every health_score band is the band of seed health_bands whose inclusive
    [min_score, max_score] holds the score, with its label and colour; the
    band is insufficient_data if and only if the score is null. A score held
    by no band, or by two, fails. Returns the offending accounts.
-#}
{{ config(severity='error') }}

with

scores as (

    select
        account_id,
        health_score,
        band,
        band_label,
        band_color
    from {{ ref('health_score') }}

),

bands as (

    select
        band,
        min_score,
        max_score,
        label,
        color
    from {{ customer_health_config('health_bands') }}

),

matched as (

    select
        scores.account_id,
        scores.health_score,
        scores.band,
        scores.band_label,
        scores.band_color,
        count(bands.band) as matching_band_count,
        max(bands.band) as expected_band,
        max(bands.label) as expected_label,
        max(bands.color) as expected_color
    from scores
    left join bands
        on scores.health_score between bands.min_score and bands.max_score
    group by 1, 2, 3, 4, 5

),

final as (

    select *
    from matched
    where
        case
            when health_score is null
                then band is distinct from 'insufficient_data'
            else matching_band_count <> 1
                or band is distinct from expected_band
                or band_label is distinct from expected_label
                or band_color is distinct from expected_color
        end

)

select * from final
