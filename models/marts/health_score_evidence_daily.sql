{#-
    The evidence text of each criterion as shown on the day it was the scoring
    date, one row per account, score date and criterion. The criteria write
    evidence for as_of_date only (building text for every day of history was a
    large share of the scoring cost), so each run stores that one date
    (delete+insert by score_date); a date scored only as history (a first
    build's backfill, a recomputed day) keeps the evidence of the run that had
    it as its scoring date, or has none. health_score_changes shows it as the
    evidence "then".
-#}
{{ config(
    materialized='incremental',
    unique_key='score_date',
    incremental_strategy=date_replace_strategy(),
    partition_by=date_partitions('score_date'),
    on_schema_change='fail'
) }}

with

criteria_points as (

    select
        account_id,
        score_date,
        criterion,
        evidence
    from {{ ref('int_criterion_points_allocated') }}
    where score_date = {{ as_of_date() }}
        and evidence is not null

),

final as (

    select
        account_id,
        score_date,
        criterion,
        evidence

    from criteria_points

)

select * from final
